"""Idempotency-Key for API writes (contract §4): the same key with the same body returns the first result.

For POST/PUT/PATCH/DELETE under /api/v1/ carrying an `Idempotency-Key` header, scoped to the caller
(bearer token's user, else the session user, else anonymous):

* a placeholder row is inserted first and committed; the unique (user, key) constraint decides which of
  two concurrent duplicates runs, the other gets 409 `idempotency_request_in_progress`;
* the response (2xx and 4xx only: a 5xx may be transient, so the client may retry it for real) is stored
  and replayed byte for byte with `Idempotent-Replayed: true` for the same key and request hash;
* the same key with a different request (method, path or body) gets 409 `idempotency_key_reused`.

Records older than 24 h are purged by the outbox worker loop or `motcua purge_idempotency`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from motcua.access.auth import hash_token, valid_tokens
from motcua.access.models import IdempotencyRecord

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 200
RETENTION = timedelta(hours=24)
# A placeholder this old belongs to a request that died without answering: let the key be used again.
ABANDONED_AFTER = timedelta(minutes=10)
IN_PROGRESS = 0  # status_code of a placeholder row


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable() and key.strip() == key


def principal_id(request: HttpRequest) -> int | None:
    """The user the write is done as: the bearer token's user, else the session user, else None."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        token = auth[7:].strip()
        if token:
            return valid_tokens().filter(key_hash=hash_token(token)).values_list("user_id", flat=True).first()
        return None
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        # The boundary changes on every retry, so hash the parsed fields and file contents instead.
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"f\0{name}\0{value}\0".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"u\0{name}\0{upload.name}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body), status=record.status_code, content_type="application/json; charset=utf-8"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _answer_duplicate(record: IdempotencyRecord, digest: str) -> HttpResponse:
    if record.request_hash != digest:
        return _error(
            409,
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu khác (khác nội dung hoặc địa chỉ).",
        )
    if record.status_code == IN_PROGRESS:
        return _error(
            409,
            "idempotency_request_in_progress",
            "Yêu cầu với Idempotency-Key này đang được xử lý; vui lòng thử lại sau.",
        )
    return _replay(record)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith(PREFIX):
            return self.get_response(request)
        if not valid_key(key):
            return _error(
                400,
                "invalid_idempotency_key",
                f"Idempotency-Key phải gồm 1–{MAX_KEY_LENGTH} ký tự ASCII in được, không có khoảng trắng ở đầu/cuối.",
            )
        user_id = principal_id(request)
        try:
            digest = request_hash(request)
        except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError, UnreadablePostError):
            return _error(
                400, "bad_request_body", "Không đọc được nội dung yêu cầu (quá lớn hoặc sai định dạng)."
            )
        record, duplicate = self._claim(user_id, key, request, digest)
        if duplicate is not None:
            return duplicate
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if (
            200 <= response.status_code < 300 or 400 <= response.status_code < 500
        ) and not response.streaming:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                status_code=response.status_code, response_body=response.content
            )
        else:
            record.delete()
        return response

    def _claim(
        self, user_id: int | None, key: str, request: HttpRequest, digest: str
    ) -> tuple[IdempotencyRecord | None, HttpResponse | None]:
        """Insert the placeholder (committed at once), or answer as a duplicate of an existing record."""
        for _ in range(2):
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user_id=user_id,
                        key=key,
                        method=request.method,
                        path=request.get_full_path()[:500],
                        request_hash=digest,
                        status_code=IN_PROGRESS,
                        response_body=b"",
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
                if existing is None:
                    continue  # purged in between: try the insert again
                if self._expired(existing):
                    existing.delete()
                    continue
                return None, _answer_duplicate(existing, digest)
            if user_id is None:
                # NULLs are distinct in unique constraints, so anonymous duplicates are caught by looking.
                others = list(
                    IdempotencyRecord.objects.filter(user_id=None, key=key)
                    .exclude(pk=record.pk)
                    .order_by("pk")
                )
                live = [o for o in others if not self._expired(o)]
                if live:
                    record.delete()
                    done = [o for o in live if o.status_code != IN_PROGRESS and o.request_hash == digest]
                    return None, _answer_duplicate(done[0] if done else live[0], digest)
            return record, None
        return None, _error(
            409,
            "idempotency_request_in_progress",
            "Yêu cầu với Idempotency-Key này đang được xử lý; vui lòng thử lại sau.",
        )

    @staticmethod
    def _expired(record: IdempotencyRecord) -> bool:
        age = timezone.now() - record.created_at
        return age > RETENTION or (record.status_code == IN_PROGRESS and age > ABANDONED_AFTER)


def purge_idempotency_records(*, older_than: timedelta = RETENTION) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
