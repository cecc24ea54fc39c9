"""Roster parsing and change planning: pure, no I/O."""

from __future__ import annotations

import json
from datetime import date

import pytest

from kernel.refusal import Refusal
from services.eligibility.domain.roster import parse_roster, plan_changes

TODAY = date(2026, 11, 23)
ROW = {
    "nip": "199001012015031001",
    "name": "Andi Pratama",
    "opd_id": "bappeda",
    "work_unit_id": "sekretariat",
    "position": "Perencana",
    "position_category": "administrasi",
    "supervisor_nip": "197001011995031003",
    "employment_type": "PNS",
    "appointment_date": "2015-03-01",
    "office_lat": -6.18,
    "office_lon": 106.82,
}


def _jsonl(*rows: dict[str, object]) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def test_jsonl_and_simpeg_style_csv_give_the_same_employee() -> None:
    from_jsonl = parse_roster(_jsonl(ROW), "jsonl", today=TODAY).employees[0]
    csv = (
        b"NIP;Nama;OPD;Unit Kerja;Jabatan;Kategori Jabatan;NIP Atasan;Jenis Pegawai;TMT;"
        b"Lat Kantor;Lon Kantor\n"
        b"199001012015031001;Andi Pratama;bappeda;sekretariat;Perencana;administrasi;"
        b"197001011995031003;PNS;2015-03-01;-6.18;106.82\n"
    )
    from_csv = parse_roster(csv, "csv", today=TODAY).employees[0]
    assert from_csv == from_jsonl
    assert from_csv.office_location is not None and from_csv.office_location.lat == -6.18


def test_every_row_is_reported_with_its_reason() -> None:
    bad_nip = {**ROW, "nip": "199013012015031001"}  # month 13
    gender = {**ROW, "nip": "199001012015033001"}  # gender digit 3
    missing = {k: v for k, v in ROW.items() if k != "name"} | {"nip": "199102022016022001"}
    self_sup = {**ROW, "nip": "197001011995031003", "supervisor_nip": "197001011995031003"}
    parsed = parse_roster(
        _jsonl(ROW, bad_nip, gender, missing, ROW, self_sup) + b"\nnot json", "jsonl", today=TODAY
    )
    accepted = [r.accepted for r in parsed.rows]
    assert accepted == [True, False, False, False, False, False, False]
    for row in parsed.rejected:
        assert row.reason_id and row.reason_en
    assert "line 1" in parsed.rows[4].reason_en  # duplicate NIP names the first line
    assert "name" in parsed.rows[3].reason_en


def test_unreadable_files_are_refused_whole() -> None:
    with pytest.raises(Refusal):
        parse_roster(b"", "csv", today=TODAY)
    with pytest.raises(Refusal):
        parse_roster(b"\xff\xfe\x00", "jsonl", today=TODAY)


def test_plan_registers_new_updates_changed_and_skips_unchanged() -> None:
    employees = parse_roster(
        _jsonl(ROW, {**ROW, "nip": "199205172019032002"}), "jsonl", today=TODAY
    ).employees
    assert [e.event_type for e in plan_changes(employees, {})] == ["EmployeeRegistered"] * 2
    current = {e.nip: e.model_dump(mode="json") for e in employees}
    assert plan_changes(employees, current) == []
    current["199205172019032002"] = {**current["199205172019032002"], "position": "Staf"}
    changes = plan_changes(employees, current)
    assert [(c.event_type, c.nip) for c in changes] == [("EmployeeUpdated", "199205172019032002")]


def test_the_roster_names_heads_and_delegates_with_their_capacity() -> None:
    head = {**ROW, "supervisor_nip": None, "heads_opd": "bappeda"}
    acting = {**ROW, "nip": "199205172019032002", "heads_opd": "dishub", "head_capacity": "Plt"}
    csv = (
        b"nip,nama,opd,unit_kerja,jabatan,kategori_jabatan,nip_atasan,jenis_pegawai,tmt,"
        b"heads_opd,head_capacity\n"
        b"199001012015031001,Andi Pratama,bappeda,sekretariat,Kepala,administrasi,,PNS,"
        b"2015-03-01,bappeda,\n"
        b"199205172019032002,Budi,bappeda,sekretariat,Sekretaris,administrasi,,PNS,"
        b"2019-03-01,dishub,plh\n"
        b"199102022016022001,Citra,bappeda,sekretariat,Analis,administrasi,,PNS,"
        b"2016-02-01,,\n"
    )
    from_jsonl = parse_roster(_jsonl(head, acting), "jsonl", today=TODAY).employees
    from_csv = parse_roster(csv, "csv", today=TODAY).employees
    named = [(e.heads_opd, e.head_capacity) for e in (*from_jsonl, *from_csv)]
    assert named == [
        ("bappeda", "kepala"),  # a head named without a capacity is the appointed head
        ("dishub", "plt"),  # a delegate from another OPD; the capacity in any case
        ("bappeda", "kepala"),
        ("dishub", "plh"),
        (None, None),
    ]
    capacity_alone = {**ROW, "head_capacity": "plt"}
    refused = parse_roster(_jsonl(capacity_alone), "jsonl", today=TODAY).rows[0]
    assert not refused.accepted and "both set or both null" in refused.reason_en


def test_a_state_recorded_before_heads_were_named_is_not_a_change() -> None:
    employee = parse_roster(_jsonl(ROW), "jsonl", today=TODAY).employees[0]
    older = employee.model_dump(mode="json")
    del older["heads_opd"], older["head_capacity"]
    assert plan_changes([employee], {employee.nip: older}) == []
    now_heads = parse_roster(_jsonl({**ROW, "heads_opd": "bappeda"}), "jsonl", today=TODAY)
    changes = plan_changes(now_heads.employees, {employee.nip: older})
    assert [(c.event_type, c.heads_opd) for c in changes] == [("EmployeeUpdated", "bappeda")]
