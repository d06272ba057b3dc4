"""motcua import_catalog FILE [--publish] [--dry-run]: the procedure catalogue from JSON, CSV or XLSX (also
the national database's list export, merged with local edits), all or nothing."""

from __future__ import annotations

import sys

from motcua.catalog.io import CatalogImportInvalid
from motcua.catalog.services import import_catalog
from motcua.core.management.base import MotcuaCommand, UsageError

from ._progress import ProgressLine


class Command(MotcuaCommand):
    help = (
        "Nhập danh mục thủ tục hành chính từ tệp .json, .csv hoặc .xlsx. Tất cả hoặc không: nếu có dòng "
        "lỗi, liệt kê mọi dòng lỗi và không ghi gì. Nhận cả tệp danh sách TTHC xuất từ CSDLQG (.xlsx): "
        "giữ các chỉnh sửa của địa phương và báo những gì khác bản quốc gia."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="tệp .json, .csv hoặc .xlsx")
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ kiểm tra, không ghi vào cơ sở dữ liệu"
        )
        parser.add_argument("--publish", action="store_true", help="công khai các thủ tục nhập vào")

    def handle(self, *args, file: str, dry_run: bool = False, publish: bool = False, **opts):
        progress = ProgressLine(getattr(self.stderr, "_out", sys.stderr), "Đã nhập")
        try:
            result = import_catalog(file, dry_run=dry_run, publish=publish, progress=progress)
        except CatalogImportInvalid as exc:
            progress.close()
            self.stderr.write(exc.report())
            raise UsageError(exc.message) from exc
        finally:
            progress.close()
        self.stdout.write(result.summary())
