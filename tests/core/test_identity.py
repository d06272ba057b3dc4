"""12-digit personal identification numbers and tax codes (domain.md §1.4)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.errors import ValidationFailed
from motcua.core.identity import BIRTH_PROVINCE_CODES, century_and_sex, check_personal_id, check_tax_code


def message(value: str, **kw) -> str:
    with pytest.raises(ValidationFailed) as exc:
        check_personal_id(value, **kw)
    assert exc.value.code == "invalid_id_number"
    return exc.value.message


def test_valid_id_is_returned_trimmed():
    # 040 Nghệ An, digit 0 = male born 1900-1999, year 85
    assert check_personal_id(" 040085001234 ") == "040085001234"
    assert check_personal_id("001303012345", birth_date=date(2003, 5, 1), sex="female") == "001303012345"


@pytest.mark.parametrize(
    "value", ["", "04008500123", "0400850012345", "04008500123A", "040 85001234", "０４００８５００１２３４"]
)
def test_wrong_length_or_not_digits(value):
    assert message(value) == "Số định danh cá nhân phải gồm đúng 12 chữ số."


@pytest.mark.parametrize("prefix", ["000", "003", "039", "063", "097", "999"])
def test_bad_birth_province_code(prefix):
    assert f"'{prefix}'" in message(prefix + "085001234")


def test_century_and_sex_digit():
    assert century_and_sex("0") == (1900, "male")
    assert century_and_sex("1") == (1900, "female")
    assert century_and_sex("2") == (2000, "male")
    assert century_and_sex("3") == (2000, "female")
    assert century_and_sex("5") == (2100, "female")


def test_birth_year_must_match_birth_date():
    assert "1985" in message("040085001234", birth_date=date(2085, 1, 1))
    assert "05/03/1986" in message("040085001234", birth_date=date(1986, 3, 5))
    # same two digits, other century: digit 4 decides
    assert "2085" in message("040285001234", birth_date=date(1985, 1, 1))


def test_sex_must_match():
    assert message("040085001234", sex="female") == "Giới tính trong số định danh không khớp."
    assert check_personal_id("040185001234", sex="female")


def test_future_birth_year_rejected():
    future = date.today().year + 1
    digit = "2" if future < 2100 else "4"
    assert "tương lai" in message(f"040{digit}{future % 100:02d}001234")


@given(
    st.sampled_from(sorted(BIRTH_PROVINCE_CODES)),
    st.integers(1900, 2020),
    st.booleans(),
    st.integers(0, 999999),
)
def test_every_well_formed_id_round_trips(province, year, female, serial):
    digit = str((year - 1900) // 100 * 2 + int(female))
    value = f"{province}{digit}{year % 100:02d}{serial:06d}"
    assert check_personal_id(value, birth_date=date(year, 6, 1), sex="female" if female else "male") == value


@pytest.mark.parametrize("value", ["0100109106", "0100100079", "2900325244", "0100109106-001"])
def test_valid_tax_codes(value):
    assert check_tax_code(value) == value


@pytest.mark.parametrize(
    "value,text",
    [
        ("0100109107", "sai chữ số kiểm tra"),
        ("2900325245", "sai chữ số kiểm tra"),
        ("010010910", "10 chữ số"),
        ("01001091O6", "10 chữ số"),
        ("0100109106-01", "10 chữ số"),
        ("", "10 chữ số"),
    ],
)
def test_invalid_tax_codes(value, text):
    with pytest.raises(ValidationFailed) as exc:
        check_tax_code(value)
    assert exc.value.code == "invalid_tax_code" and text in exc.value.message


@pytest.mark.parametrize(
    "value, country",
    [
        ("840190001234", "Hoa Kỳ"),
        ("392201001234", "Nhật Bản"),
        ("276185001234", "Đức"),
        ("036302001234", "Úc"),
    ],
)
def test_ids_of_births_registered_abroad_are_valid(value, country):
    """Digits 1-3 are the country code where the birth was registered abroad (TT 07/2016/TT-BCA)."""
    assert check_personal_id(value) == value, country


@pytest.mark.parametrize("prefix", ["704", "150", "419"])
def test_viet_nam_and_world_regions_are_not_birth_countries(prefix):
    assert f"'{prefix}'" in message(prefix + "085001234")
