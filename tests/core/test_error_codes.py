"""Every error code the code base raises has one HTTP status and is documented in docs/errors.md."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "motcua"
DOC = ROOT / "docs" / "errors.md"
STATUS = {
    "ValidationFailed": 422,
    "NotFound": 404,
    "PermissionDenied": 403,
    "Conflict": 409,
    "DomainError": 400,
}


def raised_codes() -> dict[str, set[tuple[int, str]]]:
    """code -> {(status, module)} for every `SomeError(..., code="...")` and `_error(status, "code", ...)`."""
    found: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = str(path.relative_to(SRC.parent)).removesuffix(".py").replace("/", ".")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in STATUS:
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                        found[kw.value.value].add((STATUS[name], module))
            elif name in ("_error", "error") and len(node.args) >= 3:
                status, code = node.args[-3], node.args[-2]
                if isinstance(status, ast.Constant) and isinstance(code, ast.Constant):
                    found[code.value].add((status.value, module))
    return found


def documented() -> dict[str, int]:
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOC.read_text(encoding="utf-8"), flags=re.M)
    return {code: int(status) for code, status in rows}


def test_each_error_code_has_one_status():
    clashes = {c: s for c, s in raised_codes().items() if len({status for status, _ in s}) > 1}
    assert not clashes, clashes


def test_each_error_code_is_documented_with_its_status():
    doc = documented()
    missing = {c: sorted(s) for c, s in raised_codes().items() if c not in doc}
    assert not missing, f"add to docs/errors.md: {missing}"
    wrong = {c: (doc[c], sorted(s)) for c, s in raised_codes().items() if {st for st, _ in s} != {doc[c]}}
    assert not wrong, wrong
