"""Trails: periods, page markers, who may read what, the query, and the export formats whose
proofs an auditor checks offline with the standalone verifier."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest

from kernel.refusal import Refusal
from schemas import EmployeeRegistered, new_event
from schemas.serialization import to_record
from services.audit import verify_proofs
from services.audit.domain import trail
from services.audit.domain.checkpoint import (
    DEVELOPMENT_PRIVATE_KEY,
    Checkpoint,
    public_key_text,
    sign_checkpoint,
)
from services.audit.domain.checkpoint import load_private_key as load_key
from services.audit.domain.merkle import MerkleTree, leaf_hash
from services.audit.domain.trail import Cursor, Period, TrailFilter
from services.runtime.edge.errors import REFUSAL_STATUS
from services.runtime.edge.identity import Principal, Role

ASN_NIP = "199001012015031001"
OTHER_NIP = "199202022016042002"
THIRD_NIP = "199303032017053003"
AUDITOR_NIP = "198001012005011001"


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _refusal(call: Any, *args: Any) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args)
    return caught.value


# --- Period ----------------------------------------------------------------------------------


def test_a_date_covers_its_whole_day_and_to_is_inclusive() -> None:
    period = trail.parse_period("2026-03-02", "2026-03-04")
    assert period.since_ms == _ms("2026-03-02T00:00:00+00:00")
    assert period.until_ms == _ms("2026-03-05T00:00:00+00:00")
    assert (period.first_day, period.last_day) == (date(2026, 3, 2), date(2026, 3, 4))


def test_date_times_keep_their_offset_and_a_bare_one_is_utc() -> None:
    period = trail.parse_period("2026-03-02T08:00:00+07:00", "2026-03-02T10:30:00")
    assert period.since_ms == _ms("2026-03-02T01:00:00+00:00")
    assert period.until_ms == _ms("2026-03-02T10:30:00+00:00")
    assert trail.parse_period("2026-03-02T01:00:00Z", None).since_ms == period.since_ms
    assert trail.parse_period(None, None) == Period()


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("kemarin", None),
        (None, "2026-02-30"),
        ("2026-03-05", "2026-03-04"),
        ("2026-03-04T10:00Z", "2026-03-04T10:00Z"),
    ],
)
def test_an_unreadable_or_empty_period_is_a_bilingual_422(
    since: str | None, until: str | None
) -> None:
    refused = _refusal(trail.parse_period, since, until)
    assert (status_of(refused), refused.code) == (422, "invalid_period")
    assert refused.message_id and refused.message_en and refused.message_id != refused.message_en


# --- Page markers ----------------------------------------------------------------------------


def test_a_page_marker_goes_round_and_a_forged_one_is_refused() -> None:
    cursor = Cursor(1_764_000_000_123, "01JABCDEFGHJKMNPQRSTVWXYZ0")
    assert trail.decode_cursor(trail.encode_cursor(cursor)) == cursor
    assert trail.decode_cursor(None) is None
    for forged in (
        "1764000000123",
        "abc.01JABCDEFGHJKMNPQRSTVWXYZ0",
        "1.01jabcdefghjkmnpqrstvwxyz0",
    ):
        assert _refusal(trail.decode_cursor, forged).code == "invalid_cursor"


def test_the_next_marker_is_the_last_row_of_a_full_page_only() -> None:
    rows = [{"recorded_ms": 5, "event_id": "A" * 26}, {"recorded_ms": 7, "event_id": "B" * 26}]
    assert trail.next_cursor(rows, 2) == "7." + "B" * 26
    assert trail.next_cursor(rows, 3) is None
    assert trail.next_cursor([], 1) is None


# --- Who reads what --------------------------------------------------------------------------


def _user(role: Role, nip: str = ASN_NIP) -> Principal:
    return Principal(nip=nip, role=role, opd_id="dinas-kominfo")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN_BKD])
def test_auditors_and_bkd_read_every_trail(role: Role) -> None:
    asked = TrailFilter(opd_id="bappeda", supervisor=OTHER_NIP, event_type="WfaApproved")
    assert trail.scope_trail(_user(role, AUDITOR_NIP), asked) == asked
    assert trail.scope_trail(_user(role, AUDITOR_NIP), TrailFilter()) == TrailFilter()


@pytest.mark.parametrize("role", [Role.ASN, Role.ATASAN, Role.KEPALA_OPD, Role.OPS, Role.SYSTEM])
def test_anyone_else_reads_only_their_own_trail(role: Role) -> None:
    user = _user(role)
    assert trail.scope_trail(user, TrailFilter()).nip == ASN_NIP
    mine = TrailFilter(nip=ASN_NIP, event_type="CheckedIn")
    assert trail.scope_trail(user, mine) == mine
    for field, asked in (
        ("nip", TrailFilter(nip=OTHER_NIP)),
        ("opd_id", TrailFilter(opd_id="dinas-kominfo")),
        ("supervisor", TrailFilter(supervisor=ASN_NIP)),
    ):
        refused = _refusal(trail.scope_trail, user, asked)
        assert (status_of(refused), refused.code) == (403, "trail_scope")
        assert refused.details == [{"field": field}]


def test_an_unknown_event_type_is_a_422_for_everyone() -> None:
    refused = _refusal(
        trail.scope_trail, _user(Role.AUDITOR, AUDITOR_NIP), TrailFilter(event_type="Nope")
    )
    assert (status_of(refused), refused.code) == (422, "unknown_event_type")
    assert "PersonalDataAccessed" in refused.details[0]["known"]


def test_an_employee_reads_their_own_access_log_and_auditors_anyones() -> None:
    assert trail.scope_access_log(_user(Role.ASN), None) == ASN_NIP
    assert trail.scope_access_log(_user(Role.ASN), ASN_NIP) == ASN_NIP
    assert status_of(_refusal(trail.scope_access_log, _user(Role.ATASAN), OTHER_NIP)) == 403
    assert _refusal(trail.scope_access_log, _user(Role.OPS), OTHER_NIP).code == "access_log_scope"
    for role in (Role.AUDITOR, Role.ADMIN_BKD):
        assert trail.scope_access_log(_user(role, AUDITOR_NIP), OTHER_NIP) == OTHER_NIP
        assert trail.scope_access_log(_user(role, AUDITOR_NIP), None) == AUDITOR_NIP


# --- The query -------------------------------------------------------------------------------


def test_every_filter_becomes_a_bound_condition() -> None:
    period = trail.parse_period("2026-03-01", "2026-03-31")
    filters = TrailFilter(ASN_NIP, "bappeda", OTHER_NIP, "WfaApproved", period)
    sql, params = trail.trail_query(filters, Cursor(9, "C" * 26), 50)
    for condition in (
        "subject = {nip:String}",
        "opd_id = {opd:String}",
        "actor = {actor:String}",
        "type = {type:String}",
        ">= {since:Int64}",
        "< {until:Int64}",
        ") > ({after_ms:Int64}, {after_id:String})",
    ):
        assert condition in sql
    assert params == {
        "limit": 50,
        "nip": ASN_NIP,
        "opd": "bappeda",
        "actor": OTHER_NIP,
        "type": "WfaApproved",
        "since": period.since_ms,
        "until": period.until_ms,
        "after_ms": 9,
        "after_id": "C" * 26,
    }
    assert "LIMIT 1 BY event_id" in sql and "ORDER BY recorded_ms, event_id" in sql
    assert "'" not in sql  # nothing the caller sent is spliced into the text


def test_no_filter_means_no_condition_and_newest_first_reverses_the_order() -> None:
    sql, params = trail.trail_query(TrailFilter(), None, 10)
    assert " WHERE " not in sql and params == {"limit": 10}
    sql, _ = trail.trail_query(TrailFilter(), Cursor(9, "C" * 26), 10, newest_first=True)
    assert "ORDER BY recorded_ms DESC, event_id DESC" in sql and ") < (" in sql


# --- Rendering -------------------------------------------------------------------------------


def _raw(nip: str = ASN_NIP, opd: str = "bappeda") -> tuple[str, str]:
    payload = EmployeeRegistered(
        nip=nip,
        name="Siti Rahma",
        opd_id=opd,
        work_unit_id="bidang-a",
        position="Analis",
        position_category="administrasi",
        supervisor_nip=None,
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
    )
    envelope = new_event(payload, actor=AUDITOR_NIP, subject=nip, opd_id=opd)
    return envelope.event_id, to_record(envelope).value.decode("utf-8")


def _row(offset: int, nip: str = ASN_NIP, opd: str = "bappeda") -> dict[str, Any]:
    event_id, raw = _raw(nip, opd)
    return {
        "event_id": event_id,
        "type": "EmployeeRegistered",
        "schema_version": 1,
        "subject": nip,
        "opd_id": opd,
        "actor": AUDITOR_NIP,
        "correlation_id": "corr-1",
        "causation_id": None,
        "occurred_ms": 1_764_000_000_123,
        "recorded_ms": 1_764_000_000_456,
        "topic": "wfa.roster.v1",
        "partition": 2,
        "offset": offset,
        "sha256": hashlib.sha256(raw.encode()).hexdigest(),
        "raw": raw,
    }


def test_a_trail_item_carries_the_envelope_and_the_decoded_payload() -> None:
    row = _row(7)
    item = trail.trail_item(row)
    assert item["event_id"] == row["event_id"] and item["subject"] == ASN_NIP
    assert item["recorded_at"] == "2025-11-24T16:00:00.456Z"
    assert item["occurred_at"] == "2025-11-24T16:00:00.123Z"
    assert item["payload"]["name"] == "Siti Rahma"
    assert (item["topic"], item["partition"], item["offset"]) == ("wfa.roster.v1", 2, 7)
    assert item["verified"] is True


def test_an_edited_row_shows_unverified_and_an_unreadable_one_keeps_its_envelope() -> None:
    edited = _row(7)
    edited["raw"] = edited["raw"].replace("Siti Rahma", "Siti Rahmi")
    assert trail.trail_item(edited)["verified"] is False
    broken = {**_row(8), "raw": "{not json"}
    item = trail.trail_item(broken)
    assert item["payload"] is None and item["payload_error"] and item["verified"] is False
    assert item["event_id"] == broken["event_id"]


def test_subjects_are_counted_with_their_opd() -> None:
    rows = [_row(1), _row(2), _row(3, OTHER_NIP, "dinas-kominfo")]
    assert trail.subjects_of(rows) == {ASN_NIP: ("bappeda", 2), OTHER_NIP: ("dinas-kominfo", 1)}


def test_an_access_entry_says_who_read_what_and_why() -> None:
    from schemas import PersonalDataAccessed

    payload = PersonalDataAccessed(
        access_id="01JABCDEFGHJKMNPQRSTVWXYZ0",
        reader_nip=OTHER_NIP,
        reader_role="atasan",
        subject_nip=ASN_NIP,
        subjects=[
            {"nip": ASN_NIP, "records": 2, "period_from": "2026-03-02", "period_to": "2026-03-02"},
            {"nip": THIRD_NIP, "records": 5, "period_from": "2026-03-01", "period_to": None},
        ],
        data_kind="precise_location",
        route="/attendance/locations/{nip}",
        purpose="pembinaan pegawai",
        records=7,
        period_from=date(2026, 3, 2),
        period_to=date(2026, 3, 2),
    )
    envelope = new_event(
        payload, actor=OTHER_NIP, subject=ASN_NIP, opd_id="bappeda", event_id=payload.access_id
    )
    raw = to_record(envelope).value.decode()
    row = {**_row(1), "event_id": envelope.event_id, "actor": OTHER_NIP, "raw": raw}
    entry = trail.access_item(row, ASN_NIP, {OTHER_NIP: "Budi Santoso"})
    assert entry == {
        "access_id": payload.access_id,
        "at": "2025-11-24T16:00:00.123Z",
        "reader_nip": OTHER_NIP,
        "reader_name": "Budi Santoso",
        "reader_app": None,
        "reader_role": "atasan",
        "data_kind": "precise_location",
        "route": "/attendance/locations/{nip}",
        "purpose": "pembinaan pegawai",
        "records": 2,
        "period_from": "2026-03-02",
        "period_to": "2026-03-02",
        "subjects_in_read": 2,
    }
    # the other employee of the same read sees their own records in it
    theirs = trail.access_item(row, THIRD_NIP, {})
    assert (theirs["records"], theirs["period_from"], theirs["reader_name"]) == (
        5,
        "2026-03-01",
        None,
    )
    assert trail.reader_nips([row, {**row, "actor": "system:simpeg"}]) == {OTHER_NIP}


def test_the_access_log_query_finds_the_reads_listing_the_employee() -> None:
    filters = trail.TrailFilter(nip=THIRD_NIP, event_type=trail.ACCESS_EVENT_TYPE)
    sql, params = trail.trail_query(filters, None, 10, newest_first=True, listed_subject=True)
    assert "JSONExtractArrayRaw(raw, 'payload', 'subjects')" in sql
    assert params["nip"] == THIRD_NIP and params["type"] == trail.ACCESS_EVENT_TYPE


# --- Exports and the offline check -----------------------------------------------------------


def _sealed(rows: list[dict[str, Any]]) -> tuple[MerkleTree, dict[str, str], str]:
    """The rows sealed as the archive seals them, with a signed checkpoint of the tree."""
    tree = MerkleTree()
    for row in rows:
        tree.append_data(
            verify_proofs.leaf_input(
                row["topic"], row["partition"], row["offset"], row["event_id"], row["sha256"]
            )
        )
    key = load_key(DEVELOPMENT_PRIVATE_KEY, allow_development_key=True)
    signed = sign_checkpoint(
        Checkpoint("wfa.test/audit", tree.size, tree.root(), datetime(2026, 3, 2, tzinfo=UTC)),
        key,
    )
    return tree, {"text": signed.text, "signature": signed.signature}, public_key_text(key)


def _proof(tree: MerkleTree, index: int, checkpoint: dict[str, str]) -> dict[str, Any]:
    return {
        "leaf_index": index,
        "leaf_hash": base64.b64encode(tree.leaf(index)).decode(),
        "tree_size": tree.size,
        "proof": [base64.b64encode(h).decode() for h in tree.inclusion_proof(index)],
        "checkpoint": checkpoint,
    }


def _verifies(line: dict[str, Any], checkpoint: dict[str, str], key: str) -> bool:
    """What an auditor does with one exported line, with nothing but the verifier and the key."""
    signed = verify_proofs.verify_checkpoint(checkpoint["text"], checkpoint["signature"], key)
    assert signed is not None
    leaf = verify_proofs.event_leaf_input(
        line["topic"], int(line["partition"]), int(line["offset"]), line["event_id"], line["raw"]
    )
    proof = [base64.b64decode(h) for h in line["proof"]]
    return verify_proofs.verify_inclusion(
        leaf_hash(leaf), int(line["leaf_index"]), signed.tree_size, proof, signed.root_hash
    )


def test_an_exported_line_verifies_offline_and_an_edited_one_does_not() -> None:
    rows = [_row(offset) for offset in range(5)]
    tree, checkpoint, key = _sealed(rows)
    for index, row in enumerate(rows):
        line = orjson.loads(
            trail.jsonl_line(trail.export_entry(row, _proof(tree, index, checkpoint)))
        )
        assert list(line) == list(trail.EXPORT_COLUMNS)
        assert line["sealed"] is True and line["raw"] == row["raw"]
        assert _verifies(line, checkpoint, key)
        edited = {**line, "raw": line["raw"].replace("Siti", "Sita")}
        assert not _verifies(edited, checkpoint, key)
        moved = {**line, "offset": line["offset"] + 1}
        assert not _verifies(moved, checkpoint, key)


def test_the_exported_hash_is_of_the_exported_bytes_not_the_stored_hash() -> None:
    row = _row(3)
    edited = {**row, "raw": row["raw"].replace("Siti", "Sita")}  # the archive edited, hash kept
    entry = trail.export_entry(edited, None)
    assert entry["sha256"] == hashlib.sha256(edited["raw"].encode()).hexdigest() != row["sha256"]
    assert entry["sealed"] is False and entry["proof"] is None and entry["leaf_index"] is None


def test_a_csv_export_carries_the_same_columns_and_the_checkpoint() -> None:
    rows = [_row(offset) for offset in range(3)]
    tree, checkpoint, key = _sealed(rows)
    text = trail.csv_header() + "".join(
        trail.csv_row(trail.export_entry(row, _proof(tree, i, checkpoint)), checkpoint)
        for i, row in enumerate(rows)
    )
    text += trail.csv_row(trail.export_entry(_row(9), None), checkpoint)
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(records[0]) == list(trail.CSV_COLUMNS)
    for record, row in zip(records[:3], rows, strict=True):
        assert record["raw"] == row["raw"] and record["sealed"] == "true"
        signed = {"text": record["checkpoint"], "signature": record["checkpoint_signature"]}
        assert signed == checkpoint
        line = {**record, "proof": record["proof"].split(" ")}
        assert _verifies(line, signed, key)
    unsealed = records[3]
    assert unsealed["sealed"] == "false"
    assert unsealed["proof"] == unsealed["leaf_index"] == unsealed["checkpoint"] == ""


def test_the_jsonl_header_names_the_checkpoint_key_and_filters() -> None:
    filters = TrailFilter(nip=ASN_NIP, period=trail.parse_period("2026-03-01", "2026-03-01"))
    header = trail.jsonl_header(
        filters=filters,
        checkpoint={"text": "t\n", "signature": "s"},
        public_key="k",
        origin="wfa.test/audit",
        generated_at=datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC),
        limit=10,
    )
    assert header["checkpoint"] == {"text": "t\n", "signature": "s"}
    assert header["filters"] == {
        "nip": ASN_NIP,
        "opd_id": None,
        "supervisor": None,
        "type": None,
        "from": "2026-03-01T00:00:00.000Z",
        "to": "2026-03-02T00:00:00.000Z",
    }
    assert header["generated_at"] == "2026-03-02T01:02:03.000Z"
    assert header["columns"] == list(trail.EXPORT_COLUMNS)


# --- Nobody writes ---------------------------------------------------------------------------


def _routes(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """Every route of an app, through the routers it includes."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route.path, set(getattr(route, "methods", None) or ())


def test_audit_has_no_write_route() -> None:
    from services.audit.main import create_app

    app = create_app()
    routes = list(_routes(app.routes))
    assert {path for path, _ in routes} >= {
        "/audit/events",
        "/audit/events/{event_id}",
        "/audit/trails",
        "/audit/trails/export",
        "/audit/access-log",
    }
    for path, methods in routes:
        assert methods <= {"GET", "HEAD"}, (path, methods)
    for path, operations in app.openapi()["paths"].items():
        assert set(operations) <= {"get", "head"}, (path, set(operations))


def status_of(refused: Refusal) -> int:
    """The HTTP status the edge answers the refusal with."""
    return REFUSAL_STATUS[refused.kind]
