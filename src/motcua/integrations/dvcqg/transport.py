"""The portal transport: dossier changes to the National Public Service Portal through the outbox.

Every "dossier.status" message derives one "dvcqg.dossier" message (`derive_message`, registered in the app's
`ready()`): {code, version}, keyed `dvcqg:{code}` so that it is ordered per dossier apart from the webhook's
own messages (a webhook that is down must not hold the portal back, as for the applicant's notices).

Delivery sends the dossier's CURRENT state, read when the call is built (hoso.full / hoso.progress), never a
queued snapshot: an older state can then never follow a newer one, and a message whose version the portal has
already acknowledged (PortalSync.acked_version >= version) is done without a call (coalescing). The service:

* the portal holds nothing of the dossier: DongBoHoSoMC, isUpdating "false";
* it holds it, and an action since the acknowledged version replaced papers, fees, results or the due date
  (hoso.REFRESHING_ACTIONS): DongBoHoSoMC, isUpdating "true";
* otherwise CapNhatTienDoHoSoMC with the QuaTrinhXuLy lines after the acknowledged version.

A first send whose answer never came (timeout, connection lost, a worker killed after the call) leaves us
unsure whether the portal holds the dossier, and the portal refuses the wrong isUpdating. Such a dossier (one
without acknowledgement whose message has been tried before) is sent alone, alternating "true" and "false" from
one attempt to the next, so one of them matches and a wrong guess cannot fail a whole batch.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from motcua.integrations import outbox
from motcua.integrations.models import OutboxMessage
from motcua.integrations.transports import BatchResult, PermanentError, RetryableError, url_problem

from . import hoso
from .client import PortalClient, PortalError
from .models import PortalSync
from .services import Ack, record_acks

PREFIX = "dvcqg."
TOPIC = "dvcqg.dossier"


def key_of(code: str) -> str:
    return f"dvcqg:{code}"


def message_for(code: str, version: int, *, at, suffix: str = "") -> dict[str, Any]:
    """The fields of the portal message of one dossier version."""
    return {
        "topic": TOPIC,
        "key": key_of(code),
        "payload": {"code": code, "version": version},
        "idempotency_key": f"dvcqg:{code}:{version}{suffix}",
        "at": at,
    }


def derive_message(message: OutboxMessage) -> None:
    """`outbox.derive` hook on "dossier.status": the portal's own message, in the change's transaction."""
    seq = (message.payload.get("event") or {}).get("seq")
    if seq is None:
        return
    version = int(seq)
    fields = message_for(message.key, version, at=message.created_at)
    outbox.enqueue(
        fields["topic"],
        fields["key"],
        fields["payload"],
        idempotency_key=fields["idempotency_key"],
        at=fields["at"],
    )


def _error(exc: PortalError) -> RetryableError:
    # Every answer but error_code 0 means "repeat later" (contract §7); refused credentials too, so that
    # fixing the configuration lets everything flow again without replaying dead letters.
    summary = f"{exc}{' (có thể Cổng đã lưu)' if exc.timed_out else ''}"
    return RetryableError(summary, exc.detail)


class PortalTransport:
    name = "dvcqg"
    quiet = True  # off until MOTCUA_DVCQG_URL is set (contract §7): the worker does not announce it

    def __init__(self) -> None:
        self._client: PortalClient | None = None
        self._config: tuple | None = None

    @property
    def timeout(self) -> float:
        return settings.DVCQG_TIMEOUT

    @property
    def batch(self) -> int:
        return settings.DVCQG_BATCH

    def client(self) -> PortalClient:
        # Settings are read at call time (tests and reconfiguration); one client (its session, its pool)
        # per configuration.
        config = (
            settings.DVCQG_URL,
            settings.DVCQG_USERNAME,
            settings.DVCQG_PASSWORD,
            settings.DVCQG_MADONVI,
            settings.DVCQG_TIMEOUT,
        )
        if self._client is None or config != self._config:
            self._client, self._config = PortalClient.from_settings(), config
        return self._client

    def unavailable_reason(self) -> str | None:
        if not settings.DVCQG_URL:
            return (
                "chưa cấu hình địa chỉ Cổng Dịch vụ công quốc gia (MOTCUA_DVCQG_URL); bản tin được giữ ở "
                "trạng thái chờ gửi"
            )
        return url_problem(settings.DVCQG_URL, debug=settings.DEBUG, setting="MOTCUA_DVCQG_URL")

    def deliver(self, message: OutboxMessage) -> None:
        result = self.deliver_many([message])
        if result.commit is not None:
            result.commit()
        if message.pk in result.errors:
            raise result.errors[message.pk]

    def deliver_many(self, messages: list[OutboxMessage]) -> BatchResult:
        errors: dict[int, Any] = {}
        groups = self._plan(messages, errors)
        acks: list[Ack] = []
        client = self.client() if groups else None
        for service, chunk in groups:
            items = [state.item for _m, state in chunk]
            try:
                if service == "progress":
                    client.send_progress(items)
                else:
                    client.send_dossiers(items, updating=service == "update")
            except PortalError as exc:
                error = _error(exc)
                for m, _state in chunk:
                    errors[m.pk] = error
                continue
            acks += [Ack(state.dossier_id, state.version, state.status) for _m, state in chunk]

        def commit() -> None:
            record_acks(acks, at=timezone.now())

        return BatchResult(errors, commit if acks else None)

    def _sort(self, messages, errors):
        """Messages by what the portal holds: (first sends, unsure ones, held {id: message}, PortalSync rows).
        Messages whose version the portal already acknowledged are left out: they are done."""
        from motcua.dossiers.models import Dossier

        codes = {m.payload["code"] for m in messages}
        dossiers = dict(Dossier.objects.filter(code__in=codes).values_list("code", "pk"))
        synced = PortalSync.objects.in_bulk(list(dossiers.values()))
        first, unsure, held = [], [], {}
        for m in messages:
            pk = dossiers.get(m.payload["code"])
            if pk is None:
                errors[m.pk] = PermanentError("dossier not found")
                continue
            sync = synced.get(pk)
            if sync is not None and sync.acked_version >= int(m.payload["version"]):
                continue  # coalesced: the portal already holds this state or a later one
            if sync is not None:
                held[pk] = m
            elif m.attempts:
                unsure.append((m, pk, m.attempts % 2 == 1))
            else:
                first.append((m, pk))
        return first, unsure, held, synced

    def _plan(self, messages, errors) -> list[tuple[str, list[tuple[OutboxMessage, hoso.PortalState]]]]:
        """The calls to make: ("new" | "update" | "progress", [(message, state), ...]) in batches."""
        first, unsure, held, synced = self._sort(messages, errors)
        groups: list = []
        refresh, lines = [], []
        if held:
            states = hoso.progress({pk: synced[pk].acked_version for pk in held})
            for pk, m in held.items():
                state = states.get(pk)
                if state is None:
                    errors[m.pk] = RetryableError("no state to send")
                elif hoso.REFRESHING_ACTIONS.intersection(state.actions):
                    refresh.append((m, pk))
                elif state.version > synced[pk].acked_version:
                    lines.append((m, state))
        wanted = [pk for _m, pk in first] + [pk for _m, pk in refresh] + [pk for _m, pk, _u in unsure]
        full = hoso.full(wanted) if wanted else {}

        def with_state(pairs):
            out = []
            for m, pk in pairs:
                if pk in full:
                    out.append((m, full[pk]))
                else:
                    errors[m.pk] = RetryableError("no state to send")
            return out

        groups += [("progress", chunk) for chunk in _chunks(lines, self.batch)]
        groups += [("new", chunk) for chunk in _chunks(with_state(first), self.batch)]
        groups += [("update", chunk) for chunk in _chunks(with_state(refresh), self.batch)]
        for m, pk, updating in unsure:
            groups += [("update" if updating else "new", [pair]) for pair in with_state([(m, pk)])]
        return groups


def _chunks(pairs: list, size: int) -> list[list]:
    """Calls of up to `size` items; a message already tried goes alone. The portal refuses a whole call for
    one bad item, so a dossier it refuses must not hold back the others of its first batch more than once."""
    fresh = [p for p in pairs if not p[0].attempts]
    return [fresh[i : i + size] for i in range(0, len(fresh), size)] + [[p] for p in pairs if p[0].attempts]
