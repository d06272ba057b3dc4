"""`motcua check_dossiers [--code CODE] [--repair]`: replay each dossier's history and compare it with its row.

The row is the current state and the event log its history; they must agree. After a restore, a manual
database repair or a faulty migration this says which dossiers disagree and how, and `--repair` sets
each such row to what its history says (the history is never changed). Exit status 1 when differences
were found and not repaired.
"""

from __future__ import annotations

from django.db import transaction

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.dossiers.models import Dossier
from motcua.dossiers.replay import differences

BATCH = 500


class Command(MotcuaCommand):
    help = "Đối chiếu trạng thái hồ sơ với nhật ký xử lý (và sửa theo nhật ký với --repair)."

    def add_arguments(self, parser):
        parser.add_argument("--code", help="chỉ kiểm tra hồ sơ này")
        parser.add_argument("--repair", action="store_true", help="đặt lại trạng thái theo nhật ký")

    def handle(self, *args, code=None, repair=False, **options):
        qs = Dossier.objects.order_by("pk")
        if code is not None:
            qs = qs.filter(code=code.strip())
            if not qs.exists():
                raise UsageError(f"Không có hồ sơ mã '{code}'.")
        checked = wrong = 0
        last = 0
        while True:  # keyset batches: a million dossiers never sit in memory at once
            batch = list(qs.filter(pk__gt=last).prefetch_related("events")[:BATCH])
            if not batch:
                break
            for d in batch:
                checked += 1
                diff = differences(d)
                if diff:
                    wrong += 1
                    self._report(d, diff, repair)
            last = batch[-1].pk
        self.stdout.write(f"Đã kiểm tra {checked} hồ sơ; {wrong} hồ sơ lệch với nhật ký.")
        if wrong and not repair:
            raise SystemExit(1)

    def _report(self, d: Dossier, diff: dict, repair: bool) -> None:
        parts = "; ".join(
            f"{field}: {stored!r} (nhật ký: {replayed!r})" for field, (stored, replayed) in diff.items()
        )
        self.stdout.write(f"{d.code}: {parts}")
        if repair:
            with transaction.atomic():
                Dossier.objects.filter(pk=d.pk).update(**{f: replayed for f, (_, replayed) in diff.items()})
            self.stdout.write(f"{d.code}: đã sửa theo nhật ký.")
