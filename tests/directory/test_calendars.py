"""The administered calendar table: seeding, per-agency calendars, cache invalidation, the command."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from motcua.directory.calendars import calendar_for, invalidate_calendars, seed_calendar
from motcua.directory.models import CalendarDay

pytestmark = pytest.mark.django_db

HOLIDAY, WORKDAY, CLOSURE = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY, CalendarDay.Kind.CLOSURE


@pytest.fixture(autouse=True)
def _fresh_cache():
    invalidate_calendars()
    yield
    invalidate_calendars()


def test_seed_inserts_holidays_and_swaps_with_vietnamese_names_and_is_idempotent() -> None:
    created = seed_calendar([2025, 2026])
    assert created == CalendarDay.objects.count() > 20
    tet = CalendarDay.objects.get(date=date(2026, 2, 17), agency=None)
    assert (tet.kind, tet.name, tet.source) == (HOLIDAY, "Tết Nguyên Đán", "holidays")
    swap = CalendarDay.objects.get(date=date(2025, 4, 26))
    assert (swap.kind, swap.name) == (WORKDAY, "Làm bù cho ngày nghỉ 02/05/2025")
    assert CalendarDay.objects.get(date=date(2025, 9, 2)).name == "Quốc khánh"
    before = list(CalendarDay.objects.values_list("pk", "date", "kind", "name", "source"))
    assert seed_calendar([2026, 2025]) == 0
    assert list(CalendarDay.objects.values_list("pk", "date", "kind", "name", "source")) == before
    assert seed_calendar([]) == 0


def test_seed_never_overwrites_administrator_rows() -> None:
    # The administrator decided 24/11/2026 is worked (kept as a row so re-seeding does not bring it back),
    # and created a province-wide closure that the package knows nothing about.
    CalendarDay.objects.create(
        date=date(2026, 11, 24), kind=WORKDAY, name="Làm việc bình thường", source="admin"
    )
    CalendarDay.objects.create(date=date(2026, 2, 23), kind=CLOSURE, name="Chuyển trụ sở", source="")
    seed_calendar([2026])
    assert CalendarDay.objects.get(date=date(2026, 11, 24)).kind == WORKDAY
    assert CalendarDay.objects.get(date=date(2026, 2, 23)).name == "Chuyển trụ sở"
    cal = calendar_for()
    assert cal.is_working_day(date(2026, 11, 24))
    assert not cal.is_working_day(date(2026, 2, 23))


def test_editing_a_seeded_row_makes_it_the_administrators() -> None:
    seed_calendar([2026])
    row = CalendarDay.objects.get(date=date(2026, 8, 31))
    row.name = "Nghỉ lễ Quốc khánh (hoán đổi)"
    row.save()
    row.refresh_from_db()
    assert row.source == "admin"
    seed_calendar([2026])
    assert CalendarDay.objects.get(date=date(2026, 8, 31)).name == "Nghỉ lễ Quốc khánh (hoán đổi)"


def test_seed_refreshes_its_own_rows() -> None:
    CalendarDay.objects.create(date=date(2026, 3, 3), kind=HOLIDAY, name="Cũ", source="holidays")
    CalendarDay.objects.create(date=date(2026, 2, 17), kind=HOLIDAY, name="Tết (tên cũ)", source="holidays")
    changed = seed_calendar([2026])
    assert not CalendarDay.objects.filter(date=date(2026, 3, 3)).exists()
    assert CalendarDay.objects.get(date=date(2026, 2, 17)).name == "Tết Nguyên Đán"
    assert changed == CalendarDay.objects.count() + 1  # created + renamed + removed


def test_calendar_for_reads_the_table_and_agency_rows_only_affect_that_agency(agencies) -> None:
    seed_calendar([2026])
    centre, justice = agencies["centre"], agencies["justice"]
    CalendarDay.objects.create(date=date(2026, 3, 10), kind=CLOSURE, name="Chuyển trụ sở", agency=centre)
    # The department works on the 24/11 holiday (an agency row overrides the province-wide row).
    CalendarDay.objects.create(date=date(2026, 11, 24), kind=WORKDAY, name="Làm việc", agency=justice)

    province, at_centre, at_justice = calendar_for(), calendar_for(centre), calendar_for(justice)
    assert not province.is_working_day(date(2026, 2, 17))
    assert not at_centre.is_working_day(date(2026, 3, 10))
    assert province.is_working_day(date(2026, 3, 10)) and at_justice.is_working_day(date(2026, 3, 10))
    assert at_justice.is_working_day(date(2026, 11, 24))
    assert not at_centre.is_working_day(date(2026, 11, 24))
    assert at_centre.is_working_day(date(2026, 8, 22))  # province-wide make-up Saturday
    # Received Monday 09/03/2026 16:00 with 1 working day: the centre is closed on Tuesday.
    received = datetime(2026, 3, 9, 16)
    assert at_centre.add(received, 1, "working_days") == datetime(2026, 3, 11, 16)
    assert at_justice.add(received, 1, "working_days") == datetime(2026, 3, 10, 16)
    # Tết 2026: reception resumes Monday 23/02.
    assert province.add(datetime(2026, 2, 13, 15), 1, "working_days") == datetime(2026, 2, 23, 15)


def test_agency_working_windows(agencies) -> None:
    commune = agencies["commune"]
    commune.working_windows = [["07:30", "11:30"], ["13:00", "17:00"]]
    commune.save()
    cal = calendar_for(commune)
    assert cal.add(datetime(2026, 3, 9, 7, 30), 4, "hours") == datetime(2026, 3, 9, 11, 30)
    assert cal.add(datetime(2026, 3, 9, 12, 0), 1, "hours") == datetime(2026, 3, 9, 14, 0)
    assert calendar_for(agencies["centre"]).add(datetime(2026, 3, 9, 12, 0), 1, "hours") == datetime(
        2026, 3, 9, 14, 30
    )
    # Edited windows are picked up (they are part of the cache key).
    commune.working_windows = [["08:00", "12:00"]]
    assert calendar_for(commune).day_hours == 4


def test_invalid_agency_windows_fall_back_to_the_defaults(agencies, caplog) -> None:
    commune = agencies["commune"]
    commune.working_windows = [["17:00", "07:00"]]
    with caplog.at_level(logging.WARNING):
        cal = calendar_for(commune)
    assert cal.day_hours == 8
    assert "working_windows" in caplog.text


def test_cache_is_warm_and_invalidated_on_every_change(agencies, django_assert_num_queries) -> None:
    seed_calendar([2026])
    centre = agencies["centre"]
    with django_assert_num_queries(1):
        calendar_for(centre)
    with django_assert_num_queries(0):
        first = calendar_for(centre)
        assert calendar_for(centre) is first
        calendar_for()
        calendar_for(agencies["justice"])
    day = date(2026, 3, 10)
    assert first.is_working_day(day)

    row = CalendarDay.objects.create(date=day, kind=HOLIDAY, name="Nghỉ đột xuất")
    assert not calendar_for(centre).is_working_day(day)
    row.kind = WORKDAY
    row.save()
    assert calendar_for(centre).is_working_day(day)
    row.kind = CLOSURE
    row.save()
    assert not calendar_for(centre).is_working_day(day)
    row.delete()
    with django_assert_num_queries(1):
        assert calendar_for(centre).is_working_day(day)


def test_a_rolled_back_write_does_not_linger_in_the_cache() -> None:
    day = date(2026, 3, 10)
    with pytest.raises(RuntimeError), transaction.atomic():
        CalendarDay.objects.create(date=day, kind=HOLIDAY, name="Nghỉ đột xuất")
        assert not calendar_for().is_working_day(day)
        raise RuntimeError("rolled back")
    assert calendar_for().is_working_day(day)


def test_seed_command(capsys) -> None:
    call_command("seed_calendar", "--years", "2025", "2026")
    out = capsys.readouterr().out
    assert "2025, 2026" in out
    assert CalendarDay.objects.filter(date=date(2025, 1, 29), kind=HOLIDAY).exists()
    call_command("seed_calendar", "--years", "2026")
    assert ": 0 ngày" in capsys.readouterr().out


@pytest.mark.parametrize("years", [["20x"], ["1800"], ["2026", "3000"]])
def test_seed_command_rejects_bad_years(years) -> None:
    with pytest.raises(CommandError, match="năm") as excinfo:
        call_command("seed_calendar", "--years", *years)
    assert excinfo.value.returncode == 2
    assert not CalendarDay.objects.exists()
