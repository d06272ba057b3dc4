"""The portal's HoSo items read from the database (hoso.full / hoso.progress, ADR 0027), per dossier, in
the batches of 100 the portal transport sends, against a floor measured in the same run: the same rows
read as plain tuples (dossier rows, events, papers, fees, results; no item built) plus the JSON encoding
of the built items (which the transport pays anyway).

Each dossier: counter reception, hand-over to the department, a supplement asked and answered, one
paper, two fees, one of them paid (7 events). Target: well under 1 ms per dossier, so that building costs
a small share of a 1,000 changes/s relay.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta

from benchmarks.common import setup_django

DOSSIERS = int(os.environ.get("BENCH_HOSO_N", "1000"))
BATCH = 100
ROUNDS = int(os.environ.get("BENCH_HOSO_ROUNDS", "7"))


def build(n: int) -> list[int]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from benchmarks.bench_intake import COUNTER_BODY
    from benchmarks.bench_intake import build as directory
    from motcua.core.formatting import LOCAL_TZ
    from motcua.directory.models import Agency, Role, StaffAssignment
    from motcua.dossiers import files, services

    settings.PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-hoso-")
    _citizen, officer, _centre = directory()
    specialist = get_user_model().objects.create_user(
        "chuyenvien", password=None, first_name="Hùng", last_name="Lê Văn"
    )
    StaffAssignment.objects.create(
        user=specialist,
        agency=Agency.objects.get(identifier="000.00.15.H40"),
        role=Role.SPECIALIST,
        title="Chuyên viên",
    )
    from weasyprint import HTML

    pdf = HTML(string="<p>Tờ khai</p>").write_pdf()  # one valid paper, uploaded with every dossier
    base = datetime(2025, 8, 4, 8, tzinfo=LOCAL_TZ)
    ids = []
    for i in range(n):
        at = base + timedelta(days=7 * (i // 50), minutes=i % 50)
        d = services.submit_dossier(officer, COUNTER_BODY, at=at)
        files.attach(
            officer, d.code, SimpleUploadedFile("to-khai.pdf", pdf, "application/pdf"), component="TP1", at=at
        )
        services.perform(officer, d.code, "forward", at=at + timedelta(hours=1))
        services.perform(
            specialist,
            d.code,
            "request_supplement",
            at=at + timedelta(hours=2),
            reason="Thiếu",
            items=["Giấy chứng sinh"],
        )
        services.perform(officer, d.code, "supplement", at=at + timedelta(hours=3))
        services.perform(specialist, d.code, "request_payment", at=at + timedelta(hours=4), amount=50000)
        services.perform(officer, d.code, "pay", at=at + timedelta(hours=5), method="cash")
        ids.append(d.pk)
    return ids


def floor(ids: list[int]) -> None:
    from motcua.documents.models import Result
    from motcua.dossiers.models import Dossier, DossierEvent, DossierFee, DossierFile

    list(Dossier.objects.filter(pk__in=ids).values_list())
    list(DossierEvent.objects.filter(dossier_id__in=ids).values_list())
    list(DossierFile.objects.filter(dossier_id__in=ids).values_list())
    list(DossierFee.objects.filter(dossier_id__in=ids).values_list())
    list(Result.objects.filter(dossier_id__in=ids).values_list())


def main() -> int:
    label = setup_django()
    from django.core.serializers.json import DjangoJSONEncoder

    from motcua.integrations.dvcqg import hoso

    t0 = time.perf_counter()
    ids = build(DOSSIERS)
    print(
        f"  {label}: {DOSSIERS} dossiers of 7 events built in {time.perf_counter() - t0:.1f} s; batches of {BATCH}"
    )
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    encoded = {}

    def encode(states) -> None:
        encoded["size"] = len(json.dumps([s.item for s in states.values()], cls=DjangoJSONEncoder))

    def run(fn) -> float:
        start = time.perf_counter()
        for batch in batches:
            fn(batch)
        return (time.perf_counter() - start) * 1000 / len(ids)

    paths = {
        "floor: rows as tuples + JSON of the items": lambda b: (floor(b), encode(hoso.full(b[:0]) or {})),
        "full (DongBoHoSoMC), incl. JSON": lambda b: encode(hoso.full(b)),
        "progress (CapNhatTienDoHoSoMC), incl. JSON": lambda b: encode(hoso.progress(dict.fromkeys(b, 5))),
    }
    items = hoso.full(batches[0])
    json_ms = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        json.dumps([s.item for s in items.values()], cls=DjangoJSONEncoder)
        json_ms.append((time.perf_counter() - start) * 1000 / len(items))
    results = {name: [] for name in paths}
    for _ in range(ROUNDS):
        for name, fn in paths.items():
            results[name].append(run(fn))
    results["floor: rows as tuples + JSON of the items"] = [
        f + j for f, j in zip(results["floor: rows as tuples + JSON of the items"], json_ms, strict=True)
    ]
    base = statistics.median(results["floor: rows as tuples + JSON of the items"])
    for name, values in results.items():
        ms = statistics.median(values)
        print(f"  {name:<46} {ms:7.3f} ms/dossier  ({1000 / ms:8.0f} dossiers/s)  x{ms / base:4.1f} floor")
    full_ms = statistics.median(results["full (DongBoHoSoMC), incl. JSON"])
    size = len(json.dumps([s.item for s in items.values()], cls=DjangoJSONEncoder)) / len(items)
    print(
        f"  one full item: {size / 1024:.1f} kB of JSON; target < 1 ms/dossier: {'met' if full_ms < 1 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
