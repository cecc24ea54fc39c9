"""Audit's trails over HTTP against the real service on a real broker: every filter, paging,
the role rules, the access log an employee reads, and exports whose proofs an auditor checks
offline with nothing but the standalone verifier and the public key.

Two employees in two fresh OPDs and a supervisor are published straight onto their topics in
two rounds; audit runs as a real process, archives and seals them.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import csv
import io
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas import Envelope
from services.audit import verify_proofs
from services.audit.domain.checkpoint import (
    DEVELOPMENT_PRIVATE_KEY,
    load_private_key,
    public_key_text,
)
from services.runtime.edge.identity import Role
from tests.support.http_checks import get, ok, poll, refused
from tests.support.processes import ServiceProcess
from tests.support.province import new_nip
from tests.support.reporting_events import decided, employee, output, report, requested
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

ACCESS = "PersonalDataAccessed"
#: the key the service signs with in tests, known here without asking the service
PUBLIC_KEY = public_key_text(load_private_key(DEVELOPMENT_PRIVATE_KEY, allow_development_key=True))
VERIFIER = Path(verify_proofs.__file__)


@dataclass
class Seeded:
    opd_x: str
    opd_y: str
    a: str  # ASN of OPD x, supervised by s
    s: str  # supervisor in OPD x
    b: str  # ASN of OPD y
    auditor: str
    first: list[Envelope]
    second: list[Envelope]
    mid: datetime  # every event of ``first`` was recorded before it, of ``second`` after it

    @property
    def events(self) -> list[Envelope]:
        return self.first + self.second

    def ids(self, **where: str) -> set[str]:
        return {
            e.event_id
            for e in self.events
            if all(getattr(e, field) == value for field, value in where.items())
        }


@pytest.fixture(scope="module")
def seeded(kafka_bootstrap: str) -> Seeded:
    tag = uuid.uuid4().hex[:8]
    opd_x, opd_y = f"opd-x-{tag}", f"opd-y-{tag}"
    a, s, b = new_nip(), new_nip(), new_nip()
    now = datetime.now(UTC)
    day = now.date()
    first = [
        employee(s, opd_x, "bidang-a", None),
        employee(a, opd_x, "bidang-a", s),
        employee(b, opd_y, "bidang-b", None),
        requested(a, opd_x, f"req-{tag}-a", [day + timedelta(days=7)], now),
    ]
    time.sleep(0.01)
    mid = datetime.now(UTC)
    time.sleep(0.01)
    second = [
        decided("approved", a, opd_x, f"req-{tag}-a", s, datetime.now(UTC)),
        requested(b, opd_y, f"req-{tag}-b", [day + timedelta(days=8)], datetime.now(UTC)),
        report(b, opd_y, day, [output(2)], datetime.now(UTC)),
    ]
    assert max(e.recorded_at for e in first) < mid < min(e.recorded_at for e in second)
    asyncio.run(publish(kafka_bootstrap, first + second, client_name="audit-trails"))
    return Seeded(opd_x, opd_y, a, s, b, new_nip(), first, second, mid)


@pytest.fixture(scope="module")
def audit(audit_service: ServiceProcess, seeded: Seeded) -> ServiceProcess:
    auditor = bearer(Role.AUDITOR, seeded.auditor, None)
    for opd in (seeded.opd_x, seeded.opd_y):  # every seeded event archived before the tests
        _wait_archived(audit_service, auditor, seeded, opd)
    return audit_service


def _wait_archived(
    service: ServiceProcess, headers: dict[str, str], seeded: Seeded, opd: str
) -> None:
    poll(
        lambda: ok(get(service, "/audit/trails", headers, opd_id=opd, limit=1000)),
        lambda body: _ids(body) >= seeded.ids(opd_id=opd),
        timeout=120,
    )


def _ids(body: dict[str, Any], *, with_access: bool = False) -> set[str]:
    return {item["event_id"] for item in body["items"] if with_access or item["type"] != ACCESS}


def _auditor(seeded: Seeded) -> dict[str, str]:
    return bearer(Role.AUDITOR, seeded.auditor, None)


# --- Filters ---------------------------------------------------------------------------------


def test_each_filter_selects_its_events(audit: ServiceProcess, seeded: Seeded) -> None:
    auditor = _auditor(seeded)

    def trail(**params: Any) -> dict[str, Any]:
        body: dict[str, Any] = ok(get(audit, "/audit/trails", auditor, limit=1000, **params))
        return body

    by_a = trail(nip=seeded.a)
    assert _ids(by_a) == seeded.ids(subject=seeded.a)
    assert {item["subject"] for item in by_a["items"]} == {seeded.a}
    assert _ids(trail(opd_id=seeded.opd_y)) == seeded.ids(opd_id=seeded.opd_y)
    assert _ids(trail(opd_id=seeded.opd_x)) == seeded.ids(opd_id=seeded.opd_x)
    # a supervisor's trail: what they acted on (the approval of a's request), nothing else
    assert _ids(trail(supervisor=seeded.s)) == seeded.ids(actor=seeded.s)
    assert len(seeded.ids(actor=seeded.s)) == 1
    requests_x = trail(opd_id=seeded.opd_x, type="WfaRequested")
    assert _ids(requests_x) == seeded.ids(opd_id=seeded.opd_x, type="WfaRequested")
    # the period, on recorded_at: before and after the middle of the two rounds
    mid = seeded.mid.isoformat()
    both = {*seeded.ids(opd_id=seeded.opd_x), *seeded.ids(opd_id=seeded.opd_y)}
    later = {e.event_id for e in seeded.second}
    after = _ids(trail(opd_id=seeded.opd_x, **{"from": mid})) | _ids(
        trail(opd_id=seeded.opd_y, **{"from": mid})
    )
    assert after & both == later
    before = _ids(trail(opd_id=seeded.opd_x, to=mid)) | _ids(trail(opd_id=seeded.opd_y, to=mid))
    assert before == {e.event_id for e in seeded.first}
    today = seeded.mid.date()
    assert _ids(trail(nip=seeded.b, **{"from": today.isoformat(), "to": today.isoformat()})) == (
        seeded.ids(subject=seeded.b)
    )
    assert _ids(trail(nip=seeded.b, **{"from": (today + timedelta(days=1)).isoformat()})) == set()

    # items carry the envelope and the decoded payload, and their bytes match their hash
    approval = next(i for i in trail(supervisor=seeded.s)["items"])
    assert approval["type"] == "WfaApproved" and approval["actor"] == seeded.s
    assert approval["payload"]["approver_nip"] == seeded.s
    assert approval["payload"]["nip"] == seeded.a
    assert approval["verified"] is True and approval["opd_id"] == seeded.opd_x

    refused(get(audit, "/audit/trails", auditor, type="Nope"), 422, "unknown_event_type")
    bad_period: dict[str, Any] = {"from": "kemarin"}
    refused(get(audit, "/audit/trails", auditor, **bad_period), 422, "invalid_period")
    refused(get(audit, "/audit/trails", auditor, after="x"), 422, "invalid_cursor")
    refused(get(audit, "/audit/trails", auditor, nip="123"), 422, "invalid_request")


def test_pages_walk_the_trail_once_in_order(audit: ServiceProcess, seeded: Seeded) -> None:
    auditor = _auditor(seeded)
    whole = ok(get(audit, "/audit/trails", auditor, opd_id=seeded.opd_y, limit=1000))
    seen: list[str] = []
    after: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {"opd_id": seeded.opd_y, "limit": 2}
        if after:
            params["after"] = after
        page = ok(get(audit, "/audit/trails", auditor, **params))
        seen += [item["event_id"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
    # each page read is itself logged (an access event about b, of OPD y): the trail grows at
    # its end while it is walked, never before the page marker
    assert seen[: whole["count"]] == [item["event_id"] for item in whole["items"]]
    assert set(seen) >= seeded.ids(opd_id=seeded.opd_y) and len(seen) == len(set(seen))
    stamps = [(i["recorded_at"], i["event_id"]) for i in whole["items"]]
    assert stamps == sorted(stamps)


# --- Role rules and the access log -----------------------------------------------------------


def test_employees_read_only_their_own_trail(audit: ServiceProcess, seeded: Seeded) -> None:
    a = bearer(Role.ASN, seeded.a, seeded.opd_x)
    own = ok(get(audit, "/audit/trails", a, limit=1000))
    assert _ids(own) == seeded.ids(subject=seeded.a)
    assert own["filters"]["nip"] == seeded.a
    refused(get(audit, "/audit/trails", a, nip=seeded.b), 403, "trail_scope")
    refused(get(audit, "/audit/trails", a, opd_id=seeded.opd_x), 403, "trail_scope")
    refused(get(audit, "/audit/trails/export", a, nip=seeded.b), 403, "trail_scope")
    refused(get(audit, "/audit/events", a), 403, "forbidden_role")
    supervisor = bearer(Role.ATASAN, seeded.s, seeded.opd_x)
    refused(get(audit, "/audit/trails", supervisor, supervisor=seeded.s), 403, "trail_scope")
    refused(get(audit, "/audit/trails", supervisor, nip=seeded.a), 403, "trail_scope")
    ops = bearer(Role.OPS, new_nip(), None)
    refused(get(audit, "/audit/trails", ops, nip=seeded.a), 403, "trail_scope")
    refused(get(audit, "/audit/events", ops), 403, "forbidden_role")
    refused(get(audit, "/audit/access-log", a, nip=seeded.b), 403, "access_log_scope")
    # BKD reads every trail, like auditors
    bkd = bearer(Role.ADMIN_BKD, new_nip(), None)
    assert _ids(ok(get(audit, "/audit/trails", bkd, nip=seeded.b))) == seeded.ids(subject=seeded.b)
    assert ok(get(audit, "/audit/events", bkd, subject=seeded.b))["count"] >= 1
    assert get(audit, "/audit/trails", {}).status_code == 401


def test_an_employee_sees_who_read_their_trail(audit: ServiceProcess, seeded: Seeded) -> None:
    reader = new_nip()
    auditor = bearer(Role.AUDITOR, reader, None)
    read = ok(get(audit, "/audit/trails", auditor, nip=seeded.a, purpose="pemeriksaan rutin"))
    assert read["count"] >= len(seeded.ids(subject=seeded.a))
    a = bearer(Role.ASN, seeded.a, seeded.opd_x)
    ok(get(audit, "/audit/trails", a))  # reading one's own trail is not logged

    log = poll(
        lambda: ok(get(audit, "/audit/access-log", a)),
        lambda body: any(item["reader_nip"] == reader for item in body["items"]),
        timeout=90,
    )
    assert log["nip"] == seeded.a
    entry = next(item for item in log["items"] if item["reader_nip"] == reader)
    assert entry["reader_role"] == "auditor"
    assert entry["data_kind"] == "audit_trail"
    assert entry["route"] == "/audit/trails"
    assert entry["purpose"] == "pemeriksaan rutin"
    assert entry["records"] == read["count"]
    assert entry["at"] and entry["access_id"]
    assert all(item["reader_nip"] != seeded.a for item in log["items"])
    times = [item["at"] for item in log["items"]]
    assert times == sorted(times, reverse=True)

    # an auditor reads a's access log, and that read is logged too
    other = new_nip()
    seen = ok(get(audit, "/audit/access-log", bearer(Role.AUDITOR, other, None), nip=seeded.a))
    assert seen["nip"] == seeded.a and seen["count"] >= 1
    poll(
        lambda: ok(get(audit, "/audit/access-log", a)),
        lambda body: any(
            i["reader_nip"] == other and i["data_kind"] == "access_log" for i in body["items"]
        ),
        timeout=90,
    )
    # b's log holds nothing of these reads
    b_log = ok(get(audit, "/audit/access-log", bearer(Role.ASN, seeded.b, seeded.opd_y)))
    assert all(item["reader_nip"] not in {reader, other} for item in b_log["items"])


# --- Exports with proofs ---------------------------------------------------------------------


def _jsonl(audit: ServiceProcess, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = get(audit, "/audit/trails/export", headers, format="jsonl", **params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in answer.headers["content-disposition"]
    return [orjson.loads(line) for line in answer.content.splitlines()]


def _sealed_export(audit: ServiceProcess, seeded: Seeded) -> list[dict[str, Any]]:
    """The JSONL export of OPD x once every seeded event of it is sealed."""
    return poll(  # type: ignore[no-any-return]
        lambda: _jsonl(audit, _auditor(seeded), opd_id=seeded.opd_x),
        lambda lines: (
            {line["event_id"] for line in lines[1:] if line["sealed"]}
            >= seeded.ids(opd_id=seeded.opd_x)
        ),
        timeout=120,
    )


def _line_verifies(line: dict[str, Any], checkpoint: verify_proofs.Checkpoint) -> bool:
    leaf = verify_proofs.event_leaf_input(
        line["topic"], int(line["partition"]), int(line["offset"]), line["event_id"], line["raw"]
    )
    return verify_proofs.verify_inclusion(
        verify_proofs.leaf_hash(leaf),
        int(line["leaf_index"]),
        checkpoint.tree_size,
        [base64.b64decode(h) for h in line["proof"]],
        checkpoint.root_hash,
    )


def _bundle_of(header: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """What an auditor builds from a JSONL export for verify_proofs.py."""
    return {
        "checkpoints": [header["checkpoint"]],
        "inclusion": [
            {
                "checkpoint": 0,
                "index": line["leaf_index"],
                "event": {k: line[k] for k in ("topic", "partition", "offset", "event_id", "raw")},
                "proof": line["proof"],
            }
            for line in lines
            if line["sealed"]
        ],
    }


def test_a_jsonl_export_verifies_offline_and_a_changed_event_fails(
    audit: ServiceProcess, seeded: Seeded
) -> None:
    header, *lines = _sealed_export(audit, seeded)
    assert header["public_key"] == PUBLIC_KEY
    assert header["filters"]["opd_id"] == seeded.opd_x
    checkpoint = verify_proofs.verify_checkpoint(
        header["checkpoint"]["text"], header["checkpoint"]["signature"], PUBLIC_KEY
    )
    assert checkpoint is not None and checkpoint.origin == header["origin"]
    ours = [line for line in lines if line["event_id"] in seeded.ids(opd_id=seeded.opd_x)]
    assert len(ours) == len(seeded.ids(opd_id=seeded.opd_x))
    raw_of = {e.event_id: e for e in seeded.events}
    for line in ours:
        assert line["tree_size"] == checkpoint.tree_size
        assert orjson.loads(line["raw"])["event_id"] == line["event_id"]
        assert raw_of[line["event_id"]].subject == line["subject"]
        assert _line_verifies(line, checkpoint)
        changed = {**line, "raw": line["raw"].replace(seeded.opd_x, seeded.opd_y)}
        assert changed["raw"] != line["raw"]
        assert not _line_verifies(changed, checkpoint)

    key = verify_proofs.load_public_key(PUBLIC_KEY)
    bundle = _bundle_of(header, ours)
    assert verify_proofs.check_bundle(bundle, key, "en")
    tampered = copy.deepcopy(bundle)
    event = tampered["inclusion"][1]["event"]
    event["raw"] = event["raw"].replace('"opd_id":"', '"opd_id":"z')
    assert not verify_proofs.check_bundle(tampered, key, "en")


def test_a_csv_export_carries_proofs_and_checkpoints(audit: ServiceProcess, seeded: Seeded) -> None:
    _sealed_export(audit, seeded)
    answer = get(audit, "/audit/trails/export", _auditor(seeded), format="csv", nip=seeded.a)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text, newline="")))
    ours = [row for row in rows if row["event_id"] in seeded.ids(subject=seeded.a)]
    assert len(ours) == len(seeded.ids(subject=seeded.a))
    for row in ours:
        assert row["sealed"] == "true"
        checkpoint = verify_proofs.verify_checkpoint(
            row["checkpoint"], row["checkpoint_signature"], PUBLIC_KEY
        )
        assert checkpoint is not None
        line = {**row, "proof": row["proof"].split(" ") if row["proof"] else []}
        assert _line_verifies(line, checkpoint)
        assert not _line_verifies({**line, "raw": row["raw"] + " "}, checkpoint)


def test_a_bundle_export_passes_the_verifier_command_and_a_changed_event_fails_it(
    audit: ServiceProcess, seeded: Seeded, tmp_path: Path
) -> None:
    _sealed_export(audit, seeded)
    answer = get(
        audit, "/audit/trails/export", _auditor(seeded), format="bundle", opd_id=seeded.opd_y
    )
    assert answer.status_code == 200, answer.text
    bundle = answer.json()
    proven = {entry["event_id"] for entry in bundle["inclusion"]}
    if not proven >= seeded.ids(opd_id=seeded.opd_y):  # y's events may be sealed a block later
        bundle = poll(
            lambda: get(
                audit,
                "/audit/trails/export",
                _auditor(seeded),
                format="bundle",
                opd_id=seeded.opd_y,
            ).json(),
            lambda body: (
                {e["event_id"] for e in body["inclusion"]} >= seeded.ids(opd_id=seeded.opd_y)
            ),
            timeout=120,
        )
    assert len(bundle["checkpoints"]) == 1

    # offline: a copy of the verifier outside the platform, the key given on the command line
    verifier = tmp_path / "verify_proofs.py"
    verifier.write_bytes(VERIFIER.read_bytes())
    path = tmp_path / "bundle.json"
    path.write_bytes(orjson.dumps(bundle))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(verifier), str(path), "--public-key", PUBLIC_KEY],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )

    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    tampered = copy.deepcopy(bundle)
    event = next(e for e in tampered["inclusion"] if e["event_id"] in seeded.ids(subject=seeded.b))
    event["event"]["raw"] = event["event"]["raw"].replace(seeded.b, seeded.a)
    path.write_bytes(orjson.dumps(tampered))
    failed = run()
    assert failed.returncode == 1, failed.stdout
    assert "GAGAL" in failed.stdout


def test_exports_are_logged_as_reads_of_each_employee(
    audit: ServiceProcess, seeded: Seeded
) -> None:
    reader = new_nip()
    lines = _jsonl(audit, bearer(Role.ADMIN_BKD, reader, None), opd_id=seeded.opd_y)
    assert {line["event_id"] for line in lines[1:]} >= seeded.ids(opd_id=seeded.opd_y)
    b = bearer(Role.ASN, seeded.b, seeded.opd_y)
    log = poll(
        lambda: ok(get(audit, "/audit/access-log", b)),
        lambda body: any(item["reader_nip"] == reader for item in body["items"]),
        timeout=90,
    )
    entry = next(item for item in log["items"] if item["reader_nip"] == reader)
    assert entry["data_kind"] == "audit_export" and entry["reader_role"] == "admin_bkd"
    assert entry["route"] == "/audit/trails/export"
    # b's own export is theirs to take
    own = _jsonl(audit, b)
    assert {line["subject"] for line in own[1:]} == {seeded.b}
    assert date.fromisoformat(own[0]["generated_at"][:10]) >= seeded.mid.date()
