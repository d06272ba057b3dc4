"""Content Security Policy on every response except PDFs (settings.CONTENT_SECURITY_POLICY; docs/adr/0007).

Chromium renders a PDF in its own viewer, which the PDF response's policy would block (`object-src 'none'`,
no inline styles: crbug.com/271452). A PDF runs no page script, so it loses nothing by going without.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware


class DocumentCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if response.get("Content-Type", "").split(";")[0].strip().lower() == "application/pdf":
            return response
        return super().process_response(request, response)
