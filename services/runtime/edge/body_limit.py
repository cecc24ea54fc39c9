"""One request-body limit for every service: a bilingual 413 before the body is parsed.

The default comes from ``MAX_BODY_BYTES``; a route that needs more (a roster import) says so
with FastAPI's own ``max_body_size=`` on its decorator, and this limit follows it. A body
announced too large by ``Content-Length`` is refused before a byte is read; a streamed body
is counted as it arrives.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.edge.errors import too_large
from services.runtime.edge.routing import api_routes


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default: int, owner: FastAPI) -> None:
        self.app = app
        self.default = default
        self.owner = owner
        self._overrides: list[tuple[re.Pattern[str], int]] | None = None

    def _limit_for(self, path: str) -> int:
        if self._overrides is None:  # routes are all known by the first request
            self._overrides = [
                (route.path_regex, limit)
                for route in api_routes(self.owner.routes)
                if (limit := getattr(route, "max_body_size", None)) is not None
            ]
        for pattern, limit in self._overrides:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:
                    await too_large(limit)(scope, receive, send)
                    return
                break
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                if exceeded:  # whatever the app made of the aborted read
                    raise _TooLarge
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not started:
                await too_large(limit)(scope, receive, send)


def install_body_limit(app: FastAPI, default: int) -> None:
    app.add_middleware(BodyLimit, default=default, owner=app)
