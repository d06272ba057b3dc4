"""Directory writes: applicants, staff roles, API tokens, and the administrative units reference data."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from motcua.core import inputs
from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.identity import check_personal_id, check_tax_code
from motcua.core.text import fold, nfc

from . import selectors
from .models import AdminUnit, Agency, Applicant, Counter, Role, StaffAssignment

# The 34-province, two-tier map (QĐ 19/2025/QĐ-TTg) took effect on this date.
MERGER_DATE = date(2025, 7, 1)


# --- applicants -----------------------------------------------------------------------------------------------


@transaction.atomic
def register_applicant(
    *,
    username: str,
    full_name: str,
    kind: str = Applicant.Kind.CITIZEN,
    password: str | None = None,
    id_number: str = "",
    birth_date: date | None = None,
    sex: str | None = None,
    tax_code: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    admin_unit: AdminUnit | None = None,
    user=None,
) -> Applicant:
    """Create a citizen or organisation account with its ``Applicant`` row.

    A citizen needs a valid 12-digit personal ID (checked against birth date and sex when given); an
    organisation a valid tax code. ``user`` attaches the record to an existing account instead of creating
    one. Raises ``ValidationFailed``/``Conflict`` and changes nothing on bad input.
    """
    # The shared parsers: NFC, lengths, no control characters or lone surrogates (ADR 0010).
    full_name = inputs.text(full_name, "full_name", max_length=200)
    phone, email = inputs.text(phone, "phone", max_length=20), inputs.text(email, "email", max_length=254)
    address = inputs.text(address, "address", max_length=300)
    if not full_name:
        raise ValidationFailed("Họ tên (hoặc tên tổ chức) là bắt buộc.", code="invalid_name")
    if kind not in Applicant.Kind.values:
        raise ValidationFailed(
            f"Loại người nộp '{kind}' không hợp lệ (citizen hoặc organisation).",
            code="invalid_applicant_kind",
        )
    if sex is not None and sex not in ("male", "female"):
        raise ValidationFailed("Giới tính phải là 'male' hoặc 'female'.", code="invalid_sex")
    if kind == Applicant.Kind.CITIZEN:
        if not id_number:
            raise ValidationFailed(
                "Công dân phải có số định danh cá nhân 12 chữ số.", code="invalid_id_number"
            )
        id_number = check_personal_id(id_number, birth_date=birth_date, sex=sex)
        if Applicant.objects.filter(id_number=id_number).exists():
            raise Conflict(f"Số định danh {id_number} đã được đăng ký.", code="duplicate_id_number")
        tax_code = check_tax_code(tax_code) if tax_code else ""
    else:
        if not tax_code:
            raise ValidationFailed("Tổ chức, doanh nghiệp phải có mã số thuế.", code="invalid_tax_code")
        tax_code = check_tax_code(tax_code)
        if Applicant.objects.filter(tax_code=tax_code, kind=Applicant.Kind.ORGANISATION).exists():
            raise Conflict(f"Mã số thuế {tax_code} đã được đăng ký.", code="duplicate_tax_code")
        id_number = check_personal_id(id_number) if id_number else ""
    User = get_user_model()
    if user is None:
        username = (username or "").strip()
        if not username:
            raise ValidationFailed("Tên đăng nhập là bắt buộc.", code="invalid_username")
        if User.objects.filter(username=username).exists():
            raise Conflict(f"Tên đăng nhập '{username}' đã tồn tại.", code="duplicate_username")
        user = User.objects.create_user(username=username, password=password, email=email)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif Applicant.objects.filter(user=user).exists():
        raise Conflict("Tài khoản này đã có hồ sơ người nộp.", code="duplicate_applicant")
    return Applicant.objects.create(
        user=user,
        kind=kind,
        full_name=full_name,
        id_number=id_number,
        birth_date=birth_date,
        tax_code=tax_code,
        phone=phone,
        email=email,
        address=address,
        admin_unit=admin_unit,
    )


# --- staff ----------------------------------------------------------------------------------------------------


def assign_role(
    user, agency: Agency, role: str, *, counter: Counter | None = None, title: str = ""
) -> StaffAssignment:
    """Give ``user`` a role at ``agency`` (idempotent: an existing assignment is updated, not duplicated)."""
    if role not in Role.values:
        raise ValidationFailed(
            f"Vai trò '{role}' không hợp lệ ({', '.join(Role.values)}).", code="invalid_role"
        )
    if counter is not None and counter.agency_id != agency.pk:
        raise ValidationFailed("Quầy không thuộc cơ quan được phân công.", code="invalid_counter")
    assignment, created = StaffAssignment.objects.get_or_create(
        user=user, agency=agency, role=role, defaults={"counter": counter, "title": nfc(title)}
    )
    if not created and (
        assignment.counter_id != (counter.pk if counter else None) or assignment.title != nfc(title)
    ):
        assignment.counter, assignment.title = counter, nfc(title)
        assignment.save(update_fields=["counter", "title"])
    selectors.forget(user)
    return assignment


# --- administrative units -------------------------------------------------------------------------------------


def _province_name(name: str, division_type: str) -> str:
    # The package names cities in full ('Thành phố Hà Nội') but provinces bare ('Nghệ An').
    if division_type == "tỉnh" and not name.startswith("Tỉnh "):
        return f"Tỉnh {name}"
    return name


def province_code(code: int | str) -> str:
    """GSO province codes are two digits ('01' Hà Nội, '40' Nghệ An)."""
    return f"{int(code):02d}"


def commune_code(code: int | str) -> str:
    """GSO commune codes are five digits ('00004', '17329')."""
    return f"{int(code):05d}"


def _sync(rows: list[AdminUnit], existing: dict[str, AdminUnit], fields: tuple[str, ...]) -> tuple[int, int]:
    new, changed = [], []
    for row in rows:
        old = existing.get(row.code)
        if old is None:
            new.append(row)
        elif any(getattr(old, f) != getattr(row, f) for f in fields):
            for f in fields:
                setattr(old, f, getattr(row, f))
            changed.append(old)
    AdminUnit.objects.bulk_create(new, batch_size=500)
    if changed:
        AdminUnit.objects.bulk_update(changed, fields, batch_size=500)
    return len(new), len(changed)


@transaction.atomic
def load_admin_units() -> dict[str, Any]:
    """Load the 34 provinces and 3,321 communes in force since 01/07/2025 from ``vietnam-provinces``.

    Idempotent: rows are matched on (code, valid_from=01/07/2025); a second run creates and updates nothing.
    Older units (valid_to before the merger) are left alone so that historic codes keep resolving.
    Returns ``{"provinces": n, "communes": n, "created": n, "updated": n}``.
    """
    import vietnam_provinces as vp

    fields = ("name", "name_folded", "codename", "division_type", "level", "parent_id", "valid_to")
    current = AdminUnit.objects.filter(valid_from=MERGER_DATE)
    existing_p = {u.code: u for u in current.filter(level=AdminUnit.Level.PROVINCE)}
    provinces = [
        AdminUnit(
            code=province_code(p.code.value),
            name=_province_name(p.name, p.division_type.value),
            name_folded=fold(_province_name(p.name, p.division_type.value)),
            codename=p.codename,
            division_type=p.division_type.value,
            level=AdminUnit.Level.PROVINCE,
            parent_id=None,
            valid_from=MERGER_DATE,
            valid_to=None,
        )
        for p in vp.Province.iter_all()
    ]
    created, updated = _sync(provinces, existing_p, fields)
    parents = dict(current.filter(level=AdminUnit.Level.PROVINCE).values_list("code", "pk"))
    existing_c = {u.code: u for u in current.filter(level=AdminUnit.Level.COMMUNE)}
    communes = [
        AdminUnit(
            code=commune_code(w.code.value),
            name=w.name,
            name_folded=fold(w.name),
            codename=w.codename,
            division_type=w.division_type.value,
            level=AdminUnit.Level.COMMUNE,
            parent_id=parents[province_code(w.province_code.value)],
            valid_from=MERGER_DATE,
            valid_to=None,
        )
        for w in vp.Ward.iter_all()
    ]
    c2, u2 = _sync(communes, existing_c, fields)
    return {
        "provinces": len(provinces),
        "communes": len(communes),
        "created": created + c2,
        "updated": updated + u2,
    }
