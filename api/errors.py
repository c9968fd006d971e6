"""Typed application errors and their RFC 9457 problem+json rendering."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.request_context import current_request_id
from api.routing import allowed_methods

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://firstset.beijing.gov.cn/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `organization.uscc`.")
    message: str
    code: str


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine `code`."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    status_code: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if code:
            self.code = code
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail)


class NotAuthenticated(AppError):
    status_code, code, title = 401, "not_authenticated", "Not authenticated"


class Forbidden(AppError):
    status_code, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status_code, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status_code, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status_code, code, title = 412, "precondition_failed", "Precondition failed"


class PayloadTooLarge(AppError):
    status_code, code, title = 413, "payload_too_large", "Payload too large"


class UnsupportedMediaType(AppError):
    status_code, code, title = 415, "unsupported_media_type", "Unsupported media type"


class PreconditionRequired(AppError):
    status_code, code, title = 428, "precondition_required", "Precondition required"


class Unprocessable(AppError):
    status_code, code, title = 422, "validation_error", "Validation error"


class RateLimited(AppError):
    status_code, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, retry_after_s: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_s))})


class ServiceUnavailable(AppError):
    status_code, code, title = 503, "service_unavailable", "Service unavailable"


def field_error(field: str, message: str, code: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(field=field, message=message, code=code)])


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE_BASE + code.replace("_", "-"),
        title=title,
        status=status,
        detail=detail,
        code=code,
        request_id=current_request_id(),
        errors=list(errors) if errors else None,
    ).model_dump(exclude_none=True)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries so the OpenAPI document and generated client know the error shape."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _is_database_outage(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (sa_exc.InterfaceError, sa_exc.OperationalError)):
            return True
        orig = exc.orig
        name = type(orig).__name__ if orig is not None else ""
        return name in {
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "AdminShutdownError",
        }
    if isinstance(exc, sa_exc.TimeoutError):  # pool exhausted while the server is away
        return True
    if isinstance(exc, (ConnectionError, asyncio.TimeoutError, TimeoutError)):
        return True
    return isinstance(exc, OSError) and exc.errno is not None


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    result = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header", "cookie"}:
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        field = ".".join(loc) if loc else where
        message = str(err.get("msg", "Invalid value"))
        if err.get("type") == "json_invalid":
            field, message = "body", "The request body is not valid JSON."
        result.append(
            FieldError(field=field, message=message, code=str(err.get("type", "invalid")))
        )
    return result


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(
            exc.status_code,
            exc.code,
            exc.title,
            exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        code = _HTTP_CODES.get(status, "http_error")
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        detail = exc.detail if isinstance(exc.detail, str) else title
        if status == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}."
        headers = dict(exc.headers or {})
        if status == 405:
            allowed = allowed_methods(request.app, request.url.path)
            if not allowed and request.url.path.startswith("/api/"):
                # Only the SPA's fallback took the path (a malformed id, say): nothing is here.
                return problem_response(
                    404, "not_found", "Not found", f"No resource at {request.url.path}."
                )
            detail = f"{request.method} is not allowed on {request.url.path}."
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        return problem_response(status, code, title, detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        return problem_response(422, "validation_error", "Validation error", detail, errors=errors)


# Text PostgreSQL cannot store: a NUL character (U+0000) anywhere in a string. JSON and query
# strings can carry one, no schema needs to forbid it field by field, and nothing is stored.
_INVALID_TEXT_SQLSTATES = frozenset({"22021", "22P05"})


def _is_invalid_text(exc: BaseException) -> bool:
    return (
        isinstance(exc, sa_exc.DBAPIError)
        and getattr(exc.orig, "sqlstate", None) in _INVALID_TEXT_SQLSTATES
    )


def unexpected_error_response(exc: BaseException, path: str) -> JSONResponse:
    """422 for text the database cannot hold; 503 with Retry-After when the database is away;
    otherwise a 500 without internals."""
    if _is_invalid_text(exc):
        log.info("invalid_text_refused", path=path)
        return problem_response(
            422,
            "invalid_text",
            "Validation error",
            "Text may not contain the NUL character (U+0000).",
        )
    if _is_database_outage(exc):
        log.warning("database_unavailable", error=type(exc).__name__, path=path)
        return problem_response(
            503,
            "service_unavailable",
            "Service unavailable",
            "The database is unreachable; please retry shortly.",
            headers={"Retry-After": "5"},
        )
    log.error("unhandled_exception", path=path, exc_info=exc)
    return problem_response(
        500,
        "internal_error",
        "Internal server error",
        "An unexpected error occurred. Quote the request id when reporting it.",
    )
