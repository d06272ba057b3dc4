"""A year of dossier history for the demo (contract §3): a few thousand dossiers in every status 1-10.

Every dossier is made through `dossiers.services` with the injected clock (`at=`), one transaction per
service call as in production, so its events, due dates, timeliness and outbox rows are the real ones.
Scenarios follow the usual mix: most results returned on time, some late, some with a supplement request,
a payment or an apology, some refused at reception, withdrawn or stopped, and recent dossiers still
waiting, in processing (some overdue), waiting for a supplement or a payment.

Only procedures whose competent agency has both a specialist and a leader among the demo accounts are
used, so that every step is taken by an account that exists (`tiepnhan`, `chuyenvien`, `lanhdao`, ...).
Online submissions come from citizen accounts made here without a usable password (they only own
dossiers; the demo's sign-in accounts are `load_demo`'s).

Idempotent: each dossier carries the idempotency key `demo-history-<seed>-<n>`; dossiers already there
are skipped, so a second run adds nothing and an interrupted run resumes. Each dossier draws from its own
random generator (seeded by `seed` and its number), so a resumed run makes the same choices.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.catalog.versions import ONLINE, PUBLISHED
from motcua.core.errors import DomainError
from motcua.core.identity import BIRTH_PROVINCE_CODES
from motcua.directory import selectors as directory
from motcua.directory.calendars import calendar_for
from motcua.directory.models import Agency, Applicant, Role, StaffAssignment
from motcua.documents import issuing
from motcua.documents.signing import democa
from motcua.dossiers import machine, services
from motcua.dossiers.models import Dossier
from motcua.dossiers.services.intake import fee_reductions
from motcua.notifications.services import muted
from motcua.payments.models import PaymentAttempt
from motcua.payments.services import payable_request

KEY_PREFIX = "demo-history"
DEFAULT_SEED = 20250701
CITIZEN_ACCOUNTS = 40
ACCOUNT_PREFIX = "nguoidan"

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Thái",
    "Cao",
    "Đinh",
    "Hà",
    "Chu",
    "Lương",
]
MALE = [
    "Văn An",
    "Văn Bình",
    "Đức Cường",
    "Quốc Dũng",
    "Văn Hải",
    "Minh Hùng",
    "Xuân Khánh",
    "Văn Long",
    "Hoài Nam",
    "Đình Phong",
    "Hữu Quang",
    "Trọng Sơn",
    "Đức Thắng",
    "Quang Trung",
    "Anh Tuấn",
    "Văn Vinh",
]
FEMALE = [
    "Thị Chi",
    "Thị Giang",
    "Thu Hà",
    "Thị Hạnh",
    "Thị Hoa",
    "Thị Hương",
    "Thùy Linh",
    "Thị Lan",
    "Ngọc Mai",
    "Thị Ngọc",
    "Thị Phương",
    "Thanh Tâm",
    "Phương Thảo",
    "Thu Trang",
    "Tường Vy",
    "Hải Yến",
]
PLACES = [
    "phường Trường Vinh",
    "phường Thành Vinh",
    "phường Vinh Hưng",
    "phường Cửa Lò",
    "xã Anh Sơn",
    "xã Diễn Châu",
    "xã Quỳnh Lưu",
    "xã Nghi Lộc",
    "xã Đô Lương",
    "xã Yên Thành",
    "phường Hoàng Mai",
    "xã Nam Đàn",
    "xã Thanh Chương",
    "phường Thái Hòa",
]
REFUSALS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
    "Giấy tờ trong hồ sơ không hợp lệ, đã hết hiệu lực.",
    "Người nộp không phải chủ hồ sơ và không có giấy ủy quyền.",
]
SUPPLEMENTS = [
    ["Bản sao giấy tờ tùy thân có chứng thực"],
    ["Tờ khai còn thiếu chữ ký của người yêu cầu"],
    ["Bản vẽ, sơ đồ vị trí có xác nhận", "Ảnh chụp hiện trạng"],
    ["Giấy ủy quyền có chứng thực"],
]
STOPS = [
    "Hồ sơ không đủ điều kiện giải quyết theo quy định.",
    "Kết quả xác minh cho thấy thông tin kê khai không đúng thực tế.",
]
WITHDRAWALS = ["Người dân xin rút hồ sơ để bổ sung thông tin.", "Không còn nhu cầu giải quyết."]
APOLOGIES = [
    "Cần lấy ý kiến cơ quan phối hợp, chưa nhận được văn bản trả lời.",
    "Hệ thống phần mềm gặp sự cố, việc xác minh bị chậm.",
]

# Final status (or situation) of a dossier, with its share of the history.
SCENARIOS: list[tuple[str, int]] = [
    ("done", 50),
    ("done_supplement", 6),
    ("done_payment", 5),
    ("done_apology", 2),
    ("done_late", 6),
    ("releasing", 4),
    ("processing", 4),
    ("processing_overdue", 2),
    ("waiting", 3),
    ("paying", 2),
    ("new", 2),
    ("receiving", 2),
    ("denied", 4),
    ("guided_then_done", 2),
    ("withdrawn", 3),
    ("stopped", 3),
]
# The first dossiers of every run cover every status (1-10) whatever `count` is.
FIRST = [
    "receiving",
    "new",
    "denied",
    "processing",
    "waiting",
    "paying",
    "withdrawn",
    "stopped",
    "releasing",
    "done",
    "done_late",
    "processing_overdue",
    "done_supplement",
    "done_payment",
    "guided_then_done",
    "done_apology",
]
# Scenarios that end in a running dossier happen in the last weeks; the others anywhere in the year.
RECENT = {"receiving": 2, "new": 3, "processing": 8, "waiting": 10, "paying": 10, "releasing": 12}


@dataclass
class Desk:
    """Who can act on one competent agency's dossiers."""

    agency: Agency
    procedures: list[Procedure]
    reception: list[Any]
    specialists: list[Any]
    leaders: list[Any]


@dataclass
class Cast:
    desks: list[Desk]
    citizens: list[Any]
    company: Any | None = None
    stats: dict[str, int] = field(default_factory=dict)


class StopScenario(Exception):
    """The next step would happen after now: the dossier stays where it is."""


def _person(rng: random.Random) -> dict[str, Any]:
    female = rng.random() < 0.5
    year = rng.randint(1950, 2006)
    born = date(year, rng.randint(1, 12), rng.randint(1, 28))
    century_digit = (year - 1900) // 100 * 2 + (1 if female else 0)
    province = "040" if rng.random() < 0.7 else rng.choice(sorted(BIRTH_PROVINCE_CODES))
    id_number = f"{province}{century_digit}{year % 100:02d}{rng.randint(0, 999999):06d}"
    name = f"{rng.choice(SURNAMES)} {rng.choice(FEMALE if female else MALE)}"
    return {
        "kind": "citizen",
        "name": name,
        "id_number": id_number,
        "birth_date": born.isoformat(),
        "phone": f"09{rng.randint(0, 99_999_999):08d}",
        "address": f"Số {rng.randint(1, 200)}, khối {rng.randint(1, 15)}, {rng.choice(PLACES)}, tỉnh Nghệ An",
    }


def _citizen_accounts(n: int, seed: int) -> list[Any]:
    """Citizen accounts that own the online submissions (no usable password: they never sign in)."""
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__startswith=ACCOUNT_PREFIX)}
    out = []
    rng = random.Random(f"{seed}:accounts")
    for i in range(1, n + 1):
        person = _person(rng)
        username = f"{ACCOUNT_PREFIX}{i:03d}"
        user = existing.get(username)
        if user is None:
            with transaction.atomic():
                last, first = person["name"].rsplit(" ", 1)
                user = User(username=username, first_name=first, last_name=last)
                user.set_unusable_password()
                user.save()
                Applicant.objects.create(
                    user=user,
                    kind=Applicant.Kind.CITIZEN,
                    full_name=person["name"],
                    id_number=person["id_number"],
                    birth_date=date.fromisoformat(person["birth_date"]),
                    phone=person["phone"],
                    address=person["address"],
                )
        out.append(user)
    return out


def _cast(seed: int) -> Cast:
    """Agencies with a specialist and a leader, their published procedures, and who receives for them."""
    rows = list(
        StaffAssignment.objects.filter(user__is_active=True)
        .select_related("user", "agency")
        .order_by("user__username")
    )
    by_agency: dict[int, dict[str, list]] = {}
    for row in rows:
        by_agency.setdefault(row.agency_id, {}).setdefault(row.role, []).append(row.user)
    receptionists = sorted({r.user for r in rows if r.role == Role.RECEPTION}, key=lambda u: u.username)
    desks = []
    for agency_id, roles in sorted(by_agency.items()):
        if not roles.get(Role.SPECIALIST) or not roles.get(Role.LEADER):
            continue
        agency = Agency.objects.get(pk=agency_id)
        procedures = list(
            Procedure.objects.filter(agencies=agency, publication_state__in=PUBLISHED).order_by("code")
        )
        procedures = [p for p in procedures if p.versions.exists()]
        reception = [u for u in receptionists if directory.can_receive_for(u, agency)]
        if procedures and reception:
            desks.append(Desk(agency, procedures, reception, roles[Role.SPECIALIST], roles[Role.LEADER]))
    company = get_user_model().objects.filter(username="doanhnghiep", applicant__kind="organisation").first()
    return Cast(desks=desks, citizens=_citizen_accounts(CITIZEN_ACCOUNTS, seed), company=company)


_RECORDS: dict[int, dict] = {}


def _components(procedure: Procedure, rng: random.Random) -> tuple[str, list[dict]]:
    if procedure.pk not in _RECORDS:  # the latest version's record, read once per run
        _RECORDS[procedure.pk] = procedure.versions.order_by("-number").first().record
    record = _RECORDS[procedure.pk]
    cases = [c["code"] for c in record.get("cases") or []]
    case = cases[0] if cases else ""
    out = []
    for c in record.get("components") or []:
        if c.get("case") not in (None, "", case):
            continue
        if c.get("required", True) or rng.random() < 0.5:
            out.append({"code": c["code"], "copies": rng.choice([1, 1, 1, 2])})
    return case, out


class Story:
    """One dossier's life: service calls in time order, each at a working moment not after `now`."""

    def __init__(self, cast: Cast, desk: Desk, rng: random.Random, now: datetime):
        self.cast, self.desk, self.rng, self.now = cast, desk, rng, now
        self.cal = calendar_for(desk.agency)
        self.t: datetime | None = None
        self.code = ""
        self.dossier: Dossier | None = None
        self.owner = None

    def later(self, hours: float) -> datetime:
        """`hours` of working time after the last step (at least a few minutes later)."""
        return self.fit(self.cal.add(self.t, Decimal(str(round(max(hours, 0.1), 2))), "hours"))

    def fit(self, t: datetime) -> datetime:
        """`t`, or if that is still in the future, a moment between the last step and now: the story is
        squeezed into the time there is, so that recent dossiers reach the status they are meant for."""
        if t <= self.now:
            return t
        # Only a last step at `now` itself leaves no room: a scenario squeezed step by step into the last
        # minutes still reaches its status (with a 2-minute margin, whether it did hung on the clock).
        if self.t >= self.now - timedelta(seconds=1):
            raise StopScenario
        return self.t + (self.now - self.t) * self.rng.uniform(0.3, 0.8)

    def act(self, actor, action: str, at: datetime, **payload) -> Dossier:
        if at > self.now:
            raise StopScenario
        self.dossier = services.perform(actor, self.code, action, at=at, **payload)
        self.t = at
        return self.dossier

    def submit(self, start: datetime, key: str, channel: int) -> Dossier:
        rng, desk = self.rng, self.desk
        offered = [p for p in desk.procedures if p.online_level in ONLINE]
        if channel == 2 and not offered:
            channel = 3  # nothing of this desk is offered online: the citizen posts the papers
        procedure = rng.choice(offered if channel == 2 else desk.procedures)
        case, components = _components(procedure, rng)
        body: dict[str, Any] = {
            "procedure": procedure.code,
            "agency": desk.agency.identifier,
            "channel": channel,
            "components": components,
            "summary": f"Đề nghị giải quyết: {procedure.name}"[:500],
        }
        if case:
            body["case"] = case
        # About a third of those who may claim a reduction do (ADR 0032). Drawn from a generator of its own,
        # so that the story's own draws, and so every other dossier of the demo, stay as they were.
        claims = random.Random(f"{key}:fee-reduction")
        listed = fee_reductions(SimpleNamespace(record=_RECORDS[procedure.pk]), channel, case)
        if listed and claims.random() < 0.35:
            body["fee_reduction"] = claims.choice(listed)["name"]
        if channel == 1:
            actor = rng.choice(desk.reception)
            body["applicant"] = _person(rng)
        else:
            pick = rng.random()
            if pick < 0.05:
                actor = get_user_model().objects.get(username="congdan")
            elif pick < 0.09 and self.cast.company is not None:
                actor = self.cast.company
            else:
                actor = rng.choice(self.cast.citizens)
            body["applicant"] = {}  # the account's own identity
            self.owner = actor
        if channel == 1:  # the counter is open only in working time; online and post arrive any time
            for _ in range(10):
                opening = self.cal.add(start, 0, "hours")
                if opening <= self.now:
                    break
                start -= timedelta(days=1)
            start = opening
        if start > self.now:
            raise StopScenario
        self.dossier = services.submit_dossier(actor, body, at=start, idempotency_key=key)
        self.code, self.t = self.dossier.code, start
        if channel == 1 and self.dossier.applicant_user_id:
            self.owner = self.dossier.applicant_user
        return self.dossier

    def applicant_or_desk(self):
        return self.owner if self.owner is not None else self.rng.choice(self.desk.reception)

    def due_fraction(self, fraction: float) -> datetime:
        """A moment `fraction` of the way from the last step to the due date (working time)."""
        d = self.dossier
        if d.due_at is None or d.due_at <= self.t:
            return self.later(self.rng.uniform(4, 40))
        hours = float(self.cal.working_hours_between(self.t, d.due_at)) * fraction
        return self.later(hours)


def _play(story: Story, scenario: str, start: datetime, key: str) -> None:
    """One dossier's life by scenario: reception, then processing, then the decision and the hand-over."""
    rng, desk = story.rng, story.desk
    cast = (rng.choice(desk.reception), rng.choice(desk.specialists), rng.choice(desk.leaders))
    if _reception(story, scenario, start, key, cast[0]) and _processing(story, scenario, *cast):
        _decision(story, scenario, *cast)


def _reception(story: Story, scenario: str, start: datetime, key: str, reception) -> bool:
    """Submission and the one-stop's check; False when the story ends there."""
    rng = story.rng
    online = scenario in {"receiving", "denied", "guided_then_done"} or rng.random() < 0.55
    channel = (3 if rng.random() < 0.1 else 2) if online else 1
    d = story.submit(start, key, channel)
    _pay_fee(story, key, reception)
    if scenario == "receiving":
        return False
    if d.status == 1:
        if scenario == "denied":
            story.act(reception, "refuse", story.later(rng.uniform(1, 12)), reason=rng.choice(REFUSALS))
            return False
        if scenario == "guided_then_done":
            story.act(
                reception,
                "request_supplement",
                story.later(rng.uniform(1, 6)),
                reason="Hồ sơ chưa đầy đủ theo quy định.",
                items=rng.choice(SUPPLEMENTS),
            )
            story.act(
                story.applicant_or_desk(),
                "supplement",
                story.later(rng.uniform(4, 30)),
                note="Đã bổ sung theo hướng dẫn.",
            )
        if scenario == "withdrawn" and rng.random() < 0.3:
            story.act(
                story.applicant_or_desk(),
                "withdraw",
                story.later(rng.uniform(1, 8)),
                reason=rng.choice(WITHDRAWALS),
            )
            return False
        story.act(reception, "accept", story.later(rng.uniform(0.5, 10)))
    return scenario != "new"


def _pay_fee(story: Story, key: str, reception) -> None:
    """The procedure's fee, paid as the dossier comes in (for the online-payment report, ADR 0034): most
    online applicants pay through the national payment platform, counter and postal ones pay the one-stop,
    one in ten leaves it unpaid. Drawn from a generator of its own and at the moment of the submission, so
    that the story's other draws and times stay as they were."""
    d = story.dossier
    draw = random.Random(f"{key}:payment").random()
    if d is None or d.fee_total <= d.fee_paid or draw < 0.1:
        return
    if d.channel == 2 and draw < 0.8:
        request = payable_request(d)
        # An attempt confirmed by the platform, as `payments.services.take` records one (the gateway's
        # signed confirmation is what the demo skips: there is no platform to sign it).
        attempt = PaymentAttempt.objects.create(
            request=request,
            gateway="dvcqg",
            reference=f"DEMO-{d.code}"[:50],
            amount=request.amount,
            started_at=story.t,
            started_by=story.owner,
            init_time=f"{timezone.localtime(story.t):%Y%m%d%H%M%S}",
            description=f"Nop phi le phi ho so {d.code}"[:255],
            transaction_id=f"DEMO{d.pk:010d}",
        )
        story.act(None, "pay_online", story.t, system=machine.PLATFORM, attempt=attempt.pk)
    elif d.channel != 2:
        transfer = d.channel == 3 or draw > 0.7
        story.act(
            reception,
            "pay",
            story.t,
            method="transfer" if transfer else "cash",
            reference=f"CK{d.pk:09d}" if transfer else "",
        )


def _processing(story: Story, scenario: str, reception, specialist, leader) -> bool:
    """The hand-over, supplements, payments and apologies; False when the story ends there."""
    rng = story.rng
    story.act(reception, "forward", story.later(rng.uniform(0.2, 6)))
    if scenario == "withdrawn":
        story.act(
            story.applicant_or_desk(),
            "withdraw",
            story.due_fraction(rng.uniform(0.1, 0.5)),
            reason=rng.choice(WITHDRAWALS),
        )
        return False
    if scenario in ("done_supplement", "waiting"):
        story.act(
            specialist,
            "request_supplement",
            story.due_fraction(rng.uniform(0.1, 0.4)),
            reason="Cần bổ sung giấy tờ để xác minh.",
            items=rng.choice(SUPPLEMENTS),
        )
        if scenario == "waiting":
            return False
        story.act(
            story.applicant_or_desk(), "supplement", story.later(rng.uniform(8, 40)), note="Đã nộp bổ sung."
        )
    if scenario in ("done_payment", "paying"):
        amount = rng.choice([50_000, 100_000, 150_000, 200_000, 500_000, 1_500_000])
        story.act(
            specialist,
            "request_payment",
            story.due_fraction(rng.uniform(0.1, 0.4)),
            amount=amount,
            note="Phí thẩm định hồ sơ",
        )
        if scenario == "paying":
            return False
        # Paid at the one-stop (the payment platform's confirmations come with the online payment).
        method = rng.choice(["cash", "transfer"])
        story.act(
            reception,
            "pay",
            story.later(rng.uniform(2, 24)),
            method=method,
            reference=f"GD{rng.randrange(10**9):09d}" if method == "transfer" else "",
        )
    if scenario == "done_apology" and story.dossier.due_at is not None:
        at = story.due_fraction(0.3)
        if story.cal.add(at, 1, "working_days") <= story.dossier.due_at:
            new_due = story.cal.add(story.dossier.due_at, rng.choice([8, 16, 24, 40]), "hours")
            story.act(leader, "apologize", at, reason=rng.choice(APOLOGIES), new_due_at=new_due.isoformat())
    if scenario in ("processing", "processing_overdue"):
        if rng.random() < 0.5:
            story.act(
                specialist, "forward", story.due_fraction(rng.uniform(0.1, 0.5)), to=leader.get_username()
            )
        return False
    return True


def _decision(story: Story, scenario: str, reception, specialist, leader) -> None:
    """The leader stops or completes it; the one-stop hands the result over."""
    rng = story.rng
    if rng.random() < 0.4:  # otherwise the leader decides on the file as it is, without a formal hand-over
        story.act(specialist, "forward", story.due_fraction(rng.uniform(0.2, 0.6)), to=leader.get_username())
    if scenario == "stopped":
        story.act(leader, "stop", story.due_fraction(rng.uniform(0.3, 0.9)), reason=rng.choice(STOPS))
        return
    due = story.dossier.due_at
    if scenario == "done_late" and due is not None:
        at = story.fit(story.cal.add(max(due, story.t), Decimal(str(round(rng.uniform(2, 60), 1))), "hours"))
    else:
        at = story.due_fraction(rng.uniform(0.3, 0.95))
    result = story.dossier.procedure.name[:200]
    story.act(leader, "complete", at, result={"name": f"Kết quả: {result}"})
    if scenario == "releasing":
        return
    story.act(reception, "return_result", story.later(rng.uniform(0.5, 16)))


def _start(scenario: str, rng: random.Random, now: datetime) -> datetime:
    if scenario in RECENT:
        return now - timedelta(days=rng.uniform(0.5, RECENT[scenario]))
    if scenario == "processing_overdue":
        return now - timedelta(days=rng.uniform(40, 90))
    # Finished dossiers: spread over the year, denser in recent months; late ones need room after due.
    days = rng.uniform(45, 365) if rng.random() < 0.5 else rng.uniform(45, 200)
    return now - timedelta(days=days)


def _scenario(n: int, rng: random.Random) -> str:
    if n < len(FIRST):
        return FIRST[n]
    names, weights = zip(*SCENARIOS, strict=True)
    return rng.choices(names, weights=weights)[0]


def default_count() -> int:
    """MOTCUA_DEMO_HISTORY overrides the size (e.g. 200 for a quick demo); bad values fall back to 3000."""
    raw = os.environ.get("MOTCUA_DEMO_HISTORY", "")
    return int(raw) if raw.isdigit() else 3000


def load_history(
    stdout: Callable[[str], None] | Any | None = None,
    *,
    count: int | None = None,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
) -> str:
    """Add `count` demo dossiers (minus those already there); returns a one-line summary."""
    say = _writer(stdout)
    count = default_count() if count is None else count
    now = now or timezone.now()
    _RECORDS.clear()
    prefix = f"{KEY_PREFIX}-{seed}-"
    done = set(
        Dossier.objects.filter(idempotency_key__startswith=prefix).values_list("idempotency_key", flat=True)
    )
    if len(done) >= count:
        return f"{count} hồ sơ lịch sử đã có sẵn (không thêm)"
    cast = _cast(seed)
    if not cast.desks:
        return "không có cơ quan nào đủ cán bộ xử lý và thủ tục để tạo lịch sử hồ sơ"
    added = stopped = 0
    step = max(1, count // 10)
    for n in range(count):
        key = f"{prefix}{n:05d}"
        if key in done:
            continue
        rng = random.Random(f"{seed}:{n}")
        scenario = _scenario(n, rng)
        desk = cast.desks[n % len(cast.desks)] if n < len(FIRST) else rng.choice(cast.desks)
        story = Story(cast, desk, rng, now)
        try:
            # History written after the fact tells no applicant anything (ADR 0013), and signs results
            # only for the few dossiers `_results` picks (ADR 0019: ~0.1 s each).
            with muted(), issuing.held():
                _play(story, scenario, _start(scenario, rng, now), key)
        except StopScenario:
            stopped += 1
        except DomainError as exc:
            # A refused step (e.g. a guard) leaves the dossier where it is, as a refused click would.
            cast.stats[exc.code] = cast.stats.get(exc.code, 0) + 1
        if story.code:
            added += 1
        if (n + 1) % step == 0:
            say(f"  hồ sơ lịch sử: {n + 1}/{count}")
    issued = _results(prefix)
    return f"{added} hồ sơ lịch sử trong 12 tháng (đã có {len(done)}), {issued} kết quả điện tử"


RECENT_RESULTS = 5


def _results(prefix: str) -> int:
    """Electronic results for every completed history dossier of `congdan` and the few most recently
    completed others, signed with demo certificates (`documents.signing.democa`) for their agencies."""
    done = Dossier.objects.filter(idempotency_key__startswith=prefix, result_name__gt="").select_related(
        "current_agency__parent"
    )
    mine = list(done.filter(applicant_user__username="congdan"))
    recent = list(done.exclude(applicant_user__username="congdan").order_by("-finished_at")[:RECENT_RESULTS])
    chosen = mine + recent
    if settings.MOTCUA_SIGNER == "local":
        directory = Path(settings.MOTCUA_SIGNING_DIR)
        democa.enrol_missing(directory, {d.current_agency for d in chosen})
    return issuing.issue_for(chosen)


def _writer(stdout) -> Callable[[str], None]:
    if stdout is None:
        return lambda line: None
    if callable(stdout):
        return stdout
    return lambda line: (stdout.write(line + "\n"), stdout.flush())
