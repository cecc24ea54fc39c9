"""Every Prometheus metric of the platform, defined once (a leaf of the runtime).

Each service process answers them on ``GET /metrics`` (no token: nothing in them names a
person; no label ever carries a NIP, an id or a raw path, only route templates, topics,
partitions, consumer and component names). The Grafana dashboards under ``deploy/grafana``
use only these names, which ``tests/unit/test_metrics_dashboards.py`` checks.

One process is one service, so no metric has a ``service`` label: Prometheus adds the
scrape's ``job`` and ``instance``; :data:`SERVICE_INFO` names the service as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["CONTENT_TYPE_LATEST", "REGISTRY"]

#: seconds: from a fast read (1 ms) to a publish that waited for an absent broker (10 s)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
#: records in one projector batch (the default batch closes at 5000)
BATCH_BUCKETS = (1, 5, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 50000)

# the service ---------------------------------------------------------------------------------

SERVICE_INFO = Gauge("wfa_service_info", "The service this process runs (always 1)", ["service"])
READY = Gauge("wfa_ready", "1 while the service answers /ready with 200, else 0")
KAFKA_AVAILABLE = Gauge(
    "wfa_kafka_available", "1 while the event publisher's circuit is closed (Kafka answers)"
)

# HTTP ----------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "wfa_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "wfa_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

# Kafka ---------------------------------------------------------------------------------------

EVENTS_PRODUCED = Counter(
    "wfa_events_produced", "Records acknowledged by Kafka, by topic", ["topic"]
)
EVENTS_REFUSED = Counter(
    "wfa_events_refused",
    "Records Kafka did not acknowledge in time (the caller answered 503), by topic",
    ["topic"],
)
EVENTS_CONSUMED = Counter(
    "wfa_events_consumed",
    "Records read by a consumer, by consumer and topic",
    ["consumer", "topic"],
)
CONSUMER_LAG = Gauge(
    "wfa_consumer_lag",
    "Records of a partition not yet read by a consumer (end offset minus position)",
    ["consumer", "topic", "partition"],
)
DEAD_LETTERS = Counter(
    "wfa_dead_letters",
    "Records a consumer could not read and parked on the dead-letter topic",
    ["consumer"],
)

# projections ---------------------------------------------------------------------------------

PROJECTOR_BATCH_RECORDS = Histogram(
    "wfa_projector_batch_records",
    "Records in one projector batch",
    ["projector"],
    buckets=BATCH_BUCKETS,
)
PROJECTOR_BATCH_SECONDS = Histogram(
    "wfa_projector_batch_seconds",
    "Time to decode, map and write one projector batch",
    ["projector"],
    buckets=LATENCY_BUCKETS,
)
PROJECTOR_REFRESH_ROUNDS = Counter(
    "wfa_projector_refresh_rounds",
    "Rounds of derived rows computed again after written batches, by projector",
    ["projector"],
)
PROJECTOR_REFRESH_SECONDS = Histogram(
    "wfa_projector_refresh_seconds",
    "Time of one refresh round (after-write step and commit)",
    ["projector"],
    buckets=LATENCY_BUCKETS,
)

# the decider (eligibility) -------------------------------------------------------------------

DECIDER_QUEUE = Gauge(
    "wfa_decider_queue_depth",
    "Commands of WFA requests published and not yet decided by this process",
)
DECISIONS = Counter("wfa_decisions", "Commands decided by the decider")
DECISION_SECONDS = Histogram(
    "wfa_decision_seconds",
    "Time to decide one batch of commands and publish its outcomes",
    buckets=LATENCY_BUCKETS,
)
DECIDER_BATCH_COMMANDS = Histogram(
    "wfa_decider_batch_commands",
    "Commands in one batch of the decider",
    buckets=BATCH_BUCKETS,
)

# audit ---------------------------------------------------------------------------------------

SEALED_BLOCKS = Counter("wfa_audit_sealed_blocks", "Blocks of the audit log sealed")
SEALED_EVENTS = Counter("wfa_audit_sealed_events", "Events sealed into blocks of the audit log")
AUDIT_LOG_SIZE = Gauge("wfa_audit_log_size", "Leaves of the audit log sealed so far")
VERIFY_RUNS = Counter("wfa_audit_verify_runs", "Verifications of the sealed log started")
VERIFY_CHECKED = Counter(
    "wfa_audit_verify_checked_events", "Sealed events a verification has checked again"
)
VERIFY_PROGRESS = Gauge(
    "wfa_audit_verify_progress", "Share of the log the running verification has checked (0..1)"
)


# exposing them -------------------------------------------------------------------------------


def set_probe(gauge: Gauge, probe: Callable[[], float]) -> None:
    """``gauge`` answers ``probe()`` whenever it is scraped (the latest app of the process)."""
    gauge.set_function(lambda: _safe(probe))


def _safe(probe: Callable[[], float]) -> float:
    try:
        return float(probe())
    except Exception:
        return 0.0


def defined_names(registry: CollectorRegistry = REGISTRY) -> set[str]:
    """Every series name the registry can answer (``_total``, ``_bucket``, ``_sum``, ``_count``,
    ``_created`` included): what a dashboard's query may name."""
    names: set[str] = set()
    for metric in registry.collect():
        names.add(metric.name)
        kind = metric.type
        if kind == "counter":
            names |= {f"{metric.name}_total", f"{metric.name}_created"}
        elif kind == "histogram":
            suffixes = ("_bucket", "_sum", "_count", "_created")
            names |= {metric.name + suffix for suffix in suffixes}
        elif kind == "summary":
            names |= {metric.name + suffix for suffix in ("_sum", "_count", "_created")}
        elif kind == "info":
            names.add(f"{metric.name}_info")
        for sample in metric.samples:
            names.add(sample.name)
    return names


def exposition() -> tuple[bytes, str]:
    """The body and content type of ``GET /metrics``."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def count_consumed(consumer: str, records: dict[tuple[str, int], int]) -> None:
    """Add ``records`` (per topic and partition) to what ``consumer`` read."""
    per_topic: dict[str, int] = {}
    for (topic, _partition), count in records.items():
        per_topic[topic] = per_topic.get(topic, 0) + count
    for topic, count in per_topic.items():
        EVENTS_CONSUMED.labels(consumer, topic).inc(count)


def set_lag(consumer: str, lag: dict[tuple[str, int], int]) -> None:
    """The lag of each of ``consumer``'s partitions."""
    for (topic, partition), value in lag.items():
        CONSUMER_LAG.labels(consumer, topic, str(partition)).set(value)


def observe_lag(consumer: str, reader: Any, positions: Mapping[Any, int]) -> None:
    """``consumer``'s lag per partition: the end offset ``reader`` (an aiokafka consumer) last
    fetched (its highwater), less the position given for the partition (next offset to apply,
    or written)."""
    lag: dict[tuple[str, int], int] = {}
    for tp, position in positions.items():
        end = reader.highwater(tp)
        if end is not None:
            lag[(tp.topic, tp.partition)] = max(0, end - position)
    set_lag(consumer, lag)
