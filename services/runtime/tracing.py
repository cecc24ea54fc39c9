"""OpenTelemetry traces of every service process, configured here and nowhere else. Off by
default.

``TRACING`` chooses (:func:`configure_tracing`, called where the logs are configured):

* ``off`` (the default): no SDK tracer provider is installed, :func:`tracer` answers None and
  every traced place takes its untraced path after one ``if``: no span, no header, no context;
* ``console``: every span is written to the service's log as one line (``span <name>`` with
  ``trace_id``, ``span_id``, ``parent_id``, ``duration_ms``, its attributes and links);
* ``otlp``: spans are exported in batches over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``
  (``<endpoint>/v1/traces``; unset: the exporter's own ``OTEL_EXPORTER_OTLP_*`` variables,
  else ``http://localhost:4318``). The SDK's ``OTEL_TRACES_SAMPLER`` applies to both.

The resource's ``service.name`` is the service's name (``eligibility``, ``attendance``, ...).

What is traced, so that one request's trace goes API -> Kafka -> consumer -> outcome ->
projection:

* the HTTP edge (:class:`ServerSpan`): one SERVER span per request, named ``<METHOD> <route
  template>`` (never the path: no NIP or id in a name), with its status; a caller's (or the
  gateway's) W3C ``traceparent`` is its parent;
* every record the event publisher sends (:func:`start_produce`): one PRODUCER span, whose
  context goes into the record's headers as ``traceparent`` (and ``tracestate``) next to the
  ``request_id`` header; a record that already carries a context (a decider's outcome, queued
  under the command's span) is parented by it;
* the consumers: a CONSUMER span per command for the decider (parented by the command's
  ``traceparent``), per batch for the stream projectors and the detector (:func:`batch_span`:
  linked to the contexts the batch's records carry, and parented by the one trace when they
  all belong to one).

Contexts travel with the OpenTelemetry propagator API (:func:`opentelemetry.propagate.inject`
and ``extract``, over the record's header list through :data:`KAFKA_HEADERS`), so
``OTEL_PROPAGATORS`` is honoured. The provider is this module's own (not the global one), so
that a test can install its own exporter and remove it again.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode, Tracer

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

TracingMode = Literal["off", "console", "otlp"]
TRACING_MODES: tuple[TracingMode, ...] = ("off", "console", "otlp")

#: the W3C trace context headers a record or a request carries
TRACE_HEADERS = ("traceparent", "tracestate")
#: at most this many links on a batch's span (the SDK's default limit)
MAX_LINKS = 128

log = logging.getLogger(__name__)

_provider: TracerProvider | None = None
_tracer: Tracer | None = None

Headers = list[tuple[str, bytes]]


def tracer() -> Tracer | None:
    """This process's tracer, or None while tracing is off (then trace nothing)."""
    return _tracer


def configure_tracing(
    service: str,
    mode: str = "off",
    *,
    endpoint: str | None = None,
    exporter: SpanExporter | None = None,
) -> None:
    """Install this process's tracer provider for ``mode`` (see the module's description);
    ``off`` removes it. ``exporter`` replaces the mode's exporter and gets every span as it
    ends (a test's ``InMemorySpanExporter``)."""
    global _provider, _tracer
    shutdown_tracing()
    if mode not in TRACING_MODES:
        raise ValueError(f"TRACING must be one of {', '.join(TRACING_MODES)}, not {mode!r}")
    if mode == "off" and exporter is None:
        return
    # the SDK is imported here only when tracing is on
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif mode == "console":  # a developer's terminal: each span as it ends, in order
        provider.add_span_processor(SimpleSpanProcessor(_log_exporter()))
    else:
        provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(endpoint)))
    _provider = provider
    _tracer = provider.get_tracer("wfa-platform")
    log.info("tracing on (%s)", "test exporter" if exporter is not None else mode)


def shutdown_tracing() -> None:
    """Export what is still buffered and turn tracing off."""
    global _provider, _tracer
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


def _otlp_exporter(endpoint: str | None) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    if endpoint and not os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        # the generic endpoint names the collector; the traces go to its /v1/traces
        return OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    return OTLPSpanExporter()


def _log_exporter() -> SpanExporter:
    """``TRACING=console``: each span as one line of the service's (JSON) log."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class LogSpanExporter(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            for span in spans:
                _log_span(span)
            return SpanExportResult.SUCCESS

    return LogSpanExporter()


def _log_span(span: ReadableSpan) -> None:
    context = span.context
    if context is None:
        return
    started, ended = span.start_time or 0, span.end_time or 0
    log.info(
        "span %s",
        span.name,
        extra={
            "span_name": span.name,
            "kind": span.kind.name,
            "trace_id": trace.format_trace_id(context.trace_id),
            "span_id": trace.format_span_id(context.span_id),
            "parent_id": trace.format_span_id(span.parent.span_id) if span.parent else None,
            "duration_ms": round((ended - started) / 1e6, 3),
            "status": span.status.status_code.name,
            "attributes": dict(span.attributes or {}),
            "links": [trace.format_trace_id(link.context.trace_id) for link in span.links],
        },
    )


# carriers ---------------------------------------------------------------------------------


class _HeaderGetter(Getter[Any]):
    """Reads a Kafka record's headers: a list of ``(name, bytes)`` (aiokafka, faust) or a
    mapping; or an ASGI scope's ``[(bytes, bytes)]``."""

    def get(self, carrier: Any, key: str) -> list[str] | None:
        values = [_text(value) for name, value in _pairs(carrier) if _text(name).lower() == key]
        return values or None

    def keys(self, carrier: Any) -> list[str]:
        return [_text(name) for name, _ in _pairs(carrier)]


def _pairs(carrier: Any) -> Iterable[tuple[Any, Any]]:
    if not carrier:
        return ()
    return carrier.items() if isinstance(carrier, Mapping) else carrier


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return bytes(value).decode("latin-1") if value is not None else ""


#: the propagator's getter over a header list
KAFKA_HEADERS = _HeaderGetter()


def inject(headers: Sequence[tuple[str, bytes]], context: Context | None = None) -> Headers:
    """``headers`` with the trace context of ``context`` (default: the current one) in place
    of any it carried: ``traceparent`` and ``tracestate`` (what ``OTEL_PROPAGATORS`` writes)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=context)
    if not carrier:
        return list(headers)
    kept = [(name, value) for name, value in headers if name not in carrier]
    return [*kept, *((name, value.encode("latin-1")) for name, value in carrier.items())]


def inject_http(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` of an outgoing HTTP request with the current trace context (the gateway)."""
    if _tracer is not None:
        propagate.inject(headers)
    return headers


def context_of(carrier: Any) -> Context | None:
    """The trace context a record (its ``headers``) or a header list carries, or None."""
    headers = getattr(carrier, "headers", carrier)
    if not headers:
        return None
    extracted = propagate.extract(headers, getter=KAFKA_HEADERS)
    if not trace.get_current_span(extracted).get_span_context().is_valid:
        return None
    return extracted


def span_context_of(carrier: Any) -> trace.SpanContext | None:
    """The span context a record carries (to link to), or None."""
    extracted = context_of(carrier)
    return None if extracted is None else trace.get_current_span(extracted).get_span_context()


# the producer -------------------------------------------------------------------------------


def start_produce(active: Tracer, topic: str, headers: Sequence[tuple[str, bytes]]) -> Span:
    """A PRODUCER span for a record to ``topic``: a child of the context its headers carry
    (a decider's outcome, queued under its command's span), else of the current one."""
    return active.start_span(
        f"publish {topic}",
        context=context_of(headers),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
        },
    )


def headers_of(span: Span, headers: Sequence[tuple[str, bytes]]) -> Headers:
    """``headers`` carrying ``span``'s context."""
    return inject(headers, trace.set_span_in_context(span))


def end_spans(spans: Iterable[Span], error: BaseException | None = None) -> None:
    """End the spans of records acknowledged (``error`` None) or refused."""
    for span in spans:
        if error is not None:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()


# the consumers ------------------------------------------------------------------------------


@contextlib.contextmanager
def record_span(active: Tracer, name: str, record: Any, consumer: str) -> Iterator[Span]:
    """A CONSUMER span, current while ``record`` is handled, parented by the context it
    carries (a new trace when it carries none)."""
    with active.start_as_current_span(
        name,
        context=context_of(record) or otel_context.Context(),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": str(getattr(record, "topic", "")),
            "messaging.destination.partition.id": str(getattr(record, "partition", "")),
            "messaging.kafka.offset": int(getattr(record, "offset", -1)),
            "messaging.consumer.group.name": consumer,
        },
    ) as span:
        yield span


@contextlib.contextmanager
def batch_span(
    active: Tracer, name: str, records: Iterable[Any], consumer: str, count: int
) -> Iterator[Span]:
    """A CONSUMER span, current while a batch of ``count`` records is handled: linked to the
    traces its records carry (one link per trace, at most :data:`MAX_LINKS`), and a child of
    that trace when they all carry one and the same (one request's events: its trace then
    reaches here); a new trace otherwise."""
    links: list[Link] = []
    traces: set[bytes] = set()
    parent: Context | None = None
    for record in records:
        traceparent = _traceparent(record)
        # one link per trace (its first record): the trace id is bytes 3..35 of the header
        if traceparent is None or traceparent[3:35] in traces:
            continue
        extracted = context_of(record)
        if extracted is None:
            continue
        if not traces:
            parent = extracted
        traces.add(traceparent[3:35])
        links.append(Link(trace.get_current_span(extracted).get_span_context()))
        if len(links) >= MAX_LINKS:
            break
    with active.start_as_current_span(
        name,
        context=parent if len(traces) == 1 else otel_context.Context(),
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.batch.message_count": count,
            "messaging.consumer.group.name": consumer,
        },
    ) as span:
        yield span


def _traceparent(record: Any) -> bytes | None:
    for name, value in _pairs(getattr(record, "headers", None)):
        if name == "traceparent" and value:
            return value if isinstance(value, bytes) else str(value).encode("latin-1")
    return None


# the HTTP edge ------------------------------------------------------------------------------


class ServerSpan:
    """The SERVER span of one HTTP request, current from its making to :meth:`end`."""

    __slots__ = ("_method", "_span", "_token")

    def __init__(self, active: Tracer, scope: Mapping[str, Any], request_id: str) -> None:
        self._method = str(scope.get("method", "GET"))
        self._span = active.start_span(
            self._method,
            context=context_of(scope.get("headers")) or otel_context.Context(),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": self._method, "wfa.request_id": request_id},
        )
        self._token = otel_context.attach(trace.set_span_in_context(self._span))

    def end(self, route: str, status: int) -> None:
        span = self._span
        span.update_name(f"{self._method} {route}")
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        otel_context.detach(self._token)
        span.end()
