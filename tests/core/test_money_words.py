"""Amounts in Vietnamese words on receipts (ADR 0031): the readings an accountant writes, checked by
table, by reading every number up to 200 000 (and samples above) back with an independent parser, and by
the rules each reading must follow."""

from __future__ import annotations

import random
import re

import pytest

from motcua.core.money_words import in_figures, in_words, number_in_words

CASES = {
    0: "không",
    1: "một",
    4: "bốn",
    5: "năm",
    10: "mười",
    11: "mười một",
    14: "mười bốn",
    15: "mười lăm",
    20: "hai mươi",
    21: "hai mươi mốt",
    24: "hai mươi bốn",
    25: "hai mươi lăm",
    55: "năm mươi lăm",
    91: "chín mươi mốt",
    100: "một trăm",
    101: "một trăm linh một",
    105: "một trăm linh năm",
    110: "một trăm mười",
    111: "một trăm mười một",
    115: "một trăm mười lăm",
    121: "một trăm hai mươi mốt",
    1000: "một nghìn",
    1001: "một nghìn không trăm linh một",
    1005: "một nghìn không trăm linh năm",
    1010: "một nghìn không trăm mười",
    1015: "một nghìn không trăm mười lăm",
    1050: "một nghìn không trăm năm mươi",
    1100: "một nghìn một trăm",
    2024: "hai nghìn không trăm hai mươi bốn",
    8000: "tám nghìn",
    21000: "hai mươi mốt nghìn",
    105000: "một trăm linh năm nghìn",
    150000: "một trăm năm mươi nghìn",
    1000000: "một triệu",
    1000010: "một triệu không trăm mười",
    1005000: "một triệu không trăm linh năm nghìn",
    1500000: "một triệu năm trăm nghìn",
    10000000: "mười triệu",
    21500000: "hai mươi mốt triệu năm trăm nghìn",
    1000000000: "một tỷ",
    1000005000: "một tỷ không trăm linh năm nghìn",
    1000000005: "một tỷ không trăm linh năm",
    2500000000: "hai tỷ năm trăm triệu",
    1000000000000: "một nghìn tỷ",
    1001000000000: "một nghìn không trăm linh một tỷ",
    1000000000005: "một nghìn tỷ không trăm linh năm",
}


@pytest.mark.parametrize(("n", "text"), CASES.items())
def test_known_readings(n, text):
    assert number_in_words(n) == text


def test_a_receipt_writes_the_amount_capitalised_in_dong_and_in_figures():
    assert in_words(1500000) == "Một triệu năm trăm nghìn đồng"
    assert in_words(1005000) == "Một triệu không trăm linh năm nghìn đồng"
    assert in_words(21000) == "Hai mươi mốt nghìn đồng"
    assert in_words(105) == "Một trăm linh năm đồng"
    assert in_words(1000000000) == "Một tỷ đồng"
    assert in_figures(1500000) == "1.500.000 đồng" and in_figures(105) == "105 đồng"


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        number_in_words(-1)


# -------------------------------------------------------------------------------- read back, and rules
DIGIT = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5}
DIGIT |= {"sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
SCALE = {"nghìn": 10**3, "triệu": 10**6}


def parse(text: str) -> int:
    """Vietnamese number words back to the number, written apart from the code under test."""
    total = part = group = digit = 0
    for word in text.split():
        if word in DIGIT:
            digit = DIGIT[word]
        elif word == "trăm":
            group, digit = group + digit * 100, 0
        elif word == "mươi":
            group, digit = group + digit * 10, 0
        elif word == "mười":
            group += 10
        elif word == "linh":
            continue
        elif word in SCALE:
            part, group, digit = part + (group + digit) * SCALE[word], 0, 0
        elif word == "tỷ":
            total, part, group, digit = (total + part + group + digit) * 10**9, 0, 0, 0
        else:
            raise AssertionError(f"unexpected word {word!r} in {text!r}")
    return total + part + group + digit


GROUP = re.compile(r"\s*(?:nghìn|triệu|tỷ)\s*")


def check_rules(n: int, text: str) -> None:
    assert "lẻ" not in text and "  " not in text and text == text.strip()
    assert not re.search(r"mươi (một|năm)\b", text), "21 is hai mươi mốt, 25 hai mươi lăm"
    assert not re.search(r"mười năm|linh lăm|linh mốt|^mốt|^lăm", text)
    assert set(re.findall(r"(\S+) linh", text)) <= {"trăm"} and not text.startswith("linh")
    # After the first group said, every group says its hundreds: nothing can be misread.
    groups = [g for g in GROUP.split(text) if g]
    for g in groups[1:]:
        assert re.match(r"^\S+ trăm\b", g), (n, text)


def test_every_number_up_to_200_000_reads_back_and_follows_the_rules():
    for n in range(200_001):
        text = number_in_words(n)
        assert parse(text) == n, (n, text)
        check_rules(n, text)


def test_large_amounts_read_back_and_follow_the_rules():
    rng = random.Random(2026)
    samples = [rng.randrange(10 ** rng.randint(6, 15)) for _ in range(20_000)]
    samples += (
        [10**k for k in range(16)] + [10**k + 5 for k in range(3, 16)] + [10**k - 1 for k in range(1, 16)]
    )
    for n in samples:
        text = number_in_words(n)
        assert parse(text) == n, (n, text)
        check_rules(n, text)
