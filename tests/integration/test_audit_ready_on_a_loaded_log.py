"""Audit started on a log that already holds events becomes ready once it has archived them.

Its archive's projector reads each partition from where its own archive stopped, which it sets
when the group assigns the partitions; nothing in that step may wait on the group (a commit
from inside the rebalance callback never returns, and the service never said ready).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
import pytest

from schemas.examples import example_envelope, example_payloads
from schemas.topics import RESTRICTED_TOPICS, topic_for
from tests.support.processes import start_service, stop_all, wait_ready
from tests.support.seeding import publish

pytestmark = pytest.mark.integration


def test_audit_on_a_log_with_events_gets_ready_and_archives_them(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    events = [example_envelope(payload) for payload in example_payloads().values()]
    asyncio.run(publish(kafka_bootstrap, events, client_name="audit-loaded-log"))
    archived = [e for e in events if topic_for(e.type) not in RESTRICTED_TOPICS]
    audit = start_service(
        "audit",
        kafka_bootstrap=kafka_bootstrap,
        data_dir=tmp_path,
        group_suffix=uuid.uuid4().hex[:8],
        extra_env={},
    )
    try:
        wait_ready([audit], timeout=240)
        # ready means caught up: what it archived is sealed within its seal interval
        deadline = time.monotonic() + 120
        size = 0.0
        while size < len(archived) and time.monotonic() < deadline:
            time.sleep(0.5)
            metrics = httpx.get(f"{audit.url}/metrics", timeout=30).text
            size = next(
                (
                    float(line.split()[-1])
                    for line in metrics.splitlines()
                    if line.startswith("wfa_audit_log_size ")
                ),
                0.0,
            )
        assert size >= len(archived), f"the audit log holds {size} of {len(archived)} events"
    finally:
        stop_all([audit])
