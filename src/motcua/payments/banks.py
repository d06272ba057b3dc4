"""The NAPAS bank table (data/napas_banks.csv, ADR 0030): BIN -> the bank's names, for the admin's check
of a receiving account and for what a page shows beside a VietQR."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "napas_banks.csv"


@dataclass(frozen=True)
class Bank:
    bin: str
    code: str
    short_name: str
    name: str
    swift: str


@cache
def banks() -> dict[str, Bank]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {row["bin"]: Bank(**row) for row in rows}


def by_bin(bank_bin: str) -> Bank | None:
    return banks().get(bank_bin)


def choices() -> list[tuple[str, str]]:
    """(BIN, 'Short name – full name (BIN)') by short name, for a select box."""
    return [
        (b.bin, f"{b.short_name} – {b.name} ({b.bin})")
        for b in sorted(banks().values(), key=lambda b: b.short_name.casefold())
    ]
