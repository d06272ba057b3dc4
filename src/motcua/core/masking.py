"""Contact details as logs, lists and the admin may show them: enough to tell two apart, not to use them."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """'0912345678' -> '091****678': the network prefix and the last three digits."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"


def mask_email(email: str) -> str:
    """'hoa.nguyen@example.vn' -> 'h*********@example.vn': the first letter and the domain."""
    local, at, domain = (email or "").rpartition("@")
    if not at:
        return "*" * len(email or "")
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def mask_id_number(number: str) -> str:
    """'040190001234' -> '040******234': the birth-registration province and the last three digits."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if len(digits) < 9:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"
