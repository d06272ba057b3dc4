"""`motcua demo_ca [--dir DIR]`: a local demo root CA and one signing certificate per agency (ADR 0019).

For the demo only: production agencies sign with certificates from a licensed CA, installed in
MOTCUA_SIGNING_DIR (or through another signer plugin). Idempotent: an existing CA or agency key is kept.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from motcua.core.management.base import MotcuaCommand
from motcua.directory.models import Agency
from motcua.documents.signing import democa


class Command(MotcuaCommand):
    help = (
        "Tạo tổ chức chứng thực (CA) minh họa và chứng thư số ký kết quả điện tử cho mỗi cơ quan "
        "(chạy lại không đổi gì)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", help="thư mục khóa ký (mặc định: MOTCUA_SIGNING_DIR)")

    def handle(self, *args, **options) -> None:
        directory = Path(options["dir"] or settings.MOTCUA_SIGNING_DIR)
        _, _, created = democa.ensure_ca(directory)
        agencies = Agency.objects.select_related("parent").order_by("identifier")
        made = democa.enrol_missing(directory, agencies)
        ca = directory / democa.CA_DIR / "ca.cert.pem"
        self.stdout.write(
            f"CA minh họa: {'mới tạo' if created else 'đã có'} ({ca}); "
            f"chứng thư mới cho {made} cơ quan, tổng {agencies.count()} cơ quan."
        )
