"""The services' APIs under the gateway's origin, routed by the first path segment.

Path and query go on unchanged; the method, the body and a few headers
(:data:`~services.web.upstream.FORWARDED_REQUEST_HEADERS`) go with them. The service's
status, body (streamed: an export can be megabytes) and a few headers come back. An unknown
first segment is a 404 ``not_found``; an OPTIONS preflight matches no route (405), so no other
origin is ever allowed in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from services.web.settings import WebSettings
from services.web.upstream import answer_headers, client_of, open_upstream, request_headers

#: which service answers each first path segment
ROUTES: dict[str, str] = {
    "policies": "eligibility",
    "roster": "eligibility",
    "wfa": "eligibility",
    "attendance": "attendance",
    "reporting": "reporting",
    "reports": "reporting",
    "public": "reporting",
    "audit": "audit",
}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
BODYLESS = frozenset({"GET", "HEAD"})
ROSTER_IMPORTS = "/roster/imports"


def upstream_url(base: str, request: Request) -> str:
    """``base`` followed by the request's path and query exactly as the browser sent them."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    url = base + raw_path.decode("latin-1")
    return f"{url}?{query.decode('latin-1')}" if query else url


async def _relay(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    finally:
        await response.aclose()


async def proxy(request: Request) -> StreamingResponse:
    """Pass the request to the service that owns its first path segment."""
    settings: WebSettings = request.app.state.settings
    service = ROUTES[request.url.path.split("/", 2)[1]]
    method = request.method
    body = b"" if method in BODYLESS else await request.body()
    client = client_of(request)
    outgoing = client.build_request(
        method,
        upstream_url(settings.upstreams[service], request),
        headers=request_headers(request),
        content=body or None,
    )
    answer = await open_upstream(client, service, outgoing)
    return StreamingResponse(
        _relay(answer),
        status_code=answer.status_code,
        headers=answer_headers(answer.headers),
    )


def install_proxy(app: FastAPI, settings: WebSettings) -> None:
    """Routes for every proxied segment; a roster import may be as large as eligibility
    accepts (the body limit follows the route's ``max_body_size``)."""
    app.add_api_route(
        ROSTER_IMPORTS,
        proxy,
        methods=["POST"],
        include_in_schema=False,
        max_body_size=settings.roster_import_max_bytes,
    )
    for segment in ROUTES:
        for path in (f"/{segment}", f"/{segment}/{{rest:path}}"):
            app.add_api_route(path, proxy, methods=METHODS, include_in_schema=False)
