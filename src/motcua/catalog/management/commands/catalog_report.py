"""motcua catalog_report: missing constituent parts and Decision 766 indicators 1.1-1.3 of the catalogue."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from motcua.catalog import quality
from motcua.catalog.io import catalog_records
from motcua.catalog.national import national_sources
from motcua.core.formatting import day
from motcua.core.management.base import MotcuaCommand, UsageError

CSV_HEADER = [
    "code",
    "name",
    "source",
    "publication_state",
    "missing_parts",
    "recommended_missing",
    "announcement_status",
    "announcement_deadline",
    "publication_status",
    "publication_deadline",
]


def _letters(parts: list[dict]) -> str:
    return ", ".join(p["letter"] for p in parts)


def _status(t: dict) -> str:
    label = quality.STATUS_LABELS[t["status"]]
    return f"{label} (hạn {day(t['deadline'])})" if t["deadline"] else label


def render_text(rows: list[dict], summary: dict) -> str:
    lines = [f"{'Mã':<9} {'Thiếu a–g':<14} {'1.1 công bố':<28} {'1.2 công khai':<28} Tên thủ tục"]
    for r in rows:
        # Imported from the national database: also what it could not give (fees, results, conditions).
        extra = (
            f" [CSDLQG; thiếu thêm: {', '.join(p['label'] for p in r['recommended_missing'])}]"
            if r["source"] != quality.LOCAL and r["recommended_missing"]
            else " [CSDLQG]"
            if r["source"] != quality.LOCAL
            else ""
        )
        lines.append(
            f"{r['code']:<9} {_letters(r['missing']) or '–':<14} {_status(r['announcement']):<28} "
            f"{_status(r['publication']):<28} {r['name']}{extra}"
        )
    lines.append("")
    lines.append(
        "Bộ phận cấu thành (Nghị định 63/2010, Điều 8): "
        + "; ".join(f"{k}) {v}" for k, v in quality.PARTS_A_G)
    )
    lines.append(
        f"Số thủ tục: {summary['procedures']}; chưa đến hạn công khai: {summary['pending_publication']}"
    )
    for i in summary["indicators"]:
        lines.append(
            f"Chỉ số {i['indicator']} {i['name']}: {i['numerator']}/{i['denominator']} = "
            f"{i['ratio']:.2f}% → {i['score']:.2f}/{i['max_score']} điểm"
        )
    lines.append(f"Tổng: {summary['score']:.2f}/{summary['max_score']} điểm")
    return "\n".join(lines) + "\n"


def render_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow(
            [
                r["code"],
                r["name"],
                r["source"],
                r["publication_state"],
                _letters(r["missing"]),
                _letters(r["recommended_missing"]),
                r["announcement"]["status"],
                (r["announcement"]["deadline"] or "") and r["announcement"]["deadline"].isoformat(),
                r["publication"]["status"],
                (r["publication"]["deadline"] or "") and r["publication"]["deadline"].isoformat(),
            ]
        )
    return out.getvalue()


class Command(MotcuaCommand):
    help = (
        "Báo cáo danh mục thủ tục: bộ phận cấu thành còn thiếu (a–g) và chỉ số 766 nhóm Công khai, minh "
        "bạch 1.1, 1.2, 1.3."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("text", "csv"), default="text")
        parser.add_argument("--output", metavar="FILE", help="ghi ra tệp thay vì màn hình")
        parser.add_argument(
            "--level",
            choices=quality.AGENCY_LEVELS,
            default="province",
            help="cấp cơ quan công bố: province (5 ngày làm việc) hoặc ministry (20/10)",
        )
        parser.add_argument(
            "--national",
            action="store_true",
            help="chỉ các thủ tục nhập từ CSDLQG về TTHC (xem còn thiếu gì)",
        )

    def handle(
        self,
        *args,
        format: str = "text",
        output: str | None = None,
        level: str = "province",
        national: bool = False,
        **opts,
    ):
        sources = national_sources()
        records = catalog_records() if not national else catalog_records(sorted(sources)) if sources else []
        rows = quality.completeness_report(records, agency_level=level, sources=sources)
        summary = quality.summarise(rows)
        text = render_text(rows, summary) if format == "text" else render_csv(rows)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            # CSV with a BOM so that Excel shows the Vietnamese names correctly.
            Path(output).write_text(text, encoding="utf-8-sig" if format == "csv" else "utf-8", newline="")
        except OSError as exc:
            raise UsageError(f"Không ghi được tệp {output}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Đã ghi báo cáo {summary['procedures']} thủ tục vào {output}; "
            f"tổng {summary['score']:.2f}/{summary['max_score']} điểm."
        )
