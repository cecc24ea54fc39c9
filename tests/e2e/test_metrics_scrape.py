"""Every service's ``/metrics`` after some load: the figures move, no NIP shows, and one
request can be followed by its id from the API through Kafka to the projection's log.

It runs on the session's shared platform (eligibility, attendance, reporting, audit as real
processes on the real broker): a roster import, a policy and one WFA request, sent with an
``X-Request-ID`` of the test's own, are the load.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)

pytestmark = pytest.mark.e2e

WAIT_S = 180.0

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(service: ServiceProcess) -> Samples:
    """Every sample of ``service``'s ``/metrics`` (no token), by name and labels."""
    answer = httpx.get(f"{service.url}/metrics", timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def wait_for(service: ServiceProcess, moved: Callable[[Samples], bool], what: str) -> Samples:
    deadline = time.monotonic() + WAIT_S
    samples = scrape(service)
    while not moved(samples):
        if time.monotonic() > deadline:
            raise AssertionError(f"{service.name}: {what} did not move in {WAIT_S:.0f}s")
        time.sleep(0.5)
        samples = scrape(service)
    return samples


def test_every_service_scraped_after_load_shows_its_figures_move(
    shared_platform: SharedPlatform,
) -> None:
    services = shared_platform.procs
    before = {name: scrape(proc) for name, proc in services.items()}
    eligibility = services["eligibility"]

    opd = make_opd({"bidang-metrik": 2})
    import_roster(eligibility.url, opd)
    publish_policy(eligibility.url, opd)
    nip = opd.units[0].staff[0]
    request_id = f"metrics-{uuid.uuid4().hex}"
    submitted = httpx.post(
        f"{eligibility.url}/wfa/requests",
        json=request_body(next_weekdays(1)),
        headers={**asn(nip, opd), "X-Request-ID": request_id},
        timeout=60,
    )
    assert submitted.status_code == 202, submitted.text
    assert submitted.headers["x-request-id"] == request_id
    generated = httpx.get(f"{eligibility.url}/health", timeout=30).headers["x-request-id"]
    assert generated and generated != request_id
    for proc in services.values():  # counted whatever it answers
        httpx.get(f"{proc.url}/ready", timeout=30)

    def moved(name: str, metric: str, **labels: str) -> Callable[[Samples], bool]:
        return lambda now: total(now, metric, **labels) > total(before[name], metric, **labels)

    for name, proc in services.items():
        now = wait_for(proc, moved(name, "wfa_http_requests_total", route="/ready"), "requests")
        assert total(now, "wfa_service_info", service=name) == 1
        wait_for(  # a rebalance may take readiness away for a moment
            proc,
            lambda now: total(now, "wfa_ready") == 1 and total(now, "wfa_kafka_available") == 1,
            "readiness",
        )
        assert total(now, "wfa_http_request_duration_seconds_count", route="/ready") > 0
        wait_for(proc, moved(name, "wfa_events_consumed_total"), "events consumed")

    now = wait_for(
        eligibility,
        moved("eligibility", "wfa_http_requests_total", route="/wfa/requests", status="202"),
        "submissions",
    )
    now = wait_for(eligibility, moved("eligibility", "wfa_decisions_total"), "decisions")
    assert total(now, "wfa_events_produced_total") > total(
        before["eligibility"], "wfa_events_produced_total"
    )
    assert total(now, "wfa_decision_seconds_count") > 0
    assert ("wfa_decider_queue_depth", frozenset()) in now

    reporting = services["reporting"]
    now = wait_for(
        reporting,
        moved("reporting", "wfa_projector_batch_records_count", projector="reporting"),
        "projector batches",
    )
    assert total(now, "wfa_projector_batch_seconds_count", projector="reporting") > 0
    wait_for(
        reporting,
        moved("reporting", "wfa_projector_refresh_rounds_total", projector="reporting"),
        "refresh rounds",
    )
    assert any(n == "wfa_consumer_lag" and ("consumer", "reporting") in ls for n, ls in now)

    audit = services["audit"]
    now = wait_for(audit, moved("audit", "wfa_audit_sealed_blocks_total"), "sealed blocks")
    assert total(now, "wfa_audit_log_size") > 0

    for proc in services.values():
        body = httpx.get(f"{proc.url}/metrics", timeout=30).text
        assert nip not in body and opd.head not in body  # no personal data in a label

    # the request followed by its id: the decider's outcome carries it to reporting's log
    lines = _log_lines_naming(reporting, request_id)
    assert any(request_id in line.get("request_ids", []) for line in lines), lines


def _log_lines_naming(service: ServiceProcess, request_id: str) -> list[dict[str, Any]]:
    """The JSON log lines of ``service`` that name ``request_id``, once there is one."""
    deadline = time.monotonic() + WAIT_S
    while True:
        text = service.log_path.read_text(errors="replace")
        found = [json.loads(line) for line in text.splitlines() if request_id in line]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
