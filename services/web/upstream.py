"""Calls from the gateway to the four services: which headers go, which come back, and what
an unreachable service answers.

One ``httpx.AsyncClient`` per gateway process (made in the lifespan) carries every call. It
never retries: a write that reached its service but whose answer was lost is not sent again
(the browser retries with the same ``Idempotency-Key``, which the service honours).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx
from fastapi import Request

from services.runtime.edge.errors import ApiError
from services.runtime.logs import current_request_id
from services.runtime.tracing import inject_http
from services.web.messages import MESSAGES

log = logging.getLogger(__name__)

#: request headers passed on to a service; nothing else (no Cookie, no Origin) leaves
FORWARDED_REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "accept",
    "accept-language",
    "idempotency-key",
)
#: answer headers passed back to the browser (besides any ``Idempotency-*`` and
#: ``Idempotent-*``, e.g. ``Idempotent-Replayed`` on a retried write)
FORWARDED_RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-disposition",
        "retry-after",
        "cache-control",
        "www-authenticate",
        "allow",
        "x-total-count",
        "x-next-offset",
    }
)
FORWARDED_RESPONSE_PREFIXES = ("idempotency-", "idempotent-")
RETRY_AFTER_S = 2
CONNECT_TIMEOUT_S = 5.0
#: an idle pooled connection is dropped well before the services' own keep-alive timeout
#: (uvicorn closes idle connections after 5 s): a request sent on a connection the service is
#: closing at that moment fails with "Server disconnected without sending a response"
KEEPALIVE_EXPIRY_S = 2.0


def make_client(timeout_s: float) -> httpx.AsyncClient:
    """The gateway's client: bounded waits, no redirects followed, bodies left uncompressed
    (an answer is relayed byte for byte)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
        follow_redirects=False,
        headers={"accept-encoding": "identity"},
        limits=httpx.Limits(
            max_connections=200, max_keepalive_connections=50, keepalive_expiry=KEEPALIVE_EXPIRY_S
        ),
    )


def client_of(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.http
    return client


def request_headers(request: Request) -> dict[str, str]:
    """The caller's headers a service may see, the id of the request (so the service's logs
    and the records it produces carry the gateway's request id), the caller's address and,
    while tracing is on, the gateway's trace context (the service's span continues it)."""
    headers = {
        name: value
        for name in FORWARDED_REQUEST_HEADERS
        if (value := request.headers.get(name)) is not None
    }
    request_id = current_request_id()
    if request_id is not None:
        headers["x-request-id"] = request_id
    if request.client is not None:
        # the caller's address as the gateway saw it (never one the caller sent): a service
        # that trusts the gateway's address (uvicorn's --forwarded-allow-ips) rate-limits a
        # caller without a token by that address rather than by the gateway's
        headers["x-forwarded-for"] = request.client.host
    return inject_http(headers)


def answer_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The service's answer headers the browser may see (a ``Location`` only when it is a
    path on this origin: the services' own addresses stay hidden)."""
    return {
        name: value
        for name, value in headers.items()
        if name.lower() in FORWARDED_RESPONSE_HEADERS
        or name.lower().startswith(FORWARDED_RESPONSE_PREFIXES)
        or (name.lower() == "location" and value.startswith("/") and not value.startswith("//"))
    }


def unavailable(service: str) -> ApiError:
    return ApiError(
        503,
        "upstream_unavailable",
        *MESSAGES.text("upstream_unavailable", service=service, retry_after_s=RETRY_AFTER_S),
        details=[service],
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def lost_answer(service: str, timed_out: bool) -> ApiError:
    status, code = (504, "upstream_timeout") if timed_out else (502, "upstream_failed")
    return ApiError(
        status,
        code,
        *MESSAGES.text("upstream_lost", service=service),
        details=[service],
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def repeatable(request: httpx.Request) -> bool:
    """Whether sending ``request`` twice records nothing twice."""
    return request.method in ("GET", "HEAD") or "idempotency-key" in request.headers


async def open_upstream(
    client: httpx.AsyncClient,
    service: str,
    request: httpx.Request,
) -> httpx.Response:
    """Send ``request`` and return the answer with its body still to be read (the caller
    closes it); a service that cannot be reached raises a bilingual :class:`ApiError`.

    A request that may be repeated (a read, or a write with an ``Idempotency-Key``, which the
    service answers once) is sent once more when the connection dropped before any answer: a
    pooled connection the service closed at that very moment."""
    try:
        try:
            return await client.send(request, stream=True)
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if not repeatable(request):
                raise
            log.info("%s dropped the connection (%s); sent again", service, exc)
            return await client.send(request, stream=True)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        log.warning("%s unreachable (%s %s): %s", service, request.method, request.url.path, exc)
        raise unavailable(service) from exc
    except httpx.TimeoutException as exc:
        log.warning("%s timed out (%s %s)", service, request.method, request.url.path)
        raise lost_answer(service, timed_out=True) from exc
    except httpx.TransportError as exc:
        log.warning("%s failed (%s %s): %s", service, request.method, request.url.path, exc)
        raise lost_answer(service, timed_out=False) from exc
