"""The one ninja API object; each app contributes its router. Every error is {code, message}."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motcua.core import inputs
from motcua.core.errors import DomainError

api = NinjaAPI(
    title="motcua API",
    version="1",
    description="Một cửa: thủ tục hành chính, hồ sơ, cơ quan, đơn vị hành chính.",
    urls_namespace="api",
    # Swagger UI comes from ninja's static files ("ninja" in INSTALLED_APPS), never a CDN; its default
    # validator badge would load an image from another host, so it is off.
    docs=Swagger(settings={"validatorUrl": None}),
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


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error(request, exc.status_code, "http_error", str(exc))


def _register() -> None:
    # Each app's api.py exposes `router`; registered here so urls import one object.
    from motcua.access.api import router as access_router
    from motcua.catalog.api import router as catalog_router
    from motcua.catalog.reports_api import router as catalog_reports_router
    from motcua.directory.api import router as directory_router
    from motcua.dossiers.api import router as dossiers_router

    api.add_router("/", catalog_router)
    api.add_router("/", catalog_reports_router)
    api.add_router("/", directory_router)
    api.add_router("/", dossiers_router)
    api.add_router("/", access_router)


_register()
