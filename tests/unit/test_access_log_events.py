"""The access log's pure part: which accesses a read makes, and the events they become."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from services.runtime.edge.access_log import (
    Access,
    access_envelopes,
    access_events,
    accesses_of_rows,
    export_kind,
    merged,
    roster_opd,
)
from services.runtime.edge.identity import Principal, Role

READER = "198001012005011001"
ALICE = "199001012015012001"
BOB = "199202022016021002"

SUPERVISOR = Principal(nip=READER, role=Role.ATASAN, opd_id="dinas-kominfo")


def _access(nip: str, **changes: object) -> Access:
    fields: dict[str, object] = {
        "subject_nip": nip,
        "opd_id": "dinas-kominfo",
        "data_kind": "wfa_request",
        "route": "/wfa/requests/{request_id}",
        "records": 1,
    }
    fields.update(changes)
    return Access(**fields)  # type: ignore[arg-type]


def test_rows_make_one_access_per_employee_with_their_count_and_days() -> None:
    rows: list[dict[str, object]] = [
        {"nip": ALICE, "work_date": date(2026, 3, 4)},
        {"nip": BOB, "work_date": "2026-03-02"},
        {"nip": ALICE, "work_date": "2026-03-09"},
        {"nip": ALICE, "work_date": date(2026, 3, 1)},
    ]
    accesses = accesses_of_rows(
        rows,
        data_kind="attendance",
        route="/reporting/anomalies",
        purpose="audit",
        day_keys=("work_date",),
    )
    assert [a.subject_nip for a in accesses] == [ALICE, BOB]
    alice, bob = accesses
    assert (alice.records, alice.period_from, alice.period_to) == (
        3,
        date(2026, 3, 1),
        date(2026, 3, 9),
    )
    assert (bob.records, bob.period_from, bob.period_to) == (
        1,
        date(2026, 3, 2),
        date(2026, 3, 2),
    )
    assert {a.data_kind for a in accesses} == {"attendance"}
    assert {a.purpose for a in accesses} == {"audit"}


def test_list_valued_days_span_the_period_and_bad_days_are_ignored() -> None:
    rows = [
        {"nip": ALICE, "dates": ["2026-03-05", "2026-03-03"]},
        {"nip": ALICE, "dates": ["not a day"]},
        {"nip": BOB, "dates": []},
    ]
    alice, bob = accesses_of_rows(rows, data_kind="wfa_request", route="r", day_keys=("dates",))
    assert (alice.records, alice.period_from, alice.period_to) == (
        2,
        date(2026, 3, 3),
        date(2026, 3, 5),
    )
    assert (bob.period_from, bob.period_to) == (None, None)


def test_the_roster_opd_comes_first_then_the_row() -> None:
    roster = {ALICE: SimpleNamespace(opd_id="dinas-kesehatan")}
    directory = SimpleNamespace(lookup=roster.get)
    rows = [{"nip": ALICE, "opd_id": "dinas-lama"}, {"nip": BOB, "opd_id": "dinas-pendidikan"}]
    alice, bob = accesses_of_rows(rows, data_kind="k", route="r", opd_of=roster_opd(directory))
    assert alice.opd_id == "dinas-kesehatan"
    assert bob.opd_id == "dinas-pendidikan"


def test_rows_without_a_nip_are_no_access() -> None:
    assert accesses_of_rows([{"nip": ""}, {"name": "x"}], data_kind="k", route="r") == []


def test_the_readers_own_data_makes_no_event() -> None:
    events = access_events(SUPERVISOR, [_access(READER), _access(ALICE)])
    assert [payload.subject_nip for payload, _ in events] == [ALICE]
    payload, opd_id = events[0]
    assert payload.reader_nip == READER
    assert payload.reader_role == "atasan"
    assert payload.data_kind == "wfa_request"
    assert payload.route == "/wfa/requests/{request_id}"
    assert opd_id == "dinas-kominfo"


def test_one_event_per_subject_kind_and_route_with_records_added_up() -> None:
    accesses = [
        _access(ALICE, records=2, period_from=date(2026, 3, 2), period_to=date(2026, 3, 3)),
        _access(ALICE, records=5, period_from=date(2026, 3, 1), period_to=date(2026, 3, 2)),
        _access(ALICE, data_kind="daily_report"),
        _access(BOB, opd_id=""),
        _access(BOB, opd_id="dinas-pendidikan"),
    ]
    combined = merged(accesses)
    assert [(a.subject_nip, a.data_kind) for a in combined] == [
        (ALICE, "wfa_request"),
        (ALICE, "daily_report"),
        (BOB, "wfa_request"),
    ]
    first = combined[0]
    assert (first.records, first.period_from, first.period_to) == (
        7,
        date(2026, 3, 1),
        date(2026, 3, 3),
    )
    assert combined[2].opd_id == "dinas-pendidikan"
    assert len(access_events(SUPERVISOR, accesses)) == 3


def test_event_ids_are_distinct_and_records_are_bounded() -> None:
    events = access_events(SUPERVISOR, [_access(ALICE, records=5_000_000), _access(BOB)])
    assert events[0][0].records == 1_000_000
    assert events[0][0].access_id != events[1][0].access_id


def test_a_long_purpose_is_cut_to_what_the_event_holds() -> None:
    from schemas.limits import LONG_TEXT_MAX_CHARS

    ((payload, _),) = access_events(SUPERVISOR, [_access(ALICE, purpose="x" * 100_000)])
    assert len(payload.purpose) == LONG_TEXT_MAX_CHARS


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("json", "attendance"), ("csv", "attendance_export"), ("xlsx", "attendance_export")],
)
def test_a_file_is_an_export(fmt: str, kind: str) -> None:
    assert export_kind("attendance", fmt) == kind


def test_the_envelope_names_the_reader_the_subject_and_the_subjects_opd() -> None:
    accesses = [_access(ALICE, opd_id="dinas-kesehatan"), _access(BOB, opd_id=""), _access(READER)]
    alice, bob = access_envelopes(SUPERVISOR, accesses)
    assert (alice.type, alice.actor, alice.subject, alice.opd_id) == (
        "PersonalDataAccessed",
        READER,
        ALICE,
        "dinas-kesehatan",
    )
    assert alice.event_id == alice.payload["access_id"]
    assert bob.opd_id == "dinas-kominfo"  # unknown to the roster: the reader's OPD
    nobody = Principal(nip=READER, role=Role.ADMIN_BKD, opd_id=None)
    (orphan,) = access_envelopes(nobody, [_access(BOB, opd_id="")])
    assert orphan.opd_id == "unknown"


def test_an_application_token_is_refused_personal_data_a_person_is_not() -> None:
    from services.runtime.edge.access_log import require_person
    from services.runtime.edge.errors import ApiError

    with pytest.raises(ApiError) as refused:
        require_person(Principal(nip="system:simpeg", role=Role.OPS, opd_id=None))
    assert refused.value.status == 403 and refused.value.code == "reader_without_nip"
    require_person(SUPERVISOR)  # a person: no refusal
