"""Traces across the edge and Kafka, in process, on the real broker.

The app is the services' own HTTP edge (:class:`~services.runtime.edge.telemetry.RequestTelemetry`)
in front of a route that publishes through the real :class:`EventPublisher`; the spans go to
the OpenTelemetry SDK's own ``InMemorySpanExporter``. A request's SERVER span and the
PRODUCER span of its record share one trace, and the record read back from Kafka carries that
trace in its ``traceparent`` header next to its ``request_id``. With tracing off (the default)
the record carries no trace header at all.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from schemas import KafkaRecord
from schemas.topics import TopicSpec
from services.runtime.edge.telemetry import install_telemetry
from services.runtime.kafka.broker import EventPublisher, ensure_topics, topic_partitions
from services.runtime.logs import REQUEST_ID_HEADER
from services.runtime.tracing import configure_tracing, shutdown_tracing

pytestmark = pytest.mark.integration

ROUTE = "/attendance/check-ins/{nip}"
NIP = "199001012015031001"
#: a caller's own trace (W3C example): the edge continues it
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_PARENT = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing("attendance", exporter=exporter)
    try:
        yield exporter
    finally:
        shutdown_tracing()


@pytest.fixture
async def topic(kafka_bootstrap: str) -> str:
    name = f"test.tracing.{uuid.uuid4().hex[:10]}"
    spec = TopicSpec(name=name, description="traces test", key="NIP", partitions=1)
    await ensure_topics([kafka_bootstrap], [spec], partitions=1, replication=1)
    await topic_partitions([kafka_bootstrap], [name])  # every partition has its leader
    return name


@pytest.fixture
async def publisher(kafka_bootstrap: str) -> AsyncIterator[EventPublisher]:
    publisher = EventPublisher([kafka_bootstrap], "test-tracing", publish_timeout_s=30)
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()


def _app(publisher: EventPublisher, topic: str) -> FastAPI:
    app = FastAPI()

    @app.post(ROUTE, status_code=202)
    async def check_in(nip: str) -> dict[str, str]:
        marker = uuid.uuid4().hex
        headers = [("content-type", b"application/json")]
        await publisher.send(KafkaRecord(topic, nip.encode(), marker.encode(), headers))
        return {"marker": marker}

    install_telemetry(app)
    return app


async def _check_in(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        response = await client.post(f"/attendance/check-ins/{NIP}", headers=headers or {})
    assert response.status_code == 202, response.text
    return response


async def _headers_of(bootstrap: str, topic: str, marker: str) -> dict[str, bytes]:
    """The headers of the record whose value is ``marker``, once it is read back."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                for message in messages:
                    if message.value == marker.encode():
                        return {name: bytes(value) for name, value in message.headers}
        raise AssertionError(f"record {marker} not read back from {topic}")
    finally:
        await consumer.stop()


def _one(spans: InMemorySpanExporter, kind: SpanKind) -> Any:
    found = [span for span in spans.get_finished_spans() if span.kind == kind]
    assert len(found) == 1, [(s.name, s.kind) for s in spans.get_finished_spans()]
    return found[0]


async def test_a_check_in_traces_the_edge_and_the_record_it_produces(
    spans: InMemorySpanExporter, publisher: EventPublisher, topic: str, kafka_bootstrap: str
) -> None:
    response = await _check_in(_app(publisher, topic))

    server = _one(spans, SpanKind.SERVER)
    producer = _one(spans, SpanKind.PRODUCER)
    assert server.name == f"POST {ROUTE}"  # the route's template: no NIP in a span's name
    assert server.attributes["http.route"] == ROUTE
    assert server.attributes["http.response.status_code"] == 202
    assert server.attributes["wfa.request_id"] == response.headers["x-request-id"]
    assert server.resource.attributes["service.name"] == "attendance"
    assert producer.name == f"publish {topic}"
    assert producer.context.trace_id == server.context.trace_id
    assert producer.parent.span_id == server.context.span_id
    assert producer.attributes["messaging.destination.name"] == topic
    assert producer.status.is_ok

    headers = await _headers_of(kafka_bootstrap, topic, response.json()["marker"])
    trace_id = format_trace_id(server.context.trace_id)
    span_id = format_span_id(producer.context.span_id)
    version, carried_trace, carried_span, _flags = headers["traceparent"].decode().split("-")
    assert (version, carried_trace, carried_span) == ("00", trace_id, span_id)
    assert headers[REQUEST_ID_HEADER].decode() == response.headers["x-request-id"]


async def test_the_edge_continues_the_callers_trace(
    spans: InMemorySpanExporter, publisher: EventPublisher, topic: str, kafka_bootstrap: str
) -> None:
    response = await _check_in(_app(publisher, topic), {"traceparent": CALLER_PARENT})

    server = _one(spans, SpanKind.SERVER)
    assert format_trace_id(server.context.trace_id) == CALLER_TRACE
    assert format_span_id(server.parent.span_id) == "00f067aa0ba902b7"
    headers = await _headers_of(kafka_bootstrap, topic, response.json()["marker"])
    assert headers["traceparent"].decode().split("-")[1] == CALLER_TRACE


async def test_with_tracing_off_no_trace_header_is_added(
    publisher: EventPublisher, topic: str, kafka_bootstrap: str
) -> None:
    shutdown_tracing()  # the default: off
    response = await _check_in(_app(publisher, topic), {"traceparent": CALLER_PARENT})

    headers = await _headers_of(kafka_bootstrap, topic, response.json()["marker"])
    assert "traceparent" not in headers and "tracestate" not in headers, headers
    assert headers[REQUEST_ID_HEADER].decode() == response.headers["x-request-id"]


async def test_records_sent_together_each_carry_their_own_producer_span(
    spans: InMemorySpanExporter, publisher: EventPublisher, topic: str, kafka_bootstrap: str
) -> None:
    markers = [uuid.uuid4().hex for _ in range(3)]
    records = [KafkaRecord(topic, NIP.encode(), m.encode(), []) for m in markers]
    await publisher.send_many(records)

    producers = [s for s in spans.get_finished_spans() if s.kind == SpanKind.PRODUCER]
    assert len(producers) == 3
    read = await asyncio.gather(*(_headers_of(kafka_bootstrap, topic, m) for m in markers))
    carried = {headers["traceparent"].decode().split("-")[2] for headers in read}
    assert carried == {format_span_id(s.context.span_id) for s in producers}
    assert all(not r.headers for r in records), "the caller's records are left as they were"
