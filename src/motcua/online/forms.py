"""The e-form of an online submission: what the page posts, parsed with the project's parsers
(`motcua.core.inputs`, `motcua.core.identity`) into clean values and one Vietnamese message per field.

Field names are the page's input names, so a message lands next to its field:
`own-phone` (the account holder's contact details), `app-id_number` (the person filed for), `summary`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from motcua.core import inputs
from motcua.core.errors import ValidationFailed
from motcua.core.identity import check_personal_id, check_tax_code

OWN_FIELDS = ("phone", "email", "address")
TYPED_FIELDS = ("kind", "name", "id_number", "tax_code", "birth_date", "phone", "email", "address")
KINDS = {"citizen": _("Công dân"), "organisation": _("Tổ chức, doanh nghiệp")}
# Vietnamese numbers: mobile 0 + 9 digits, landline 0 + 10 digits; +84 instead of the leading 0.
PHONE = re.compile(r"(?:\+84|0)[0-9]{9,10}")
PHONE_SEPARATORS = str.maketrans("", "", " .-()")
LIMITS = {"name": 200, "id_number": 20, "tax_code": 20, "phone": 20, "email": 254, "address": 300}
SUMMARY_MAX = 2000


@dataclass
class Parsed:
    on_behalf: bool
    own_contact: dict = field(default_factory=dict)
    applicant: dict = field(default_factory=dict)
    summary: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def phone(value: str, name: str) -> str:
    value = inputs.text(value, name, max_length=LIMITS["phone"])
    if not value:
        return ""
    compact = value.translate(PHONE_SEPARATORS)
    if not PHONE.fullmatch(compact):
        raise ValidationFailed(
            "Số điện thoại không hợp lệ: 10 chữ số bắt đầu bằng 0 (hoặc +84), ví dụ 0912345678.",
            code="invalid_field",
            details={"field": name},
        )
    return compact


def email(value: str, name: str) -> str:
    value = inputs.text(value, name, max_length=LIMITS["email"])
    if not value:
        return ""
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValidationFailed(
            "Địa chỉ thư điện tử không hợp lệ, ví dụ ten@example.vn.",
            code="invalid_field",
            details={"field": name},
        ) from None
    return value


def _field(errors: dict[str, str], name: str, parse, *args, **kwargs):
    try:
        return parse(*args, **kwargs)
    except ValidationFailed as exc:
        errors[name] = _friendly(exc, name)
        return None


def _friendly(exc: ValidationFailed, name: str) -> str:
    # The shared parsers name the field by its input name ('app-name' dài quá ...): say it in words.
    label = LABELS.get(name.split("-", 1)[-1])
    message = exc.message
    if label and f"'{name}'" in message:
        message = message.replace(f"'{name}'", label)
    return message[:1].upper() + message[1:]


LABELS = {
    "name": "Họ và tên",
    "id_number": "Số định danh cá nhân",
    "tax_code": "Mã số thuế",
    "birth_date": "Ngày sinh",
    "phone": "Số điện thoại",
    "email": "Thư điện tử",
    "address": "Địa chỉ",
    "summary": "Trích yếu",
}


def parse(post, *, own_kind: str) -> Parsed:
    """Parse the e-form (formats only: what is missing is `missing`'s business)."""
    errors: dict[str, str] = {}
    out = Parsed(on_behalf=post.get("on_behalf") in ("1", "on", "true"))
    if out.on_behalf:
        a: dict = {}
        a["kind"] = _field(
            errors,
            "app-kind",
            inputs.choice,
            post.get("app-kind"),
            "app-kind",
            choices=KINDS,
            default="citizen",
        )
        for name in ("name", "address"):
            a[name] = _field(
                errors,
                f"app-{name}",
                inputs.text,
                post.get(f"app-{name}"),
                f"app-{name}",
                max_length=LIMITS[name],
            )
        birth = _field(
            errors, "app-birth_date", inputs.typed_day, post.get("app-birth_date"), "app-birth_date"
        )
        a["birth_date"] = birth.isoformat() if birth else ""
        a["phone"] = _field(errors, "app-phone", phone, post.get("app-phone"), "app-phone")
        a["email"] = _field(errors, "app-email", email, post.get("app-email"), "app-email")
        raw_id = _field(
            errors, "app-id_number", inputs.text, post.get("app-id_number"), "app-id_number", max_length=20
        )
        a["id_number"] = (
            _field(errors, "app-id_number", check_personal_id, raw_id, birth_date=birth) if raw_id else ""
        )
        raw_tax = _field(
            errors, "app-tax_code", inputs.text, post.get("app-tax_code"), "app-tax_code", max_length=20
        )
        a["tax_code"] = (
            _field(errors, "app-tax_code", check_tax_code, raw_tax)
            if raw_tax and a["kind"] == "organisation"
            else ""
        )
        out.applicant = {k: v or "" for k, v in a.items()}
    else:
        out.own_contact = {
            "phone": _field(errors, "own-phone", phone, post.get("own-phone"), "own-phone") or "",
            "email": _field(errors, "own-email", email, post.get("own-email"), "own-email") or "",
            "address": _field(
                errors, "own-address", inputs.text, post.get("own-address"), "own-address", max_length=300
            )
            or "",
        }
    out.summary = (
        _field(
            errors,
            "summary",
            inputs.text,
            post.get("summary"),
            "summary",
            max_length=SUMMARY_MAX,
            multiline=True,
        )
        or ""
    )
    out.errors = errors
    return out


def missing(on_behalf: bool, applicant: dict, own_contact: dict) -> dict[str, str]:
    """The fields a submission cannot go without, by input name."""
    out: dict[str, str] = {}
    if on_behalf:
        if not applicant.get("name"):
            out["app-name"] = "Nhập họ và tên (hoặc tên tổ chức) của người được nộp thay."
        if applicant.get("kind", "citizen") == "citizen" and not applicant.get("id_number"):
            out["app-id_number"] = "Nhập số định danh cá nhân (12 chữ số) của người được nộp thay."
        if applicant.get("kind") == "organisation" and not applicant.get("tax_code"):
            out["app-tax_code"] = "Nhập mã số thuế của tổ chức."
        if not applicant.get("phone"):
            out["app-phone"] = "Nhập số điện thoại để cơ quan liên hệ."
    elif not own_contact.get("phone"):
        out["own-phone"] = "Nhập số điện thoại để cơ quan liên hệ."
    return out


def fee_reduction(post) -> str:
    """The reduction the applicant claims on the review page (its name as the procedure lists it), or ''.
    Whether the procedure lists it is intake's to say (422 `unknown_fee_reduction`)."""
    try:
        return inputs.text(post.get("fee_reduction"), "fee_reduction", max_length=200)
    except ValidationFailed:
        return ""  # a value no option of the select can carry: as if none was chosen
