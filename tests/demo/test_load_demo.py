"""`motcua load_demo`: the demo data set of contract §3, idempotent."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from motcua.catalog.models import Procedure
from motcua.catalog.records import check_record
from motcua.core.errors import Conflict
from motcua.core.identity import check_personal_id
from motcua.demo import services
from motcua.directory import selectors
from motcua.directory.models import AdminUnit, Agency, Applicant, CalendarDay, Role
from motcua.directory.models import Counter as DeskCounter

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


# --- the data file (no database) ------------------------------------------------------------------------------


def test_procedure_file_is_valid_and_varied():
    records = services.procedure_records()
    known = {a.identifier for a in services.AGENCIES}
    assert len(records) >= 110
    assert len({r["code"] for r in records}) == len(records)
    for record in records:
        _, errors = check_record(record, known_agencies=known)
        assert errors == [], (record["code"], errors)
    by_name = {r["name"]: r for r in records}
    assert "Đăng ký khai sinh" in by_name
    codes = {r["code"]: r for r in records}
    # codes cited in domain.md
    assert codes["1.004222"]["name"] == "Đăng ký thường trú"
    assert (
        codes["1.004222"]["channels"][0]["fee"] == 20000 and codes["1.004222"]["channels"][1]["fee"] == 10000
    )
    assert "căn cước" in codes["2.000200"]["name"] and "lý lịch tư pháp" in codes["3.000333"]["name"]
    assert "hộ chiếu" in codes["1.001456"]["name"]
    assert {u for r in records for u in [r["time_unit"]]} == {"working_days", "days", "hours"}
    assert any(r["processing_time"] == 0.5 for r in records)
    assert Counter(r["online_level"] for r in records).keys() == {"full", "partial", "none"}
    assert {lv for r in records for lv in r["levels"]} >= {"province", "commune"}
    assert sum(1 for r in records if r["kind"] == "internal") >= 2
    # deliberately incomplete records for the completeness report
    assert sum(1 for r in records if not r["steps"]) >= 2
    assert any(not r["channels"] for r in records) and any(r["processing_time"] is None for r in records)
    # some announcement decisions come later than the legal basis' effective date (timeliness report)
    late = [
        r
        for r in records
        if r["announcement"]["date"]
        and r["legal_bases"]
        and r["announcement"]["date"] > max(b["effective_on"] for b in r["legal_bases"])
    ]
    assert 5 <= len(late) < len(records) // 3
    assert any(r["publication_state"] == "draft" for r in records)
    assert all(c["originals"] + c["copies"] >= 1 for r in records for c in r["components"])


def test_demo_citizen_id_is_valid():
    c = services.CITIZEN
    assert check_personal_id(c["id_number"], birth_date=c["birth_date"], sex=c["sex"]) == c["id_number"]


# --- the command ----------------------------------------------------------------------------------------------


def test_steps_need_the_admin_units_first(db):
    with pytest.raises(Conflict) as exc:
        services.load_agencies()
    assert exc.value.code == "missing_admin_units" and "Nghệ An" in exc.value.message
    assert Agency.objects.count() == 0


@pytest.mark.django_db(transaction=False)
def test_load_demo_builds_the_province_and_is_idempotent(settings, monkeypatch):
    settings.PASSWORD_HASHERS = FAST_HASHER
    monkeypatch.setenv("MOTCUA_DEMO_HISTORY", "20")  # the history itself is tested in test_history.py
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "[1/9] Đơn vị hành chính: 34 tỉnh, thành phố và 3.321 xã, phường, đặc khu" in text
    assert "congdan" in text and "mật khẩu 'demo'" in text
    assert "[9/9] Giấy tờ số hóa của công dân: 3 giấy tờ số hóa của Nguyễn Thị Hoa trong 2 hồ sơ" in text

    # administrative units from the vietnam-provinces package
    units = AdminUnit.objects.filter(valid_from=services.MERGER)
    assert units.filter(level="province").count() == 34
    assert units.filter(level="commune").count() == 3321
    nghe_an = units.get(level="province", code="40")
    assert nghe_an.name == "Tỉnh Nghệ An" and nghe_an.children.count() == 130
    assert units.get(code="17329").name == "Xã Anh Sơn" and units.get(code="17329").parent == nghe_an

    # agencies
    agencies = Agency.objects.filter(province=nghe_an)
    assert agencies.filter(kind="department").count() >= 5
    assert agencies.filter(kind="commune_committee", level="commune").count() >= 3
    centre = Agency.objects.get(identifier="000.00.00.H40")
    assert centre.name == "Trung tâm Phục vụ hành chính công tỉnh Nghệ An" and centre.kind == "service_centre"
    assert DeskCounter.objects.filter(agency=centre).count() >= 4
    assert DeskCounter.objects.get(agency=centre, number=1).fields.filter(code="G15-TP01").exists()
    assert Agency.objects.get(identifier="000.04.30.H40").admin_unit.name == "Xã Anh Sơn"
    assert all(a.phone and a.address and a.working_windows for a in agencies)
    # the old identifier still finds the centre
    assert selectors.agency_detail("000.00.01.H40") == centre

    # procedures
    assert Procedure.objects.count() >= 100
    khai_sinh = Procedure.objects.get(name="Đăng ký khai sinh")
    assert khai_sinh.publication_state == "published" and khai_sinh.agencies.count() >= 3

    # accounts of contract §3, each with its role
    User = get_user_model()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "tiepnhan", "chuyenvien", "lanhdao", "congdan"])
    }
    assert len(users) == 5 and all(u.check_password("demo") for u in users.values())
    justice = Agency.objects.get(name="Sở Tư pháp tỉnh Nghệ An")
    commune = Agency.objects.get(identifier="000.04.30.H40")
    assert users["admin"].is_superuser and users["admin"].is_staff and selectors.is_sysadmin(users["admin"])
    assert selectors.has_role(users["tiepnhan"], Role.RECEPTION, centre)
    assert selectors.can_receive_for(users["tiepnhan"], justice) and selectors.can_receive_for(
        users["tiepnhan"], commune
    )
    assert selectors.has_role(users["chuyenvien"], Role.SPECIALIST, justice)
    assert not selectors.has_role(users["chuyenvien"], Role.SPECIALIST, centre)
    assert selectors.has_role(users["lanhdao"], Role.LEADER, justice)
    citizen = Applicant.objects.get(user=users["congdan"])
    assert citizen.kind == "citizen" and check_personal_id(citizen.id_number) == citizen.id_number
    assert not selectors.is_staff_member(users["congdan"])
    assert not users["tiepnhan"].is_staff  # only the administrator enters the Django admin

    # Sở Xây dựng's own workflow names its specialist on the first step
    from motcua.dossiers.models import Workflow

    flow = Workflow.objects.get(agency__name="Sở Xây dựng tỉnh Nghệ An", procedure=None)
    assert [(s.role, s.assignee and s.assignee.username, s.time) for s in flow.steps.all()] == [
        ("specialist", "chuyenvien_xaydung", 10),
        ("leader", None, 2),
    ]

    # every agency competent for a procedure with a fee has an account VietQR can name (ADR 0030)
    from motcua.payments import banks, vietqr
    from motcua.payments.models import ReceivingAccount

    accounts = {a.agency.identifier: a for a in ReceivingAccount.objects.select_related("agency")}
    assert set(accounts) == set(services.fee_collecting_agencies()) and len(accounts) >= 10
    assert "000.00.15.H40" in accounts and "000.04.30.H40" in accounts
    assert len({a.account_number for a in accounts.values()}) == len(accounts)
    assert len({a.receipt_series for a in accounts.values()}) == len(accounts)
    for a in accounts.values():
        assert banks.by_bin(a.bank_bin) is not None and a.account_name == a.account_name.upper()
        assert a.account_name.isascii() and re.fullmatch(r"A[A-Z]-\d\dE", a.receipt_series)
        assert vietqr.decode(vietqr.build(a.bank_bin, a.account_number, 50000, "X")).account_number == (
            a.account_number
        )

    # calendar seeded for three years
    assert CalendarDay.objects.filter(kind="holiday").count() >= 3 * 10

    # a second run changes nothing
    before = row_counts()
    versions = dict(Procedure.objects.values_list("code", "version"))
    passwords = dict(User.objects.values_list("username", "password"))
    lines: list[str] = []
    services.load_demo(lines.append)
    assert row_counts() == before
    assert dict(Procedure.objects.values_list("code", "version")) == versions
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert "giữ nguyên" in lines[5] and "thêm 0," in lines[5]
    assert "(thêm 0, cập nhật 0)" in lines[6]
    assert "không thêm" in lines[7] and "đã có sẵn (không thêm)" in lines[8]


def test_procedure_file_is_the_canonical_shape():
    """The data file is written in procedure_to_record's key order, so a loaded record compares equal."""
    record = services.procedure_records()[0]
    assert list(record) == [
        "code",
        "local_code",
        "name",
        "field",
        "kind",
        "levels",
        "vertical_sector",
        "agencies",
        "processing_time",
        "time_unit",
        "time_note",
        "subjects",
        "requirements",
        "online_level",
        "eligible_full_online",
        "announcement",
        "publication_state",
        "published_at",
        "cases",
        "steps",
        "channels",
        "components",
        "forms",
        "fees",
        "results",
        "legal_bases",
    ]
    assert json.loads(services.PROCEDURES_FILE.read_text(encoding="utf-8")) == services.procedure_records()
