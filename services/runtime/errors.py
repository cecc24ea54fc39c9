"""Bilingual API errors. Every 4xx carries a stable code, Bahasa Indonesia and English.

Body shape::

    {"error": {"code": "...", "message_id": "...", "message_en": "...", "details": [...]}}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


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
    404: ("not_found", "Sumber daya tidak ditemukan.", "Resource not found."),
    405: ("method_not_allowed", "Metode tidak diizinkan.", "Method not allowed."),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message_id, exc.message_en, exc.details),
            status_code=exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body(
                "invalid_request",
                "Permintaan tidak valid; periksa kolom yang disebutkan.",
                "The request is invalid; check the fields listed.",
                details,
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, msg_id, msg_en = _HTTP_MESSAGES.get(
            exc.status_code, ("http_error", str(exc.detail), str(exc.detail))
        )
        return JSONResponse(error_body(code, msg_id, msg_en), status_code=exc.status_code)
