"""Catalogue quality: constituent parts a–g and Decision 766 indicators 1.1, 1.2, 1.3 (domain.md §1.1, §3.2)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from motcua.calendar import WorkCalendar
from motcua.catalog import quality
from motcua.catalog.io import catalog_records
from motcua.catalog.quality import (
    announcement_timeliness,
    completeness_report,
    missing_parts,
    missing_recommended,
    summarise,
)
from motcua.catalog.services import apply_record
from motcua.directory.models import Role, StaffAssignment
from tests.catalog.test_io import bare_record, rich_record

# 1 and 2 September 2025 (Monday, Tuesday) are the National Day holidays: inside every window below.
CAL = WorkCalendar(holidays={date(2025, 9, 1), date(2025, 9, 2)})


def timed(decision: str | None, effective: str | None, published_at: str | None = None, **extra) -> dict:
    return rich_record(
        announcement={"number": "1/QĐ-UBND", "date": decision, "kind": "new", "agency": "UBND"},
        legal_bases=[
            {"number": "A", "title": "Luật A", "effective_on": effective and "2020-01-01"},
            {"number": "B", "title": "Nghị định B", "effective_on": effective},
        ],
        published_at=published_at,
        **extra,
    )


# --- constituent parts --------------------------------------------------------------------------


def test_a_record_missing_steps_and_agencies_lacks_b_and_g():
    record = rich_record(steps=[], agencies=[])
    assert missing_parts(record) == [("b", "trình tự thực hiện"), ("g", "cơ quan thực hiện")]
    assert missing_parts(rich_record()) == []
    assert missing_recommended(rich_record()) == []


def test_an_empty_record_lacks_every_part_but_the_name():
    assert [letter for letter, _ in missing_parts(bare_record())] == ["b", "c", "d", "đ", "e", "g"]
    assert missing_parts(bare_record(name="  "))[0] == ("a", "tên thủ tục hành chính")
    assert missing_recommended(bare_record()) == [
        ("h", "kết quả thực hiện"),
        ("phí", "phí, lệ phí"),
        ("yêu cầu", "yêu cầu, điều kiện"),
    ]


def test_time_limit_may_be_stated_per_channel_or_as_a_note():
    no_time = {"processing_time": None, "channels": [{"channel": "online", "processing_time": None}]}
    assert ("đ", "thời hạn giải quyết") in missing_parts(rich_record(**no_time, time_note=""))
    assert ("đ", "thời hạn giải quyết") not in missing_parts(
        rich_record(**no_time, time_note="Ngay trong ngày")
    )
    per_channel = {"processing_time": None, "channels": [{"channel": "online", "processing_time": 2}]}
    assert ("đ", "thời hạn giải quyết") not in missing_parts(rich_record(**per_channel))


def test_subjects_of_blank_text_do_not_count():
    assert missing_parts(rich_record(subjects=[" "])) == [("e", "đối tượng thực hiện")]


# --- 1.1 announced on time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "decision", "deadline", "status"),
    [
        # Province: 5 working days before Mon 08/09/2025: 05, 04, 03, (02, 01 holidays), 29/08, 28/08.
        ("province", "2025-08-28", date(2025, 8, 28), "on_time"),
        ("province", "2025-08-29", date(2025, 8, 28), "late"),
        # Ministry: 20 working days before, two of them skipped for the holiday.
        ("ministry", "2025-08-07", date(2025, 8, 7), "on_time"),
        ("ministry", "2025-08-08", date(2025, 8, 7), "late"),
    ],
)
def test_announcement_deadline_counts_working_days_before_the_latest_effective_date(
    level, decision, deadline, status
):
    result = announcement_timeliness(
        timed(decision, "2025-09-08"), agency_level=level, calendar=CAL, today=date(2025, 9, 30)
    )["announcement"]
    assert (result["deadline"], result["status"]) == (deadline, status)
    assert result["effective_on"] == date(2025, 9, 8) and result["indicator"] == "1.1"


def test_without_the_holiday_the_province_deadline_is_five_weekdays_earlier():
    result = announcement_timeliness(
        timed("2025-08-29", "2025-09-08"), calendar=WorkCalendar(), today=date(2025, 9, 30)
    )["announcement"]
    assert (result["deadline"], result["status"]) == (date(2025, 9, 1), "on_time")


def test_announcement_without_dates_is_not_applicable():
    assert (
        announcement_timeliness(timed(None, "2025-09-08"), calendar=CAL)["announcement"]["status"]
        == "not_applicable"
    )
    no_basis = rich_record(legal_bases=[])
    result = announcement_timeliness(no_basis, calendar=CAL)["announcement"]
    assert (result["status"], result["deadline"]) == ("not_applicable", None)


# --- 1.2 publicised on time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published_at", "today", "deadline", "status"),
    [
        # Province: decision Thu 28/08 + 5 working days: 29/08, (01, 02 holidays), 03, 04, 05, 08/09.
        ("province", "2025-09-08T16:59:00+07:00", date(2025, 9, 30), date(2025, 9, 8), "on_time"),
        # 17:30 UTC on the 8th is already the 9th in Viet Nam.
        ("province", "2025-09-08T17:30:00+00:00", date(2025, 9, 30), date(2025, 9, 8), "late"),
        ("province", None, date(2025, 9, 8), date(2025, 9, 8), "pending"),
        ("province", None, date(2025, 9, 9), date(2025, 9, 8), "late"),
        ("ministry", "2025-09-15T08:00:00+07:00", date(2025, 9, 30), date(2025, 9, 15), "on_time"),
        ("ministry", "2025-09-16T08:00:00+07:00", date(2025, 9, 30), date(2025, 9, 15), "late"),
    ],
)
def test_publication_deadline_counts_working_days_after_the_decision(
    level, published_at, today, deadline, status
):
    result = announcement_timeliness(
        timed("2025-08-28", "2025-09-08", published_at), agency_level=level, calendar=CAL, today=today
    )["publication"]
    assert (result["deadline"], result["status"]) == (deadline, status)


def test_publication_without_a_decision_date_is_not_applicable():
    result = announcement_timeliness(timed(None, None, "2025-09-08T08:00:00+07:00"), calendar=CAL)[
        "publication"
    ]
    assert (result["status"], result["deadline"]) == ("not_applicable", None)


def test_unknown_agency_level_is_refused():
    with pytest.raises(ValueError, match="agency_level"):
        announcement_timeliness(rich_record(), agency_level="commune", calendar=CAL)


# --- the report and its summary -----------------------------------------------------------------


def test_summary_scores_are_max_times_ratio_rounded_to_two_decimals():
    recs = [
        timed("2025-08-28", "2025-09-08", "2025-09-08T08:00:00+07:00", code="1.000001"),  # 1.1 ok, 1.2 ok
        timed("2025-08-29", "2025-09-08", None, code="1.000002"),  # 1.1 late, 1.2 late (overdue)
        timed(
            "2025-08-01", "2025-09-08", "2025-09-30T08:00:00+07:00", code="1.000003", steps=[], agencies=[]
        ),  # 1.1 ok, 1.2 late, incomplete
        timed("2025-09-26", None, None, code="1.000004"),  # 1.1 n/a, 1.2 pending
        bare_record(),  # draft: outside 1.3, no dates
    ]
    rows = completeness_report(recs, calendar=CAL, today=date(2025, 9, 29))
    assert [r["missing"] for r in rows][2] == [
        {"letter": "b", "label": "trình tự thực hiện"},
        {"letter": "g", "label": "cơ quan thực hiện"},
    ]
    summary = summarise(rows)
    one_one, one_two, one_three = summary["indicators"]
    assert (one_one["numerator"], one_one["denominator"], one_one["ratio"], one_one["score"]) == (
        2,
        3,
        66.67,
        4.0,
    )
    assert (one_two["numerator"], one_two["denominator"], one_two["ratio"], one_two["score"]) == (
        1,
        3,
        33.33,
        1.33,
    )
    assert (one_three["numerator"], one_three["denominator"], one_three["ratio"], one_three["score"]) == (
        3,
        4,
        75.0,
        1.5,
    )
    assert (summary["score"], summary["max_score"], summary["pending_publication"]) == (6.83, 12, 1)


def test_zero_denominators_give_zero():
    summary = summarise(completeness_report([bare_record()], calendar=CAL))
    assert [(i["denominator"], i["ratio"], i["score"]) for i in summary["indicators"]] == [(0, 0, 0)] * 3
    assert summarise([])["score"] == 0


def test_report_over_the_live_catalogue_uses_the_product_calendar(agencies):
    apply_record(timed("2025-08-29", "2025-09-08", "2025-09-09T08:00:00+07:00", code="1.000001"))
    apply_record(rich_record(code="1.000002", steps=[], agencies=[]))
    [late, incomplete] = completeness_report(catalog_records(), today=date(2025, 10, 1))
    # The administered calendar has no rows here: 5 weekdays before 08/09 is 01/09, so 29/08 is on time.
    assert (
        late["announcement"]["deadline"] == date(2025, 9, 1) and late["announcement"]["status"] == "on_time"
    )
    assert late["publication"]["deadline"] == date(2025, 9, 5) and late["publication"]["status"] == "late"
    assert [m["letter"] for m in incomplete["missing"]] == ["b", "g"]


# --- GET /catalog/completeness ------------------------------------------------------------------


@pytest.fixture
def catalogue(agencies):
    for i in range(5):
        apply_record(rich_record(code=f"1.00000{i}", steps=[] if i % 2 else rich_record()["steps"]))


@pytest.fixture
def users(agencies):
    """Staff and a citizen, without password hashing (slow, and not what is tested here)."""
    make = get_user_model().objects.create
    staff = make(username="tiepnhan")
    StaffAssignment.objects.create(user=staff, agency=agencies["centre"], role=Role.RECEPTION)
    return {
        "tiepnhan": staff,
        "admin": make(username="admin", is_superuser=True, is_staff=True),
        "congdan": make(username="congdan"),
    }


def test_completeness_endpoint_for_staff(catalogue, users, api_as):
    response = api_as(users["tiepnhan"]).get("/catalog/completeness", limit=2, offset=1)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 5
    assert [r["code"] for r in body["items"]] == ["1.000001", "1.000002"]
    assert body["items"][0]["missing"] == [{"letter": "b", "label": "trình tự thực hiện"}]
    assert body["items"][0]["announcement"]["status"] in ("on_time", "late")
    assert body["summary"]["indicators"][2] == {
        "indicator": "1.3",
        "name": "TTHC được công khai đầy đủ các bộ phận cấu thành",
        "numerator": 3,
        "denominator": 5,
        "ratio": 60.0,
        "score": 1.2,
        "max_score": 2,
    }
    incomplete = api_as(users["admin"]).get("/catalog/completeness", incomplete="true").json()
    assert [r["code"] for r in incomplete["items"]] == ["1.000001", "1.000003"] and incomplete["count"] == 2


def test_completeness_endpoint_refuses_citizens_and_anonymous_callers(catalogue, users, api_as):
    response = api_as(users["congdan"]).get("/catalog/completeness")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = api_as(None).get("/catalog/completeness")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1000}, {"offset": -1}, {"level": "commune"}, {"limit": "x"}]
)
def test_completeness_endpoint_rejects_bad_parameters(catalogue, users, api_as, params):
    response = api_as(users["tiepnhan"]).get("/catalog/completeness", **params)
    assert response.status_code == 422 and response.json()["code"] == "invalid_field"


def test_ministry_level_changes_the_windows(catalogue, users, api_as):
    body = api_as(users["tiepnhan"]).get("/catalog/completeness", level="ministry").json()
    assert body["items"][0]["announcement"]["working_days"] == 20
    assert body["items"][0]["publication"]["working_days"] == 10
    assert quality.PUBLISH_WITHIN == {"ministry": 10, "province": 5}


def test_completeness_endpoint_query_count_does_not_grow_with_the_catalogue(
    catalogue, users, api_as, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.directory import calendars

    # The calendar snapshot is re-read after SNAPSHOT_TTL: on a loaded machine that fell inside the counts.
    monkeypatch.setattr(calendars, "SNAPSHOT_TTL", 3600.0)

    client = api_as(users["tiepnhan"])
    client.get("/catalog/completeness")  # warm the calendar snapshot and the token
    with CaptureQueriesContext(connection) as five:
        assert client.get("/catalog/completeness").status_code == 200
    for i in range(5, 10):
        apply_record(rich_record(code=f"1.00000{i}"))
    with CaptureQueriesContext(connection) as ten:
        assert client.get("/catalog/completeness").json()["count"] == 10
    assert len(ten) == len(five) <= 16
