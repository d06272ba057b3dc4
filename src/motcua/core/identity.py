"""Identity numbers: the 12-digit personal identification number (domain.md §1.4) and tax codes."""

from __future__ import annotations

import re
from datetime import date

from motcua.core.errors import ValidationFailed

# Birth-registration codes of the pre-2025 63 provinces (historical; never remapped to the merged 34).
# These are the GSO province codes that the personal ID uses as digits 1-3.
BIRTH_PROVINCE_CODES = frozenset(
    f"{c:03d}"
    for c in (
        1,
        2,
        4,
        6,
        8,
        10,
        11,
        12,
        14,
        15,
        17,
        19,
        20,
        22,
        24,
        25,
        26,
        27,
        30,
        31,
        33,
        34,
        35,
        36,
        37,
        38,
        40,
        42,
        44,
        45,
        46,
        48,
        49,
        51,
        52,
        54,
        56,
        58,
        60,
        62,
        64,
        66,
        67,
        68,
        70,
        72,
        74,
        75,
        77,
        79,
        80,
        82,
        83,
        84,
        86,
        87,
        89,
        91,
        92,
        93,
        94,
        95,
        96,
    )
)


def _country_codes() -> frozenset[str]:
    """3-digit codes of the countries where a Vietnamese citizen's birth may be registered abroad (Thông tư
    07/2016/TT-BCA: 'mã quốc gia nơi công dân đăng ký khai sinh'): the ISO 3166-1 numeric codes of
    countries, from the CLDR data babel ships (numeric aliases of exactly one country; regions and groups
    such as 150 Europe map to several and are left out), Viet Nam (704) excepted."""
    from babel.core import get_global

    aliases = get_global("territory_aliases")
    return frozenset(
        code
        for code, targets in aliases.items()
        # 900-999 are ISO's user-assigned codes, not countries.
        if code.isdigit() and len(code) == 3 and code < "900" and len(targets) == 1 and targets[0] != "VN"
    )


BIRTH_COUNTRY_CODES = _country_codes() - BIRTH_PROVINCE_CODES
_PID = re.compile(r"^[0-9]{12}$")  # ASCII only: \d would accept full-width digits
_TAX = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")


def century_and_sex(digit: str) -> tuple[int, str]:
    n = int(digit)
    return 1900 + (n // 2) * 100, "female" if n % 2 else "male"


def check_personal_id(value: str, *, birth_date: date | None = None, sex: str | None = None) -> str:
    """Return the normalised 12-digit ID or raise ValidationFailed saying what is wrong."""
    value = (value or "").strip()
    if not _PID.match(value):
        raise ValidationFailed("Số định danh cá nhân phải gồm đúng 12 chữ số.", code="invalid_id_number")
    if value[:3] not in BIRTH_PROVINCE_CODES and value[:3] not in BIRTH_COUNTRY_CODES:
        raise ValidationFailed(
            f"Mã tỉnh hoặc quốc gia nơi đăng ký khai sinh '{value[:3]}' không hợp lệ.",
            code="invalid_id_number",
        )
    century, id_sex = century_and_sex(value[3])
    year = century + int(value[4:6])
    if birth_date is not None and birth_date.year != year:
        raise ValidationFailed(
            f"Năm sinh trong số định danh ({year}) không khớp ngày sinh {birth_date:%d/%m/%Y}.",
            code="invalid_id_number",
        )
    if sex is not None and sex != id_sex:
        raise ValidationFailed("Giới tính trong số định danh không khớp.", code="invalid_id_number")
    if birth_date is None and year > date.today().year:
        raise ValidationFailed(f"Năm sinh trong số định danh ({year}) ở tương lai.", code="invalid_id_number")
    return value


def check_tax_code(value: str) -> str:
    """Enterprise/organisation tax code: 10 digits, or 10 digits + '-' + 3 for a branch, with checksum."""
    value = (value or "").strip()
    if not _TAX.match(value):
        raise ValidationFailed(
            "Mã số thuế phải gồm 10 chữ số (hoặc 10 chữ số, '-', 3 chữ số).", code="invalid_tax_code"
        )
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    total = sum(int(d) * w for d, w in zip(value[:9], weights, strict=True))
    if (10 - total % 11) != int(value[9]):
        raise ValidationFailed("Mã số thuế sai chữ số kiểm tra.", code="invalid_tax_code")
    return value
