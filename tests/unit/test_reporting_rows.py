"""Reporting keeps attendance as derived facts only: rows of every presence signal and anomaly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from kernel.projection_rows import Position
from schemas import Envelope, new_event, to_record
from schemas.events import CheckedIn, GeoPoint
from schemas.serialization import read_event
from services.reporting.domain.projection import rows_for
from services.reporting.tables import MIGRATIONS
from tests.support.presence_events import anomaly, signal, utc

NIP = "199001012015011001"
DAY = date(2026, 12, 7)
AT = Position("wfa.attendance.v1", 1, 9)
PRECISE = ("lat", "lon", "latitude", "longitude", "location", "accuracy_m", "address")


def _rows(envelope: Envelope) -> list[tuple[str, dict[str, object]]]:
    rows = rows_for(read_event(to_record(envelope).value), AT, b"")
    return [(table, row) for table, row in rows if not table.startswith("@")]  # facts, not marks


def test_every_presence_signal_becomes_one_row_of_derived_facts() -> None:
    for kind in ("check_in", "check_out", "ping", "heartbeat"):
        envelope = signal(kind, NIP, "opd-x", utc(DAY, 8), inside=False, seq=4)
        [(table, row)] = _rows(envelope)
        assert table == "presence_signals"
        assert row["kind"] == kind and row["event_id"] == envelope.event_id
        assert row["work_date"] == DAY and row["opd_id"] == "opd-x"
        assert row["device_seq"] == 4 and row["offset"] == 9
        assert not set(row) & set(PRECISE)
        if kind == "heartbeat":
            assert row["cell"] is None and row["inside"] is None
        else:
            assert row["cell"] == "-6.18,106.82" and row["inside"] is False
            assert row["distance_band"] == "1km_5km"


def test_an_anomaly_row_keeps_evidence_and_thresholds_as_json() -> None:
    envelope = anomaly("outside_geofence", NIP, "opd-x", utc(DAY, 8))
    [(table, row)] = _rows(envelope)
    assert table == "anomalies"
    assert row["anomaly_id"] == row["event_id"] == envelope.event_id
    assert json.loads(str(row["evidence"])) == {"distance_band": "1km_5km", "distance_m": 2400}
    assert json.loads(str(row["thresholds"])) == {"office_radius_m": 200.0}
    assert row["kind"] == "outside_geofence" and row["detected_by"] == "stream"


def test_the_same_anomaly_published_twice_has_one_id() -> None:
    first = anomaly("late_check_in", NIP, "opd-x", utc(DAY, 8))
    again = anomaly("late_check_in", NIP, "opd-x", utc(DAY, 8))
    assert first.event_id == again.event_id


def test_a_stored_v2_check_in_is_projected_without_its_coordinates() -> None:
    v2 = {
        "nip": NIP,
        "at": datetime(2025, 12, 1, 1, 0, tzinfo=UTC).isoformat(),
        "location": GeoPoint(lat=-6.1754, lon=106.8272).model_dump(mode="json"),
        "accuracy_m": 8.0,
        "mode": "wfa",
        "mock_location": False,
        "checkin_id": "ci-1",
    }
    current = new_event(
        CheckedIn.model_validate(
            {
                **{k: v for k, v in v2.items() if k not in ("location", "mode")},
                "received_at": v2["at"],
                "work_date": "2025-12-01",
                "timezone": "WIB",
                "working_day": True,
                "place": {
                    "derived_mode": "wfa",
                    "reference": "none",
                    "inside": None,
                    "distance_band": "unknown",
                    "cell": "-6.18,106.83",
                },
                "location_id": "ci-1",
            }
        ),
        actor=NIP,
        subject=NIP,
        opd_id="opd-x",
    )
    stored = json.loads(current.model_dump_json())
    stored["schema_version"] = 2
    stored["payload"] = v2
    (table, row), _mark = rows_for(read_event(json.dumps(stored).encode()), AT, b"")
    assert table == "presence_signals"
    assert row["cell"] == "-6.18,106.83" and row["derived_mode"] == "wfa"
    assert "-6.1754" not in json.dumps(row, default=str)


def test_no_reporting_table_declares_a_coordinate_column() -> None:
    ddl = "\n".join(MIGRATIONS).lower()
    for word in (" lat ", " lon ", " latitude ", " longitude ", " location "):
        assert word not in ddl
    assert "drop table if exists {db}.presence_events" in ddl
