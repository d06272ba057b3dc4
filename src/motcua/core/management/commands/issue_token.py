from django.contrib.auth import get_user_model

from motcua.access.auth import issue_token
from motcua.core.management.base import MotcuaCommand, UsageError


class Command(MotcuaCommand):
    help = "Print a new API bearer token for USERNAME."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **opts):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise UsageError(f"no active user named {username!r}")
        self.stdout.write(issue_token(user))
