"""Verify with Kafka on the session's audit service, which has archived the whole shared log
since the session began (every other test's events included): once an event of every
archived topic (access, reports and summaries among them) is sealed, ``GET /audit/verify``
with Kafka reports the untouched log clean, and so does the command line asking the service
(``make audit-verify``), with exit status 0. The roster's event is sealed before the others, so
that the other topics first appear in later blocks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from functools import partial
from typing import Any

import pytest

from schemas import Envelope, new_event
from schemas.events import event_class
from schemas.examples import (
    EXAMPLE_NIP,
    EXAMPLE_OPD_ID,
    EXAMPLE_SUPERVISOR_NIP,
    example_payloads,
)
from services.audit.domain.archive import archived_topics
from services.runtime.edge.identity import Role
from tests.support.http_checks import get, ok, poll
from tests.support.infra import REPO
from tests.support.processes import ServiceProcess
from tests.support.province import new_nip
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e


def _one_event_per_archived_topic() -> dict[str, Envelope]:
    """An event of the contract's examples on every archived topic, about people and an OPD
    of this test alone."""
    nip, head, opd = new_nip(), new_nip(), f"opd-verify-{uuid.uuid4().hex[:8]}"
    wanted = set(archived_topics())
    chosen: dict[str, Envelope] = {}
    for event_type, payload in example_payloads().items():
        topic = event_class(event_type).topic
        if topic not in wanted or topic in chosen:
            continue
        text = (
            payload.model_dump_json()
            .replace(EXAMPLE_NIP, nip)
            .replace(EXAMPLE_SUPERVISOR_NIP, head)
            .replace(EXAMPLE_OPD_ID, opd)
        )
        fresh = type(payload).model_validate_json(text)
        chosen[topic] = new_event(fresh, actor=nip, subject=nip, opd_id=opd)
    assert set(chosen) == wanted
    return chosen


async def test_verify_with_kafka_is_clean_with_every_topic_in_use(
    kafka_bootstrap: str, audit_service: ServiceProcess
) -> None:
    events = _one_event_per_archived_topic()
    assert {"wfa.access.v1", "wfa.reports.v1", "wfa.summaries.v1"} <= set(events)
    auditor = bearer(Role.AUDITOR, new_nip(), None)

    def proof(event_id: str) -> Any:
        return get(audit_service, "/audit/proofs/inclusion", auditor, event_id=event_id)

    # the roster's event is sealed first, the other topics' in later blocks
    first = [events.pop("wfa.roster.v1")]
    for batch in (first, list(events.values())):
        await publish(kafka_bootstrap, batch, client_name="audit-verify")
        for envelope in batch:  # sealed
            poll(partial(proof, envelope.event_id), lambda r: r.status_code == 200, timeout=120)

    report: dict[str, Any] = ok(
        get(audit_service, "/audit/verify", auditor, kafka="true", timeout=600)
    )
    assert report["ok"], report["findings"][:5]
    totals = report["totals"]
    assert totals["leaves"] >= len(events) + 1
    assert totals["kafka_records"] >= totals["leaves"]

    token = auditor["Authorization"].removeprefix("Bearer ")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.audit.verify_cli", "--url", audit_service.url],
        cwd=REPO,
        env={**os.environ, "WFA_TOKEN": token, "COLUMNS": "200"},
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-2000:]
    assert "Log utuh" in done.stdout.decode()
