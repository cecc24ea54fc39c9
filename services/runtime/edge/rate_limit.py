"""Rate limits per caller and per route family: 429 ``rate_limited`` with ``Retry-After``.

The caller is the subject of a valid bearer token (its NIP, or ``system:<app>``); a request
without one, or whose token does not verify, is counted under the client's address (as the
server sees it: behind a proxy, uvicorn's ``--proxy-headers`` and ``--forwarded-allow-ips``
decide it). The families:

``reads``   GET, HEAD and OPTIONS of an authenticated caller
``writes``  every other method of an authenticated caller
``auth``    every request without a valid token (anonymous callers, token guessing) and the
            sign-in routes under ``/auth/``, by client address

Each (caller, family) has a token bucket of ``N`` requests refilled over ``S`` seconds
(``RATE_LIMITS="reads=1200/60,writes=600/60,auth=120/60"``), so a burst of ``N`` passes and
the steady rate is ``N/S`` a second. A family left out is not limited. The liveness,
readiness and metrics paths and the API documentation are never limited. The counts are
those of one process: behind a load balancer each replica counts its own.

Unset, ``RATE_LIMITS`` means no limits in development and test (the suite and the benches
are never throttled) and :data:`~services.runtime.settings.PRODUCTION_RATE_LIMITS` in
production; ``RATE_LIMITS=off`` turns them off anywhere.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.runtime.edge.deps import authenticate
from services.runtime.edge.errors import ApiError, error_body
from services.runtime.messages import MESSAGES
from services.runtime.settings import Settings

#: paths never limited: probes, scrapers and the API's documentation
UNLIMITED = frozenset(
    {"/", "/health", "/ready", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc"}
    | {"/openapi.json"}
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: buckets kept per process; the least recently used leave first (that caller starts afresh)
MAX_BUCKETS = 100_000


class TokenBuckets:
    """One token bucket per key: ``limit`` requests, refilled at ``limit / window`` a second."""

    def __init__(self, limit: int, window_s: float, max_buckets: int = MAX_BUCKETS) -> None:
        self.limit = limit
        self.window_s = window_s
        self.rate = limit / window_s
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """Take one request from ``key``'s bucket: 0 when allowed, else the seconds until the
        next request would be."""
        now = time.monotonic() if now is None else now
        tokens, updated = self._buckets.get(key, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - updated) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)
        return wait


class RateLimits:
    """ASGI middleware answering 429 to a caller over its family's limit."""

    def __init__(self, app: ASGIApp, *, owner: FastAPI, rules: dict[str, tuple[int, float]]):
        self.app = app
        self.owner = owner
        self.buckets = {family: TokenBuckets(*rule) for family, rule in rules.items()}

    async def caller(self, scope: Scope) -> str | None:
        """The subject of the request's valid bearer token, else None."""
        authorization = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        if authorization is None:
            return None
        try:
            principal = await authenticate(self.owner.state.context, authorization)
        except ApiError:
            return None  # the route answers 401 (or 503) itself
        return principal.nip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        subject = None if path.startswith("/auth/") else await self.caller(scope)
        if subject is None:
            client = scope.get("client")
            family, key = "auth", f"ip:{client[0] if client else '?'}"
        else:
            family = "reads" if scope["method"] in READ_METHODS else "writes"
            key = f"sub:{subject}"
        buckets = self.buckets.get(family)
        wait = buckets.take(key) if buckets is not None else 0.0
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        message_id, message_en = MESSAGES.text(
            "rate_limited", family=family, retry_after_s=retry_after
        )
        assert buckets is not None
        details = [{"family": family, "limit": buckets.limit, "window_s": buckets.window_s}]
        response = JSONResponse(
            error_body("rate_limited", message_id, message_en, details),
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)


def install_rate_limits(app: FastAPI, settings: Settings) -> None:
    """Add :class:`RateLimits` when ``settings`` limit anything (nothing is added otherwise:
    an unlimited service pays nothing per request)."""
    rules = settings.rate_limit_rules
    if rules:
        app.add_middleware(RateLimits, owner=app, rules=rules)
