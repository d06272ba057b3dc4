"""An amount of đồng in Vietnamese words, as receipts and invoices write it (ADR 0031):
1.005.000 -> "Một triệu không trăm linh năm nghìn đồng".

The reading is by groups of three digits (nghìn, triệu, tỷ; above a thousand tỷ the tỷ repeat: "một nghìn
tỷ"). Every group after the first one said is read whole, its hundreds included ("không trăm"), so no digit
can be misread; a group of zeros is not said. num2words (0.5.14) was declined: it reads 1.005.000 as "một
triệu năm nghìn" and 2.024 as "hai nghìn lẻ hai mươi bốn", which a receipt cannot print.
"""

from __future__ import annotations

from babel.numbers import format_decimal

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ((10**6, "triệu"), (10**3, "nghìn"), (1, ""))
BILLION = 10**9


def _units(tens: int, unit: int) -> str:
    """The last digit after a ten: 1 is "mốt" after twenty and above, 5 is "lăm" after any ten."""
    if unit == 0:
        return ""
    if unit == 5 and tens >= 1:
        return "lăm"
    if unit == 1 and tens >= 2:
        return "mốt"
    return DIGITS[unit]


def _group(n: int, whole: bool) -> list[str]:
    """0 < n < 1000; `whole`: a group after another, read with its hundreds even when they are zero."""
    hundreds, tens, unit = n // 100, n // 10 % 10, n % 10
    out = []
    if hundreds or whole:
        out += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if unit:
            out += ["linh", DIGITS[unit]] if out else [DIGITS[unit]]
    elif tens == 1:
        out.append("mười")
    else:
        out += [DIGITS[tens], "mươi"]
    if tens:
        out += [w for w in [_units(tens, unit)] if w]
    return out


def _below_billion(n: int, whole: bool) -> list[str]:
    out: list[str] = []
    for size, name in GROUPS:
        part = n // size % 1000
        if part:
            out += _group(part, whole or bool(out))
            if name:
                out.append(name)
    return out


def _words(n: int, whole: bool = False) -> list[str]:
    if n >= BILLION:
        rest = n % BILLION
        return [*_words(n // BILLION, whole), "tỷ", *(_below_billion(rest, True) if rest else [])]
    return _below_billion(n, whole)


def number_in_words(n: int) -> str:
    """A non-negative integer in words, lower case: 21000 -> "hai mươi mốt nghìn"."""
    n = int(n)
    if n < 0:
        raise ValueError("a negative amount has no words on a receipt")
    return " ".join(_words(n)) if n else DIGITS[0]


def in_words(amount: int) -> str:
    """The amount as a receipt writes it: "Một triệu năm trăm nghìn đồng"."""
    text = f"{number_in_words(amount)} đồng"
    return text[0].upper() + text[1:]


def in_figures(amount: int) -> str:
    """The amount in figures as a receipt writes it: "1.500.000 đồng"."""
    return f"{format_decimal(int(amount), locale='vi_VN')} đồng"
