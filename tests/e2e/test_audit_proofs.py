"""The audit service's proofs over HTTP, checked by the standalone verifier with nothing but the
public key it publishes: inclusion of an employee's events, consistency of two checkpoints; a
changed event fails. Production refuses to start without a signing key of its own."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.audit import verify_proofs
from services.audit.domain.checkpoint import DEVELOPMENT_PRIVATE_KEY, CheckpointKeyError
from services.audit.main import create_app
from services.runtime.edge.identity import Role
from services.runtime.settings import Settings
from tests.support.http_checks import get, ok, poll, refused
from tests.support.processes import ServiceProcess
from tests.support.province import new_nip
from tests.support.reporting_events import decided, employee, requested
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e


def _bundle(answers: list[dict[str, Any]], checkpoint: dict[str, str]) -> dict[str, Any]:
    return {
        "checkpoints": [checkpoint],
        "inclusion": [
            {"checkpoint": 0, "index": a["leaf_index"], "event": a["event"], "proof": a["proof"]}
            for a in answers
        ],
    }


async def test_proofs_over_http_pass_the_standalone_verifier(
    kafka_bootstrap: str, audit_service: ServiceProcess
) -> None:
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    head, nip, other = new_nip(), new_nip(), new_nip()
    at = datetime(2026, 12, 2, 8, tzinfo=UTC)
    events = [employee(head, opd, "unit-1", None), employee(nip, opd, "unit-1", head)]
    for i in range(3):
        request_id = f"req-{opd}-{i}"
        events.append(requested(nip, opd, request_id, [at.date() + timedelta(days=i)], at))
        events.append(decided("approved", nip, opd, request_id, head, at + timedelta(hours=1)))
    auditor = bearer(Role.AUDITOR, new_nip(), None)
    audit = audit_service

    def proof(event_id: str, headers: dict[str, str]) -> httpx.Response:
        return get(audit, "/audit/proofs/inclusion", headers, event_id=event_id)

    await publish(kafka_bootstrap, events[:2], client_name="audit-proofs")
    poll(lambda: proof(events[1].event_id, auditor), lambda r: r.status_code == 200)
    first = ok(get(audit, "/audit/checkpoints/latest", {}))  # no token needed
    await publish(kafka_bootstrap, events[2:], client_name="audit-proofs")

    def sealed(event_id: str) -> dict[str, Any]:
        answer: httpx.Response = poll(
            lambda: proof(event_id, auditor), lambda r: r.status_code == 200
        )
        return dict(answer.json())

    answers = [sealed(e.event_id) for e in events]
    published = ok(get(audit, "/audit/public-key", {}))
    assert published["algorithm"] == "Ed25519"
    key = verify_proofs.load_public_key(published["public_key"])
    latest = ok(get(audit, "/audit/checkpoints/latest", {}))
    size = max(a["tree_size"] for a in answers)
    answers = [
        ok(get(audit, "/audit/proofs/inclusion", auditor, event_id=e.event_id, tree_size=size))
        for e in events
    ]
    checkpoint = answers[0]["checkpoint"]
    assert all(a["checkpoint"] == checkpoint for a in answers)
    assert verify_proofs.check_bundle(_bundle(answers, checkpoint), key)

    # a changed event, or a proof against a checkpoint signed by another key, fails
    changed = copy.deepcopy(answers[2])
    changed["event"]["raw"] = changed["event"]["raw"].replace(nip, other)
    assert not verify_proofs.check_bundle(_bundle([changed], checkpoint), key)
    forged = verify_proofs.load_public_key(
        "kEAhUvKYioDOWoIZEr77y3uSHJ4nLp81L94LNjBJFWE="
        if published["public_key"] != "kEAhUvKYioDOWoIZEr77y3uSHJ4nLp81L94LNjBJFWE="
        else "GJKVoGznHfRp2UYReKeDSVK399xlzFPXoYa68lZrsh0="
    )
    assert not verify_proofs.check_bundle(_bundle(answers, checkpoint), forged)

    # the log grew from the first checkpoint seen to the latest: consistently
    older = first["tree_size"]
    newer = latest["tree_size"]
    consistency = ok(get(audit, "/audit/proofs/consistency", {}, first=older, second=newer))
    assert verify_proofs.check_bundle(
        {
            "checkpoints": consistency["checkpoints"],
            "consistency": [{"from": 0, "to": 1, "proof": consistency["proof"]}],
        },
        key,
    )
    listed = ok(get(audit, "/audit/checkpoints", {}, limit=1000))
    assert any(item["tree_size"] == newer for item in listed["items"])

    # the employee reads the proofs of their own events, nobody else's; a token is needed
    ok(proof(events[2].event_id, bearer(Role.ASN, nip, opd)))
    refused(proof(events[2].event_id, bearer(Role.ASN, other, opd)), 404, "event_not_found")
    # a token whose OPD the roster contradicts is refused before anything is looked up
    refused(proof(events[2].event_id, bearer(Role.ASN, nip, "opd-lain")), 403, "opd_mismatch")
    refused(proof(events[2].event_id, {}), 401)
    refused(get(audit, "/audit/proofs/consistency", {}, first=newer, second=older), 422)
    refused(get(audit, "/audit/proofs/consistency", {}, first=1, second=newer + 10**6), 404)


def test_production_refuses_the_development_key_and_an_empty_one() -> None:
    base = {"SERVICE_NAME": "audit", "WFA_ENV": "production", "JWT_SECRET": "s" * 48}
    for key in ("", DEVELOPMENT_PRIVATE_KEY, "change-me"):
        with pytest.raises(CheckpointKeyError):
            create_app(Settings(**base, AUDIT_SIGNING_KEY=key))  # type: ignore[arg-type]
