"""The API's error surface: one `{code, message, details?}` body, whoever answers.

Views answer errors through the API object's exception handlers (motcua.api.router); what Django answers
before or around a view (unknown path, wrong method, too large a body, a crash) comes through the
handlers below and `edge.ApiEdgeMiddleware`, which answer JSON under /api/v1/ and leave the pages' HTML
alone.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse
from django.views import defaults
from ninja import Field as F
from ninja import Schema

API_PREFIX = "/api/v1/"


class ErrorOut(Schema):
    """Every error of the API: a machine code, a Vietnamese message, and sometimes details."""

    code: str = F(description="Mã lỗi ổn định để máy đọc, ví dụ dossier_not_found")
    message: str = F(description="Thông báo cho người dùng (tiếng Việt)")
    details: Any = F(None, description="Chi tiết, ví dụ trường dữ liệu sai")


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response={200: X, **errors(404, 422)}`: the statuses an operation itself may answer."""
    return dict.fromkeys(statuses, ErrorOut)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str, details: Any = None, **headers: str) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    # ensure_ascii (the default) keeps the body encodable even when it echoes a lone surrogate.
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


BODY_TOO_LARGE = "Nội dung yêu cầu quá lớn (vượt giới hạn cho phép của máy chủ)."


def body_too_large() -> JsonResponse:
    return error_response(413, "body_too_large", BODY_TOO_LARGE)


def not_found(request: HttpRequest) -> JsonResponse:
    return error_response(
        404, "not_found", f"Không có địa chỉ API {request.method} {request.path_info[:200]} (not found)."
    )


def suspicious(exception: Exception | None) -> tuple[int, str, str]:
    """Status, code and message for Django's refusals of a request (SuspiciousOperation)."""
    if isinstance(exception, RequestDataTooBig):
        return 413, "body_too_large", BODY_TOO_LARGE
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        # Bodies are read by the edge (413 there); what is left is a query string with too many fields.
        return 422, "too_many_parameters", "Yêu cầu có quá nhiều tham số."
    return 400, "bad_request", "Yêu cầu không hợp lệ (bad request)."


# --------------------------------------------------------------- Django's handlers (urls.py handler400...)
def bad_request(request: HttpRequest, exception: Exception | None = None, *args, **kwargs):
    if not is_api(request):
        return defaults.bad_request(request, exception, *args, **kwargs)
    return error_response(*suspicious(exception))


def permission_denied(request: HttpRequest, exception: Exception | None = None, *args, **kwargs):
    if not is_api(request):
        return defaults.permission_denied(request, exception, *args, **kwargs)
    return error_response(403, "forbidden", "Bạn không có quyền thực hiện yêu cầu này.")


def page_not_found(request: HttpRequest, exception: Exception | None = None, *args, **kwargs):
    if not is_api(request):
        return defaults.page_not_found(request, exception, *args, **kwargs)
    return not_found(request)


def server_error(request: HttpRequest, *args, **kwargs):
    if not is_api(request):
        return defaults.server_error(request, *args, **kwargs)
    return error_response(
        500, "server_error", "Lỗi hệ thống: yêu cầu chưa được thực hiện. Vui lòng thử lại sau."
    )
