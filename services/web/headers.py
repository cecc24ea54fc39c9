"""Security headers on every answer of the gateway, and CORS kept closed.

Every response carries ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
no-referrer``; an HTML page also carries the Content-Security-Policy below (no inline script
or style: pages use files and classes). No ``Access-Control-*`` header ever leaves the
gateway, whoever set it, so no other origin may read an answer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'"
)
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_REPLACED = frozenset({b"x-content-type-options", b"referrer-policy", b"content-security-policy"})


def secured_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` without any CORS header, with the security headers added."""
    kept = [
        (name, value)
        for name, value in headers
        if not name.lower().startswith(b"access-control-") and name.lower() not in _REPLACED
    ]
    is_html = any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/html")
        for name, value in kept
    )
    kept.extend(ALWAYS)
    if is_html:
        kept.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
    return kept


class SecurityHeaders:
    """ASGI middleware applying :func:`secured_headers` to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": secured_headers(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, secured_send)
