"""The browser app's files: pages, scripts, styles, the manifest, the service worker and the
chart library, all from this origin.

Pages and scripts are answered with ``Cache-Control: no-cache`` (the browser revalidates, so a
new deploy is picked up at once); the service worker may control all of ``/app/``. The chart
library comes from ``npm ci`` (``make web-assets``); when it is missing the answer says so.
"""

from __future__ import annotations

import mimetypes
import os
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from services.runtime.edge.errors import ApiError, error_body
from services.web.messages import MESSAGES
from services.web.settings import WebSettings

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

APP_PREFIX = "/app"
NO_CACHE = "no-cache"
SERVICE_WORKER = "sw.js"
INDEX = "index.html"
PUBLIC_PAGE = "public.html"


class AppFiles(StaticFiles):
    """Static files that are always revalidated; the service worker may control ``/app/``."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = NO_CACHE
        if os.path.basename(full_path) == SERVICE_WORKER:
            response.headers["Service-Worker-Allowed"] = f"{APP_PREFIX}/"
        return response


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse(f"{APP_PREFIX}/", status_code=302)


@router.api_route("/transparansi", methods=["GET", "HEAD"])
async def transparency(request: Request) -> FileResponse:
    """The public page: per-OPD aggregates, no login."""
    page = _settings(request).static_dir / PUBLIC_PAGE
    if not page.is_file():
        raise ApiError(404, "not_found", *MESSAGES.text("not_found"))
    return FileResponse(page, media_type="text/html", headers={"Cache-Control": NO_CACHE})


@router.api_route(f"{APP_PREFIX}/vendor/chart.umd.js", methods=["GET", "HEAD"])
async def chart_library(request: Request) -> FileResponse:
    path = _settings(request).chart_js
    if not path.is_file():
        raise ApiError(
            503,
            "web_assets_missing",
            *MESSAGES.text("web_assets_missing"),
            details=[str(path.name)],
        )
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": NO_CACHE})


@router.get("/health", tags=["ops"])
async def health() -> dict[str, str]:
    return {"status": "ok", "service": "web"}


@router.get("/ready", tags=["ops"])
async def ready(request: Request) -> JSONResponse:
    """Ready when the app's files are in place (the services are not waited for)."""
    settings = _settings(request)
    checks: dict[str, Any] = {
        "static": (settings.static_dir / INDEX).is_file(),
        "chart_library": settings.chart_js.is_file(),
    }
    if checks["static"]:
        return JSONResponse({"ready": True, "service": "web", "checks": checks})
    body = error_body(
        "not_ready",
        "Berkas aplikasi web belum tersedia.",
        "The web app's files are not in place.",
        [checks],
    )
    return JSONResponse(
        {**body, "ready": False, "service": "web", "checks": checks},
        status_code=503,
        headers={"Retry-After": "2"},
    )


def install_pages(app: FastAPI, settings: WebSettings) -> None:
    app.include_router(router)
    app.mount(
        APP_PREFIX,
        AppFiles(directory=settings.static_dir, html=True, check_dir=False),
        name="app",
    )
