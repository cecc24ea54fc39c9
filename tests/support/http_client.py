"""One SSL context for every httpx client the tests create.

``httpx.get(...)`` and its siblings build a new client per call, and each new client builds a
default SSL context, which loads the whole CA bundle: 20 to 40 ms of CPU per call, for services
spoken to over plain HTTP that never use it. The suite's polling loops and route matrices make
thousands of such calls (a dozen threads polling a booting service ten times a second spent a
whole core on it, and starved the very service they waited for). :func:`share_default_ssl_context`
makes every client that asks for the default context (``verify=True``, no client certificate)
share one, built once; anything else is built as httpx builds it.
"""

from __future__ import annotations

import functools
import os
import ssl
from typing import Any

import httpx
from httpx._transports import default as _transports


@functools.cache
def _default_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    context: ssl.SSLContext = _build(verify=True, cert=None, trust_env=True)
    return context


_build = httpx.create_ssl_context
"""httpx's own builder (the one its transports call)."""


def _shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
    if verify is True and cert is None and trust_env:
        # keyed by what the default context is built from, should a test change it
        return _default_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context: ssl.SSLContext = _build(verify=verify, cert=cert, trust_env=trust_env)
    return context


def share_default_ssl_context() -> None:
    """Make httpx's clients in this process share the default SSL context (idempotent)."""
    setattr(_transports, "create_ssl_context", _shared)  # noqa: B010 (a name not exported)
