"""Reading a service's answers over HTTP in tests: fetch, expect success or a refusal in both
languages, and wait for an eventually consistent view."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.processes import ServiceProcess


def get(
    service: ServiceProcess,
    path: str,
    headers: dict[str, str],
    *,
    timeout: float = 60.0,
    **params: Any,
) -> httpx.Response:
    """``GET path`` on ``service`` with ``params`` as the query string."""
    return httpx.get(f"{service.url}{path}", params=params, headers=headers, timeout=timeout)


def ok(response: httpx.Response) -> Any:
    """The JSON body of a 200 answer."""
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The error of a refusal with ``status`` (and ``code``, when given), in two languages."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    if code is not None:
        assert error["code"] == code, error
    assert error["message_id"] and error["message_en"]
    assert error["message_id"] != error["message_en"]
    return error


def poll(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 60.0) -> Any:
    """What ``fetch`` returns once ``until`` accepts it; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fetch()
        if until(last):
            return last
        time.sleep(0.5)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
