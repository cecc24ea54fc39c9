"""The observability surface without I/O: the Grafana dashboards name only metrics the registry
defines (and use every one of ours), ``/metrics`` answers on every app without a token and
labels routes by template, and the request id reaches the logs and the produced records."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from schemas import KafkaRecord
from services.detector.main import DEFINITION as DETECTOR
from services.runtime import metrics
from services.runtime.edge.telemetry import install_telemetry
from services.runtime.hosting.app import create_service
from services.runtime.kafka.broker import with_request_id
from services.runtime.logs import (
    REQUEST_ID_HEADER,
    accepted_request_id,
    bound_request_id,
    configure_logging,
    request_ids_of,
)
from services.runtime.settings import Settings
from services.web.main import create_app as create_web
from services.web.settings import WebSettings

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
NIP = "199001012020011001"

#: words of PromQL that are not metric names
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "le", "inf", "nan",
}  # fmt: skip


def dashboards() -> list[Path]:
    found = sorted(GRAFANA.glob("*.json"))
    assert found, f"no dashboard under {GRAFANA}"
    return found


def queries(node: Any) -> Iterator[str]:
    """Every PromQL text of a dashboard: the panels' ``expr`` and the query variables' queries
    (a datasource variable's query is the datasource's type, not PromQL)."""
    if isinstance(node, dict):
        if node.get("type") == "datasource" and "name" in node:
            return
        for key, value in node.items():
            if key in ("expr", "query", "definition") and isinstance(value, str):
                yield value
            else:
                yield from queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from queries(item)


def metric_names(promql: str) -> set[str]:
    """The metric names a PromQL text reads (label matchers, groupings, ranges, strings,
    variables and function names left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", promql)  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # dashboard variables
    text = re.sub(r"label_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)", r" \1 ", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][\w:]*", text):
        word = match.group(0)
        following = text[match.end() :].lstrip()
        if following.startswith("(") or word.lower() in PROMQL_WORDS:
            continue  # a function, or a keyword
        if re.fullmatch(r"\d+[smhdwy]?", word):
            continue
        names.add(word)
    return names


def test_the_name_extractor_reads_what_a_query_names() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (job, route, le) "
        '(rate(wfa_http_request_duration_seconds_bucket{job=~"$job",route!="x"}[5m]))) '
        "/ on (job) group_left max by (job) (wfa_ready)"
    )
    assert metric_names(expr) == {"wfa_http_request_duration_seconds_bucket", "wfa_ready"}
    assert metric_names("label_values(wfa_service_info, job)") == {"wfa_service_info"}


@pytest.mark.parametrize("path", dashboards(), ids=lambda p: p.name)
def test_every_dashboard_query_names_only_metrics_the_registry_defines(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    defined = metrics.defined_names()
    texts = list(queries(dashboard))
    assert texts
    for text in texts:
        names = metric_names(text)
        assert names, text
        unknown = names - defined
        assert not unknown, f"{path.name}: {text!r} names {sorted(unknown)}, not defined"


def test_the_dashboards_show_every_metric_of_the_platform() -> None:
    used = {
        name
        for path in dashboards()
        for text in queries(json.loads(path.read_text()))
        for name in metric_names(text)
    }
    families = {
        family.name
        for family in metrics.REGISTRY.collect()
        if family.name.startswith("wfa_") and family.name != "wfa_service_info_created"
    }
    shown = {
        family
        for family in families
        if any(name == family or name.startswith(family + "_") for name in used)
    }
    assert families - shown == set()


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_service_and_the_gateway_answer_metrics_without_a_token() -> None:
    settings = Settings(SERVICE_NAME="detector", WFA_ENV="test")  # type: ignore[call-arg]
    detector = TestClient(create_service(DETECTOR, settings))  # not booted: no lifespan
    answer = detector.get("/metrics")
    assert answer.status_code == 200 and answer.text.startswith("# HELP")
    assert ("wfa_service_info", frozenset({("service", "detector")})) in _samples(answer.text)
    assert "/metrics" not in detector.get("/openapi.json").json()["paths"]

    web = TestClient(create_web(WebSettings()))
    assert web.get("/health").status_code == 200
    answer = web.get("/metrics")
    assert answer.status_code == 200
    samples = _samples(answer.text)
    assert ("wfa_service_info", frozenset({("service", "web")})) in samples
    assert answer.headers["x-request-id"]


def test_requests_are_counted_by_route_template_never_by_path() -> None:
    app = FastAPI()

    @app.get("/employees/{nip}")
    async def employee(nip: str) -> dict[str, str]:
        return {"nip": nip}

    install_telemetry(app)
    client = TestClient(app)
    key = ("GET", "/employees/{nip}", "200")
    before = metrics.HTTP_REQUESTS.labels(*key)._value.get()
    assert client.get(f"/employees/{NIP}").status_code == 200
    assert client.get(f"/nothing/{NIP}").status_code == 404
    assert metrics.HTTP_REQUESTS.labels(*key)._value.get() == before + 1
    text = client.get("/metrics").text
    assert NIP not in text
    assert 'route="<unmatched>",status="404"' in text


def test_the_request_id_is_taken_when_plain_and_answered() -> None:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {}

    install_telemetry(app)
    client = TestClient(app)
    assert client.get("/ping", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    taken = client.get("/ping", headers={"X-Correlation-ID": "corr:2"}).headers["x-request-id"]
    assert taken == "corr:2"
    made = client.get("/ping", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert made and made != "bad id\n" and accepted_request_id(made) == made
    assert accepted_request_id("x" * 129) is None


def test_a_produced_record_carries_the_request_id_and_a_projector_reads_it() -> None:
    record = KafkaRecord("wfa.requests.v1", b"k", b"{}", [("event_type", b"X")])
    assert with_request_id(record) is record  # no request: unchanged
    with bound_request_id("req-7"):
        tagged = with_request_id(record)
    assert tagged.header(REQUEST_ID_HEADER) == b"req-7"
    assert with_request_id(tagged) is tagged

    class Consumed:
        def __init__(self, headers: list[tuple[str, bytes]]) -> None:
            self.headers = headers

    assert request_ids_of([Consumed(tagged.headers), Consumed([]), Consumed(tagged.headers)]) == [
        "req-7"
    ]


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_log_lines_are_json_with_the_request_id(
    restored_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("reporting", "json")
    with bound_request_id("req-42"):
        logging.getLogger("wfa.test").info("projected %d rows", 3, extra={"rows": 3})
    logging.getLogger("wfa.test").warning("outside")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines()[-2:])
    assert first["event"] == "projected 3 rows" and first["rows"] == 3
    assert first["request_id"] == "req-42" and first["service"] == "reporting"
    assert first["level"] == "info" and first["logger"] == "wfa.test" and first["timestamp"]
    assert "request_id" not in second and second["level"] == "warning"

    console = io.StringIO()
    monkeypatch.setattr("sys.stderr", console)
    configure_logging("reporting", "console")
    logging.getLogger("wfa.test").info("readable")
    assert "readable" in console.getvalue() and not console.getvalue().startswith("{")
