"""The HTTP edge of /api/v1/: bodies are checked before anything reads them, and Django's plain answers
(405) become the API's `{code, message}`.

A body is refused before a view sees it when it is too large (413, by its declared length, before it is
read), is not JSON (400), or nests deeper than any input of ours does (422): parsing and validating
100,000 nested `[` would otherwise end in a RecursionError, a 500. The parsed value is kept on the request
so that the API's parser does not parse it again. Multipart and form bodies are parsed here too, so that
their errors (too many fields, a broken boundary) get the same answers wherever they would surface.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja.parser import Parser

from .errors import body_too_large, error_response, is_api

# The deepest input of the API is an action's `result` object or a submission's components: 3 levels.
MAX_JSON_DEPTH = 32
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
_PARSED = "_motcua_json"  # request attribute holding the parsed body
_MISSING = object()


class BodyRefused(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests containers deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep() -> HttpResponse:
    return error_response(
        422,
        "json_too_deep",
        f"Nội dung JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} tầng).",
        details={"max_depth": MAX_JSON_DEPTH},
    )


def parse_json_body(raw: bytes) -> Any:
    """The JSON of a request body, or BodyRefused with the answer to give (400 or 422)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BodyRefused(_too_deep()) from None
    except ValueError:  # includes UnicodeDecodeError
        raise BodyRefused(
            error_response(400, "invalid_json", "Nội dung yêu cầu không phải JSON hợp lệ.")
        ) from None
    if json_depth_exceeds(value, MAX_JSON_DEPTH):
        raise BodyRefused(_too_deep())
    return value


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _max_length(request: HttpRequest) -> int | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return None
    if request.content_type == "multipart/form-data":
        # Uploaded files are not counted by Django's limit; one file at most per request.
        return limit + settings.DOSSIER_FILE_MAX_BYTES
    return limit


def check_body(request: HttpRequest) -> None:
    """Read and check the body of a write under /api/v1/; BodyRefused says what to answer."""
    limit = _max_length(request)
    if limit is not None and _declared_length(request) > limit:
        raise BodyRefused(body_too_large())
    try:
        if request.content_type in FORM_TYPES:
            request.POST  # noqa: B018 - parse now: its errors are answered here, once
            request.FILES  # noqa: B018
            return
        raw = request.body
    except RequestDataTooBig:
        raise BodyRefused(body_too_large()) from None
    except (TooManyFieldsSent, TooManyFilesSent):
        raise BodyRefused(
            error_response(413, "too_many_fields", "Yêu cầu có quá nhiều trường hoặc tệp.")
        ) from None
    except (MultiPartParserError, UnreadablePostError):
        raise BodyRefused(
            error_response(400, "invalid_form", "Không đọc được nội dung biểu mẫu (multipart/form-data).")
        ) from None
    if raw.strip():
        setattr(request, _PARSED, parse_json_body(raw))


class ApiEdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        if request.method in WRITE_METHODS:
            try:
                check_body(request)
            except BodyRefused as refused:
                return refused.response
        response = self.get_response(request)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            return error_response(
                405,
                "method_not_allowed",
                f"Địa chỉ này không nhận phương thức {request.method[:10]}; chỉ nhận: {allowed}.",
                Allow=allowed,
            )
        return response


def json_body(request: HttpRequest) -> Any:
    """The JSON body the edge has already parsed and checked, else parsed here (BodyRefused if bad)."""
    value = getattr(request, _PARSED, _MISSING)
    return value if value is not _MISSING else parse_json_body(request.body)


class EdgeParser(Parser):
    """The API's JSON parser: the body as the edge read it (`json_body`)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json_body(request)
