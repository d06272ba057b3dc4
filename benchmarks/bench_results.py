"""Electronic results (ADR 0019): what issuing one result costs inside the `complete` transaction, and
what verifying it costs, on the same data.

* render: `issuing.result_data` + `render.result_pdf` (template, QR code, WeasyPrint PDF/A-3b);
* sign: the local signer's PAdES signature (pyHanko, RSA 2048, key cached) of that PDF;
* render + sign: both, as `complete` pays them;
* verify: `pades.check` of the signed file against the trust roots (what GET /results/{code}/verify does
  beyond one row read and the SHA-256);
* the floor: a one-line A5 PDF through the same engine (what any PDF costs here).

Printed: p50/p95 and the signed PDF's size.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from benchmarks.bench_intake import BODY, build
from benchmarks.common import report, sample, setup_django

N = int(os.environ.get("BENCH_RESULTS_N", "20"))


def main() -> int:
    label = setup_django()
    from django.conf import settings

    from motcua.core.formatting import LOCAL_TZ
    from motcua.documents import issuing, render, signing
    from motcua.documents.signing import democa, pades
    from motcua.dossiers import services
    from motcua.dossiers.models import Dossier

    settings.MOTCUA_SIGNING_DIR = Path(tempfile.mkdtemp(prefix="bench-signing-"))
    _citizen, officer, _centre = build()
    at = datetime(2025, 8, 1, 8, tzinfo=LOCAL_TZ)
    code = services.submit_dossier(officer, {**BODY, "channel": 1}, at=at).code
    d = Dossier.objects.select_related("procedure", "current_agency").get(code=code)
    democa.enrol_missing(settings.MOTCUA_SIGNING_DIR, [d.current_agency])
    signer, agency = signing.get(), d.current_agency
    roots = signer.trust_roots()

    def data(i: int) -> dict:
        return issuing.result_data(d, "Giấy khai sinh", f"{code}-KQ{i + 1}", at, "Phạm Minh Đức")

    unsigned = render.result_pdf(data(0))

    def rendered(i: int) -> bytes:
        return render.result_pdf(data(i))

    def signed(_i: int) -> bytes:
        return signer.sign(unsigned, agency, reason=issuing.REASON, location="Nghệ An").pdf

    def both(i: int) -> bytes:
        return signer.sign(rendered(i), agency, reason=issuing.REASON, location="Nghệ An").pdf

    one = signed(0)
    assert pades.check(one, roots).valid

    def verified(_i: int) -> bool:
        return pades.check(one, roots).valid

    from weasyprint import HTML

    def floor(_i: int) -> bytes:
        return HTML(string="<p>Kết quả</p>").write_pdf(stylesheets=[render._stylesheet()])

    print(f"  {label}: one result of a counter dossier, {N} runs after warm-up")
    floor_ms = report("floor: one-line A5 PDF (WeasyPrint)", sample(floor, N, warmup=3))
    render_ms = report("render: result PDF/A-3b", sample(rendered, N, warmup=3))
    sign_ms = report("sign: PAdES B-B, RSA 2048 (pyHanko)", sample(signed, N, warmup=3))
    both_ms = report("render + sign (per issued result)", sample(both, N, warmup=3))
    verify_ms = report("verify: signature + trust chain", sample(verified, N, warmup=3))
    print(
        f"  signed PDF {len(one) / 1024:.1f} kB (unsigned {len(unsigned) / 1024:.1f} kB); "
        f"render / floor {render_ms[0] / floor_ms[0]:.1f}x; sign share {sign_ms[0] / both_ms[0]:.0%}; "
        f"verify {verify_ms[0]:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
