"""The province generator: deterministic, within the contract and the rules, every case there,
with the attendance edge's own assessment of every position, and its planted cheaters found by
the stream detector's own rules.

A small province (300 ASN in 3 OPDs: education, health and a hospital with WFA off) over one
week that holds a Nataru-style window; generated once per module.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from kernel.geometry import Circle
from kernel.policy import PolicyHistory
from kernel.positions import NEVER_ELIGIBLE_CATEGORIES
from kernel.thresholds import AttendanceThresholds
from kernel.work_calendar import week_key
from operations.province.cli import app
from operations.province.generate import Event, generate
from operations.province.model import (
    ANOMALY_KINDS,
    ProvinceConfig,
    build_opd,
    iter_opds,
    opd_sizes,
    opd_specs,
)
from operations.province.plans import Period, period_days, policies_of
from schemas.serialization import read_event
from services.attendance.domain.assessment import (
    ApprovedWfa,
    Fence,
    Signal,
    assess,
    office_reference,
)
from services.attendance.domain.timing import work_day
from services.detector.domain.shared_cells import day_cell_key, observe_in_cell
from services.detector.domain.track import observe_point
from services.detector.domain.workdays import observe_signal, overdue_check_outs
from services.detector.stream import location_point, presence_signal

CONFIG = ProvinceConfig(asn=300, opds=3, seed=11, start=date(2026, 3, 2))
PERIOD = Period.of(CONFIG.start, "week")


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return list(generate(CONFIG, PERIOD))


def test_same_seed_same_events(events: list[Event]) -> None:
    again = list(generate(CONFIG, PERIOD))
    assert [e.record().value for e in again] == [e.record().value for e in events]
    other = ProvinceConfig(asn=300, opds=3, seed=12, start=CONFIG.start)
    first = next(e for e in generate(other, PERIOD) if e.event_type == "EmployeeRegistered")
    assert first.subject not in {e.subject for e in events[:400]}


def test_every_event_keeps_the_contract(events: list[Event]) -> None:
    ids = set()
    for event in events:
        decoded = read_event(event.record().value)
        assert decoded.envelope.type == event.event_type
        assert event.record().key == event.subject.encode()
        ids.add(event.event_id)
    assert len(ids) == len(events)


def test_people_per_opd_and_unique_nips(events: list[Event]) -> None:
    registered = Counter(e.opd_id for e in events if e.event_type == "EmployeeRegistered")
    sizes = dict(zip([s.opd_id for s in opd_specs(3)], opd_sizes(300, opd_specs(3)), strict=True))
    assert registered == sizes
    assert sum(sizes.values()) == 300
    nips = [e.subject for e in events if e.event_type == "EmployeeRegistered"]
    assert len(set(nips)) == len(nips)
    big = ProvinceConfig(asn=62_000, opds=45)
    assert sum(big.sizes()) == 62_000 and len(big.sizes()) == 45


def test_hierarchy_heads_and_the_excluded(events: list[Event]) -> None:
    rows = [e.payload for e in events if e.event_type == "EmployeeRegistered"]
    by_nip = {row["nip"]: row for row in rows}
    heads = [row for row in rows if row["heads_opd"] is not None]
    assert {row["heads_opd"] for row in heads} == {s.opd_id for s in opd_specs(3)}
    for row in rows:  # every chain of supervisors ends at the head of the OPD
        seen, nip = 0, row["nip"]
        while by_nip[nip]["supervisor_nip"] is not None:
            nip, seen = by_nip[nip]["supervisor_nip"], seen + 1
            assert seen < 6
        assert by_nip[nip]["heads_opd"] == row["opd_id"]
    categories = {row["position_category"] for row in rows}
    assert {"guru", "dokter", "layanan_tatap_muka", "peralatan_khusus"} <= categories
    assert categories & NEVER_ELIGIBLE_CATEGORIES
    in_orientation = [row for row in rows if row["orientation_end_date"] is not None]
    assert in_orientation
    assert any(e.event_type == "DisciplinarySanctionImposed" for e in events)
    # every never-eligible category appears among the 45 DKI OPDs
    people = [p for opd in iter_opds(ProvinceConfig(asn=4_000, opds=45)) for p in opd.people]
    assert {p.category for p in people} >= NEVER_ELIGIBLE_CATEGORIES


def test_every_anomaly_kind_is_planted(events: list[Event]) -> None:
    kinds = Counter(
        e.payload["kind"] for e in events if e.event_type == "AttendanceAnomalyDetected"
    )
    assert set(kinds) == set(ANOMALY_KINDS)
    edge = {
        e.payload["kind"]
        for e in events
        if e.event_type == "AttendanceAnomalyDetected" and e.payload["detected_by"] == "edge"
    }
    assert edge == {
        "outside_geofence",
        "far_from_wfa_location",
        "remote_without_approval",
        "mode_mismatch",
        "clock_tampering",
    }
    without = {
        e.payload["detected_by"]
        for e in generate(CONFIG, Period.of(CONFIG.start, "day"), detector=False)
        if e.event_type == "AttendanceAnomalyDetected"
    }
    assert without == {"edge"}


def test_shared_coordinates_are_shared_and_honest_points_are_not(events: list[Event]) -> None:
    points: dict[tuple[date, float, float], set[str]] = defaultdict(set)
    for e in events:
        if e.event_type == "LocationRecorded":
            where = e.payload["location"]
            points[(e.payload["work_date"], where["lat"], where["lon"])].add(e.subject)
    shared = {key for key, people in points.items() if len(people) >= 3}
    flagged = {
        (e.payload["work_date"], e.subject)
        for e in events
        if e.event_type == "AttendanceAnomalyDetected" and e.payload["kind"] == "shared_coordinates"
    }
    assert shared
    assert {(day, nip) for (day, _, _), people in points.items() for nip in people
            if len(people) >= 3} == flagged  # fmt: skip


def test_weekly_cap_and_window(events: list[Event]) -> None:
    """At most 2 approved WFA days per ASN per ISO week, 3 only on a window's own days."""
    requested = {
        e.payload["request_id"]: e.payload for e in events if e.event_type == "WfaRequested"
    }
    cancelled = {e.payload["request_id"] for e in events if e.event_type == "WfaCancelled"}
    approved = [
        requested[e.payload["request_id"]]
        for e in events
        if e.event_type == "WfaApproved" and e.payload["request_id"] not in cancelled
    ]
    assert approved
    windows = {opd: policies_of(CONFIG, PERIOD, i)[0] for i, opd in
               enumerate(s.opd_id for s in opd_specs(3))}  # fmt: skip
    window_days = {d for policy in windows.values() for w in policy.windows for d in w.days()}
    assert window_days & set(PERIOD.days), "the week holds a Nataru-style window"
    per_week: Counter[tuple[str, tuple[int, int]]] = Counter()
    for request in approved:
        assert request["decision"]["eligible"] is True
        for day in request["dates"]:
            per_week[(request["nip"], week_key(day))] += 1
    for (nip, week), days in per_week.items():
        held = [d for r in approved if r["nip"] == nip for d in r["dates"] if week_key(d) == week]
        limit = 3 if all(d in window_days for d in held) else 2
        assert days <= limit, (nip, week, held)
    refused = [r for r in requested.values() if not r["decision"]["eligible"]]
    assert refused and all(
        any(not rule["passed"] for rule in r["decision"]["trace"]) for r in refused
    )


def test_wfa_days_follow_the_rules(events: list[Event]) -> None:
    """Only eligible people work from anywhere: never a teacher, a new hire, someone under a
    sanction, or anyone in an OPD with WFA off."""
    people = {p.nip: p for opd in iter_opds(CONFIG) for p in opd.people}
    wfa_off = {opd.opd_id for opd in iter_opds(CONFIG) if not opd.spec.wfa_enabled}
    assert wfa_off
    wfa_days = [
        e
        for e in events
        if e.event_type == "CheckedIn" and e.payload["place"]["derived_mode"] == "wfa"
    ]
    assert wfa_days
    for e in wfa_days:
        p = people[e.subject]
        day = e.payload["work_date"]
        assert p.category not in NEVER_ELIGIBLE_CATEGORIES
        assert p.opd_id not in wfa_off
        assert not p.new_hire_on(day)
        assert p.sanction is None or not p.sanction.covers(day)


def test_days_are_working_days_and_periods() -> None:
    assert len(period_days(date(2025, 12, 1), "month")) == 31
    assert len(period_days(date(2026, 2, 1), "month")) == 28
    december = Period.of(date(2025, 12, 22), "week")
    config = ProvinceConfig(asn=30, opds=1, seed=3, start=december.start)
    days = {
        e.payload["work_date"] for e in generate(config, december) if e.event_type == "CheckedIn"
    }
    assert date(2025, 12, 25) not in days and date(2025, 12, 27) not in days
    assert date(2025, 12, 24) in days


def test_one_opd_province() -> None:
    config = ProvinceConfig(asn=3, opds=1, seed=1, start=date(2026, 3, 2))
    opd = build_opd(config, 0)
    assert len(opd.people) == 3 and opd.head.head_capacity in ("kepala", "plt")
    assert list(generate(config, Period.of(config.start, "day")))


def test_the_detector_finds_what_was_planted(events: list[Event]) -> None:
    """The stream detector's own rules, run over the generated signals in log order, find
    exactly the stream anomalies the generator wrote, with the same ids."""
    t = AttendanceThresholds()
    tracks: dict[str, Any] = {}
    cells: dict[str, Any] = {}
    days: dict[str, Any] = {}
    found: set[str] = set()
    for event in events:
        decoded = read_event(event.record().value)
        point = location_point(decoded)
        if point is not None:
            state, findings = observe_point(tracks.get(point.nip), point, t)
            if state is not None:
                tracks[point.nip] = state
            found.update(f.anomaly_id for f in findings)
            key = day_cell_key(point, t.shared_cell_decimals)
            state, findings = observe_in_cell(cells.get(key), point, t)
            if state is not None:
                cells[key] = state
            found.update(f.anomaly_id for f in findings)
        signal = presence_signal(decoded)
        if signal is not None:
            state, findings = observe_signal(days.get(signal.nip), signal, t)
            if state is not None:
                days[signal.nip] = state
            found.update(f.anomaly_id for f in findings)
    later = datetime.combine(PERIOD.end + timedelta(days=2), time(0), tzinfo=UTC)
    for nip, state in days.items():
        found.update(f.anomaly_id for f in overdue_check_outs(state, nip, later, t)[1])
    written = {
        e.event_id
        for e in events
        if e.event_type == "AttendanceAnomalyDetected" and e.payload["detected_by"] == "stream"
    }
    assert len(written) > 50
    assert found == written


def test_the_command_line_describes_and_refuses() -> None:
    runner = CliRunner()
    described = runner.invoke(app, ["describe", "--asn", "300", "--opds", "3"])
    assert described.exit_code == 0, described.output
    assert "dinas-pendidikan" in described.output and "rsud" in described.output
    refused = runner.invoke(app, ["write", "--asn", "5", "--opds", "3"])
    assert refused.exit_code == 2


def test_the_attendance_edge_assesses_as_generated(events: list[Event]) -> None:
    """The attendance edge's own assessment of each generated position gives the place and the
    anomalies the generator wrote (the clock is judged from the device's sending time, which
    the log does not carry: only the planted clock is off by more than the tolerance)."""
    t = AttendanceThresholds()
    fences: dict[tuple[str, str | None], Fence] = {}
    offices: dict[str, tuple[str, str, tuple[float, float]]] = {}
    requests: dict[str, tuple[float, float]] = {}
    positions: dict[str, Any] = {}
    edge: dict[str, set[str]] = defaultdict(set)
    for e in events:
        p = e.payload
        if e.event_type == "GeofenceSet":
            centre = p["shape"]["center"]
            shape = Circle((centre["lat"], centre["lon"]), p["shape"]["radius_m"])
            fences[(p["opd_id"], p["work_unit_id"])] = Fence(p["geofence_id"], shape)
        elif e.event_type == "EmployeeRegistered":
            office = p["office_location"]
            offices[p["nip"]] = (p["opd_id"], p["work_unit_id"], (office["lat"], office["lon"]))
        elif e.event_type == "WfaLocationDeclared":
            requests[p["request_id"]] = (p["location"]["lat"], p["location"]["lon"])
        elif e.event_type == "LocationRecorded":
            positions[p["location_id"]] = p
        elif e.event_type == "AttendanceAnomalyDetected" and p["detected_by"] == "edge":
            edge[p["source_event_ids"][0]].add(p["kind"])
    histories = {
        s.opd_id: PolicyHistory(opd_id=s.opd_id, policies=policies_of(CONFIG, PERIOD, i))
        for i, s in enumerate(opd_specs(3))
    }
    checked = 0
    for e in events:
        if e.event_type not in ("CheckedIn", "CheckedOut", "LocationPinged"):
            continue
        p, where = e.payload, positions[e.payload["location_id"]]
        opd_id, unit_id, office = offices[e.subject]
        kind = {"CheckedIn": "check_in", "CheckedOut": "check_out"}.get(e.event_type, "ping")
        signal = Signal(
            kind=kind,  # type: ignore[arg-type]
            nip=e.subject,
            event_id=e.event_id,
            at=e.occurred_at,
            received_at=e.recorded_at,
            location=(where["location"]["lat"], where["location"]["lon"]),
            accuracy_m=p["accuracy_m"],
            declared_mode=p["place"]["declared_mode"],
        )
        day = work_day(e.occurred_at, opd_id, histories[opd_id])
        reference = office_reference(
            fences.get((opd_id, unit_id)), fences.get((opd_id, None)), office, t
        )
        wfa = None
        if p["place"]["derived_mode"] == "wfa":
            request_id = p["place"]["reference_id"]
            wfa = ApprovedWfa(request_id, requests[request_id])
        assessment = assess(signal, day, reference, wfa, t)
        place = assessment.place
        assert place is not None
        assert {
            "derived_mode": place.derived_mode,
            "declared_mode": place.declared_mode,
            "reference": place.reference,
            "reference_id": place.reference_id,
            "inside": place.inside,
            "distance_band": place.distance_band,
            "cell": place.cell,
        } == p["place"]
        assert day.work_date == p["work_date"]
        if kind == "check_in":
            assert assessment.minutes_after_start == p["minutes_after_start"]
        assert {a.kind for a in assessment.anomalies} == edge[e.event_id] - {"clock_tampering"}
        checked += 1
    assert checked > 1000
    assert any("clock_tampering" in kinds for kinds in edge.values())
