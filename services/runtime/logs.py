"""Structured logs of every service process, configured here and nowhere else (a leaf).

:func:`configure_logging` routes the standard library's records (the services', uvicorn's,
faust's and aiokafka's) through structlog's processors: each line is one JSON object with
``timestamp``, ``level``, ``logger``, ``event`` (the message), the ``service`` and, while a
request is being answered, its ``request_id``. ``LOG_FORMAT=console`` writes the same records
as human-readable lines instead (for a developer's terminal); ``LOG_LEVEL`` sets the level.

The request id. The HTTP edge takes it from the request's ``X-Request-ID`` (or
``X-Correlation-ID``) header when it is a plain token, or makes a new one, answers it in
``X-Request-ID`` and binds it with :func:`bound_request_id`. The event publisher copies it into
a ``request_id`` header of every record the request produces, and a projector logs the
request ids of the batches it writes: one request can be followed from the API through
Kafka to the projection by grepping its id.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, Literal

import structlog

LogFormat = Literal["json", "console"]

#: Kafka record header carrying the id of the request that produced the record
REQUEST_ID_HEADER = "request_id"
#: HTTP headers a caller may pass its request id in, in order of preference
REQUEST_ID_HTTP_HEADERS = (b"x-request-id", b"x-correlation-id")
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_request_id: ContextVar[str | None] = ContextVar("wfa_request_id", default=None)
_HANDLER_MARK = "_wfa_structured"


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: bytes | str | None) -> str | None:
    """The caller's request id when it is a plain token of at most 128 characters (letters,
    digits, ``.``, ``_``, ``:``, ``-``); anything else is replaced by a new id."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return text if _VALID_ID.fullmatch(text) else None


def current_request_id() -> str | None:
    """The id of the request being answered in this task, if any."""
    return _request_id.get()


@contextlib.contextmanager
def bound_request_id(request_id: str) -> Iterator[None]:
    """Every log line and every produced record of the block carries ``request_id``."""
    token = _request_id.set(request_id)
    tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
        _request_id.reset(token)


def request_id_of(record: Any) -> str | None:
    """The ``request_id`` header of a consumed record (aiokafka's ``ConsumerRecord``, a faust
    message), or None."""
    headers = getattr(record, "headers", None) or ()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in pairs:
        if name == REQUEST_ID_HEADER and value:
            text = value if isinstance(value, str) else bytes(value).decode("utf-8", "replace")
            return accepted_request_id(text)
    return None


def request_ids_of(records: Iterable[Any], limit: int = 20) -> list[str]:
    """The distinct request ids in the ``request_id`` headers of consumed records, in order,
    at most ``limit``."""
    found: dict[str, None] = {}
    for record in records:
        request_id = request_id_of(record)
        if request_id is not None:
            found[request_id] = None
            if len(found) >= limit:
                break
    return list(found)


@contextlib.contextmanager
def request_of(record: Any) -> Iterator[None]:
    """While a consumer handles ``record``: its request id bound, when it carries one."""
    request_id = request_id_of(record)
    if request_id is None:
        yield
        return
    with bound_request_id(request_id):
        yield


def _add_service(service: str) -> Any:
    def add(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("service", service)
        return event

    return add


def configure_logging(
    service: str, log_format: str | None = None, level: str | int | None = None
) -> None:
    """Configure the process's logs once (idempotent): JSON lines on stderr by default."""
    chosen = (log_format or os.environ.get("LOG_FORMAT") or "json").lower()
    chosen_level = level or os.environ.get("LOG_LEVEL") or "INFO"
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if chosen == "console"
        else structlog.processors.JSONRenderer()
    )
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if chosen != "console":
        final.append(structlog.processors.format_exc_info)
    final.append(renderer)
    formatter = structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=final)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(chosen_level if isinstance(chosen_level, int) else chosen_level.upper())
    # uvicorn's own lines (start, bind errors, unexpected errors) in the same format
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_log = logging.getLogger(name)
        uvicorn_log.handlers = []
        uvicorn_log.propagate = True
    # uvicorn's access log writes query strings (NIPs among them): ours never does
    logging.getLogger("uvicorn.access").disabled = True
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
