"""Dossier intake through the service layer, against raw inserts of the same rows (the floor).

Two intakes are measured, each against its own floor:

* counter reception: the one-stop officer's `services.submit_dossier` with channel 1, which receives the
  dossier (status 2, due date) in one call and one transaction: the dossier, its components and fees, one
  event, one outbox message, the receipt notices (per channel a record and an outbox message, ADR 0013)
  and the agency's daily counter. This is the issue's "submit + receive" and what a counter officer does
  two hundred times a day.
* online submission + acceptance: a citizen's `submit_dossier` (status 1) and then `perform(accept)`
  (status 2, due date): two calls, two transactions, two events and two outbox messages.

Floors, measured in the same run on the same database: the rows the service wrote for one dossier,
captured once and re-inserted with raw SQL through Django's cursor (stack.md §4.2), one transaction per
dossier; for the online path also split into the two transactions production needs (the service can do
no better than that, so service / raw-2txn is the cost of the service code itself).

Each round runs every path once (N intakes, the paths interleaved); a ratio is the median of the per-round
ratios, printed with their quartiles, because a round's service and floor run seconds apart and a slow
spell of the machine hits both (ADR 0006).

Target: service >= 50 % of the raw 1-transaction rate. Also printed: the statements per call and, with
BENCH_PROFILE=counter|online, a cProfile of that path (BENCH_SORT=tottime for self time).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta

from benchmarks.common import setup_django

N = int(os.environ.get("BENCH_INTAKE_N", "100"))
ROUNDS = int(os.environ.get("BENCH_INTAKE_ROUNDS", "21"))
PROCEDURE = "1.001193"


def build():
    from django.contrib.auth import get_user_model

    from motcua.catalog.services import apply_record
    from motcua.directory.models import AdminUnit, Agency, Applicant, Role, StaffAssignment

    province = AdminUnit.objects.create(
        code="40", name="Tỉnh Nghệ An", level="province", valid_from=date(2025, 7, 1)
    )
    centre = Agency.objects.create(
        identifier="000.00.00.H40",
        name="Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
        level="province",
        kind="service_centre",
        province=province,
        admin_unit=province,
    )
    justice = Agency.objects.create(
        identifier="000.00.15.H40",
        name="Sở Tư pháp tỉnh Nghệ An",
        level="province",
        kind="department",
        province=province,
        admin_unit=province,
    )
    apply_record(
        {
            "code": PROCEDURE,
            "name": "Đăng ký khai sinh có yếu tố nước ngoài",
            "field": {"code": "G09-HT01", "name": "Hộ tịch"},
            "levels": ["province"],
            "processing_time": 15,
            "time_unit": "working_days",
            "subjects": ["Công dân Việt Nam"],
            "online_level": "full",
            "publication_state": "published",
            "agencies": [justice.identifier],
            "cases": [{"code": "TH1", "name": "Đăng ký đúng hạn"}],
            "steps": [{"title": "Nộp hồ sơ"}, {"title": "Trả kết quả"}],
            "channels": [
                {"channel": "counter", "processing_time": 15},
                {"channel": "online", "processing_time": 15},
            ],
            "components": [
                {"code": "TP1", "name": "Tờ khai đăng ký khai sinh", "case": "TH1"},
                {"code": "TP2", "name": "Giấy chứng sinh", "copies": 1},
            ],
            "fees": [{"kind": "charge", "amount": 10000, "channel": "online"}],
            "results": [{"code": "KQ1", "name": "Giấy khai sinh"}],
            "legal_bases": [
                {"number": "60/2014/QH13", "title": "Luật Hộ tịch", "effective_on": "2016-01-01"}
            ],
        }
    )
    User = get_user_model()
    citizen = User.objects.create_user("congdan", password=None, first_name="Hoa", last_name="Nguyễn Thị")
    Applicant.objects.create(
        user=citizen,
        kind="citizen",
        full_name="Nguyễn Thị Hoa",
        id_number="038190001234",
        phone="0912345678",
        email="hoa@example.vn",
    )
    officer = User.objects.create_user("tiepnhan", password=None, first_name="Lan", last_name="Trần Thị")
    StaffAssignment.objects.create(user=officer, agency=centre, role=Role.RECEPTION)
    return citizen, officer, centre


BODY = {
    "procedure": PROCEDURE,
    "agency": "000.00.15.H40",
    "channel": 2,
    "applicant": {
        "kind": "citizen",
        "name": "Nguyễn Thị Hoa",
        "id_number": "038190001234",
        "phone": "0912345678",
        "email": "hoa@example.vn",
        "address": "Phường Vinh, Nghệ An",
    },
    "components": [{"code": "TP1", "copies": 1}, {"code": "TP2", "copies": 1}],
    "summary": "Đăng ký khai sinh cho con",
}


COUNTER_BODY = {**BODY, "channel": 1}


def moment(i: int, base: datetime) -> datetime:
    # 300 intakes a working day, inside the 07:00-11:30 window, one day after another.
    day, slot = divmod(i, 300)
    return base + timedelta(days=day, seconds=30 + slot * 50)


class RawWriter:
    """The rows of one service intake, captured once, re-inserted with raw SQL (db-prepared values)."""

    def __init__(self, code: str, prefix: str):
        from django.db import connection

        from motcua.directory.models import DailySequence
        from motcua.dossiers.models import Dossier, DossierComponent, DossierEvent, DossierFee
        from motcua.integrations.models import OutboxMessage
        from motcua.notifications.models import Notification

        d = Dossier.objects.get(code=code)
        self.connection, self.prefix = connection, prefix

        def template(obj, skip=("id",)):
            fields = [f for f in obj._meta.concrete_fields if f.attname not in skip]
            cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            sql = (
                f"INSERT INTO {obj._meta.db_table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))}) "
                f"RETURNING id"
            )
            values = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            return sql, [f.attname for f in fields], values

        self.dossier = template(d)
        self.children = [template(c) for c in DossierComponent.objects.filter(dossier=d)]
        self.children += [template(f) for f in DossierFee.objects.filter(dossier=d)]
        self.events = [template(e) for e in DossierEvent.objects.filter(dossier=d).order_by("seq")]
        self.outbox = [template(m) for m in OutboxMessage.objects.filter(key=code).order_by("id")]
        # The applicant's notices an event calls for: their records and outbox messages (ADR 0013).
        self.notices: dict[int, list] = {}
        for n in Notification.objects.filter(dossier_id=code).order_by("id"):
            message = OutboxMessage.objects.filter(idempotency_key=n.key).first()
            self.notices.setdefault(n.event_seq, []).append(
                (n.channel, template(n), template(message) if message else None)
            )
        self.agency_id = d.receiving_agency_id
        table = DailySequence._meta.db_table
        self.upsert = (
            f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) ON CONFLICT (agency_id, day) "
            f"DO UPDATE SET last = {table}.last + 1 RETURNING last"
        )
        self.update = (
            f"UPDATE {d._meta.db_table} SET status = %s, received_at = %s, due_at = %s WHERE id = %s"
        )
        self.n = 0

    @staticmethod
    def _with(tpl, **changes):
        sql, names, values = tpl
        return sql, [changes.get(name, value) for name, value in zip(names, values, strict=True)]

    def _insert(self, cur, tpl, **changes) -> int:
        sql, params = self._with(tpl, **changes)
        cur.execute(sql, params)
        return cur.fetchone()[0]

    def intake(self, day: date, split: bool = False) -> None:
        """One dossier's rows: in one transaction, or in the two that production needs (split=True)."""
        from django.db import transaction

        self.n += 1
        code = f"RAW-{self.prefix}{split:d}-{self.n:07d}"
        with transaction.atomic(), self.connection.cursor() as cur:
            cur.execute(self.upsert, [self.agency_id, day])
            cur.fetchone()
            dossier_id = self._insert(cur, self.dossier, code=code)
            for tpl in self.children:
                self._insert(cur, tpl, dossier_id=dossier_id)
            self._insert(cur, self.events[0], dossier_id=dossier_id)
            self._insert(cur, self.outbox[0], key=code, idempotency_key=f"{code}:1")
            self._notify(cur, code, 1)
            if not split and len(self.events) > 1:
                self._acceptance(cur, dossier_id, code)
        if split and len(self.events) > 1:
            with transaction.atomic(), self.connection.cursor() as cur:
                self._acceptance(cur, dossier_id, code)

    def _acceptance(self, cur, dossier_id: int, code: str) -> None:
        _, params = self._with(self.dossier)
        cur.execute(
            self.update,
            [
                2,
                params[self.dossier[1].index("received_at")],
                params[self.dossier[1].index("due_at")],
                dossier_id,
            ],
        )
        for n, (event, message) in enumerate(zip(self.events[1:], self.outbox[1:], strict=True), start=2):
            self._insert(cur, event, dossier_id=dossier_id)
            self._insert(cur, message, key=code, idempotency_key=f"{code}:{n}")
            self._notify(cur, code, n)

    def _notify(self, cur, code: str, seq: int) -> None:
        for channel, notice, message in self.notices.get(seq, ()):
            key = f"{code}:{seq}:{channel}"
            self._insert(cur, notice, key=key, dossier_id=code)
            if message is not None:
                self._insert(cur, message, key=f"{channel}:{code}", idempotency_key=key)

    @property
    def notice_rows(self) -> int:
        return sum(1 + (message is not None) for rows in self.notices.values() for _c, _n, message in rows)

    @property
    def rows(self) -> int:
        return 1 + len(self.children) + len(self.events) + len(self.outbox) + self.notice_rows


def shape(sql: str) -> str:
    words = sql.split()
    head = " ".join(words[:3])
    table = next(
        (
            w.strip('"')
            for w in words
            if "_" in w
            and w.strip('"').split("_")[0]
            in {"dossiers", "integrations", "notifications", "directory", "catalog", "auth"}
        ),
        "",
    )
    return f"{head[:28]:<28} {table}"


def _rounds(fns: dict[str, object]) -> dict[str, list[float]]:
    """Dossiers/s of each function in each of ROUNDS rounds of N calls, the functions interleaved."""
    rates: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(N):
                fn()
            rates[name].append(N / (time.perf_counter() - t0))
    return rates


def _paired(service: list[float], floor: list[float]) -> tuple[float, float, float]:
    """(median, 1st quartile, 3rd quartile) of the per-round ratios. A round's service and floor run
    seconds apart, so a slow spell of the machine (a WAL checkpoint, a noisy neighbour) hits both."""
    ratios = sorted(a / b for a, b in zip(service, floor, strict=True))
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return statistics.median(ratios), q1, q3


def _queries(title: str, captured) -> None:
    shapes = Counter(shape(q["sql"]) for q in captured.captured_queries)
    print(
        f"    {title} ({len(captured)}): " + "; ".join(f"{n}x {s.strip()}" for s, n in shapes.most_common())
    )


def main() -> int:
    label = setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.core.formatting import LOCAL_TZ
    from motcua.dossiers import services

    citizen, officer, _centre = build()
    base = datetime(2026, 3, 2, 7, 0, tzinfo=LOCAL_TZ)  # a Monday
    state = {"i": 0}

    def tick() -> datetime:
        state["i"] += 1
        return moment(state["i"], base)

    def counter_intake() -> str:
        return services.submit_dossier(officer, COUNTER_BODY, at=tick()).code

    def online_intake() -> str:
        at = tick()
        d = services.submit_dossier(citizen, BODY, at=at)
        services.perform(officer, d.code, "accept", at=at + timedelta(minutes=5))
        return d.code

    day = base.date()
    counter_raw = RawWriter(counter_intake(), "C")
    online_raw = RawWriter(online_intake(), "O")
    for _ in range(20):  # warm caches (calendar snapshot, role memo, precompiled statements)
        counter_intake()
        online_intake()
        counter_raw.intake(day)
        online_raw.intake(day)

    with CaptureQueriesContext(connection) as counter_q:
        counter_intake()
    at = tick()
    with CaptureQueriesContext(connection) as submit_q:
        d = services.submit_dossier(citizen, BODY, at=at)
    with CaptureQueriesContext(connection) as accept_q:
        services.perform(officer, d.code, "accept", at=at + timedelta(minutes=5))

    rounds = _rounds(
        {
            "counter_raw": lambda: counter_raw.intake(day),
            "counter": counter_intake,
            "online_raw1": lambda: online_raw.intake(day),
            "online_raw2": lambda: online_raw.intake(day, split=True),
            "online": online_intake,
        }
    )

    med = {name: statistics.median(rates) for name, rates in rounds.items()}

    def ratio_line(title: str, service: str, floor: str, note: str) -> None:
        ratio, q1, q3 = _paired(rounds[service], rounds[floor])
        print(f"    ratio {title}: {ratio:6.1%}  (quartiles of the rounds {q1:.1%}-{q3:.1%}){note}")

    def verdict(service: str, floor: str) -> str:
        return "   target >= 50 %: " + (
            "OK" if _paired(rounds[service], rounds[floor])[0] >= 0.5 else "UNDER"
        )

    print(f"  {N} intakes x {ROUNDS} rounds on {label}; dossiers/s and ratios are medians of the rounds")
    print("  counter reception: submit_dossier by the one-stop officer, status 2 and due date in one call;")
    print(
        f"    {counter_raw.rows} rows (dossier, {len(counter_raw.children)} components/fees, "
        f"{len(counter_raw.events)} event, {len(counter_raw.outbox)} outbox, {counter_raw.notice_rows} for "
        "notices) + the daily sequence"
    )
    print(f"    floor  raw SQL, 1 txn          {med['counter_raw']:8.0f}")
    print(f"    service                        {med['counter']:8.0f}")
    ratio_line("service / raw", "counter", "counter_raw", verdict("counter", "counter_raw"))
    print(
        "  online submission + acceptance: submit_dossier (status 1) then perform(accept), two transactions;"
    )
    print(
        f"    {online_raw.rows} rows (dossier, {len(online_raw.children)} components/fees, "
        f"{len(online_raw.events)} events, {len(online_raw.outbox)} outbox, {online_raw.notice_rows} for "
        "notices) + the daily sequence + 1 update"
    )
    print(f"    floor  raw SQL, 1 txn          {med['online_raw1']:8.0f}")
    print(f"    floor  raw SQL, 2 txn          {med['online_raw2']:8.0f}")
    print(f"    service                        {med['online']:8.0f}")
    ratio_line("service / raw 1 txn", "online", "online_raw1", verdict("online", "online_raw1"))
    ratio_line("service / raw 2 txn", "online", "online_raw2", "   (the transactions production needs)")
    print("  statements per call:")
    for title, captured in (("counter", counter_q), ("submit", submit_q), ("accept", accept_q)):
        _queries(title, captured)

    if os.environ.get("BENCH_PROFILE"):
        profile = cProfile.Profile()
        fn = counter_intake if os.environ["BENCH_PROFILE"] == "counter" else online_intake
        profile.enable()
        for _ in range(200):
            fn()
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())
