"""Permission scoping: who may receive, process and see what (contract §3, domain.md §2.2)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.directory import selectors as sel
from motcua.directory.models import Role, StaffAssignment


@pytest.fixture
def fresh(people):
    """Reload users so that every test starts without memoised roles."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return {name: User.objects.get(pk=u.pk) for name, u in people.items()}


def test_reception_officer_receives_across_the_province_not_beyond(fresh, agencies):
    officer = fresh["tiepnhan"]
    assert sel.can_receive_for(officer, agencies["centre"])
    assert sel.can_receive_for(officer, agencies["justice"])  # a Nghệ An department
    assert sel.can_receive_for(officer, agencies["commune"])  # a Nghệ An commune centre
    assert not sel.can_receive_for(officer, agencies["foreign"])  # Thanh Hóa
    assert sel.can_receive_for(officer, agencies["health"].pk)  # by id too
    assert set(sel.receivable_agencies(officer)) == {
        agencies["centre"],
        agencies["justice"],
        agencies["health"],
        agencies["commune"],
    }


def test_commune_centre_reception_covers_the_province(agencies, make_staff):
    officer = make_staff("tiepnhan_xa", Role.RECEPTION, agencies["commune"])
    assert sel.can_receive_for(officer, agencies["justice"])
    assert not sel.can_receive_for(officer, agencies["foreign"])


def test_department_counter_receives_only_for_its_own_department(agencies, make_staff):
    officer = make_staff("motcua_so", Role.RECEPTION, agencies["health"])
    assert sel.can_receive_for(officer, agencies["health"])
    assert not sel.can_receive_for(officer, agencies["justice"])


def test_specialist_and_leader_only_at_their_own_agency(fresh, agencies):
    specialist, leader = fresh["chuyenvien"], fresh["lanhdao"]
    assert sel.has_role(specialist, Role.SPECIALIST, agencies["justice"])
    assert not sel.has_role(specialist, Role.SPECIALIST, agencies["health"])
    assert not sel.has_role(specialist, Role.LEADER, agencies["justice"])
    assert sel.has_role(leader, Role.LEADER, agencies["justice"])
    assert not sel.can_receive_for(specialist, agencies["justice"])
    assert list(sel.agencies_with_role(specialist, Role.SPECIALIST)) == [agencies["justice"]]
    assert list(sel.agencies_with_role(specialist, Role.RECEPTION)) == []
    assert set(sel.visible_agencies(specialist)) == {agencies["justice"]}
    assert sel.roles_at(specialist) == {agencies["justice"].pk: {Role.SPECIALIST}}
    assert sel.is_staff_member(specialist) and not sel.is_sysadmin(specialist)
    assert sel.applicant_of(specialist) is None


def test_citizen_has_no_role(fresh, agencies):
    citizen = fresh["congdan"]
    assert sel.roles_at(citizen) == {}
    assert not sel.is_staff_member(citizen)
    assert not any(sel.can_receive_for(citizen, a) for a in agencies.values())
    assert not sel.has_role(citizen, Role.RECEPTION, agencies["centre"])
    assert list(sel.visible_agencies(citizen)) == []
    applicant = sel.applicant_of(citizen)
    assert applicant is not None and applicant.id_number == "038190001234"


def test_anonymous_has_nothing(agencies):
    anon = AnonymousUser()
    assert sel.roles_at(anon) == {}
    assert not sel.can_receive_for(anon, agencies["centre"])
    assert sel.applicant_of(anon) is None
    assert not sel.is_staff_member(anon)


def test_superuser_is_sysadmin_and_sees_all_but_receives_nothing(fresh, agencies):
    admin = fresh["admin"]
    assert sel.is_sysadmin(admin) and sel.is_staff_member(admin)
    assert sel.visible_agencies(admin).count() == len(agencies)
    assert not sel.can_receive_for(admin, agencies["centre"])


def test_reception_sees_province_agencies(fresh, agencies):
    assert agencies["foreign"] not in set(sel.visible_agencies(fresh["tiepnhan"]))
    assert agencies["commune"] in set(sel.visible_agencies(fresh["tiepnhan"]))


def test_roles_are_read_once_per_user_object(fresh, agencies):
    officer = fresh["tiepnhan"]
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(5):
            sel.roles_at(officer)
            sel.has_role(officer, Role.RECEPTION, agencies["centre"])
            sel.can_receive_for(officer, agencies["justice"])
    assert len(ctx.captured_queries) == 1


def test_forget_rereads_after_a_new_assignment(fresh, agencies):
    specialist = fresh["chuyenvien"]
    assert not sel.has_role(specialist, Role.SPECIALIST, agencies["health"])
    StaffAssignment.objects.create(user=specialist, agency=agencies["health"], role=Role.SPECIALIST)
    sel.forget(specialist)
    assert sel.has_role(specialist, Role.SPECIALIST, agencies["health"])
