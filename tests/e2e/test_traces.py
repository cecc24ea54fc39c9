"""One WFA request's trace, from the API through Kafka to the decision and the projection.

Eligibility and reporting run as real processes on the real broker with ``TRACING=console``:
each span is a JSON line of the service's log. The request's edge span (found by the test's
own ``X-Request-ID``) starts a trace that the command's PRODUCER span, the decider's CONSUMER
span, the outcome's PRODUCER span and reporting's projector span all belong to (the
projector's by parent or by link), and the ``WfaRequested`` record on Kafka carries that trace
in its ``traceparent`` header.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER
from services.runtime.logs import REQUEST_ID_HEADER
from tests.support.processes import ServiceProcess, running_services
from tests.support.province import (
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)
from tests.support.week_driver import start_at_end

pytestmark = pytest.mark.e2e

WAIT_S = 180.0
Span = dict[str, Any]


@pytest.fixture(scope="module")
def traced(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    suffix = f"traces-{uuid.uuid4().hex[:8]}"
    # reporting's projector starts at the log's end: it projects the test's request, not the
    # session's whole history (which it would read before it is ready)
    start_at_end(
        kafka_bootstrap,
        f"wfa-reporting-{suffix}.reporting-projector",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
    )
    with running_services(
        kafka_bootstrap,
        tmp_path_factory.mktemp("traces"),
        names=("eligibility", "reporting"),
        group_suffix=suffix,
        extra_env={"TRACING": "console", "LOG_FORMAT": "json"},
    ) as procs:
        yield procs


def _spans(service: ServiceProcess) -> list[Span]:
    spans = []
    for line in service.log_path.read_text(errors="replace").splitlines():
        if '"span_name"' not in line:
            continue
        try:
            spans.append(json.loads(line))
        except ValueError:
            continue  # a line being written
    return spans


def _wait_span(service: ServiceProcess, wanted: Callable[[Span], bool], what: str) -> Span:
    deadline = time.monotonic() + WAIT_S
    while True:
        found = [span for span in _spans(service) if wanted(span)]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            names = sorted({s["span_name"] for s in _spans(service)})
            raise AssertionError(f"{service.name}: no span {what} in {WAIT_S:.0f}s; {names}")
        time.sleep(0.5)


async def _traceparent_of_request(bootstrap: str, request_id: str) -> str:
    """The ``traceparent`` of the record on the requests topic produced for ``request_id``."""
    consumer = AIOKafkaConsumer(
        REQUESTS, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    deadline = time.monotonic() + WAIT_S
    try:
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for messages in batch.values():
                for message in messages:
                    headers = {name: bytes(value) for name, value in message.headers}
                    if headers.get(REQUEST_ID_HEADER) == request_id.encode():
                        return headers["traceparent"].decode()
        raise AssertionError(f"no record of request {request_id} on {REQUESTS}")
    finally:
        await consumer.stop()


def test_one_requests_trace_goes_from_the_api_to_the_projection(
    traced: dict[str, ServiceProcess], kafka_bootstrap: str
) -> None:
    eligibility, reporting = traced["eligibility"], traced["reporting"]
    opd = make_opd({"bidang-jejak": 2})
    import_roster(eligibility.url, opd)
    publish_policy(eligibility.url, opd)
    request_id = f"trace-{uuid.uuid4().hex}"
    submitted = httpx.post(
        f"{eligibility.url}/wfa/requests",
        json=request_body(next_weekdays(1)),
        headers={**asn(opd.units[0].staff[0], opd), "X-Request-ID": request_id},
        timeout=60,
    )
    assert submitted.status_code == 202, submitted.text

    edge = _wait_span(
        eligibility,
        lambda s: s["attributes"].get("wfa.request_id") == request_id,
        "of the request",
    )
    assert edge["span_name"] == "POST /wfa/requests" and edge["kind"] == "SERVER"
    assert edge["attributes"]["http.response.status_code"] == 202
    trace_id = edge["trace_id"]

    def in_trace(name: str, kind: str) -> Callable[[Span], bool]:
        return lambda s: s["trace_id"] == trace_id and s["span_name"] == name and s["kind"] == kind

    command = _wait_span(
        eligibility,
        lambda s: (
            s["trace_id"] == trace_id
            and s["kind"] == "PRODUCER"
            and s["span_name"].endswith(".commands.v1")
        ),
        "publishing the command",
    )
    assert command["parent_id"] == edge["span_id"]
    decider = _wait_span(eligibility, in_trace("eligibility-decider", "CONSUMER"), "deciding")
    assert decider["parent_id"] == command["span_id"]
    outcome = _wait_span(eligibility, in_trace(f"publish {REQUESTS}", "PRODUCER"), "of outcome")
    assert outcome["parent_id"] == decider["span_id"]

    traceparent = asyncio.run(_traceparent_of_request(kafka_bootstrap, request_id))
    assert traceparent.split("-")[1:3] == [trace_id, outcome["span_id"]]

    projected = _wait_span(
        reporting,
        lambda s: (
            s["span_name"].startswith("projector")
            and (s["trace_id"] == trace_id or trace_id in s["links"])
        ),
        "projecting the outcome",
    )
    assert projected["kind"] == "CONSUMER"
