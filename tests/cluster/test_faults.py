"""Faults injected under load on a real three-broker cluster (replication 3,
min.insync.replicas 2), with eligibility, attendance and reporting as real processes.

A background load sends check-ins (each carries its own device id as a marker) all along; each
fault is a phase of it:

* one broker of three killed, then a second one, then both restarted: writes go on while two
  are up; with one left a write cannot have its two in-sync replicas, so it is refused (503
  ``kafka_unavailable``) within the publish timeout, and writes are accepted again once the two
  are back;
* all three killed for 30 s: every write is refused within the publish timeout, and accepted
  again after the restart, without a restart of the services;
* reporting SIGKILLed while it projects the load, the decider (eligibility) SIGKILLed during a
  burst of WFA requests; both start again on their own data;
* a rebalance: a second instance of reporting, audit, the detector and the decider
  (eligibility) joins its service's group and leaves it during the load, while a burst of WFA
  requests is sent and anomalies are planted. With embedded chDB each reporting instance
  projects into a database of its own: the fact rows of both (each instance's partitions, as
  one table would hold them on a shared ClickHouse server) equal a clean rebuild's. Audit's
  first instance reads each partition it gets back from where its own archive stopped, so
  its ``verify`` (with Kafka) is clean, without a gap, and its log holds every archived record;
  every planted anomaly is flagged under one id; every request of the burst has one decision.

Afterwards every check-in answered 201 is on the attendance topic exactly once (none lost),
reporting's projections equal a clean rebuild (the replay tool's diff is empty), and every WFA
request of the burst has its decision. For each fault the writes accepted, refused and lost
and the time to recover are printed (``-s``) and written to ``var/cluster/faults.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from schemas import Envelope
from schemas.topics import ATTENDANCE, LOCATIONS, REQUESTS
from services.audit.domain.archive import archived_topics
from services.detector.restricted import day_cell_topic
from services.eligibility.domain.requests import request_id_for
from services.runtime.edge.identity import Role
from services.runtime.kafka.broker import topic_partitions
from services.runtime.projection.digest import row_differences
from services.runtime.store.base import Row
from tests.support.cluster import LocalCluster, own_kafka_cluster
from tests.support.event_log import read_events, wait_caught_up
from tests.support.infra import REPO
from tests.support.presence_events import pinged_position
from tests.support.processes import ServiceProcess, start_service, stop_all, wait_ready
from tests.support.province import (
    Opd,
    asn,
    import_roster,
    make_opd,
    new_nip,
    next_weekdays,
    publish_policy,
    request_body,
)
from tests.support.seeding import publish
from tests.support.store_rows import StoredTable, merged, read_store
from tests.support.tokens import bearer
from tests.support.week_driver import start_at_end

pytestmark = pytest.mark.e2e

PUBLISH_TIMEOUT_S = 5.0
#: a refusal comes within the publish timeout; a loaded 2-core machine adds scheduling delays
REFUSED_WITHIN_S = PUBLISH_TIMEOUT_S + 10.0
#: how long a fault may take to heal before the test gives up (never asserted as a speed)
RECOVERY_LIMIT_S = 180.0
OUTAGE_S = 30.0
#: how long a service started (or given partitions back) may take to read what it holds, on a
#: machine shared with other suites (never asserted as a speed)
CATCH_UP_LIMIT_S = 600.0
ENV = {
    "TOPIC_REPLICATION": "3",
    "KAFKA_PUBLISH_TIMEOUT_S": str(PUBLISH_TIMEOUT_S),
    # each check-in carries its own device id as a marker; binding is tested elsewhere
    "ATTENDANCE_REQUIRE_REGISTERED_DEVICE": "false",
    # audit seals a block half a second after its first event (verify sees what is archived)
    "AUDIT_SEAL_SECONDS": "0.5",
}
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=1.0)
SUMMARY = REPO / "var" / "cluster" / "faults.json"
FAULTS: dict[str, dict[str, Any]] = {}


@dataclass
class Answer:
    marker: str
    phase: str
    sent: float
    status: int
    elapsed: float
    code: str | None


@dataclass
class Load:
    """Check-ins sent by a few concurrent clients in a thread of their own, until stopped."""

    url: str
    opd: Opd
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    phase: str = "steady"
    answers: list[Answer] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    rounds: int = 0
    """How many times the load was started: part of each marker, which stays unique."""

    def start(self) -> None:
        self.rounds += 1
        self.stop_event.clear()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._drive()), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=120)

    def of(self, phase: str) -> list[Answer]:
        return [a for a in list(self.answers) if a.phase == phase]

    def wait_for(self, test: Callable[[list[Answer]], bool], what: str) -> float:
        """Poll until ``test`` holds for the answers so far; the time it took."""
        started = time.monotonic()
        while not test(list(self.answers)):
            assert self.thread is not None and self.thread.is_alive(), "the load stopped"
            assert time.monotonic() - started < RECOVERY_LIMIT_S, f"{what}: still not so"
            time.sleep(0.2)
        return time.monotonic() - started

    async def _drive(self) -> None:
        staff = [nip for unit in self.opd.units for nip in unit.staff]
        counter = 0

        async def worker(client: httpx.AsyncClient, n: int) -> None:
            nonlocal counter
            while not self.stop_event.is_set():
                counter += 1
                marker, phase = f"{self.run}-{self.rounds}-{n}-{counter}", self.phase
                body = {
                    "location": {"lat": -6.18, "lon": 106.82, "address": "Balai Kota"},
                    "mode": "office",
                    "device_id": marker,
                }
                sent = time.monotonic()
                try:
                    response = await client.post(
                        f"{self.url}/attendance/check-ins",
                        json=body,
                        headers=asn(staff[counter % len(staff)], self.opd),
                    )
                    status = response.status_code
                    error = response.json().get("error") if status >= 400 else None
                    code = error.get("code") if isinstance(error, dict) else None
                except httpx.HTTPError as exc:
                    status, code = 0, type(exc).__name__
                self.answers.append(
                    Answer(marker, phase, sent, status, time.monotonic() - sent, code)
                )
                await asyncio.sleep(0.1 if status == 201 else 0.3)

        async with httpx.AsyncClient(timeout=120, limits=CLIENT_LIMITS) as client:
            await asyncio.gather(*(worker(client, n) for n in range(4)))


def accepted_after(moment: float) -> Callable[[list[Answer]], bool]:
    return lambda answers: any(a.status == 201 and a.sent >= moment for a in answers)


def first_accepted_after(load: Load, moment: float) -> float:
    """Seconds from ``moment`` to the answer of the first check-in accepted after it."""
    done = [a.sent + a.elapsed for a in load.answers if a.status == 201 and a.sent >= moment]
    return round(min(done) - moment, 1)


def after_ready(load: Load, restarted: float, ready: float) -> float:
    """Seconds from the nodes being ready (``kafka.sh`` returned) to the first write accepted
    (0 when one was accepted before every node answered)."""
    return max(0.0, round(first_accepted_after(load, restarted) - (ready - restarted), 1))


def record(load: Load, fault: str, phases: tuple[str, ...], **figures: Any) -> None:
    answers = [a for a in load.answers if a.phase in phases]
    for answer in answers:  # while a write may be refused, it is refused as documented
        assert answer.status in (201, 503), answer
        if answer.status == 503:
            assert answer.code == "kafka_unavailable", answer
    refused = [a for a in answers if a.status == 503]
    FAULTS[fault] = {
        "phases": list(phases),
        "writes_accepted": sum(a.status == 201 for a in answers),
        "writes_refused": len(refused),
        "slowest_refusal_s": round(max((a.elapsed for a in refused), default=0.0), 1),
        **figures,
    }
    write_summary()


def write_summary() -> None:
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(FAULTS, indent=2) + "\n")


# fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with own_kafka_cluster() as own:
        yield own


@dataclass
class Platform:
    cluster: LocalCluster
    data_dir: Path
    suffix: str
    procs: dict[str, ServiceProcess]

    def launch(self, name: str, instance: str = "") -> ServiceProcess:
        """``name`` on its own data (the same after a restart), in the platform's group."""
        return start_service(
            name,
            kafka_bootstrap=self.cluster.bootstrap,
            data_dir=self.data_dir,
            group_suffix=self.suffix,
            extra_env={**ENV, "WFA_DATA_DIR": str(self.data_dir / f"{name}{instance}")},
        )

    def start(self, name: str, instance: str = "") -> ServiceProcess:
        proc = self.launch(name, instance)
        wait_ready([proc], timeout=240)
        return proc

    def restart(self, name: str) -> ServiceProcess:
        self.procs[name] = self.start(name)
        return self.procs[name]


@pytest.fixture(scope="module")
def platform(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    platform = Platform(cluster, tmp_path_factory.mktemp("cluster"), uuid.uuid4().hex[:8], {})
    try:
        for name in ("eligibility", "attendance", "reporting"):
            platform.procs[name] = platform.launch(name)
        wait_ready(list(platform.procs.values()), timeout=240)
        yield platform
    finally:
        stop_all(list(platform.procs.values()))


@pytest.fixture(scope="module")
def opd(platform: Platform) -> Opd:
    opd = make_opd({"bidang-umum": 12, "bidang-data": 30})
    import_roster(platform.procs["eligibility"].url, opd)
    publish_policy(platform.procs["eligibility"].url, opd)
    return opd


@pytest.fixture(scope="module")
def load(platform: Platform, opd: Opd) -> Iterator[Load]:
    load = Load(platform.procs["attendance"].url, opd)
    load.start()
    load.wait_for(lambda answers: sum(a.status == 201 for a in answers) >= 20, "warm up")
    try:
        yield load
    finally:
        load.stop()


# the faults ---------------------------------------------------------------------------------


def test_one_broker_then_a_second_killed_then_both_restarted(
    cluster: LocalCluster, load: Load
) -> None:
    # the services declared their topics with three replicas, a write needing two of them
    replicas, min_insync = _replication(cluster.bootstrap, ATTENDANCE)
    assert replicas == {3} and min_insync == "2", (replicas, min_insync)
    load.phase = "one_killed"
    killed = time.monotonic()
    cluster.kill(1)
    load.wait_for(accepted_after(killed + 1), "a write accepted with two brokers up")
    failover = first_accepted_after(load, killed)
    # writes go on with two brokers up: wait for a good number of them
    load.wait_for(
        lambda answers: sum(a.status == 201 and a.sent > killed for a in answers) >= 50,
        "writes accepted with two brokers up",
    )

    load.phase = "two_killed"
    second = time.monotonic()
    cluster.kill(2)
    # one broker left: a write cannot have two in-sync replicas; refused within the timeout
    load.wait_for(
        lambda answers: sum(a.status == 503 and a.sent > second for a in answers) >= 6,
        "writes refused with one broker up",
    )
    late = [a for a in load.of("two_killed") if a.sent > second + 3 and a.status == 201]
    assert not late, f"a write was acknowledged with one broker of three: {late[:3]}"

    load.phase = "two_restarted"
    restarted = time.monotonic()
    cluster.start(1, 2)
    ready = time.monotonic()
    load.wait_for(accepted_after(restarted), "a write accepted after the restart")
    load.wait_for(
        lambda answers: sum(a.status == 201 and a.sent > restarted for a in answers) >= 20,
        "writes accepted after the restart",
    )
    refusals = [a for a in load.of("two_killed") if a.status == 503]
    assert max(a.elapsed for a in refusals) < REFUSED_WITHIN_S
    record(
        load,
        "one_broker_killed",
        ("one_killed",),
        time_to_recover_s=failover,
        note="time to recover: from the SIGKILL to the first write accepted after it",
    )
    record(
        load,
        "second_broker_killed_then_both_restarted",
        ("two_killed", "two_restarted"),
        time_to_recover_s=first_accepted_after(load, restarted),
        nodes_ready_s=round(ready - restarted, 1),
        first_write_after_ready_s=after_ready(load, restarted, ready),
        note="refused while one broker of three ran; time to recover: from the restart "
        "command to the first write accepted (nodes_ready_s of it: the two JVMs starting)",
    )


def test_all_brokers_away_for_30_s(cluster: LocalCluster, load: Load) -> None:
    load.phase = "all_away"
    away = time.monotonic()
    cluster.kill(1, 2, 3)
    while time.monotonic() - away < OUTAGE_S:  # the outage lasts 30 s, whatever the load does
        time.sleep(0.5)
    answered = [a for a in load.of("all_away") if a.sent > away + 2]
    assert answered and all(a.status == 503 for a in answered), Counter(a.status for a in answered)
    assert max(a.elapsed for a in answered) < REFUSED_WITHIN_S

    load.phase = "all_back"
    back = time.monotonic()
    cluster.start()
    ready = time.monotonic()
    load.wait_for(accepted_after(back), "a write accepted after the cluster came back")
    record(
        load,
        "all_brokers_away_30s",
        ("all_away", "all_back"),
        time_to_recover_s=first_accepted_after(load, back),
        nodes_ready_s=round(ready - back, 1),
        first_write_after_ready_s=after_ready(load, back, ready),
        note="the services were not restarted; time to recover: from the start command to "
        "the first write accepted (nodes_ready_s of it: the three JVMs starting)",
    )


def test_reporting_and_the_decider_killed(platform: Platform, opd: Opd, load: Load) -> None:
    load.phase = "reporting_killed"
    reporting = platform.procs["reporting"]
    load.wait_for(
        lambda answers: (
            sum(a.status == 201 and a.phase == "reporting_killed" for a in answers) >= 10
        ),
        "check-ins for reporting to project",
    )
    killed = time.monotonic()
    reporting.process.kill()  # SIGKILL while it projects the load
    reporting.process.wait(timeout=30)
    platform.restart("reporting")
    record(
        load,
        "reporting_killed",
        ("reporting_killed",),
        time_to_recover_s=round(time.monotonic() - killed, 1),
        note="time to recover: from the SIGKILL to the restarted instance's /ready",
    )

    # a burst of WFA requests, each with its Idempotency-Key, and the decider killed during it
    load.phase = "decider_killed"
    eligibility = platform.procs["eligibility"]
    unit = opd.units[1]
    keys = {nip: f"burst-{load.run}-{nip}" for nip in unit.staff}
    # each body made once: a retry with the same key sends the same body (even past midnight)
    bodies = {
        nip: request_body(next_weekdays(1, skip_weeks=2 + n % 8))
        for n, nip in enumerate(unit.staff)
    }
    answers: dict[str, int] = {}

    async def burst() -> None:
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(nip: str, delay: float) -> None:
                await asyncio.sleep(delay)
                try:
                    response = await client.post(
                        f"{eligibility.url}/wfa/requests",
                        json=bodies[nip],
                        headers={**asn(nip, opd), "Idempotency-Key": keys[nip]},
                    )
                    answers[nip] = response.status_code
                except httpx.HTTPError:
                    answers[nip] = 0

            await asyncio.gather(*(one(nip, n * 0.2) for n, nip in enumerate(unit.staff)))

    sender = threading.Thread(target=lambda: asyncio.run(burst()))
    sender.start()
    # killed in the middle of the burst: some requests answered, the others on their way
    started = time.monotonic()
    while len(answers) < 5 and sender.is_alive() and time.monotonic() - started < 120:
        time.sleep(0.1)
    killed = time.monotonic()
    eligibility.process.kill()
    eligibility.process.wait(timeout=30)
    sender.join(timeout=120)
    platform.restart("eligibility")
    recovered = round(time.monotonic() - killed, 1)
    # a client retries what was not answered (or answered "deciding") with the same key
    unanswered = [nip for nip in unit.staff if answers.get(nip) not in (202, 409)]
    for nip in unanswered:
        deadline = time.monotonic() + RECOVERY_LIMIT_S
        while True:
            response = httpx.post(
                f"{platform.procs['eligibility'].url}/wfa/requests",
                json=bodies[nip],
                headers={**asn(nip, opd), "Idempotency-Key": keys[nip]},
                timeout=60,
            )
            if response.status_code in (202, 409):
                break
            assert response.status_code == 503, response.text
            assert time.monotonic() < deadline, response.text
            time.sleep(1)
    nip_of = {request_id_for(nip, keys[nip], ""): nip for nip in unit.staff}
    request_ids = set(nip_of)
    decided = _decided(platform.cluster.bootstrap, request_ids)
    missing = {r: answers.get(nip_of[r]) for r in request_ids - decided}
    assert not missing, f"requests without a decision (their first answer): {missing}"
    record(
        load,
        "decider_killed_during_burst",
        ("decider_killed",),
        wfa_requests=len(request_ids),
        answered_before_kill=len(unit.staff) - len(unanswered),
        retried_with_same_key=len(unanswered),
        decided=len(decided),
        time_to_recover_s=recovered,
        note="check-ins go on (attendance); time to recover: from the SIGKILL to the "
        "restarted eligibility's /ready; every request of the burst has one decision",
    )


def test_afterwards_every_write_is_on_its_topic_once_and_projections_equal_a_rebuild(
    platform: Platform, load: Load
) -> None:
    load.stop()
    counts = _markers(platform.cluster.bootstrap, load.run)
    _lost_and_doubled(load, counts)
    done = _replay(platform.procs["reporting"], platform.cluster.bootstrap)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The diff is empty." in done.stdout
    FAULTS["reporting_rebuild"] = {"diff_empty": True}
    write_summary()
    print("\n" + json.dumps(FAULTS, indent=2))


def test_second_instances_of_every_scaled_service_join_and_leave(
    platform: Platform, opd: Opd, load: Load, tmp_path: Path
) -> None:
    bootstrap = platform.cluster.bootstrap
    first = bootstrap.split(",")[0]  # for the helpers that take one address
    load.stop()  # stopped by the previous test already (when run alone: started by its fixture)
    load.phase = "rebalance"
    load.start()
    # audit and the detector run from now on: audit archives the whole log, the detector
    # judges what comes from now on (its group starts at the end of its topics)
    start_at_end(first, f"wfa-detector-{platform.suffix}", (ATTENDANCE, LOCATIONS))
    firsts = [platform.launch(name) for name in ("audit", "detector")]
    platform.procs.update({proc.name: proc for proc in firsts})  # stopped with the platform
    plant = Plant.new(load.run)
    asyncio.run(publish(first, plant.waves[0], client_name="plant"))
    wait_ready(firsts, timeout=CATCH_UP_LIMIT_S)

    # WFA requests sent one after another while the second decider joins, then while it leaves
    burst = Burst(platform.procs["eligibility"].url, opd, load.run)
    joining = burst.send(opd.units[0].staff, pause_s=1.0)
    joined = time.monotonic()
    seconds = [
        platform.launch(name, instance="-2")  # the same groups: partitions shared
        for name in ("reporting", "audit", "detector", "eligibility")
    ]
    try:
        wait_ready(seconds, timeout=CATCH_UP_LIMIT_S)
        both = time.monotonic()
        asyncio.run(publish(first, plant.waves[1], client_name="plant"))
        load.wait_for(
            lambda answers: sum(a.status == 201 and a.sent > both for a in answers) >= 30,
            "writes while two instances of each service share its group",
        )
        leaving = burst.send(opd.units[1].staff[:12], pause_s=0.3)
    finally:
        stop_all(seconds)  # they leave their groups: the partitions go back to the firsts
    left = time.monotonic()
    asyncio.run(publish(first, plant.waves[2], client_name="plant"))
    load.wait_for(accepted_after(left), "writes after the second instances left")
    load.stop()
    for sender in (joining, leaving):
        sender.join(timeout=CATCH_UP_LIMIT_S)
    counts = _markers(bootstrap, load.run)
    _lost_and_doubled(load, counts)
    mine = load.of("rebalance")
    figures = {
        "writes_lost": sum(a.status == 201 and counts[a.marker] == 0 for a in mine),
        "joined_to_ready_s": round(both - joined, 1),
    }

    assert not burst.refused, f"requests answered otherwise than 202 or 409: {burst.refused}"
    decisions = _decisions(bootstrap, burst.request_ids)
    undecided = burst.request_ids - set(decisions)
    assert not undecided, f"requests without a decision: {sorted(undecided)}"
    doubled = {r: ids for r, ids in decisions.items() if len(set(ids)) > 1}
    assert not doubled, f"requests decided more than once: {doubled}"
    record(
        load,
        "second_decider_joins_and_leaves",
        ("rebalance",),
        wfa_requests=len(burst.request_ids),
        retried_with_same_key=burst.retried,
        decided_once=len(decisions),
        decision_records=sum(len(ids) for ids in decisions.values()),
        **figures,
        note="requests sent one after another while the second eligibility joined and while "
        "it left; a request answered 503 is sent again with its Idempotency-Key; each has one "
        "decision (one event id) on wfa.requests.v1",
    )

    detector = platform.procs["detector"]
    started = time.monotonic()
    wait_caught_up(first, detector.group, (LOCATIONS, ATTENDANCE), CATCH_UP_LIMIT_S)
    wait_caught_up(first, detector.group, (day_cell_topic(detector.group),), CATCH_UP_LIMIT_S)
    found = _anomalies(bootstrap, set(plant.expected))
    flagged = {nip: {kind for kind, _ in ids} for nip, ids in found.items()}
    assert flagged == {nip: {kind} for nip, kind in plant.expected.items()}, flagged
    twice = {nip: ids for nip, ids in found.items() if len(set(ids)) > 1}
    assert not twice, f"one planted anomaly flagged under several ids: {twice}"
    record(
        load,
        "second_detector_joins_and_leaves",
        ("rebalance",),
        planted_anomalies=len(plant.expected),
        flagged_once=len(found),
        anomaly_records=sum(len(ids) for ids in found.values()),
        group_caught_up_s=round(time.monotonic() - started, 1),
        **figures,
        note="mock locations and three ASN sharing one coordinate, planted before the join, "
        "while both instances ran and after the leave (a sharing spans the moves): each "
        "flagged, under one anomaly id",
    )

    audit = platform.procs["audit"]
    started = time.monotonic()
    topics = tuple(archived_topics())
    wait_caught_up(first, f"{audit.group}.audit-projector", topics, CATCH_UP_LIMIT_S)
    archived = _records_on(bootstrap, topics)
    size = _sealed_size(audit, archived)
    caught_up = round(time.monotonic() - started, 1)
    report = httpx.get(
        f"{audit.url}/audit/verify",
        params={"kafka": "true"},
        headers=bearer(Role.AUDITOR, new_nip(), None),
        timeout=600,
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["ok"], body["findings"][:5]
    assert body["totals"]["leaves"] >= archived and body["totals"]["kafka_records"] >= archived
    record(
        load,
        "second_audit_joins_and_leaves",
        ("rebalance",),
        archived_records=archived,
        sealed_leaves=size,
        verify_ok=True,
        group_caught_up_s=caught_up,
        **figures,
        note="the first instance reads each partition it gets back from where its own archive "
        "stopped: verify with Kafka finds no gap, and its log holds every record archived "
        "topics had once the group caught up",
    )

    # reporting: the first instance's projections and the second's (the partitions each held),
    # as one database would hold them, equal a rebuild; the first alone does not
    reporting = platform.procs["reporting"]
    started = time.monotonic()
    group = f"{reporting.group}.reporting-projector"
    wait_caught_up(first, group, (ATTENDANCE,), CATCH_UP_LIMIT_S)
    caught_up = round(time.monotonic() - started, 1)
    rebuilt = tmp_path / "rebuild"
    done = _replay(reporting, bootstrap, keep=rebuilt)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    stop_all([reporting])  # its store is read by another process (the module's last test)
    stores = [
        read_store(
            platform.data_dir / f"reporting{instance}" / "reporting" / "chdb", "wfa_reporting"
        )
        for instance in ("", "-2")
    ]
    replayed = read_store(rebuilt / "reporting" / "chdb", "wfa_reporting")
    facts = sorted(name for name, table in replayed.items() if table.version == "offset")
    assert facts and set(replayed) == set(stores[0]) == set(stores[1])
    unequal = {
        name: _rows_apart(merged([store[name] for store in stores]), replayed[name])
        for name in facts
    }
    unequal = {name: apart for name, apart in unequal.items() if apart != (0, 0)}
    assert not unequal, (
        f"fact rows of both instances != the rebuild's (only live, only replayed): {unequal}"
    )
    second_rows = sum(len(stores[1][name].rows) for name in facts)
    assert second_rows > 0, "the second instance projected nothing while it held partitions"
    record(
        load,
        "second_reporting_joins_and_leaves",
        ("rebalance",),
        group_caught_up_s=caught_up,
        fact_tables=facts,
        fact_rows_rebuilt=sum(len(replayed[name].rows) for name in facts),
        fact_rows_of_second_instance=second_rows,
        first_alone_equals_rebuild="The diff is empty." in done.stdout,
        **figures,
        note="with embedded chDB each instance projects into a database of its own: the fact "
        "tables (rows of one record each, versioned by its offset) of both, merged as one "
        "ReplacingMergeTree would hold them, equal the rebuild's. The tables derived from them "
        "(per employee and OPD day, week, month) are each instance's own aggregates; they "
        "equal a rebuild only on a shared ClickHouse server",
    )
    print("\n" + json.dumps(FAULTS, indent=2))


# the rebalance's requests and planted anomalies ------------------------------------------------

#: the day of the planted locations: a past work day, away from the load's today
PLANT_DAY = date.today() - timedelta(days=3)


@dataclass
class Plant:
    """Anomalies planted for the detector in three waves (before the second instance joins,
    while both run, after it left): mock locations, and two groups of three ASN on one exact
    coordinate whose points span two waves each (the day's cell moves between instances)."""

    expected: dict[str, str]
    """The kind each planted NIP is flagged with (and no other)."""
    waves: list[list[Envelope]]

    @classmethod
    def new(cls, run: str) -> Plant:
        rng = random.Random(run)
        opd_id = f"opd-rebalance-{run}"
        expected: dict[str, str] = {}
        waves: list[list[Envelope]] = [[], [], []]
        base = (-6.2 + rng.uniform(-0.4, 0.4), 106.8 + rng.uniform(-0.4, 0.4))
        for n, wave in enumerate(waves):
            for i in range(3):  # far apart from each other: no sharing
                nip = new_nip()
                expected[nip] = "mock_location"
                spot = (base[0] + 0.05 * (n * 3 + i + 1), base[1] - 0.05 * (n * 3 + i + 1))
                wave.append(_located(nip, opd_id, 8 + i, spot, mock=True))
        for first, cell in enumerate(
            ((base[0] - 0.0311, base[1] + 0.0222), (base[0] - 0.0522, base[1] + 0.0133))
        ):
            for i, index in enumerate((first, first, first + 1)):
                nip = new_nip()
                expected[nip] = "shared_coordinates"
                waves[index].append(_located(nip, opd_id, 7 + i, cell))
        return cls(expected, waves)


def _located(
    nip: str, opd_id: str, hour: int, spot: tuple[float, float], *, mock: bool = False
) -> Envelope:
    """A precise location of ``nip`` at ``hour`` (WIB) of the planted day."""
    when = datetime.combine(PLANT_DAY, dtime(hour), tzinfo=UTC) - timedelta(hours=7)
    return pinged_position(nip, opd_id, when, spot[0], spot[1], day=PLANT_DAY, mock=mock)


@dataclass
class Burst:
    """WFA requests sent by a client that sends one again (same Idempotency-Key, same body)
    until it is answered 202 or 409."""

    url: str
    opd: Opd
    run: str
    request_ids: set[str] = field(default_factory=set)
    retried: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    """Requests answered otherwise than 202, 409 or 503 (a client would not send them again)."""

    def send(self, staff: list[str], pause_s: float) -> threading.Thread:
        """Send the requests of ``staff`` one after another, in a thread of their own."""
        keys = {nip: f"rebalance-{self.run}-{nip}" for nip in staff}
        self.request_ids |= {request_id_for(nip, key, "") for nip, key in keys.items()}
        sender = threading.Thread(target=self._send, args=(keys, pause_s), daemon=True)
        sender.start()
        return sender

    def _send(self, keys: dict[str, str], pause_s: float) -> None:
        with httpx.Client(timeout=60) as client:
            for n, (nip, key) in enumerate(keys.items()):
                body = request_body(next_weekdays(1, skip_weeks=10 + n % 4))
                deadline = time.monotonic() + RECOVERY_LIMIT_S
                while True:
                    try:
                        status = client.post(
                            f"{self.url}/wfa/requests",
                            json=body,
                            headers={**asn(nip, self.opd), "Idempotency-Key": key},
                        ).status_code
                    except httpx.HTTPError:
                        status = 0
                    if status not in (0, 503) or time.monotonic() > deadline:
                        if status not in (202, 409):
                            self.refused[key] = status
                        break
                    self.retried += 1
                    time.sleep(1)
                time.sleep(pause_s)


# reading the log ----------------------------------------------------------------------------


def _markers(bootstrap: str, run: str) -> Counter[str]:
    """How many times each check-in of this run is on the attendance topic."""

    def ours(envelope: Envelope) -> bool:
        return str(envelope.payload.get("device_id", "")).startswith(run)

    events = asyncio.run(read_events(bootstrap, ATTENDANCE, ours))
    return Counter(str(envelope.payload["device_id"]) for envelope in events)


def _lost_and_doubled(load: Load, counts: Counter[str]) -> None:
    """Every check-in answered 201 is on the topic exactly once; per fault, none lost."""
    accepted = {a.marker for a in load.answers if a.status == 201}
    lost = sorted(m for m in accepted if counts[m] == 0)
    doubled = sorted(m for m, n in counts.items() if n > 1)
    for fault in FAULTS.values():
        phases = fault.get("phases", ())
        mine = [a for a in load.answers if a.phase in phases]
        if not mine:
            continue
        fault["writes_lost"] = sum(a.status == 201 and counts[a.marker] == 0 for a in mine)
        fault["refused_yet_written"] = sum(a.status == 503 and counts[a.marker] > 0 for a in mine)
    write_summary()
    assert not lost, f"{len(lost)} check-ins answered 201 are not on the topic: {lost[:5]}"
    assert not doubled, f"check-ins on the topic more than once: {doubled[:5]}"


DECISIONS = ("WfaRequested", "WfaActionRefused", "WfaRejected", "WfaApproved")


def _decided(bootstrap: str, request_ids: set[str]) -> set[str]:
    """The requests among ``request_ids`` with an outcome on the requests topic.

    An outcome is recognised by its type and request id as written, without the contract's
    validation: an event this test process's schemas cannot read (a service started from
    newer code) is still a decision, and is not skipped as unreadable.
    """

    async def read() -> set[str]:
        consumer = AIOKafkaConsumer(
            REQUESTS, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        found: set[str] = set()
        try:
            while batch := await consumer.getmany(timeout_ms=3000):
                for messages in batch.values():
                    for message in messages:
                        try:
                            event = json.loads(message.value or b"")
                            payload = event.get("payload") or {}
                            if event.get("type") in DECISIONS:
                                found.add(str(payload.get("request_id")))
                        except (ValueError, AttributeError):
                            continue  # not an event: tests sharing the broker park garbage
            return found & request_ids
        finally:
            await consumer.stop()

    deadline = time.monotonic() + RECOVERY_LIMIT_S
    while True:
        decided = asyncio.run(read())
        if decided == request_ids or time.monotonic() > deadline:
            return decided
        time.sleep(1)


#: what the decider publishes for a request: its decision, or its refusal
DECIDER_OUTPUTS = ("WfaRequested", "WfaActionRefused")


def _decisions(bootstrap: str, request_ids: set[str]) -> dict[str, list[str]]:
    """The event ids of each request's decisions on the requests topic (waiting until every
    request of ``request_ids`` has one, or the recovery limit). Read as written, without the
    contract's validation: a decision of newer code than this test process's is one too."""

    async def read() -> dict[str, list[str]]:
        consumer = AIOKafkaConsumer(
            REQUESTS, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        found: dict[str, list[str]] = {}
        try:
            while batch := await consumer.getmany(timeout_ms=3000):
                for message in (m for messages in batch.values() for m in messages):
                    try:
                        event = json.loads(message.value or b"")
                        request_id = str((event.get("payload") or {}).get("request_id"))
                    except (ValueError, AttributeError):
                        continue  # not an event
                    if event.get("type") in DECIDER_OUTPUTS and request_id in request_ids:
                        found.setdefault(request_id, []).append(str(event.get("event_id")))
            return found
        finally:
            await consumer.stop()

    deadline = time.monotonic() + CATCH_UP_LIMIT_S
    while True:
        found = asyncio.run(read())
        if set(found) == request_ids or time.monotonic() > deadline:
            return found
        time.sleep(1)


def _anomalies(bootstrap: str, nips: set[str]) -> dict[str, list[tuple[str, str]]]:
    """(kind, anomaly id) of every anomaly published about each of ``nips`` (waiting until
    each has one, or the recovery limit)."""
    deadline = time.monotonic() + CATCH_UP_LIMIT_S
    while True:
        events = asyncio.run(
            read_events(
                bootstrap,
                ATTENDANCE,
                lambda e: e.type == "AttendanceAnomalyDetected" and e.payload.get("nip") in nips,
            )
        )
        found: dict[str, list[tuple[str, str]]] = {}
        for envelope in events:
            payload = envelope.payload
            found.setdefault(str(payload["nip"]), []).append(
                (str(payload["kind"]), str(payload["anomaly_id"]))
            )
        if set(found) == nips or time.monotonic() > deadline:
            return found
        time.sleep(1)


def _records_on(bootstrap: str, topics: tuple[str, ...]) -> int:
    """How many records ``topics`` hold now (from each partition's start to its end)."""

    async def count() -> int:
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None)
        await reader.start()
        try:
            counts = await topic_partitions(bootstrap.split(","), topics)
            parts = [TopicPartition(t, p) for t in topics for p in range(counts[t])]
            starts = await reader.beginning_offsets(parts)
            ends = await reader.end_offsets(parts)
            return sum(ends[tp] - starts[tp] for tp in parts)
        finally:
            await reader.stop()

    return asyncio.run(count())


def _sealed_size(audit: ServiceProcess, records: int) -> int:
    """The size of audit's log once it holds ``records`` leaves (its latest checkpoint)."""
    deadline = time.monotonic() + CATCH_UP_LIMIT_S
    size = 0
    while True:
        answer = httpx.get(f"{audit.url}/audit/checkpoints/latest", timeout=30)
        if answer.status_code == 200:
            size = int(answer.json()["tree_size"])
        if size >= records:
            return size
        assert time.monotonic() < deadline, f"audit's log holds {size} of {records} records"
        time.sleep(0.5)


def _rows_apart(rows: list[Row], replayed: StoredTable) -> tuple[int, int]:
    """How many rows only ``rows`` hold, and only the rebuilt table."""
    apart = row_differences(rows, replayed.rows)
    return len(apart.only_live), len(apart.only_replayed)


def _replication(bootstrap: str, topic: str) -> tuple[set[int], str | None]:
    """The replica counts of ``topic``'s partitions and its ``min.insync.replicas``."""

    async def read() -> tuple[set[int], str | None]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap.split(","))
        await admin.start()
        try:
            (described,) = await admin.describe_topics([topic])
            replicas = {len(p["replicas"]) for p in described["partitions"]}
            resource = ConfigResource(
                ConfigResourceType.TOPIC, topic, {"min.insync.replicas": None}
            )
            (response,) = await admin.describe_configs([resource])
            entries = response.resources[0][4]
            return replicas, next((e[1] for e in entries if e[0] == "min.insync.replicas"), None)
        finally:
            await admin.close()

    return asyncio.run(read())


def _group_caught_up(bootstrap: str, group: str) -> float:
    from tests.support.event_log import wait_caught_up

    started = time.monotonic()
    wait_caught_up(bootstrap.split(",")[0], group, (ATTENDANCE,))
    return round(time.monotonic() - started, 1)


def _replay(
    live: ServiceProcess, bootstrap: str, keep: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The replay tool on reporting (``keep``: the directory the rebuilt store stays in)."""
    env = {**os.environ, "KAFKA_BOOTSTRAP": bootstrap, "WFA_ENV": "test", "COLUMNS": "200"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "operations.replay_cli",
            "reporting",
            "--live",
            live.url,
            "--wait",
            "180",
            "--nip",
            "198503152010011002",
            *(("--keep", str(keep)) if keep is not None else ()),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
