"""Catalogue search at national scale (docs/adr/0025) against an indexed detail lookup in the same run.

Catalogue: `catalog.synthetic` (2,500 procedures with realistic names of 4-45 words and their results,
the real joined-up names first), with full records (cases, steps, channels, components, fees, legal
bases) on the first 1,000 so that the detail floor reads what `GET /procedures/{code}` reads.
Search = what `GET /procedures?q=` asks: `selectors.search_procedures(q)` then `page_of(qs, 1, 20)`
(first page of 20 + the total count), i.e. the generation check, the in-process index, one page read.
Floors:
- "detail": `procedure_detail(code)` + `procedure_to_record` (one indexed row, its field and every part
  prefetched) -- the "indexed detail lookup" of the issue;
- "row": a single `Procedure.objects.select_related("field").get(code=...)`, the cheapest possible read.
Query mix: short words, full pasted names (15+ words), misspellings, result names, synonyms, codes.
"""

from __future__ import annotations

import random
import sys
import time

from benchmarks.common import report, sample, setup_django

N = 2_500
WITH_PARTS = 1_000  # procedures with a full record; the detail floor reads these
PAGE = 20


def add_parts(codes: list[str]) -> None:
    from django.db import transaction

    from motcua.catalog import models as m

    with transaction.atomic():
        procs = list(m.Procedure.objects.filter(code__in=codes[:WITH_PARTS]))
        parts: dict[type, list] = {}
        for p in procs:
            parts.setdefault(m.ProcedureStep, []).extend(
                m.ProcedureStep(procedure=p, order=k, title=f"Bước {k + 1}", description="Nộp hồ sơ " * 20)
                for k in range(4)
            )
            parts.setdefault(m.ProcedureChannel, []).extend(
                m.ProcedureChannel(procedure=p, channel=c, processing_time=5, fee=50_000)
                for c in ("counter", "online")
            )
            parts.setdefault(m.ProcedureComponent, []).extend(
                m.ProcedureComponent(procedure=p, order=k, code=f"TP{k}", name="Tờ khai theo mẫu " * 5)
                for k in range(5)
            )
            parts.setdefault(m.ProcedureForm, []).append(
                m.ProcedureForm(procedure=p, code="M01", name="Tờ khai")
            )
            parts.setdefault(m.ProcedureFee, []).extend(
                m.ProcedureFee(procedure=p, amount=a, description="Lệ phí") for a in (50_000, 100_000)
            )
            parts.setdefault(m.LegalBasis, []).extend(
                m.LegalBasis(procedure=p, number=f"{k}/2024/NĐ-CP", title="Nghị định") for k in range(3)
            )
        for model, objs in parts.items():
            model.objects.bulk_create(objs, batch_size=2000)


def main() -> int:
    label = setup_django()
    from django.db import connection

    from motcua.catalog import synthetic
    from motcua.catalog.models import Procedure
    from motcua.catalog.records import procedure_to_record
    from motcua.catalog.selectors import page_of, procedure_detail, search_procedures

    t0 = time.perf_counter()
    codes = synthetic.load(N)
    add_parts(codes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"  built {len(codes)} procedures in {time.perf_counter() - t0:.1f} s on {label}")

    rnd = random.Random(7)
    picks = [rnd.choice(codes[:WITH_PARTS]) for _ in range(2000)]
    long_names = [e.name for e in synthetic.entries(N) if len(e.name.split()) >= 15]
    kinds = {
        "short": ["khai sinh", "cấp giấy phép", "xay dung", "đăng ký", "ho chieu", "thuong tru"],
        "pasted": [rnd.choice(long_names) for _ in range(6)] + [synthetic.REAL[1][1]],
        "misspelt": [
            "dang ki khai sinh",
            "khai sinhh",
            "dangky ket hon",
            "ddawng kys thuong tru",
            "giay phepp",
        ],
        "result": ["giấy khai sinh", "thẻ căn cước", "giấy phép lái xe", "lý lịch tư pháp"],
        "synonym": ["làm sổ đỏ", "làm căn cước", "passport", "giấy phép kinh doanh", "bằng lái xe"],
        "code": [codes[1234], codes[777][:6]],  # a whole code and a code prefix
    }

    def row_floor(i: int) -> object:
        return Procedure.objects.select_related("field").get(code=picks[i % len(picks)])

    def detail_floor(i: int) -> object:
        return procedure_to_record(procedure_detail(picks[i % len(picks)], published_only=True))

    def page(q: str) -> tuple[list, int]:
        return page_of(search_procedures(q), 1, PAGE)

    from motcua.catalog.selectors import match_of

    page("khai sinh")  # the first search after the load builds the index
    for kind, qs in kinds.items():
        for q in qs:
            items, count = page(q)
            top = f"{items[0].code} [{match_of(items[0].rank)}] {items[0].name[:60]}" if items else "-"
            print(f"  {kind:<8} {q[:40]!r:<44} {count:>5}; first: {top}")
    from motcua.catalog import search_engine

    t0 = time.perf_counter()
    for _ in range(5):
        search_engine.build()
    print(f"  index rebuild after a catalogue change: {(time.perf_counter() - t0) / 5 * 1000:.0f} ms")

    _, row_p95 = report("floor: single row by code (select_related)", sample(row_floor, 400))
    _, detail_p95 = report("floor: detail lookup (GET /procedures/{code})", sample(detail_floor, 300))
    mixed = [q for qs in kinds.values() for q in qs]
    p50, search_p95 = report(
        "search: first page + count, mixed queries",
        sample(lambda i: page(mixed[i % len(mixed)]), 40 * len(mixed)),
    )
    for kind, qs in kinds.items():
        values = sample(lambda i, qs=qs: page(qs[i % len(qs)]), 40 * len(qs), warmup=5)
        report(f"  {kind} ({len(qs)} queries)", values)
    print(f"  ratio p95 search / p95 detail floor: {search_p95 / detail_p95:.2f}x   (target <= 1.5x)")
    print(f"  ratio p95 search / p95 row floor:    {search_p95 / row_p95:.2f}x")
    print(f"  search p95 {search_p95:.1f} ms, p50 {p50:.1f} ms   (target p95 < 20 ms on SQLite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
