"""Reads of dossiers: who sees what, list filters (contract §4), detail, history, and the action buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import search_procedures
from motcua.catalog.versions import PUBLISHED, latest_version
from motcua.core import inputs, keyset
from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.formatting import LOCAL_TZ
from motcua.core.text import fold
from motcua.directory import selectors as directory
from motcua.directory.models import Agency, Applicant, Role, StaffAssignment

from . import codes, machine, permissions, queue, workflows
from .models import ApplicantKind, Dossier, DossierEvent, DossierFile

LIST_RELATED = ("procedure", "agency", "receiving_agency", "current_agency", "assignee")
# A list says how many dossiers match, exactly up to this many, and "more than" beyond.
COUNT_CAP = 1000
DUE_FILTERS = ("overdue", "due_today", "due_soon", "in_time", "on_time")


def dossiers_visible_to(user, *, listing: bool = False) -> QuerySet[Dossier]:
    """Sysadmin: all. Staff: dossiers of their agencies (competent, current or receiving), and for
    reception officers every dossier of an agency they may receive for. Applicants: their own.

    `listing`: the agencies a reception officer may receive for as literal ids (one more query, memoised
    per request), so that a list's planner can use the indexes on each agency column or test the ids on
    each row of an ordered walk, whichever is cheaper; a subquery becomes a filter no index serves. A read
    of one dossier by its code needs no index beyond the code's, and no extra query."""
    qs = Dossier.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if directory.is_sysadmin(user):
        return qs
    q = Q(applicant_user_id=user.pk)
    agency_ids = sorted(directory.roles_at(user))
    if agency_ids:
        if listing:
            competent = Q(agency_id__in=sorted(set(agency_ids) | set(queue.receivable_ids(user))))
        else:
            competent = Q(agency_id__in=agency_ids) | Q(
                agency__in=directory.receivable_agencies(user).values("pk")
            )
        q |= competent | Q(current_agency_id__in=agency_ids) | Q(receiving_agency_id__in=agency_ids)
    return qs.filter(q)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=LOCAL_TZ)


def due_filter(
    qs: QuerySet[Dossier], due: str, now: datetime, clock: queue.Clock | None = None
) -> QuerySet[Dossier]:
    """The `due` list filter, consistent with `machine.timeliness` and the work queue's buckets:

    * ``overdue``, ``due_today``, ``due_soon``, ``in_time``: the running dossiers of that bucket
      (`queue`: overdue, due before today's working time ends, within 2 working days after that, later);
    * ``on_time``: everything measured that is not late: in time, early or on time, finished included.
    """
    due = inputs.choice(due, "due", choices=DUE_FILTERS)
    clock = clock or queue.Clock(now)
    return qs.filter(queue.on_time_q(clock) if due == "on_time" else queue.BUCKET_Q[due](clock))


def _statuses(value: Any) -> list[int]:
    try:
        wanted = [int(s) for s in str(value).split(",") if s.strip()]
    except ValueError:
        wanted = [-1]
    if not wanted or any(s not in machine.STATUSES for s in wanted):
        raise ValidationFailed(
            "'status' phải là số từ 1 đến 10 (có thể nhiều, cách nhau dấu phẩy).",
            code="invalid_field",
            details={"field": "status"},
        )
    return wanted


def _assignee_q(assignee: str, user) -> Q:
    """A work queue: "me" (assigned to the caller), "none" (waiting for anyone of the holding unit to pick
    it up) or a username."""
    if assignee == "none":
        return Q(assignee__isnull=True)
    if assignee == "me":
        return Q(assignee_id=getattr(user, "pk", None))
    return Q(assignee__username=assignee)


def _text_q(q: str) -> Q:
    """Code (partial, any case) or applicant name (partial, accent-insensitive). Codes always carry digits
    and names never do, so one of the two (trigram-indexed on PostgreSQL) is searched, not both."""
    if any(ch.isdigit() for ch in q):
        return Q(code__icontains=q)
    folded = fold(q)
    return Q(applicant_name_folded__contains=folded) if folded else Q(code__icontains=q)


def _one_id(model, **lookup) -> int:
    """The id a code names (0 when none): a literal id lets the planner use the dossier indexes."""
    return model.objects.filter(**lookup).values_list("pk", flat=True).first() or 0


def filter_dossiers(
    qs: QuerySet[Dossier],
    *,
    status: Any = None,
    agency: str | None = None,
    procedure: str | None = None,
    field: str | None = None,
    channel: Any = None,
    due: str | None = None,
    received_from: Any = None,
    received_to: Any = None,
    q: str | None = None,
    assignee: str | None = None,
    view: str | None = None,
    user=None,
    now: datetime | None = None,
    clock: queue.Clock | None = None,
) -> QuerySet[Dossier]:
    """The list filters of contract §4, plus the work queue's (`view`, `field`, `channel`).

    A filter on an assignee (`me`, `none`, a username) or a queue `view` lists what is still to do: open
    dossiers only, unless `status` asks for others."""
    now = now or timezone.now()
    # The shared parser refuses what no query may carry (NUL, lone surrogates) with a clear 422.
    agency, procedure, field, q, assignee = (
        inputs.text(value, name, max_length=150)
        for name, value in (
            ("agency", agency),
            ("procedure", procedure),
            ("field", field),
            ("q", q),
            ("assignee", assignee),
        )
    )
    if status not in (None, ""):
        qs = qs.filter(status__in=_statuses(status))
    elif assignee:
        qs = qs.filter(status__in=list(machine.OPEN))
    if view:
        qs = qs.filter(queue.view_q(user, inputs.choice(view, "view", choices=queue.VIEWS)))
    if agency:
        agency_id = _one_id(Agency, identifier=agency)
        qs = qs.filter(Q(agency_id=agency_id) | Q(current_agency_id=agency_id))
    if procedure:
        qs = qs.filter(procedure_id=_one_id(Procedure, code=procedure))
    if field:
        procedures = Procedure.objects.filter(field__code=field).values_list("pk", flat=True)
        qs = qs.filter(procedure_id__in=list(procedures))
    if channel not in (None, ""):
        qs = qs.filter(channel=inputs.integer(channel, "channel", minimum=1, maximum=3))
    if due:
        qs = due_filter(qs, due, now, clock)
    start, end = inputs.day(received_from, "received_from"), inputs.day(received_to, "received_to")
    if start:
        qs = qs.filter(received_at__gte=_day_start(start))
    if end:
        qs = qs.filter(received_at__lt=_day_start(end + timedelta(days=1)))
    if assignee:
        qs = qs.filter(_assignee_q(assignee, user))
    if q:
        qs = qs.filter(_text_q(q[:100]))
    return qs


def with_parts(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What a list or detail needs, in a fixed number of queries."""
    files = Prefetch("files", queryset=DossierFile.objects.select_related("component", "uploaded_by"))
    return qs.select_related(*LIST_RELATED).prefetch_related("components", "fees", files)


# Each list is read in one of these orders, each served by an index (migration 0009): the newest first;
# a range of reception dates by reception date; the urgent buckets by due date (most urgent first).
BY_SUBMISSION = keyset.Order("submitted", ("-submitted_at", "-id"))
BY_RECEPTION = keyset.Order("received", ("-received_at", "-id"))
BY_DUE = keyset.Order("due", ("due_at", "id"))
BY_URGENCY = keyset.Order("queue", ("due_at", "id"), nullable=frozenset({"due_at"}))
DATED_BUCKETS = frozenset({"overdue", "due_today", "due_soon"})


def list_order(filters: dict[str, Any]) -> keyset.Order:
    """The order of a list: the urgent buckets (which all have a due date) by due date; a work queue (a
    view, an assignee) or the `in_time` bucket by due date with undated ones last; a range of reception
    dates by reception date; everything else newest first."""
    due = filters.get("due")
    if due in DATED_BUCKETS:
        return BY_DUE
    if filters.get("view") or filters.get("assignee") or due == "in_time":
        return BY_URGENCY
    if filters.get("received_from") or filters.get("received_to"):
        return BY_RECEPTION
    return BY_SUBMISSION


def _listed(user, filters: dict[str, Any]) -> QuerySet[Dossier]:
    # A unit's queue lies inside what its staff may see (queue.view_q): its own rule alone, as index ranges.
    base = Dossier.objects.all() if filters.get("view") == "unit" else dossiers_visible_to(user, listing=True)
    return filter_dossiers(base, user=user, **filters)


def _parts(user, filters: dict[str, Any]) -> QuerySet[Dossier] | list[QuerySet[Dossier]]:
    """What `dossier_page` reads: the filtered list, or for a unit's queue its disjoint parts, each read
    through its own index and merged (the planner misjudges their OR, whose parts hide a correlation
    between status and agency, and then reads the whole queue to sort it)."""
    parts = queue.unit_parts(user) if filters.get("view") == "unit" else []
    if not parts:  # not a unit's queue, or the caller has no unit: its filters are checked all the same
        return _listed(user, filters)
    others = {k: v for k, v in filters.items() if k != "view"}
    if others.get("due"):  # one reading of the calendars for every part
        others["clock"] = queue.Clock(others.get("now") or timezone.now())
    return [filter_dossiers(Dossier.objects.filter(p), user=user, **others) for p, _ in parts]


def list_dossiers(user, **filters: Any) -> QuerySet[Dossier]:
    """The visible dossiers matching `filters`, in `list_order`, with what a list shows."""
    return with_parts(_listed(user, filters)).order_by(*list_order(filters).order_by())


@dataclass
class DossierPage:
    items: list[Dossier]
    count: int
    count_capped: bool
    next: str | None


def dossier_page(
    user,
    *,
    size: int,
    cursor: str | None = None,
    offset: int = 0,
    count_cap: int | None = None,
    **filters: Any,
) -> DossierPage:
    """One page of `list_dossiers` (after `cursor`, else skipping `offset` rows), the cursor of the next
    one, and the number of matches counted up to `count_cap` (no list ever counts a million rows)."""
    count_cap = COUNT_CAP if count_cap is None else count_cap
    parts = _parts(user, filters)
    order = list_order(filters)
    window = keyset.page(
        parts,
        order,
        size=size,
        cursor=cursor,
        offset=offset,
        load=lambda ids: with_parts(Dossier.objects.filter(pk__in=ids)),
        count_cap=count_cap,
    )
    if window.count is not None:  # a first page: counted with its keys
        return DossierPage(window.rows, window.count, window.capped, window.next)
    if isinstance(parts, list):  # a unit's queue: small parts, counted exactly in one statement
        found = keyset.union_count(parts)
        return DossierPage(window.rows, min(found, count_cap), found > count_cap, window.next)
    count, capped = keyset.capped_count(parts, count_cap, order)
    return DossierPage(window.rows, count, capped, window.next)


def work_queue_counts(user, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """The caller's queues (`queue.view_q`) counted by bucket: `mine` and `unit`."""
    clock = queue.Clock(now or timezone.now())
    return queue.queue_counts(user, dossiers_visible_to(user, listing=True), clock)


def _code_ok(code: str | None) -> bool:
    return bool(code) and "\x00" not in code and len(code) <= 60


def dossier_detail(user, code: str) -> Dossier:
    """The dossier if the user may see it; 404 otherwise (no hint that it exists)."""
    d = with_parts(dossiers_visible_to(user)).filter(code=code).first() if _code_ok(code) else None
    if d is None:
        raise NotFound(f"Không có hồ sơ mã '{code}'.", code="dossier_not_found")
    return d


# What the official forms read beyond a list row: the procedure version (processing time) and, for the
# headers, each agency's parent and place.
FORM_RELATED = (
    "procedure",
    "procedure_version",
    "current_agency",
    *(f"{a}__{p}" for a in ("agency", "receiving_agency") for p in ("parent", "province", "admin_unit")),
)


def dossier_for_forms(user, code: str) -> Dossier:
    """The dossier with what `forms_data` reads, if the user may see it; 404 otherwise."""
    qs = dossiers_visible_to(user).select_related(*FORM_RELATED).prefetch_related("components", "fees")
    d = qs.filter(code=code).first() if _code_ok(code) else None
    if d is None:
        raise NotFound(f"Không có hồ sơ mã '{code}'.", code="dossier_not_found")
    return d


def dossier_events(user, code: str) -> list[DossierEvent]:
    d = dossier_detail_light(user, code)
    return list(DossierEvent.objects.filter(dossier=d).select_related("actor", "agency").order_by("seq"))


def dossier_file(user, code: str, file_id: int) -> DossierFile:
    """One file of a dossier the user may see (404 for both a hidden dossier and a missing file)."""
    d = dossier_detail_light(user, code)
    f = DossierFile.objects.filter(dossier=d, pk=file_id).select_related("component", "uploaded_by").first()
    if f is None:
        raise NotFound(f"Hồ sơ không có tệp số {file_id}.", code="file_not_found")
    f.dossier = d
    return f


def dossier_detail_light(user, code: str) -> Dossier:
    d = dossiers_visible_to(user).filter(code=code).only("pk", "code").first() if _code_ok(code) else None
    if d is None:
        raise NotFound(f"Không có hồ sơ mã '{code}'.", code="dossier_not_found")
    return d


def public_lookup(code: str, last4: str) -> tuple[Dossier, list[DossierEvent]] | None:
    """A dossier and its history for the public status page, or None.

    The code alone is not enough: codes are sequential per agency and day, so anyone could walk other
    people's dossiers. The last four digits of the applicant's (or the authorised submitter's) ID number,
    the organisation's tax code or the phone number must match too. A miss says nothing about which part
    was wrong. Personal data stays off the page; the caller shows status, dates and agencies only.
    """
    code = codes.normalise(code)  # typed by hand: any case, spaces around the dashes
    if not _code_ok(code) or not (len(last4) == 4 and last4.isdigit() and last4.isascii()):
        return None
    d = (
        Dossier.objects.select_related("procedure", "agency", "receiving_agency", "current_agency")
        .filter(code=code)
        .first()
    )
    if d is None:
        return None
    numbers = (d.applicant_id_number, d.applicant_tax_code, d.applicant_phone, d.authorised_id_number)
    if not any("".join(ch for ch in n if ch.isdigit())[-4:] == last4 for n in numbers if n):
        return None
    return d, list(DossierEvent.objects.filter(dossier=d).select_related("agency").order_by("seq"))


def available_actions(user, dossier: Dossier, now: datetime | None = None) -> list[str]:
    """The actions `services.perform` would accept from this user now (given valid inputs)."""
    return permissions.allowed(user, dossier, now or timezone.now())


# ---------------------------------------------------------------------------- the counter (tiếp nhận)
COUNTER_RESULTS = 10


def _receivable_procedure_ids(user) -> QuerySet:
    """Ids of the procedures with an implementing agency this reception officer may receive for."""
    through = Procedure.agencies.through
    return through.objects.filter(agency__in=directory.receivable_agencies(user).values("pk")).values(
        "procedure_id"
    )


def receivable_procedures(user, q: str, limit: int = COUNTER_RESULTS) -> list[Procedure]:
    """The published procedures matching `q` (accent-insensitive, best first: the catalogue's search) that
    the reception officer may receive: an empty query finds nothing (the counter searches, never lists)."""
    if not (q or "").strip():
        return []
    qs = search_procedures(q).filter(pk__in=_receivable_procedure_ids(user))
    return list(qs[:limit])


@dataclass(frozen=True)
class CounterProcedure:
    procedure: Procedure
    version: Any  # its latest published version (the record the dossier is received under)
    agencies: list  # the implementing agencies this officer may receive for, by name


def counter_procedure(user, code: str) -> CounterProcedure:
    """A published procedure the officer may receive, with the agencies they may receive it for; 404
    otherwise (unknown, unpublished, or of agencies outside their reach)."""
    code = (code or "").strip()
    p = (
        Procedure.objects.select_related("field").filter(code=code, publication_state__in=PUBLISHED).first()
        if code and len(code) <= 20 and code.isprintable()
        else None
    )
    version = latest_version(p) if p is not None else None
    agencies = (
        list(
            p.agencies.filter(pk__in=directory.receivable_agencies(user).values("pk")).order_by(
                "name_folded", "identifier"
            )
        )
        if version is not None
        else []
    )
    if not agencies:
        raise NotFound(
            f"Không có thủ tục mã {code[:40]!r} mà bạn được tiếp nhận hồ sơ.", code="procedure_not_found"
        )
    return CounterProcedure(p, version, agencies)


APPLICANT_FIELDS = ("name", "birth_date", "phone", "email", "address")


def applicant_by_id_number(user, id_number: str) -> dict[str, Any] | None:
    """What is known of the person with this personal ID, for the counter's form: the applicant of the
    most recent dossier the officer may see, completed by their citizen account where that is silent.
    None when neither exists. The caller validates the number and throttles the lookups."""
    latest = (
        dossiers_visible_to(user)
        .filter(applicant_id_number=id_number, applicant_kind=ApplicantKind.CITIZEN)
        .order_by("-submitted_at", "-id")
        .values(
            "applicant_name",
            "applicant_birth_date",
            "applicant_phone",
            "applicant_email",
            "applicant_address",
        )
        .first()
    )
    account = (
        Applicant.objects.filter(id_number=id_number, kind=Applicant.Kind.CITIZEN)
        .order_by("id")
        .values("full_name", "birth_date", "phone", "email", "address")
        .first()
    )
    if latest is None and account is None:
        return None
    found = dict.fromkeys(APPLICANT_FIELDS, None)
    if account is not None:
        found.update(zip(APPLICANT_FIELDS, account.values(), strict=True))
    if latest is not None:  # the most recent papers win where they say something
        found.update((k, v) for k, v in zip(APPLICANT_FIELDS, latest.values(), strict=True) if v)
    return found


def check_action(
    user, dossier: Dossier, action: str, given: dict[str, Any], *, expected_version: int | None = None
):
    """What `services.perform` would answer before changing anything, without changing anything: the
    same DomainError (404, 403, 409, 422 in its order) or the typed input. For a page that asks for a
    confirmation before a step that cannot be undone. (What the action itself checks while applying,
    such as a forward's recipient, is left to `perform`.)"""
    spec = machine.BY_ACTION.get(action)
    if spec is None or action not in machine.BY_NAME:
        raise NotFound(f"Không có thao tác '{action}'.", code="unknown_action")
    permissions.check(user, dossier, action, timezone.now())
    permissions.check_version(dossier, expected_version)
    return inputs.validate(spec.Input, given)


DUE_TODAY, DUE_SOON = "due_today", "due_soon"


def due_urgency(d: Dossier, now: datetime) -> str | None:
    """'due_today' or 'due_soon' (the work queue's buckets, `queue.bucket_of`, as the `due` list filter)
    for a dossier whose due date is near; None otherwise."""
    bucket = queue.bucket_of(d, now)
    return bucket if bucket in (DUE_TODAY, DUE_SOON) else None


@dataclass(frozen=True)
class Recipients:
    """Where a `forward` by this user may send the dossier (the choices of a page's recipient field).

    `next_step`: (agency, person or None, workflow step) of a forward without a recipient, or None with
    `no_next_step` saying why (last step, a step that is not the user's); `agencies`: whole units (a
    forward to the group), `staff`: (user, assignment) of specialists and leaders there."""

    next_step: tuple[Agency, Any, workflows.Step] | None
    no_next_step: str
    agencies: list[Agency]
    staff: list[StaffAssignment]


def forward_recipients(user, d: Dossier) -> Recipients:
    """The holding agency, the competent agency and the next step's, with their processing staff."""
    try:
        next_step, why = workflows.destination(d, "", user), ""
    except ValidationFailed as exc:
        next_step, why = None, exc.message
    agencies = {a.pk: a for a in (d.current_agency, d.agency, next_step[0] if next_step else None) if a}
    staff = list(
        StaffAssignment.objects.filter(
            agency_id__in=list(agencies), role__in=[Role.SPECIALIST, Role.LEADER], user__is_active=True
        )
        .exclude(user_id=getattr(user, "pk", None))
        .select_related("user", "agency")
        .order_by("agency__name", "role", "user__last_name", "user__first_name", "user__username")
    )
    listed = sorted(agencies.values(), key=lambda a: (a.pk != d.agency_id, a.name))
    return Recipients(next_step, why, listed, staff)
