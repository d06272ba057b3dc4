"""The one ninja API object; each app contributes its router. Every error is {code, message, details?}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motcua.access.auth import OptionalAuth
from motcua.access.edge import WRITE_METHODS, BodyRefused, EdgeParser
from motcua.access.errors import ErrorOut, suspicious
from motcua.core import inputs
from motcua.core.errors import DomainError

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
EDGE_DESCRIPTIONS = {
    400: "Nội dung không phải JSON hợp lệ hoặc Idempotency-Key sai dạng",
    401: "Cần đăng nhập hoặc mã truy cập (Bearer token)",
    409: "Idempotency-Key đã dùng cho yêu cầu khác, hoặc yêu cầu trùng đang được xử lý",
    413: "Nội dung yêu cầu quá lớn",
    422: "Dữ liệu không hợp lệ",
}


class Api(NinjaAPI):
    """ninja's API with a document that also says what the HTTP edge answers (edge_statuses)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                # One view serving two methods shares one dict: each method gets its own responses.
                methods[method] = operation = {**operation, "responses": dict(operation["responses"])}
                document_edge_errors(method.upper(), operation)
        schema["components"]["schemas"].setdefault("ErrorOut", ErrorOut.model_json_schema())
        return schema


def edge_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """What the edge may answer for an operation whatever its view says: the caller need not be told
    twice, and a new operation cannot forget them."""
    statuses = set()
    security = operation.get("security") or []
    if security and not any(OptionalAuth.__name__ in s for s in security):
        statuses.add(401)  # ninja's auth check, before the view
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)  # ninja's validation of parameters and body
    if method in WRITE_METHODS:
        statuses |= {400, 409, 413}  # edge.ApiEdgeMiddleware and access.idempotency, before the view
    return statuses


def document_edge_errors(method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status in sorted(edge_statuses(method, operation)):
        responses.setdefault(
            status,
            {
                "description": EDGE_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": ERROR_REF}},
            },
        )


api = Api(
    title="motcua API",
    version="1",
    description="Một cửa: thủ tục hành chính, hồ sơ, cơ quan, đơn vị hành chính.",
    urls_namespace="api",
    # Swagger UI comes from ninja's static files ("ninja" in INSTALLED_APPS), never a CDN; its default
    # validator badge would load an image from another host, so it is off.
    docs=Swagger(settings={"validatorUrl": None}),
    parser=EdgeParser(),
)


def error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    extra = {"details": exc.details} if exc.details is not None else {}
    return error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    # The same codes and messages as a service's own validation (motcua.core.inputs).
    return on_domain_error(request, inputs.from_pydantic(exc.errors))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error(request, 401, "unauthenticated", "Cần đăng nhập hoặc mã truy cập (Bearer token) hợp lệ.")


@api.exception_handler(Http404)
def on_404(request, exc):
    return error(request, 404, "not_found", str(exc) or "Không tìm thấy.")


HTTP_ERRORS = {
    400: ("bad_request", "Yêu cầu không hợp lệ"),
    403: ("forbidden", "Yêu cầu bị từ chối"),
    404: ("not_found", "Không tìm thấy"),
    429: ("too_many_requests", "Quá nhiều yêu cầu; vui lòng thử lại sau"),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, BodyRefused):  # the API's parser refused the body (edge.EdgeParser)
        return exc.__cause__.response
    if "CSRF" in str(exc):  # a browser session's write without its CSRF token
        return error(
            request, 403, "csrf_failed", "Thiếu hoặc sai mã CSRF của phiên đăng nhập (CSRF check failed)."
        )
    code, message = HTTP_ERRORS.get(exc.status_code, ("http_error", "Không thực hiện được yêu cầu"))
    return error(request, exc.status_code, code, f"{message} ({exc}).")


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc: SuspiciousOperation):
    # Django refusing what a view reads: bodies are read by the edge first, so this is the query string.
    return error(request, *suspicious(exc))


def _register() -> None:
    # Each app's api.py exposes `router`; registered here so urls import one object.
    from motcua.access.api import router as access_router
    from motcua.catalog.api import router as catalog_router
    from motcua.catalog.reports_api import router as catalog_reports_router
    from motcua.directory.api import router as directory_router
    from motcua.documents.api import router as documents_router
    from motcua.dossiers.api import router as dossiers_router
    from motcua.integrations.dvcqg.api import router as dvcqg_router
    from motcua.payments.api import router as payments_router
    from motcua.payments.api_receipts import router as receipts_router
    from motcua.payments.api_reports import router as payment_reports_router
    from motcua.payments.api_vietqr import router as vietqr_router

    api.add_router("/", catalog_router)
    api.add_router("/", catalog_reports_router)
    api.add_router("/", directory_router)
    api.add_router("/", dossiers_router)
    api.add_router("/", documents_router)
    api.add_router("/", access_router)
    api.add_router("/", dvcqg_router)
    api.add_router("/", payments_router)
    api.add_router("/", vietqr_router)
    api.add_router("/", receipts_router)
    api.add_router("/", payment_reports_router)


_register()
