"""The shared input parsers: dates as people type them on the pages."""

from datetime import date

import pytest

from motcua.core import inputs
from motcua.core.errors import ValidationFailed


@pytest.mark.parametrize(
    "typed", ["04/05/1990", "4/5/1990", "04.05.1990", "04-05-1990", " 04/05/1990 ", "1990-05-04"]
)
def test_a_date_typed_from_a_paper(typed):
    assert inputs.typed_day(typed, "birth_date") == date(1990, 5, 4)


@pytest.mark.parametrize("typed", ["31/02/2020", "05/1990", "1990/05/04", "hôm qua", "٠٤/٠٥/١٩٩٠"])
def test_what_is_not_a_date_is_refused_naming_its_field(typed):
    with pytest.raises(ValidationFailed) as caught:
        inputs.typed_day(typed, "birth_date")
    assert caught.value.details == {"field": "birth_date"} and "dd/mm/yyyy" in caught.value.message


def test_blank_is_no_date():
    assert inputs.typed_day("", "x") is None and inputs.typed_day("  ", "x") is None
