"""The trace contexts a consumer reads from its records, without I/O.

The spans go to the OpenTelemetry SDK's own ``InMemorySpanExporter``; the records are plain
objects with the headers aiokafka and faust hand over (a list of ``(name, bytes)``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from services.runtime import tracing
from services.runtime.settings import Settings

TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACE_B = "0af7651916cd43dd8448eb211c80319c"
SPAN = "00f067aa0ba902b7"


@dataclass
class Record:
    topic: str = "wfa.requests.v1"
    partition: int = 0
    offset: int = 7
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def _carrying(trace_id: str, span_id: str = SPAN) -> Record:
    traceparent = f"00-{trace_id}-{span_id}-01".encode()
    return Record(headers=[("request_id", b"r-1"), ("traceparent", traceparent)])


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("eligibility", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown_tracing()


def test_tracing_is_off_by_default() -> None:
    assert Settings().tracing == "off"  # type: ignore[call-arg]
    tracing.configure_tracing("eligibility", "off")
    assert tracing.tracer() is None
    with pytest.raises(ValueError, match="TRACING"):
        tracing.configure_tracing("eligibility", "jaeger")


def test_a_record_span_is_a_child_of_the_context_the_record_carries(
    spans: InMemorySpanExporter,
) -> None:
    active = tracing.tracer()
    assert active is not None
    with tracing.record_span(active, "eligibility-decider", _carrying(TRACE_A), "wfa-eligibility"):
        outcome = tracing.inject([("request_id", b"r-1")])
    (span,) = spans.get_finished_spans()
    assert span.kind == SpanKind.CONSUMER
    assert format_trace_id(span.context.trace_id) == TRACE_A
    assert span.parent is not None and format_span_id(span.parent.span_id) == SPAN
    assert dict(span.attributes or {})["messaging.kafka.offset"] == 7
    # what the handler queues carries the handler's span, next to the request id
    names = [name for name, _ in outcome]
    assert names[0] == "request_id" and "traceparent" in names
    carried = dict(outcome)["traceparent"].decode().split("-")
    assert carried[1:3] == [TRACE_A, format_span_id(span.context.span_id)]


def test_a_record_without_a_context_starts_a_trace(spans: InMemorySpanExporter) -> None:
    active = tracing.tracer()
    assert active is not None
    with tracing.record_span(active, "eligibility-decider", Record(), "wfa-eligibility"):
        pass
    (span,) = spans.get_finished_spans()
    assert span.parent is None


def test_a_batch_of_one_trace_continues_it_and_links_it(spans: InMemorySpanExporter) -> None:
    active = tracing.tracer()
    assert active is not None
    batch = [_carrying(TRACE_A), Record(), _carrying(TRACE_A, "1111111111111111")]
    with tracing.batch_span(active, "projector requests", batch, "wfa-reporting", len(batch)):
        pass
    (span,) = spans.get_finished_spans()
    assert format_trace_id(span.context.trace_id) == TRACE_A
    assert [format_trace_id(link.context.trace_id) for link in span.links] == [TRACE_A]
    assert dict(span.attributes or {})["messaging.batch.message_count"] == 3


def test_a_batch_of_several_traces_is_linked_to_each(spans: InMemorySpanExporter) -> None:
    active = tracing.tracer()
    assert active is not None
    batch = [_carrying(TRACE_A), _carrying(TRACE_B), _carrying(TRACE_A)]
    with tracing.batch_span(active, "projector requests", batch, "wfa-reporting", len(batch)):
        pass
    (span,) = spans.get_finished_spans()
    assert span.parent is None
    assert format_trace_id(span.context.trace_id) not in (TRACE_A, TRACE_B)
    linked = [format_trace_id(link.context.trace_id) for link in span.links]
    assert linked == [TRACE_A, TRACE_B]


def test_contexts_are_read_from_mappings_and_asgi_headers() -> None:
    traceparent = f"00-{TRACE_A}-{SPAN}-01"
    for carrier in (
        {"traceparent": traceparent.encode()},
        [(b"traceparent", traceparent.encode())],
        Record(headers=[("traceparent", traceparent.encode())]),
    ):
        context = tracing.span_context_of(carrier)
        assert context is not None and format_trace_id(context.trace_id) == TRACE_A
    assert tracing.span_context_of(Record(headers=[("traceparent", b"garbage")])) is None
    assert tracing.context_of(Record()) is None


def test_inject_replaces_a_context_already_carried(spans: InMemorySpanExporter) -> None:
    active = tracing.tracer()
    assert active is not None
    span = active.start_span("publish wfa.requests.v1")
    headers = tracing.headers_of(span, _carrying(TRACE_A).headers)
    span.end()
    assert [name for name, _ in headers].count("traceparent") == 1
    assert dict(headers)["traceparent"].decode().split("-")[2] == format_span_id(
        span.get_span_context().span_id
    )


def test_console_writes_each_span_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    tracing.configure_tracing("attendance", "console")
    try:
        active = tracing.tracer()
        assert active is not None
        with (
            caplog.at_level(logging.INFO, logger=tracing.__name__),
            active.start_as_current_span("POST /attendance/check-ins"),
        ):
            pass
    finally:
        tracing.shutdown_tracing()
    lines = [r for r in caplog.records if r.getMessage() == "span POST /attendance/check-ins"]
    assert len(lines) == 1
    line = lines[0].__dict__
    assert len(line["trace_id"]) == 32 and line["kind"] == "INTERNAL"
    assert line["parent_id"] is None and line["duration_ms"] >= 0
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing left current


def test_the_gateway_passes_its_trace_on_only_while_tracing_is_on(
    spans: InMemorySpanExporter,
) -> None:
    active = tracing.tracer()
    assert active is not None
    with active.start_as_current_span("GET /wfa/requests") as span:
        headers = tracing.inject_http({"x-request-id": "r-1"})
    trace_id = format_trace_id(span.get_span_context().trace_id)
    assert headers["traceparent"].split("-")[1] == trace_id
    tracing.shutdown_tracing()
    assert tracing.inject_http({"x-request-id": "r-1"}) == {"x-request-id": "r-1"}
