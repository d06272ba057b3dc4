"""Throttles (ADR 0008): how often one client may miss, and how often one target may be missed.

Public dossier lookup: counters per client address and per dossier code, in the database table
`ThrottleCounter`, so every worker process and every node that shares the database sees the same counts
(a per-process counter would multiply the limit by the number of workers). Only misses count: a
successful lookup costs nothing. Counters live in fixed windows whose start is staggered per key, so
limits do not all reset at the top of the hour.

Keys are HMACs (SECRET_KEY) of what they count: a stored key reveals neither the client's address nor the
dossier code, and a plain hash of an IPv4 address would be reversed by trying all 2^32 of them.

Sign-in: django-axes counts failed `authenticate()` calls for every authentication backend (the admin login
today, the citizens' and officers' sign-in page next); `SignInHandler` gives the username and the client
address limits of their own.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from motcua.access.models import ThrottleCounter
from motcua.core.errors import DomainError

_SALT = "motcua.access.throttle"


def _meta_key(header: str) -> str:
    """'X-Forwarded-For' -> 'HTTP_X_FORWARDED_FOR' (a META key given as such is kept)."""
    name = header.strip().upper().replace("-", "_")
    return name if name.startswith("HTTP_") or name == "REMOTE_ADDR" else f"HTTP_{name}"


def _address(value: str) -> str | None:
    """The address as counted: IPv4 as is, IPv6 as its /64 (one subscriber usually holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is 203.0.113.9
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the configured header set by the trusted reverse proxy.

    The header is honoured only when `CLIENT_IP_HEADER` is set (anyone can send it otherwise). Proxies
    append the address they saw, so the entry `CLIENT_IP_PROXIES` from the right is the one our own
    proxy wrote; entries further left come from the client and are never trusted.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        entries = [e for e in request.META.get(_meta_key(header), "").split(",") if e.strip()]
        hops = settings.CLIENT_IP_PROXIES
        if 0 < hops <= len(entries):
            found = _address(entries[-hops])
            if found:
                return found
    return _address(request.META.get("REMOTE_ADDR", ""))


@dataclass(frozen=True)
class Blocked:
    """A refusal: when the caller may try again."""

    until: datetime

    def retry_after(self, now: datetime | None = None) -> int:
        return max(1, math.ceil((self.until - (now or timezone.now())).total_seconds()))


@dataclass(frozen=True)
class _Window:
    key: str
    limit: int
    ends: datetime


def _window(kind: str, ident: str, limit: int, seconds: int, now: datetime) -> _Window:
    base = salted_hmac(_SALT, f"{kind}|{seconds}|{ident}", algorithm="sha256").hexdigest()
    # Stagger the window per key: otherwise every counter resets at once and a patient client times a burst.
    offset = int(base[:8], 16) % seconds
    index = (int(now.timestamp()) + offset) // seconds
    ends = datetime.fromtimestamp(index * seconds + seconds - offset, tz=UTC)
    return _Window(f"{base[:48]}:{index}", limit, ends)


class Throttled(DomainError):
    """Too many attempts: 429, the minutes to wait in the message (`template`, with %(minutes)s) and
    `retry_after` (seconds) for the Retry-After header. Each use names its own words in a subclass."""

    status = 429
    code = "too_many_requests"
    template = "Quá nhiều yêu cầu; vui lòng thử lại sau %(minutes)s phút."

    def __init__(self, blocked: Blocked):
        self.blocked = blocked
        self.retry_after = blocked.retry_after()
        super().__init__(str(self.template) % {"minutes": max(1, (self.retry_after + 59) // 60)})


class Throttle:
    """Limits on misses per client and per target; rates are read from settings on each use.

    `client_setting` and `target_setting` name settings holding `(limit, seconds)` pairs.
    """

    def __init__(self, name: str, client_setting: str, target_setting: str):
        self.name = name
        self.client_setting = client_setting
        self.target_setting = target_setting

    def _windows(self, request: HttpRequest, target: str, now: datetime) -> list[_Window]:
        counted = [(f"{self.name}.client", client_ip(request) or "", self.client_setting)]
        if target:
            counted.append((f"{self.name}.target", target, self.target_setting))
        return [
            _window(kind, ident, limit, seconds, now)
            for kind, ident, setting in counted
            for limit, seconds in getattr(settings, setting)
        ]

    def blocked(self, request: HttpRequest, target: str, now: datetime | None = None) -> Blocked | None:
        """Whether this client, or anyone, has already missed `target` too often (one query)."""
        now = now or timezone.now()
        windows = self._windows(request, target, now)
        hits = dict(
            ThrottleCounter.objects.filter(key__in=[w.key for w in windows]).values_list("key", "hits")
        )
        over = [w.ends for w in windows if hits.get(w.key, 0) >= w.limit]
        return Blocked(max(over)) if over else None

    def miss(self, request: HttpRequest, target: str, now: datetime | None = None) -> None:
        """Count one miss against the client and the target (one short write transaction)."""
        now = now or timezone.now()
        windows = self._windows(request, target, now)
        with transaction.atomic():
            ThrottleCounter.objects.bulk_create(
                [ThrottleCounter(key=w.key, hits=0, expires_at=w.ends) for w in windows],
                ignore_conflicts=True,
            )
            # One UPDATE with hits + 1: atomic on SQLite and PostgreSQL, so concurrent misses all count.
            ThrottleCounter.objects.filter(key__in=[w.key for w in windows]).update(hits=F("hits") + 1)
            # Finished windows are worthless; the expires_at index keeps this a short range scan.
            ThrottleCounter.objects.filter(expires_at__lt=now).delete()


DOSSIER_LOOKUP = Throttle("lookup", "LOOKUP_LIMITS_CLIENT", "LOOKUP_LIMITS_DOSSIER")
# The counter's applicant lookup by personal ID: the target is the officer, and every lookup is counted
# (a hit discloses personal data: it is what must be limited, not only the misses).
APPLICANT_LOOKUP = Throttle(
    "applicant_lookup", "APPLICANT_LOOKUP_LIMITS_CLIENT", "APPLICANT_LOOKUP_LIMITS_OFFICER"
)


# ------------------------------------------------------------------------------------------------ sign-in


class SignInHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: failures per username, and (higher) per client address.

    Axes compares one number with one limit (`AXES_FAILURE_LIMIT`, the per-username limit), so the client's
    count is scaled to it: with 5 per username and 20 per client, 20 failures from one address count as 5.
    A whole office behind one address is not locked out by one officer's typing; a client spraying
    passwords over many usernames is.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        address = request.axes_ip_address
        recent = AccessAttempt.objects.filter(
            Q(username=username) | Q(ip_address=address), attempt_time__gte=get_cool_off_threshold(request)
        )
        counts = recent.aggregate(
            user=Sum("failures_since_start", filter=Q(username=username)),
            client=Sum("failures_since_start", filter=Q(ip_address=address)),
        )
        per_user, per_client = settings.AXES_FAILURE_LIMIT, settings.SIGNIN_LIMIT_CLIENT
        return max(counts["user"] or 0, (counts["client"] or 0) * per_user // per_client)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On success, forget the failures against this username only.

        Axes would also forget every failure from the client's address, which lets an attacker holding one
        valid account wipe the counts of the accounts they are guessing by signing in between guesses.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def signin_blocked_until(request: HttpRequest, credentials: dict | None = None) -> Blocked:
    """When a locked-out sign-in may be tried again: the cool-off after the latest failure counted.

    An upper bound: the lock lifts as soon as enough older failures age out, and at the latest then.
    """
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    cool_off = get_cool_off(request) or timedelta(0)
    latest = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address)).aggregate(
        at=Max("attempt_time")
    )["at"]
    return Blocked((latest or timezone.now()) + cool_off)
