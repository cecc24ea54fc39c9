"""A restarted service answers /health at once and /ready once it has caught up.

Reporting is killed (SIGKILL, so its consumer never leaves its group) and started again on the
same data and group. Its liveness must not wait for the group to rebalance: /health answers
while /ready still says 503, and /ready follows.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER
from tests.support.processes import start_service, wait_ready
from tests.support.week_driver import start_at_end

pytestmark = pytest.mark.e2e


def test_health_answers_at_once_after_a_kill_and_ready_follows(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    # its projector's group starts at the log's end: the first instance is ready without
    # projecting the session's whole history (the restart is the same either way)
    start_at_end(
        kafka_bootstrap,
        f"wfa-reporting-{suffix}.reporting-projector",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
    )
    first = start_service(
        "reporting",
        kafka_bootstrap=kafka_bootstrap,
        data_dir=tmp_path,
        group_suffix=suffix,
        extra_env={},
    )
    try:
        wait_ready([first])
    finally:
        first.process.kill()
        first.process.wait(timeout=30)

    # same data directory and group: the way an orchestrator restarts a crashed instance
    second = start_service(
        "reporting",
        kafka_bootstrap=kafka_bootstrap,
        data_dir=tmp_path,
        group_suffix=suffix,
        extra_env={"WFA_DATA_DIR": str(tmp_path / f"reporting-{first.port}")},
    )
    try:
        healthy_while_not_ready = False
        deadline = time.monotonic() + 180
        with httpx.Client(timeout=5) as client:  # a client per call costs more CPU than a poll
            while time.monotonic() < deadline:
                try:
                    health = client.get(f"{second.url}/health")
                    ready = client.get(f"{second.url}/ready")
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                assert health.status_code == 200, health.text
                if ready.status_code == 200:
                    break
                assert ready.status_code == 503, ready.text
                assert ready.headers.get("Retry-After")
                healthy_while_not_ready = True
                time.sleep(0.05)
            else:
                raise AssertionError(f"not ready after a restart:\n{second.log_tail()}")
        assert healthy_while_not_ready, "/health only answered once the service was ready"
    finally:
        second.process.terminate()
        second.process.wait(timeout=60)
