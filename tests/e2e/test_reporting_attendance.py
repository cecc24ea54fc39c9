"""Reporting's attendance views on a real broker: the anomaly list and presence per day.

Roster registrations and a crafted day of v3 attendance events (derived facts only) are
published straight onto their topics; reporting runs as a real process and projects them.
Every event is published twice, as a replay would: nothing is counted twice.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from schemas import Envelope
from services.runtime.edge.identity import Role
from tests.support.http_checks import get, ok, poll, refused
from tests.support.presence_events import anomaly, roster_events, signal, utc
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import Opd, admin, asn, make_opd
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

D1 = date(2026, 3, 2)
D2 = D1 + timedelta(days=1)


class Day:
    """Two OPDs and what was published about them."""

    def __init__(self) -> None:
        self.ours = make_opd({"bidang-data": 2, "bidang-aplikasi": 1})
        self.theirs = make_opd({"bidang-umum": 1})
        data, apps = self.ours.units
        self.a1, self.a2 = data.staff
        self.b1 = apps.staff[0]
        self.c1 = self.theirs.units[0].staff[0]
        self.signals = self._a1_signals()

    def _a1_signals(self) -> list[Envelope]:
        opd = self.ours.opd_id
        # a WFA day: presence comes from the continuity of pings and heartbeats
        events = [signal("check_in", self.a1, opd, utc(D1, 7, 30), mode="wfa")]
        # 07:40-11:30 a ping every 10 minutes; one of them away from the WFA location
        for i, minute in enumerate(range(10, 250, 10)):
            at = utc(D1, 7, 30 + minute)
            events.append(signal("ping", self.a1, opd, at, inside=i != 5, mode="wfa"))
        events.append(signal("heartbeat", self.a1, opd, utc(D1, 12, 15)))  # alone in the gap
        for minute in range(0, 180, 10):  # 13:00-15:50
            events.append(signal("heartbeat", self.a1, opd, utc(D1, 13, minute)))
        events.append(signal("check_out", self.a1, opd, utc(D1, 16), mode="wfa"))
        return events

    def anomalies(self) -> list[Envelope]:
        ours, theirs = self.ours.opd_id, self.theirs.opd_id
        return [
            anomaly("late_check_in", self.a1, ours, utc(D1, 7, 30), detected_by="edge"),
            anomaly("outside_geofence", self.a1, ours, utc(D1, 9, 20)),
            anomaly("mock_location", self.a2, ours, utc(D2, 10)),
            anomaly("shared_coordinates", self.b1, ours, utc(D1, 11)),
            anomaly("shared_coordinates", self.c1, theirs, utc(D1, 12)),
        ]


@pytest.fixture(scope="module")
def day(kafka_bootstrap: str) -> Day:
    crafted = Day()
    roster = roster_events(crafted.ours) + roster_events(crafted.theirs)
    anomalies = crafted.anomalies()
    # everything twice: a replay, and the detector publishing the same anomaly again
    twice = [*roster, *crafted.signals, *anomalies, *crafted.signals, *anomalies]
    asyncio.run(publish(kafka_bootstrap, twice, client_name="reporting"))
    return crafted


@pytest.fixture(scope="module")
def reporting(shared_platform: SharedPlatform, day: Day) -> ServiceProcess:
    return shared_platform["reporting"]


def _anomalies(service: ServiceProcess, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(get(service, "/reporting/anomalies", headers, **params))
    return body


@pytest.fixture(scope="module")
def projected(reporting: ServiceProcess, day: Day) -> ServiceProcess:
    """Reporting once it shows the whole crafted day."""
    poll(
        lambda: _anomalies(reporting, admin(), opd_id=day.ours.opd_id)["total"],
        lambda total: total == 4,
    )
    poll(
        lambda: ok(get(reporting, f"/reporting/presence/{day.a1}", asn(day.a1, day.ours), date=D1)),
        lambda body: body["signals"] == len(day.signals),
    )
    return reporting


def _head(opd: Opd) -> dict[str, str]:
    return bearer(Role.KEPALA_OPD, opd.head, opd.opd_id)


def _supervisor(opd: Opd, unit: int) -> dict[str, str]:
    return bearer(Role.ATASAN, opd.units[unit].supervisor, opd.opd_id)


# the anomaly list -----------------------------------------------------------------------------


def test_anomalies_are_listed_newest_first_and_duplicates_count_once(
    projected: ServiceProcess, day: Day
) -> None:
    body = _anomalies(projected, admin(), opd_id=day.ours.opd_id)
    assert body["total"] == body["count"] == 4 and body["next_offset"] is None
    assert [(a["nip"], a["kind"]) for a in body["items"]] == [
        (day.a2, "mock_location"),
        (day.b1, "shared_coordinates"),
        (day.a1, "outside_geofence"),
        (day.a1, "late_check_in"),
    ]
    outside = body["items"][2]
    assert outside["evidence"] == {"distance_m": 2400, "distance_band": "1km_5km"}
    assert outside["thresholds"] == {"office_radius_m": 200.0}
    assert outside["work_date"] == D1.isoformat() and outside["detected_by"] == "stream"
    assert outside["opd_id"] == day.ours.opd_id
    assert outside["message_id"] != outside["message_en"]
    assert len({a["anomaly_id"] for a in body["items"]}) == 4


def test_anomalies_are_filtered_and_paged(projected: ServiceProcess, day: Day) -> None:
    ours = day.ours.opd_id

    def kinds(**params: Any) -> list[str]:
        return [a["kind"] for a in _anomalies(projected, admin(), opd_id=ours, **params)["items"]]

    assert kinds(kind="outside_geofence") == ["outside_geofence"]
    assert kinds(nip=day.a1) == ["outside_geofence", "late_check_in"]
    assert kinds(date_from=D2.isoformat()) == ["mock_location"]
    assert len(kinds(date_to=D1.isoformat())) == 3
    assert kinds(date_from=D1.isoformat(), date_to=D1.isoformat(), nip=day.b1) == [
        "shared_coordinates"
    ]
    first = _anomalies(projected, admin(), opd_id=ours, limit=3)
    assert (first["count"], first["total"], first["next_offset"]) == (3, 4, 3)
    rest = _anomalies(projected, admin(), opd_id=ours, limit=3, offset=3)
    assert (rest["count"], rest["next_offset"]) == (1, None)
    assert rest["items"][0]["kind"] == "late_check_in"
    theirs = _anomalies(projected, bearer(Role.AUDITOR, day.c1, None), opd_id=day.theirs.opd_id)
    assert [a["nip"] for a in theirs["items"]] == [day.c1]


def test_anomalies_are_scoped_to_the_reader(projected: ServiceProcess, day: Day) -> None:
    def nips(headers: dict[str, str], **params: Any) -> set[str]:
        body = _anomalies(projected, headers, **params)
        return {a["nip"] for a in body["items"]}

    assert nips(asn(day.a1, day.ours)) == {day.a1}
    assert _anomalies(projected, asn(day.a1, day.ours))["total"] == 2
    assert nips(_supervisor(day.ours, 0)) == {day.a1, day.a2}
    assert nips(_supervisor(day.ours, 1)) == {day.b1}
    assert nips(_head(day.ours)) == {day.a1, day.a2, day.b1}
    assert nips(_head(day.theirs)) == {day.c1}
    url = "/reporting/anomalies"
    refused(get(projected, url, asn(day.a1, day.ours), nip=day.b1), 403, "outside_scope")
    refused(get(projected, url, _supervisor(day.ours, 0), nip=day.b1), 403, "outside_scope")
    refused(get(projected, url, _head(day.ours), opd_id=day.theirs.opd_id), 403, "outside_scope")
    # a head's token naming another OPD than the roster's
    refused(
        get(projected, url, bearer(Role.KEPALA_OPD, day.ours.head, day.theirs.opd_id)),
        403,
        "opd_mismatch",
    )


def test_bad_anomaly_queries_are_refused_in_both_languages(
    projected: ServiceProcess, day: Day
) -> None:
    url = "/reporting/anomalies"
    refused(get(projected, url, admin(), kind="teleport"), 422, "invalid_request")
    refused(get(projected, url, admin(), date_from="2026-02-30"), 422, "invalid_request")
    refused(get(projected, url, admin(), nip="12345"), 422, "invalid_request")
    refused(get(projected, url, admin(), limit=0), 422, "invalid_request")
    refused(
        get(projected, url, admin(), date_from=D2.isoformat(), date_to=D1.isoformat()),
        422,
        "invalid_period",
    )
    refused(get(projected, url, {}), 401, "unauthenticated")


# presence -------------------------------------------------------------------------------------


def test_presence_shows_intervals_worked_time_and_the_days_anomalies(
    projected: ServiceProcess, day: Day
) -> None:
    body = ok(get(projected, f"/reporting/presence/{day.a1}", asn(day.a1, day.ours), date=D1))
    assert body["nip"] == day.a1 and body["work_date"] == D1.isoformat()
    assert body["timezone"] == "WIB" and body["working_day"] is True
    spans = [
        (i["start"], i["end"], i["opened_by"], i["closed_by"], i["signals"], i["outside"])
        for i in body["intervals"]
    ]
    assert spans == [
        ("2026-03-02T07:30:00+07:00", "2026-03-02T11:30:00+07:00", "check_in", "gap", 25, 1),
        ("2026-03-02T12:15:00+07:00", "2026-03-02T12:15:00+07:00", "heartbeat", "gap", 1, 0),
        ("2026-03-02T13:00:00+07:00", "2026-03-02T16:00:00+07:00", "heartbeat", "check_out", 19, 0),
    ]
    assert body["worked_minutes"] == 240 + 180
    assert (body["target_minutes"], body["shortfall_minutes"]) == (450, 30)
    assert body["signals"] == 1 + 24 + 19 + 1 == len(day.signals)
    assert body["signals_by_kind"] == {"check_in": 1, "ping": 24, "heartbeat": 19, "check_out": 1}
    assert body["gap_minutes"] == 15
    assert sorted(a["kind"] for a in body["anomalies"]) == ["late_check_in", "outside_geofence"]
    # the next day a1 has no presence: nothing is known, nothing invented
    empty = ok(
        get(projected, f"/reporting/presence/{day.a1}", _head(day.ours), date=D2.isoformat())
    )
    assert empty["intervals"] == [] and empty["worked_minutes"] == 0
    assert empty["target_minutes"] is None and empty["anomalies"] == []


def test_presence_is_scoped_to_the_reader(projected: ServiceProcess, day: Day) -> None:
    url = f"/reporting/presence/{day.a1}"
    for allowed in (
        _supervisor(day.ours, 0),
        _head(day.ours),
        admin(),
        bearer(Role.AUDITOR, day.c1, None),
    ):
        assert ok(get(projected, url, allowed, date=D1))["worked_minutes"] == 420
    for outsider in (asn(day.b1, day.ours), _supervisor(day.ours, 1), _head(day.theirs)):
        refused(get(projected, url, outsider, date=D1), 403, "outside_scope")


def test_bad_presence_queries_are_refused_in_both_languages(
    projected: ServiceProcess, day: Day
) -> None:
    headers = admin()
    refused(get(projected, f"/reporting/presence/{day.a1}", headers), 422, "invalid_request")
    refused(
        get(projected, f"/reporting/presence/{day.a1}", headers, date="02-03-2026"),
        422,
        "invalid_request",
    )
    refused(get(projected, "/reporting/presence/12345", headers, date=D1), 422, "invalid_request")


def test_the_new_routes_document_their_refusals(projected: ServiceProcess) -> None:
    paths = httpx.get(f"{projected.url}/openapi.json", timeout=30).json()["paths"]
    for path in ("/reporting/anomalies", "/reporting/presence/{nip}"):
        documented = paths[path]["get"]["responses"]
        assert {"200", "403", "422"} <= set(documented)
        assert "outside_scope" in documented["403"]["description"]
