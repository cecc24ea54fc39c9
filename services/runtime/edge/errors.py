"""Bilingual API errors. Every 4xx and 5xx carries a stable code, Bahasa Indonesia and English.

Body shape::

    {"error": {"code": "...", "message_id": "...", "message_en": "...", "details": [...]}}

An exception nobody expected is answered 500 ``internal_error`` in the same shape: the body
names only an incident id, never the exception, a stack or a setting; the log has the incident
id with the method, the route template (not the path: it may carry a NIP) and the traceback.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from kernel.refusal import Refusal, RefusalKind
from services.runtime.kafka.broker import PublishUnavailable
from services.runtime.messages import MESSAGES

log = logging.getLogger(__name__)

#: the attribute an exception answered as an incident carries (see :class:`_AlreadyLogged`)
INCIDENT_ATTRIBUTE = "wfa_incident"


class ApiError(Exception):
    """A refusal that the caller can understand and fix."""

    def __init__(
        self,
        status: int,
        code: str,
        message_id: str,
        message_en: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details = details or []
        self.headers = headers


REFUSAL_STATUS: dict[RefusalKind, int] = {
    RefusalKind.INVALID: 422,
    RefusalKind.FORBIDDEN: 403,
    RefusalKind.NOT_FOUND: 404,
    RefusalKind.CONFLICT: 409,
    RefusalKind.TOO_LARGE: 413,
}
"""The HTTP status the edge answers a domain :class:`~kernel.refusal.Refusal` of each kind with."""


def refused(refusal: Refusal, headers: dict[str, str] | None = None) -> ApiError:
    """The edge's answer to a domain refusal: its status by kind, its code and both messages."""
    return ApiError(
        REFUSAL_STATUS[refusal.kind],
        refusal.code,
        refusal.message_id,
        refusal.message_en,
        refusal.details,
        headers,
    )


def error_body(
    code: str, message_id: str, message_en: str, details: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message_id": message_id,
            "message_en": message_en,
            "details": details or [],
        }
    }


_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", *MESSAGES.text("bad_request")),
    404: ("not_found", *MESSAGES.text("not_found")),
    405: ("method_not_allowed", *MESSAGES.text("method_not_allowed")),
    413: ("body_too_large", *MESSAGES.text("body_too_large")),
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `opd_mismatch`.")
    message_id: str = Field(description="What went wrong, in Bahasa Indonesia.")
    message_en: str = Field(description="The same in English.")
    details: list[Any] = Field(default_factory=list, description="Fields or rows concerned.")


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorDetail


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for an error answer."""
    return {"model": ErrorBody, "description": description}


def unavailable(reason: str, retry_after_s: int) -> JSONResponse:
    """503: Kafka is away; nothing was recorded, the client should retry later."""
    message_id, message_en = MESSAGES.text("kafka_unavailable", retry_after_s=retry_after_s)
    return JSONResponse(
        error_body("kafka_unavailable", message_id, message_en, [reason]),
        status_code=503,
        headers={"Retry-After": str(retry_after_s)},
    )


def too_large(limit: int) -> JSONResponse:
    message_id, message_en = MESSAGES.text("body_too_large.limit", limit=limit)
    return JSONResponse(error_body("body_too_large", message_id, message_en), status_code=413)


def internal_error(incident: str) -> JSONResponse:
    """500: something failed that the caller could not have caused or fixed."""
    message_id, message_en = MESSAGES.text("internal_error", incident=incident)
    return JSONResponse(
        error_body("internal_error", message_id, message_en, [{"incident": incident}]),
        status_code=500,
    )


def _route_of(request: Request) -> str:
    """The route template that matched (``/reporting/presence/{nip}``), else the path's
    first segment: a log line never carries a NIP from the path."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    first = request.scope.get("path", "/").split("/", 2)[1:2]
    return f"/{first[0]}/..." if first and first[0] else "/"


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Log ``exc`` with its traceback under a new incident id and answer 500 with that id."""
    incident = uuid.uuid4().hex[:16]
    log.error(
        "internal_error %s: %s %s raised %s",
        incident,
        request.scope.get("method", "?"),
        _route_of(request),
        type(exc).__name__,
        exc_info=exc,
    )
    # an exception type without a __dict__ keeps no mark: the server then logs it again
    with contextlib.suppress(AttributeError):
        setattr(exc, INCIDENT_ATTRIBUTE, incident)
    return internal_error(incident)


class _AlreadyLogged(logging.Filter):
    """Drops the server's second report of an exception :func:`unexpected_error` logged
    (Starlette re-raises it after the 500 is sent, and uvicorn logs it with its traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return getattr(exc, INCIDENT_ATTRIBUTE, None) is None


_ALREADY_LOGGED = _AlreadyLogged()


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message_id, exc.message_en, exc.details),
            status_code=exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(Refusal)
    async def _refusal(_: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message_id, exc.message_en, exc.details),
            status_code=REFUSAL_STATUS[exc.kind],
        )

    @app.exception_handler(PublishUnavailable)
    async def _unavailable(_: Request, exc: PublishUnavailable) -> JSONResponse:
        return unavailable(exc.reason, exc.retry_after_s)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        message_id, message_en = MESSAGES.text("invalid_request")
        return JSONResponse(
            error_body("invalid_request", message_id, message_en, details), status_code=422
        )

    # Starlette hands the handler of ``Exception`` to its outermost middleware: whatever a
    # route or a middleware raises and nothing else answered comes here
    app.add_exception_handler(Exception, unexpected_error)
    server_log = logging.getLogger("uvicorn.error")
    if _ALREADY_LOGGED not in server_log.filters:
        server_log.addFilter(_ALREADY_LOGGED)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, msg_id, msg_en = _HTTP_MESSAGES.get(
            exc.status_code, ("http_error", str(exc.detail), str(exc.detail))
        )
        # keep what the exception says about the answer, e.g. Allow on a 405
        return JSONResponse(
            error_body(code, msg_id, msg_en),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
