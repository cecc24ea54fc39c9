"""What the web gateway passes on and what it adds: no cookie or origin goes to a service, no
CORS header or service address comes back, and every answer is secured."""

from __future__ import annotations

from starlette.requests import Request

from services.web.headers import CONTENT_SECURITY_POLICY, secured_headers
from services.web.upstream import answer_headers, request_headers


def _request(headers: dict[str, str]) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/wfa/requests",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
    )


def test_only_the_listed_request_headers_reach_a_service() -> None:
    sent = request_headers(
        _request(
            {
                "Authorization": "Bearer t",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Accept-Language": "id",
                "Idempotency-Key": "k-1",
                "Cookie": "session=secret",
                "Origin": "http://evil.example",
                "X-Forwarded-For": "10.0.0.1",
                "Host": "example",
            }
        )
    )
    assert sent == {
        "authorization": "Bearer t",
        "content-type": "application/json",
        "accept": "application/json",
        "accept-language": "id",
        "idempotency-key": "k-1",
    }


def test_the_callers_address_is_the_one_the_gateway_saw() -> None:
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/public/summary",
            "headers": [(b"x-forwarded-for", b"10.9.9.9")],
            "client": ("203.0.113.7", 51000),
        }
    )
    assert request_headers(request)["x-forwarded-for"] == "203.0.113.7"


def test_only_the_listed_answer_headers_come_back() -> None:
    kept = answer_headers(
        {
            "content-type": "text/csv",
            "content-disposition": "attachment; filename=x.csv",
            "Idempotent-Replayed": "true",
            "Retry-After": "2",
            "X-Total-Count": "7",
            "set-cookie": "a=b",
            "server": "uvicorn",
            "access-control-allow-origin": "*",
            "location": "http://127.0.0.1:8001/wfa/requests",
        }
    )
    assert kept == {
        "content-type": "text/csv",
        "content-disposition": "attachment; filename=x.csv",
        "Idempotent-Replayed": "true",
        "Retry-After": "2",
        "X-Total-Count": "7",
    }
    assert answer_headers({"Location": "/wfa/requests/r-1"}) == {"Location": "/wfa/requests/r-1"}
    assert answer_headers({"Location": "//evil.example/x"}) == {}


def test_every_answer_is_secured_and_pages_get_the_policy() -> None:
    html = dict(
        secured_headers(
            [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"Access-Control-Allow-Origin", b"*"),
                (b"access-control-allow-credentials", b"true"),
            ]
        )
    )
    assert html[b"content-security-policy"] == CONTENT_SECURITY_POLICY.encode()
    assert html[b"x-content-type-options"] == b"nosniff"
    assert html[b"referrer-policy"] == b"no-referrer"
    assert not [name for name in html if name.lower().startswith(b"access-control-")]
    data = dict(secured_headers([(b"content-type", b"application/json")]))
    assert b"content-security-policy" not in data
    assert data[b"x-content-type-options"] == b"nosniff"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
