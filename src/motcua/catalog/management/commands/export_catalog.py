"""motcua export_catalog FILE [--code C ...] [--published-only]: the catalogue as JSON, CSV or XLSX."""

from __future__ import annotations

import sys

from motcua.catalog.io import export_catalog
from motcua.core.management.base import MotcuaCommand

from ._progress import ProgressLine


class Command(MotcuaCommand):
    help = "Xuất danh mục thủ tục hành chính ra tệp .json, .csv hoặc .xlsx (theo phần mở rộng)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .json, .csv hoặc .xlsx")
        parser.add_argument(
            "--code",
            action="extend",
            nargs="+",
            default=[],
            metavar="C",
            help="chỉ xuất các thủ tục có mã này (lặp lại được)",
        )
        parser.add_argument("--published-only", action="store_true", help="chỉ xuất thủ tục đang công khai")

    def handle(self, *args, file: str, code: list[str], published_only: bool = False, **opts):
        progress = ProgressLine(getattr(self.stderr, "_out", sys.stderr), "Đã đọc")
        try:
            count = export_catalog(file, codes=code or None, published_only=published_only, progress=progress)
        finally:
            progress.close()
        self.stdout.write(f"Đã xuất {count} thủ tục vào {file}.")
