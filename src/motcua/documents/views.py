"""Public pages of electronic results (contract §6, ADR 0019): `/ket-qua/` asks for a result code,
`/ket-qua/{code}/` says whether that result is valid, invalid or revoked, and checks an uploaded copy.

Anyone may use them (the QR code on the paper leads here). They show the result's code and name, the
issuing agency, the signer and signing time, and a revocation's date and reason: never the applicant.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.errors import DomainError, NotFound
from motcua.workspace.access import staff_page

from . import results

MAX_CODE = 80


@require_http_methods(["GET", "HEAD"])
def lookup(request: HttpRequest) -> HttpResponse:
    """A form to type a result code; `?ma=` leads to that result's page."""
    code = "".join(request.GET.get("ma", "").split())[:MAX_CODE]
    if code and code.isprintable() and "/" not in code:
        return redirect(reverse("results:verify", kwargs={"code": code}))
    return render(request, "documents/result_lookup.html", {"code": code})


@require_http_methods(["GET", "HEAD", "POST"])
def result_page(request: HttpRequest, code: str) -> HttpResponse:
    """The verdict on the stored result, or (POST, multipart `file`) on the copy uploaded."""
    from motcua.portal.views import too_many

    context: dict = {"code": code[:MAX_CODE]}
    try:
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                context["upload_error"] = _("Hãy chọn tệp PDF của kết quả cần kiểm tra.")
                verdict = results.verify_stored(request, code)
            else:
                verdict = results.verify_copy(request, code, upload)
                context["checked_copy"] = True
        else:
            verdict = results.verify_stored(request, code)
    except results.Throttled as exc:
        return too_many(request, exc.blocked, "lookup")
    except DomainError as exc:
        status = exc.status if exc.status in (404, 422) else 400
        context["error"] = exc.message
        return render(request, "documents/result_lookup.html", context, status=status)
    context["v"] = verdict
    return render(request, "documents/result_verify.html", context)


@require_POST
@staff_page
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    """The officer dossier page's revoke form (`#revoke-<n>`): back to the dossier's results, saying what
    happened. 404 for whoever may not see the result."""
    try:
        r = results.revoke(request.user, code, request.POST.get("reason"))
    except NotFound:
        raise Http404("result") from None
    except DomainError as exc:
        r = results.Result.objects.select_related("dossier").filter(code=code).first()
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã thu hồi kết quả {code}.").format(code=r.code))
    return redirect(reverse("workspace:dossier", kwargs={"code": r.dossier.code}) + "#results")
