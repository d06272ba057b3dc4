from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from motcua.access.auth import issue_token
from motcua.core.management.base import MotcuaCommand, UsageError


class Command(MotcuaCommand):
    help = "Print a new API bearer token for USERNAME (one line), valid for --days days."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"days until the token expires (default MOTCUA_API_TOKEN_DAYS = {settings.API_TOKEN_DAYS}, "
            f"at most {settings.API_TOKEN_MAX_DAYS})",
        )

    def handle(self, *args, username, days, **opts):
        if days is None:
            days = settings.API_TOKEN_DAYS
        if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise UsageError(f"--days phải từ 1 đến {settings.API_TOKEN_MAX_DAYS}, nhận được {days}")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise UsageError(f"Không có tài khoản đang hoạt động tên {username!r}")
        self.stdout.write(issue_token(user, expires_at=timezone.now() + timedelta(days=days)))
