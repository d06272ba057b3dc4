"""JSON catalogue files: a list of canonical records, pretty-printed UTF-8."""

from __future__ import annotations

import io
import json
import re

from .common import CatalogFileError, Location, SourceRow, _decode

_JSON_WS = re.compile(r"[ \t\n\r]*")


def _json_element_lines(text: str) -> list[int]:
    """Line of each element of the top-level array (the file is known to be valid JSON)."""
    decoder = json.JSONDecoder()
    pos = _JSON_WS.match(text, 0).end() + 1  # after '['
    lines: list[int] = []
    line, counted = 1, 0
    while True:
        pos = _JSON_WS.match(text, pos).end()
        if text[pos] == "]":
            return lines
        line += text.count("\n", counted, pos)
        counted = pos
        lines.append(line)
        _, pos = decoder.raw_decode(text, pos)
        pos = _JSON_WS.match(text, pos).end()
        if text[pos] == ",":
            pos += 1


def read_json(raw: bytes) -> list[SourceRow]:
    text = _decode(raw, "JSON")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError(
            f"Tệp JSON không hợp lệ: {exc.msg} ở dòng {exc.lineno}, cột {exc.colno} (invalid JSON).",
            code="invalid_json",
        ) from exc
    lines: list[int | None]
    if isinstance(data, list):
        lines = list(_json_element_lines(text))
    elif isinstance(data, dict) and isinstance(data.get("procedures", data.get("items")), list):
        data = data.get("procedures", data.get("items"))
        lines = [None] * len(data)
    else:
        raise CatalogFileError(
            "Tệp JSON phải là một danh sách (mảng) các thủ tục (expected a JSON array).", code="invalid_json"
        )
    return [
        SourceRow(Location(line=line, index=i), item)
        for i, (item, line) in enumerate(zip(data, lines, strict=True))
    ]


def write_json(records: list[dict], out: io.TextIOBase) -> None:
    json.dump(records, out, ensure_ascii=False, indent=2)
    out.write("\n")
