"""Directory writes: registering applicants, assigning roles, tokens, administrative units."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from motcua.access.models import ApiToken
from motcua.access.tokens import issue_api_token, revoke_api_tokens
from motcua.core.errors import Conflict, ValidationFailed
from motcua.directory import selectors
from motcua.directory.models import AdminUnit, Applicant, Counter, Role, StaffAssignment
from motcua.directory.services import assign_role, register_applicant


def test_register_citizen(db):
    a = register_applicant(
        username="hoa",
        password="x",
        full_name="  Nguyễn   Thị Hoa ",
        id_number="040190001234",
        birth_date=date(1990, 3, 15),
        sex="female",
        phone="0912345678",
    )
    assert a.full_name == "Nguyễn Thị Hoa" and a.kind == "citizen" and a.id_number == "040190001234"
    assert a.user.check_password("x") and selectors.applicant_of(a.user) == a


@pytest.mark.parametrize(
    "kwargs,code,text",
    [
        ({"id_number": "04019000123"}, "invalid_id_number", "12 chữ số"),
        ({"id_number": "040190001234", "birth_date": date(1991, 1, 1)}, "invalid_id_number", "không khớp"),
        ({"id_number": "040190001234", "sex": "male"}, "invalid_id_number", "Giới tính"),
        ({"id_number": ""}, "invalid_id_number", "12 chữ số"),
        ({"id_number": "040190001234", "full_name": " "}, "invalid_name", "Họ tên"),
        ({"id_number": "040190001234", "kind": "robot"}, "invalid_applicant_kind", "không hợp lệ"),
        ({"id_number": "040190001234", "tax_code": "0100109107"}, "invalid_tax_code", "kiểm tra"),
    ],
)
def test_register_citizen_rejects_bad_input_and_changes_nothing(db, kwargs, code, text):
    args = {"username": "hoa", "full_name": "Nguyễn Thị Hoa", **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        register_applicant(**args)
    assert exc.value.code == code and text in exc.value.message
    assert not get_user_model().objects.filter(username="hoa").exists() and Applicant.objects.count() == 0


def test_register_duplicates_are_conflicts(db):
    register_applicant(username="hoa", full_name="Nguyễn Thị Hoa", id_number="040190001234")
    with pytest.raises(Conflict) as exc:
        register_applicant(username="hoa2", full_name="Nguyễn Thị Hoa", id_number="040190001234")
    assert exc.value.code == "duplicate_id_number"
    with pytest.raises(Conflict) as exc:
        register_applicant(username="hoa", full_name="Lê Văn An", id_number="040085001234")
    assert exc.value.code == "duplicate_username"
    assert Applicant.objects.count() == 1


def test_register_organisation_needs_a_valid_tax_code(db):
    org = register_applicant(
        username="lamhong", kind="organisation", full_name="Công ty TNHH Lam Hồng", tax_code="2900325244"
    )
    assert org.kind == "organisation" and org.tax_code == "2900325244" and not org.user.has_usable_password()
    with pytest.raises(ValidationFailed) as exc:
        register_applicant(username="x", kind="organisation", full_name="Công ty X", tax_code="2900325245")
    assert exc.value.code == "invalid_tax_code"
    with pytest.raises(ValidationFailed):
        register_applicant(username="y", kind="organisation", full_name="Công ty Y")
    with pytest.raises(Conflict):
        register_applicant(username="z", kind="organisation", full_name="Công ty Z", tax_code="2900325244")


def test_assign_role_is_idempotent_and_refreshes_scoping(agencies, make_staff):
    user = make_staff("cv", Role.SPECIALIST, agencies["justice"])
    assert not selectors.has_role(user, Role.LEADER, agencies["justice"])  # memoised now
    assign_role(user, agencies["justice"], Role.LEADER, title="Phó Giám đốc")
    assign_role(user, agencies["justice"], Role.LEADER, title="Phó Giám đốc")
    assert StaffAssignment.objects.filter(user=user).count() == 2
    assert selectors.has_role(user, Role.LEADER, agencies["justice"])
    with pytest.raises(ValidationFailed) as exc:
        assign_role(user, agencies["justice"], "janitor")
    assert exc.value.code == "invalid_role"
    desk = Counter.objects.create(agency=agencies["centre"], number=1, name="Quầy 1")
    with pytest.raises(ValidationFailed) as exc:
        assign_role(user, agencies["justice"], Role.RECEPTION, counter=desk)
    assert exc.value.code == "invalid_counter"


def test_tokens_issue_and_revoke(people):
    raw = issue_api_token(people["chuyenvien"])
    assert (
        raw.startswith("mc_")
        and ApiToken.objects.filter(user=people["chuyenvien"], revoked=False).count() == 1
    )
    assert revoke_api_tokens(ApiToken.objects.all()) == 1
    assert revoke_api_tokens(ApiToken.objects.all()) == 0
    people["lanhdao"].is_active = False
    with pytest.raises(ValidationFailed):
        issue_api_token(people["lanhdao"])


def test_admin_unit_name_is_folded_on_save(db):
    unit = AdminUnit.objects.create(
        code="17329", name="Xã Anh Sơn", level="commune", valid_from=date(2025, 7, 1)
    )
    assert unit.name_folded == "xa anh son"
