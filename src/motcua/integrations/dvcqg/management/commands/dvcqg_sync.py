"""`motcua dvcqg_sync [--since DATE] [--until DATE]`: catch up the dossiers the portal does not hold (contract §7).

Every dossier received in the range (received_at; submitted_at while not yet received) whose current state
the portal has not acknowledged gets a catch-up message in the outbox, under the dossier's portal key: it
queues behind any message of that dossier already waiting, so the order holds even while the worker runs.
Dead portal messages of those dossiers are put back to pending instead. Then the command delivers the portal
messages itself (the worker's code, for that topic only) with progress, and prints sent / failed / remaining.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from time import sleep

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from motcua.core.formatting import LOCAL_TZ
from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.integrations.dvcqg.transport import PREFIX, PortalTransport, key_of, message_for
from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import Registry
from motcua.integrations.worker import OutboxWorker, RunStats, retry_now

CHUNK = 1000
WAIT_FOR_RETRY = 5.0  # seconds
Status = OutboxMessage.Status


def parse_day(value: str, flag: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise UsageError(f"{flag} phải là ngày dạng dd/mm/yyyy hoặc yyyy-mm-dd, nhận được {value!r}.")


def unsynced(since: date | None, until: date):
    """Dossiers received (or, not yet received, submitted) in [since, until] the portal does not hold."""
    from motcua.dossiers.models import Dossier

    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    received = Q(received_at__lt=end)
    submitted = Q(received_at__isnull=True, submitted_at__lt=end)
    if since is not None:
        start = datetime.combine(since, time(0), tzinfo=LOCAL_TZ)
        received &= Q(received_at__gte=start)
        submitted &= Q(submitted_at__gte=start)
    return Dossier.objects.filter(received | submitted).filter(
        Q(portal_sync__isnull=True) | Q(portal_sync__acked_version__lt=F("version"))
    )


class Command(MotcuaCommand):
    help = "Gửi bù lên Cổng Dịch vụ công quốc gia các hồ sơ tiếp nhận trong khoảng ngày mà Cổng chưa giữ."

    def add_arguments(self, parser):
        parser.add_argument("--since", default="", help="từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd)")
        parser.add_argument("--until", default="", help="đến hết ngày (mặc định hôm nay)")
        parser.add_argument(
            "--batch", type=int, default=0, help="bản tin mỗi lượt (mặc định MOTCUA_DVCQG_BATCH)"
        )

    def handle(self, *args, since: str, until: str, batch: int, **opts):
        first = parse_day(since, "--since") if since else None
        last = parse_day(until, "--until") if until else timezone.localdate()
        if first is not None and first > last:
            raise UsageError(f"--since ({first:%d/%m/%Y}) phải không sau --until ({last:%d/%m/%Y}).")
        transport = PortalTransport()
        reason = transport.unavailable_reason()
        if reason:
            raise UsageError(f"Không gửi được lên Cổng: {reason}.")
        batch = batch or settings.DVCQG_BATCH
        if not 1 <= batch <= 1000:
            raise UsageError("--batch phải từ 1 đến 1000.")
        queued, revived = self.enqueue(unsynced(first, last))
        self.stdout.write(
            f"Hồ sơ Cổng chưa giữ: {queued} đưa vào hàng gửi bù, {revived} bản tin lỗi được gửi lại."
        )
        self.stdout.flush()
        stats = self.deliver(transport, batch)
        remaining = unsynced(first, last).count()
        self.stdout.write(
            f"Xong: đã gửi {stats.delivered}, lỗi {stats.retried + stats.dead} (hẹn gửi lại {stats.retried}, "
            f"hàng lỗi {stats.dead}); còn {remaining} hồ sơ Cổng chưa giữ."
        )

    def enqueue(self, dossiers) -> tuple[int, int]:
        queued = revived = 0
        stamp = timezone.now()
        suffix = f":sync{stamp:%Y%m%d%H%M%S%f}"
        last_pk = 0
        while True:
            chunk = list(
                dossiers.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "code", "version")[:CHUNK]
            )
            if not chunk:
                return queued, revived
            last_pk = chunk[-1][0]
            keys = {key_of(code): code for _pk, code, _v in chunk}
            with transaction.atomic():
                open_ = OutboxMessage.objects.filter(
                    key__in=list(keys), topic__startswith=PREFIX, status__in=[Status.PENDING, Status.DEAD]
                )
                waiting = set(open_.values_list("key", flat=True))
                revived += retry_now(open_.filter(status=Status.DEAD))
                rows = []
                for _pk, code, version in chunk:
                    if key_of(code) in waiting:
                        continue  # a message of this dossier waits already: it sends the current state
                    fields = message_for(code, version, at=stamp, suffix=suffix)
                    rows.append(
                        OutboxMessage(
                            topic=fields["topic"],
                            key=fields["key"],
                            payload=fields["payload"],
                            idempotency_key=fields["idempotency_key"],
                            created_at=stamp,
                            next_attempt_at=stamp,
                        )
                    )
                OutboxMessage.objects.bulk_create(rows)
                queued += len(rows)

    def deliver(self, transport: PortalTransport, batch: int) -> RunStats:
        registry = Registry()
        registry.register(PREFIX, transport)
        worker = OutboxWorker(registry=registry, batch=batch, say=lambda text: self.stderr.write(text))
        total = RunStats()
        while True:
            claimed = worker.claim()
            if not claimed:
                # Retries due within a few seconds are waited for; later ones are left to the worker.
                soon = (
                    OutboxMessage.objects.filter(topic__startswith=PREFIX, status=Status.PENDING)
                    .order_by("next_attempt_at")
                    .values_list("next_attempt_at", flat=True)
                    .first()
                )
                wait = (soon - timezone.now()).total_seconds() if soon else None
                if wait is None or wait > WAIT_FOR_RETRY:
                    break
                sleep(max(0.0, wait))
                continue
            total += worker.deliver_batch(claimed)
            self.stdout.write(f"  … đã gửi {total.delivered}, lỗi {total.retried + total.dead}", ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        return total
