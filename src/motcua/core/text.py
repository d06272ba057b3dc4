"""Vietnamese text normalisation: NFC on the way in, accent folding for search."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z.]+")


def nfc(value: str) -> str:
    """NFC-normalise and collapse runs of white space (what we store)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case, accent-free, single-spaced: 'Đăng  ký KHAI SINH' -> 'dang ky khai sinh'.

    unidecode maps đ/Đ to d and copes with decomposed (NFD) input; punctuation becomes a space so
    that 'khai-sinh' and 'khai sinh' match alike. Dots are kept for codes such as 1.004222.
    """
    if not value:
        return ""
    folded = unidecode(unicodedata.normalize("NFC", value)).lower()
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()
