"""The router every service's HTTP edge is built from.

Request bodies are parsed with orjson: it is several times faster than the standard library
and it refuses what cannot be stored or published, such as a lone UTF-16 surrogate
(``"\\ud800"``), so such a body gets a 422 instead of failing later as a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            # orjson.JSONDecodeError subclasses json.JSONDecodeError: FastAPI answers 422
            self._json = orjson.loads(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """An API route whose JSON body is decoded strictly, with orjson."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return route


def service_router(prefix: str, tags: list[str | Enum]) -> APIRouter:
    """An ``APIRouter`` for a service's routes (strict JSON bodies)."""
    return APIRouter(prefix=prefix, tags=tags, route_class=JsonRoute)
