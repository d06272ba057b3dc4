"""motcua dvcqg_catalog [--code C ...] [--publish] [--dry-run]: the catalogue from the national portal.

Fetches the national list (LayDanhSachTTHC) and each full record (LayThuTuc) through the portal client
(MOTCUA_DVCQG_*), then imports them as the national list export is imported: merged with local edits,
all or nothing (catalog.national, ADR 0024).
"""

from __future__ import annotations

import sys

from motcua.catalog.io import CatalogImportInvalid
from motcua.catalog.national import fetch_portal_rows, import_national
from motcua.catalog.records import CODE_RE
from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.dvcqg.client import PortalClient, PortalError

from ._progress import ProgressLine


class Command(MotcuaCommand):
    help = (
        "Lấy danh mục thủ tục từ Cổng Dịch vụ công quốc gia (LayDanhSachTTHC, LayThuTuc) và nhập vào danh "
        "mục: giữ các chỉnh sửa của địa phương, báo những gì khác bản quốc gia."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--code",
            action="extend",
            nargs="+",
            default=[],
            metavar="C",
            help="chỉ lấy các thủ tục có mã này, ví dụ 1.004222 (lặp lại được)",
        )
        parser.add_argument("--publish", action="store_true", help="công khai các thủ tục nhập vào")
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ kiểm tra, không ghi vào cơ sở dữ liệu"
        )

    def handle(self, *args, code: list[str], publish: bool = False, dry_run: bool = False, **opts):
        bad = [c for c in code if not CODE_RE.match(c)]
        if bad:
            raise UsageError(f"Mã thủ tục phải có dạng 1.004222: {', '.join(bad)}")
        client = PortalClient.from_settings()
        if client is None:
            raise UsageError(
                "Chưa cấu hình MOTCUA_DVCQG_URL: không có Cổng Dịch vụ công quốc gia để lấy danh mục."
            )
        stream = getattr(self.stderr, "_out", sys.stderr)
        fetched = ProgressLine(stream, "Đã tải", big=0)  # one portal call each: always show progress
        try:
            rows = fetch_portal_rows(client, code or None, progress=fetched)
        except PortalError as exc:
            # The portal's own message (e.g. "Không có thủ tục mã ...") on the same single line.
            detail = " ".join(exc.detail.split())[:200]
            raise UsageError(
                f"Không lấy được danh mục từ Cổng Dịch vụ công quốc gia: {exc}"
                + (f" ({detail})" if detail else "")
            ) from exc
        finally:
            fetched.close()
        progress = ProgressLine(stream, "Đã nhập")
        try:
            result = import_national(rows, publish=publish, dry_run=dry_run, progress=progress)
        except CatalogImportInvalid as exc:
            progress.close()
            self.stderr.write(exc.report())
            raise UsageError(exc.message) from exc
        finally:
            progress.close()
        self.stdout.write(result.summary())
