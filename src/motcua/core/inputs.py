"""The one place where what people type becomes a value: text, numbers, dates, moments and choices.

Every parser refuses what the database or a later page cannot hold (lone surrogates, NUL and other
control characters), NFC-normalises text and checks its length after normalising, and raises
`ValidationFailed` (422) naming the field. The API's schemas use the same parsers through the
pydantic types at the bottom (`Text`, `Line`, `Day`, `Moment`, ...), so a field is checked once, the same
way, whether it comes from JSON, a form or a test.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, get_args

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from pydantic import BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from .errors import ValidationFailed
from .formatting import LOCAL_TZ
from .text import nfc

# Characters no stored text may hold: surrogates (cannot be encoded), and control characters other than
# tab and line breaks (PostgreSQL refuses NUL; the others garble pages and exports).
_MULTILINE_OK = frozenset("\n\r\t")


def _invalid(field: str, message: str, code: str = "invalid_field") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": field})


def _bad_character(value: str, multiline: bool) -> bool:
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs" or (category == "Cc" and not (multiline and ch in _MULTILINE_OK)):
            return True
    return False


def text(
    value: Any, field: str, *, max_length: int = 500, required: bool = False, multiline: bool = False
) -> str:
    """A text field: '' when absent (or missing_field when required), NFC, single-spaced unless multiline."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _invalid(field, f"Thiếu '{field}'.", "missing_field")
        return ""
    if not isinstance(value, str):
        raise _invalid(field, f"'{field}' phải là chuỗi ký tự.")
    if _bad_character(value, multiline):
        raise _invalid(field, f"'{field}' chứa ký tự không hợp lệ (ký tự điều khiển hoặc mã hóa lỗi).")
    if multiline:
        value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        value = nfc(value)
    if len(value) > max_length:
        raise _invalid(field, f"'{field}' dài quá {max_length} ký tự.")
    return value


def integer(value: Any, field: str, *, minimum: int, maximum: int) -> int:
    """A whole number in [minimum, maximum]; 3.0 is 3, True is not a number, '12' (from a form) is 12."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise _invalid(field, f"'{field}' phải là số nguyên từ {minimum} đến {maximum}.")
    return value


def day(value: Any, field: str) -> date | None:
    """A calendar date written YYYY-MM-DD; None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    parsed = None
    if isinstance(value, str) and value.isascii():
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise _invalid(field, f"'{field}' phải là ngày dạng YYYY-MM-DD.")
    return parsed


TYPED_DAY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")  # ASCII digits only


def period(start: Any, end: Any, *, doing: str, max_days: int = 366) -> tuple[date, date]:
    """`from`/`to` (YYYY-MM-DD, inclusive): by default the current month up to today; at most `max_days`
    days (`doing` names the action in the message, e.g. "in sổ")."""
    start, end = day(start, "from"), day(end, "to")
    end = end or timezone.localdate()
    start = start or end.replace(day=1)
    if start > end:
        raise ValidationFailed(
            "Ngày bắt đầu ('from') phải trước hoặc bằng ngày kết thúc ('to').",
            code="invalid_period",
            details={"field": "from"},
        )
    if (end - start).days >= max_days:
        raise ValidationFailed(
            f"Mỗi lần {doing} tối đa {max_days} ngày; hãy chọn khoảng thời gian ngắn hơn.",
            code="invalid_period",
            details={"field": "to"},
        )
    return start, end


def typed_day(value: Any, field: str) -> date | None:
    """A date as people type it from a paper, dd/mm/yyyy (also d/m/yyyy, with '.' or '-'), or
    YYYY-MM-DD; None when blank. For pages; the API takes `day`'s single form."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and (m := TYPED_DAY.fullmatch(text)):
        d, mth, y = (int(x) for x in m.groups())
        try:
            return date(y, mth, d)
        except ValueError:
            pass
    else:
        try:
            return day(text, field)
        except ValidationFailed:
            pass
    raise _invalid(field, "Ngày phải viết dạng dd/mm/yyyy, ví dụ 04/05/1990.")


def moment(value: Any, field: str) -> datetime:
    """An ISO 8601 instant; without an offset it is Vietnam time."""
    parsed = value if isinstance(value, datetime) else None
    if isinstance(value, str) and value.isascii():
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise _invalid(field, f"'{field}' phải là thời điểm ISO 8601, ví dụ 2025-08-15T16:00:00+07:00.")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=LOCAL_TZ)


def choice(value: Any, field: str, *, choices: dict[str, str] | tuple[str, ...], default: str | None = None):
    """One of `choices` (their keys); `default` when absent."""
    if value in (None, "") and default is not None:
        return default
    if not isinstance(value, str) or value not in choices:
        raise _invalid(field, f"'{field}' phải là một trong: {', '.join(choices)}.")
    return value


# ---------------------------------------------------------------------------------- the schemas' types
def _pydantic(parse, **options):
    """Wrap a parser for a pydantic field: its ValidationFailed becomes a field error at the right path."""

    def validate(value: Any, info) -> Any:
        try:
            return parse(value, info.field_name or "value", **options)
        except ValidationFailed as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    return BeforeValidator(validate)


def Text(max_length: int = 500, *, multiline: bool = False):
    """Optional text: absent or blank is ''."""
    return Annotated[str, _pydantic(text, max_length=max_length, multiline=multiline)]


def RequiredText(max_length: int = 500, *, multiline: bool = False):
    return Annotated[str, _pydantic(text, max_length=max_length, multiline=multiline, required=True)]


def Integer(minimum: int, maximum: int):
    return Annotated[int, _pydantic(integer, minimum=minimum, maximum=maximum)]


def Choice(*values: str):
    return Annotated[str, _pydantic(choice, choices=tuple(values))]


Day = Annotated[date | None, _pydantic(day)]
Moment = Annotated[datetime, _pydantic(moment)]
# Money is an integer number of đồng; the largest fee in the catalogue is far below a trillion.
Money = Annotated[int, _pydantic(integer, minimum=1, maximum=10**12)]
MAX_ITEMS = Field(max_length=100)


def field_path(loc: tuple) -> str:
    """'applicant.name', 'components[1].code': the path a caller recognises (no 'body' prefix)."""
    out = ""
    for part in loc:
        if part in ("body", "payload", "query", "path", "form"):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def from_pydantic(exc: ValidationError | list[dict]) -> ValidationFailed:
    """One 422 for a failed schema: the first problem in the message, all of them in `details`."""
    errors = exc.errors() if isinstance(exc, ValidationError) else exc
    problems = []
    for e in errors[:50]:
        loc = tuple(e.get("loc", ()))
        path = field_path(loc)
        kind = e.get("type", "")
        if kind == "missing":
            message, code = f"Thiếu '{path}'.", "missing_field"
        else:
            message, code = str(e.get("msg", "không hợp lệ")), "invalid_field" if kind in _PYDANTIC else kind
            own = f"'{loc[-1]}'" if loc else ""
            if own and message.startswith(own):  # our parsers name the field: give its whole path
                message = f"'{path}'" + message[len(own) :]
            elif path:
                message = f"'{path}': {message}"
        problems.append({"field": path, "code": code, "message": message})
    first = (
        problems[0]
        if problems
        else {"field": "", "code": "invalid_field", "message": "Dữ liệu không hợp lệ."}
    )
    return ValidationFailed(
        first["message"], code=first["code"], details={"field": first["field"], "errors": problems}
    )


# pydantic's own error types become invalid_field; ours (invalid_id_number, ...) are kept.
_PYDANTIC = frozenset(get_args(ErrorType))


def validate(schema, data: Any):
    """`schema.model_validate(data)`, failing as one ValidationFailed (services validate typed input so)."""
    if isinstance(data, schema):
        return data
    if not isinstance(data, dict):
        raise ValidationFailed("Nội dung phải là một đối tượng JSON.", code="invalid_body")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise from_pydantic(exc) from None
