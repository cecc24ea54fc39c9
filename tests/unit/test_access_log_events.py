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


def test_records_are_bounded_and_separate_reads_have_distinct_ids() -> None:
    (listed,) = access_events(SUPERVISOR, [_access(ALICE, records=5_000_000), _access(BOB)])
    assert listed[0].records == 1_000_000
    assert [s.records for s in listed[0].subjects] == [1_000_000, 1]
    first = access_events(SUPERVISOR, [_access(ALICE)])[0][0]
    second = access_events(SUPERVISOR, [_access(ALICE)])[0][0]
    assert first.access_id != second.access_id


def test_a_list_read_is_one_event_listing_its_subjects() -> None:
    accesses = [
        _access(ALICE, records=3, period_from=date(2026, 3, 2), period_to=date(2026, 3, 4)),
        _access(BOB, records=2, period_from=date(2026, 3, 1), period_to=date(2026, 3, 3)),
        _access(READER),  # the reader's own row is no access
    ]
    ((payload, opd_id),) = access_events(SUPERVISOR, accesses)
    assert opd_id == "dinas-kominfo"
    assert payload.subject_nip == ALICE  # the envelope's key: the first subject
    assert [(s.nip, s.records) for s in payload.subjects] == [(ALICE, 3), (BOB, 2)]
    assert payload.subjects[1].period_from == date(2026, 3, 1)
    assert (payload.records, payload.period_from, payload.period_to) == (
        5,
        date(2026, 3, 1),
        date(2026, 3, 4),
    )


def test_a_read_across_opds_is_one_event_per_opd_and_a_huge_one_is_cut() -> None:
    from schemas.events import MAX_ACCESS_SUBJECTS

    accesses = [_access(ALICE, opd_id="dinas-kesehatan"), _access(BOB, opd_id="dinas-pendidikan")]
    assert [opd for _, opd in access_events(SUPERVISOR, accesses)] == [
        "dinas-kesehatan",
        "dinas-pendidikan",
    ]
    many = [_access(f"1990010120150{i:05d}") for i in range(MAX_ACCESS_SUBJECTS + 1)]
    sizes = [len(p.subjects) for p, _ in access_events(SUPERVISOR, many)]
    assert sizes == [MAX_ACCESS_SUBJECTS, 1]


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


def test_an_application_reading_on_its_own_behalf_is_logged_under_its_id() -> None:
    from services.runtime.edge.access_log import require_person

    application = Principal(nip="system:simpeg", role=Role.OPS, opd_id=None)
    require_person(application)  # no refusal any more: the access log names the application
    ((payload, _),) = access_events(application, [_access(ALICE)])
    assert payload.reader_nip is None and payload.reader_app == "system:simpeg"
    assert payload.reader_role == "ops"
    (envelope,) = access_envelopes(application, [_access(ALICE)])
    assert envelope.actor == "system:simpeg" and envelope.subject == ALICE
    ((person, _),) = access_events(SUPERVISOR, [_access(ALICE)])
    assert person.reader_nip == READER and person.reader_app is None


def test_a_v1_event_is_upcast_to_one_listed_subject_read_by_a_person() -> None:
    import orjson

    from schemas.serialization import read_event, to_record

    (envelope,) = access_envelopes(SUPERVISOR, [_access(ALICE, records=4)])
    record = orjson.loads(to_record(envelope).value)
    payload = record["payload"]
    del payload["subjects"], payload["reader_app"]
    record["schema_version"] = 1
    old = read_event(orjson.dumps(record)).payload
    assert old.subjects[0].nip == ALICE and old.subjects[0].records == 4  # type: ignore[attr-defined]
    assert old.reader_app is None and old.reader_nip == READER  # type: ignore[attr-defined]
