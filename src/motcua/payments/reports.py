"""The online-payment share (766 indicators 3.5, 3.5b and 3.6, domain.md §3.2; ADR 0034): per agency and
period, the dossiers that had to pay, those paid (any way), those paid online (national platform / local
gateway), the share paid online, the money collected online and at the counter, and the refunds; and per
procedure for one agency.

* A dossier **had to pay** when its `fee_total` is above 0: the sum of its fee lines at filing (after
  exemptions and reductions) and of the obligations asked during processing. A dossier whose lines are all
  0 đồng (a 100 % exemption) did not: 766's "minus the dossiers whose fee list is all `Gia: 0`".
* **Paid** = `fee_paid` above 0; **paid online** = `paid_online` (DuocThanhToanTrucTuyen) 1 or 2: at least
  one of its payments went through a gateway, as the portal's flag says.
* The **unit** is the dossier's competent agency (`agency`): the one whose fees they are and whose account
  collects them (`ledger.account_for` starts there); the **period** is the dossier's reception date
  (`received_at`, Vietnam days, inclusive), as the portal sync report (indicator 1.4) and the log book
  count, so a dossier belongs to one period whatever its channel.
* Money and refunds are those of the period's dossiers (whenever paid), so each row adds up.

One grouped statement per report over the period's rows of `dossier_received_order_idx`; the names of
the agencies or procedures shown come in one more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from motcua.catalog.models import Procedure
from motcua.core import inputs
from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.directory import selectors as directory
from motcua.directory.models import Agency
from motcua.dossiers.models import Dossier, OnlinePayment

MAX_PERIOD_DAYS = 366
BY = ("agency", "procedure")
COUNTS = ("owed", "paid", "national", "local", "online_amount", "counter_amount", "refunds", "refunded")


@dataclass(frozen=True)
class Share:
    code: str  # the agency's identifier, or the procedure's code
    name: str
    owed: int  # dossiers that had to pay (3.6's denominator)
    paid: int  # ... and paid something, any way
    national: int  # ... paid online on the national platform (DuocThanhToanTrucTuyen 1)
    local: int  # ... through a ministry's or province's gateway (2)
    online_amount: int  # đồng collected online for them
    counter_amount: int  # đồng collected at the counter (cash, transfer)
    refunds: int  # payments of theirs given back
    refunded: int  # đồng given back

    @property
    def online(self) -> int:
        """3.6's numerator."""
        return self.national + self.local

    @property
    def counter(self) -> int:
        """Dossiers paid, none of it online."""
        return self.paid - self.online

    @property
    def unpaid(self) -> int:
        return self.owed - self.paid

    @property
    def ratio(self) -> float | None:
        """Paid online / had to pay, 4 decimals; None when nothing was owed (the portal shows N/A)."""
        return round(self.online / self.owed, 4) if self.owed else None

    @property
    def percent(self) -> float | None:
        """The same as a percentage with 2 decimals (40.47), as 766 rounds."""
        return round(100 * self.online / self.owed, 2) if self.owed else None


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    by: str
    agency: Agency | None  # the one agency asked for, if any
    rows: list[Share]
    total: Share

    @property
    def with_fee(self) -> int:
        """Procedures (of the rows) with dossiers that had to pay: 3.5's numerator, per period."""
        return sum(1 for r in self.rows if r.owed)

    @property
    def with_online_payment(self) -> int:
        """Procedures (of the rows) with at least one dossier paid online: 3.5b ("TTHC có phát sinh giao
        dịch thanh toán trực tuyến")."""
        return sum(1 for r in self.rows if r.online)


def period(start: Any, end: Any) -> tuple[date, date]:
    """`from`/`to` (Vietnam days, inclusive): by default the current month up to today."""
    return inputs.period(start, end, doing="xem", max_days=MAX_PERIOD_DAYS)


def _unit(user, agency: Any) -> Agency | None:
    """The agency asked for, if the user may see it (404 otherwise, unknown and hidden alike)."""
    identifier = inputs.text(agency, "agency", max_length=40)
    if not identifier:
        return None
    unit = (
        directory.visible_agencies(user)
        .filter(identifier=identifier)
        .only("pk", "identifier", "name")
        .first()
    )
    if unit is None:
        raise NotFound(f"Không có cơ quan mã '{identifier}'.", code="agency_not_found")
    return unit


def _owed(user, unit: Agency | None, start: date, end: date) -> QuerySet[Dossier]:
    """The dossiers received in the period that had to pay, of the unit (or every unit the user sees)."""
    since = datetime.combine(start, time.min, tzinfo=LOCAL_TZ)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
    qs = Dossier.objects.filter(received_at__gte=since, received_at__lt=until, fee_total__gt=0)
    if unit is not None:
        return qs.filter(agency_id=unit.pk)
    if directory.is_sysadmin(user):
        return qs
    return qs.filter(agency__in=directory.visible_agencies(user))


def _grouped_queryset(qs: QuerySet[Dossier], key: str) -> QuerySet:
    """One statement: the dossier counts (distinct: a dossier may have several payments) and the sums of
    their payments and refunds, per `key`."""
    return (
        qs.order_by()
        .values(key)
        .annotate(
            owed=Count("id", distinct=True),
            paid=Count("id", distinct=True, filter=Q(fee_paid__gt=0)),
            national=Count("id", distinct=True, filter=Q(paid_online=OnlinePayment.NATIONAL)),
            local=Count("id", distinct=True, filter=Q(paid_online=OnlinePayment.LOCAL)),
            online_amount=Sum("payments__amount", filter=Q(payments__online__gt=0)),
            counter_amount=Sum("payments__amount", filter=Q(payments__online=0)),
            refunds=Count("payments__refund"),
            refunded=Sum("payments__refund__amount"),
        )
    )


def _grouped(qs: QuerySet[Dossier], key: str) -> dict[int, dict[str, int]]:
    rows = _grouped_queryset(qs, key)
    return {r[key]: {k: r[k] or 0 for k in COUNTS} for r in rows}


def _total(rows: list[Share]) -> Share:
    return Share("", "", *(sum(getattr(r, k) for r in rows) for k in COUNTS))


def online_share(user, agency: Any, start: date, end: date, *, by: str = "agency") -> Report:
    """The share per agency the user may see (or the one asked for), or, `by="procedure"`, per procedure of
    one agency. Rows only for units with dossiers that had to pay, ordered by code."""
    if not directory.is_staff_member(user):
        raise PermissionDenied(
            "Chỉ cán bộ, công chức mới xem được báo cáo thanh toán trực tuyến (staff only)."
        )
    by = inputs.choice(by, "by", choices=BY, default="agency")
    unit = _unit(user, agency)
    if by == "procedure" and unit is None:
        raise ValidationFailed(
            "Báo cáo theo thủ tục cần mã cơ quan ('agency').",
            code="missing_field",
            details={"field": "agency"},
        )
    key = "agency_id" if by == "agency" else "procedure_id"
    counts = _grouped(_owed(user, unit, start, end), key)
    model = Agency if by == "agency" else Procedure
    code = "identifier" if by == "agency" else "code"
    names = model.objects.filter(pk__in=list(counts)).values_list("pk", code, "name") if counts else []
    rows = sorted((Share(ident, name, **counts[pk]) for pk, ident, name in names), key=lambda r: r.code)
    return Report(start, end, by, unit, rows, _total(rows))
