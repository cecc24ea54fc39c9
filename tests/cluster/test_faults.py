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
* a second reporting instance joins the group and leaves it during the load: no write is
  lost and the first instance, alone again, reaches the log's end. Whether its projections
  then equal a clean rebuild is recorded, not asserted: with embedded chDB each instance
  projects into a database of its own, so the rows the second one projected while it held
  partitions are not in the first one's (on a shared ClickHouse server they are).

Afterwards every check-in answered 201 is on the attendance topic exactly once (none lost),
reporting's projections equal a clean rebuild (the replay tool's diff is empty), and every WFA
request of the burst has its decision. For each fault the writes accepted, refused and lost
and the time to recover are printed (``-s``) and written to ``var/cluster/faults.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from schemas import Envelope
from schemas.topics import ATTENDANCE, REQUESTS
from services.eligibility.domain.requests import request_id_for
from tests.support.cluster import LocalCluster, own_kafka_cluster
from tests.support.event_log import read_events
from tests.support.infra import REPO
from tests.support.processes import ServiceProcess, start_service, stop_all, wait_ready
from tests.support.province import (
    Opd,
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)

pytestmark = pytest.mark.e2e

PUBLISH_TIMEOUT_S = 5.0
#: a refusal comes within the publish timeout; a loaded 2-core machine adds scheduling delays
REFUSED_WITHIN_S = PUBLISH_TIMEOUT_S + 10.0
#: how long a fault may take to heal before the test gives up (never asserted as a speed)
RECOVERY_LIMIT_S = 180.0
OUTAGE_S = 30.0
ENV = {
    "TOPIC_REPLICATION": "3",
    "KAFKA_PUBLISH_TIMEOUT_S": str(PUBLISH_TIMEOUT_S),
    # each check-in carries its own device id as a marker; binding is tested elsewhere
    "ATTENDANCE_REQUIRE_REGISTERED_DEVICE": "false",
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


def test_a_second_reporting_instance_joins_and_leaves(
    platform: Platform, opd: Opd, load: Load
) -> None:
    load.phase = "rebalance"
    load.start()
    joined = time.monotonic()
    second = platform.start("reporting", instance="-2")  # same group: partitions shared
    try:
        load.wait_for(
            lambda answers: sum(a.status == 201 and a.sent > joined for a in answers) >= 30,
            "writes while two reporting instances share the group",
        )
    finally:
        stop_all([second])  # leaves the group: its partitions go back to the first
    left = time.monotonic()
    load.wait_for(accepted_after(left), "writes after the second instance left")
    load.stop()
    group = f"wfa-reporting-{platform.suffix}.reporting-projector"
    caught_up = _group_caught_up(platform.cluster.bootstrap, group)
    counts = _markers(platform.cluster.bootstrap, load.run)
    _lost_and_doubled(load, counts)
    done = _replay(platform.procs["reporting"], platform.cluster.bootstrap)
    print(done.stdout[-3000:])
    record(
        load,
        "second_reporting_joins_and_leaves",
        ("rebalance",),
        group_caught_up_s=caught_up,
        rebuild_diff_empty="The diff is empty." in done.stdout,
        note="the first instance holds the group's partitions again and reaches the log's "
        "end. rebuild_diff_empty is recorded, not asserted: with embedded chDB each instance "
        "projects into its own database, so what the second one projected while it held "
        "partitions is not in the first one's (a shared ClickHouse server holds both)",
    )
    print("\n" + json.dumps(FAULTS, indent=2))


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


def _decided(bootstrap: str, request_ids: set[str]) -> set[str]:
    """The requests among ``request_ids`` with an outcome on the requests topic."""
    deadline = time.monotonic() + RECOVERY_LIMIT_S
    while True:
        events = asyncio.run(
            read_events(bootstrap, REQUESTS, lambda e: e.payload.get("request_id") in request_ids)
        )
        decided = {
            str(e.payload["request_id"])
            for e in events
            if e.type in ("WfaRequested", "WfaActionRefused", "WfaRejected", "WfaApproved")
        }
        if decided == request_ids or time.monotonic() > deadline:
            return decided
        time.sleep(1)


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


def _replay(live: ServiceProcess, bootstrap: str) -> subprocess.CompletedProcess[str]:
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
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
