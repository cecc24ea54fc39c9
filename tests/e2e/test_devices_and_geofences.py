"""Device binding and office geofences through the attendance API, on a real broker."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from schemas.topics import DEVICES, GEOFENCES
from services.runtime.edge.identity import Role
from tests.e2e.test_location_privacy import _employee, _publish
from tests.support.event_log import read_events
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import ADMIN_NIP, new_nip
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def attendance(shared_platform: SharedPlatform) -> ServiceProcess:
    return shared_platform["attendance"]


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers, timeout=60)


def _delete(url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.delete(url, headers=headers, timeout=60)


def _get(url: str, headers: dict[str, str], **params: str) -> httpx.Response:
    return httpx.get(url, params=params, headers=headers, timeout=60)


async def test_devices_are_registered_replaced_and_seen_by_the_right_people(
    kafka_bootstrap: str, attendance: ServiceProcess
) -> None:
    opd, other_opd = f"opd-{uuid.uuid4().hex[:8]}", f"opd-{uuid.uuid4().hex[:8]}"
    head, supervisor, staff, peer, stranger = (new_nip() for _ in range(5))
    await _publish(
        kafka_bootstrap,
        [
            _employee(head, opd, "pimpinan", None, heads=opd),
            _employee(supervisor, opd, "bidang-a", head),
            _employee(staff, opd, "bidang-a", supervisor),
            _employee(peer, opd, "bidang-a", supervisor),
            _employee(stranger, other_opd, "bidang-x", None, heads=other_opd),
        ],
    )
    url = f"{attendance.url}/attendance/devices"
    own = bearer(Role.ASN, staff, opd)

    first = _post(url, {"device_id": "android-1", "platform": "android"}, own)
    assert first.status_code == 201, first.text
    assert first.json()["replaces"] is None and first.json()["registered_by"] == staff
    again = _post(url, {"device_id": "android-1", "platform": "android"}, own)
    assert again.status_code == 200 and again.json()["status"] == "already_registered"

    admin = bearer(Role.ADMIN_BKD, ADMIN_NIP, None)
    body = {"device_id": "ios-2", "platform": "ios", "reason": "ponsel hilang", "nip": staff}
    by_admin = _post(url, body, {**admin, "Idempotency-Key": f"dev-{staff}"})
    assert by_admin.status_code == 201, by_admin.text
    assert by_admin.json()["replaces"] == "android-1"
    assert by_admin.json()["registered_by"] == ADMIN_NIP
    retried = _post(url, body, {**admin, "Idempotency-Key": f"dev-{staff}"})
    assert retried.json() == by_admin.json()
    assert retried.headers.get("Idempotent-Replayed") == "true"

    # a peer may not register a device for a colleague; a head of another OPD neither
    for headers in (bearer(Role.ASN, peer, opd), bearer(Role.KEPALA_OPD, stranger, other_opd)):
        refused = _post(url, {"device_id": "x", "platform": "web", "nip": staff}, headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "device_registration_forbidden"
    by_head = _post(
        url,
        {"device_id": "web-3", "platform": "web", "nip": staff},
        bearer(Role.KEPALA_OPD, head, opd),
    )
    assert by_head.status_code == 201, by_head.text
    assert by_head.json()["replaces"] == "ios-2"

    history_url = f"{url}/{staff}"
    for headers in (
        own,
        bearer(Role.ATASAN, supervisor, opd),
        bearer(Role.KEPALA_OPD, head, opd),
        admin,
    ):
        seen = _get(history_url, headers)
        assert seen.status_code == 200, seen.text
        assert [i["device_id"] for i in seen.json()["items"]] == ["android-1", "ios-2", "web-3"]
        assert seen.json()["current"] == "web-3"
    for headers in (bearer(Role.ASN, peer, opd), bearer(Role.KEPALA_OPD, stranger, other_opd)):
        hidden = _get(history_url, headers)
        assert hidden.status_code == 403
        assert hidden.json()["error"]["code"] == "device_history_forbidden"

    invalid = _post(url, {"device_id": "", "platform": "nokia"}, own)
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"

    events = await read_events(kafka_bootstrap, DEVICES, lambda e: e.subject == staff)
    assert [e.payload["device_id"] for e in events] == ["android-1", "ios-2", "web-3"]
    assert [e.actor for e in events] == [staff, ADMIN_NIP, head]


async def test_geofences_are_set_listed_replaced_retired_and_validated(
    kafka_bootstrap: str, attendance: ServiceProcess
) -> None:
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    member = new_nip()
    await _publish(kafka_bootstrap, [_employee(member, opd, "bidang-a", None)])
    url = f"{attendance.url}/attendance/geofences"
    admin = bearer(Role.ADMIN_BKD, ADMIN_NIP, None)
    circle = {"kind": "circle", "center": {"lat": -6.18, "lon": 106.82}, "radius_m": 150}
    square = {
        "kind": "polygon",
        "points": [
            {"lat": -6.180, "lon": 106.820},
            {"lat": -6.180, "lon": 106.822},
            {"lat": -6.182, "lon": 106.822},
            {"lat": -6.182, "lon": 106.820},
        ],
    }

    whole = _post(url, {"opd_id": opd, "name": "Balai Kota", "shape": circle}, admin)
    assert whole.status_code == 201, whole.text
    unit = _post(
        url, {"opd_id": opd, "work_unit_id": "bidang-a", "name": "Gedung A", "shape": square}, admin
    )
    assert unit.status_code == 201, unit.text
    replaced = _post(url, {"opd_id": opd, "name": "Balai Kota Baru", "shape": circle}, admin)
    assert replaced.json()["replaces"] == whole.json()["geofence_id"]

    listed = _get(url, bearer(Role.ASN, member, opd), opd_id=opd)
    assert listed.status_code == 200, listed.text
    names = sorted(item["name"] for item in listed.json()["items"])
    assert names == ["Balai Kota Baru", "Gedung A"]

    retired = _delete(f"{url}/{unit.json()['geofence_id']}", admin)
    assert retired.status_code == 200, retired.text
    gone = _delete(f"{url}/{unit.json()['geofence_id']}", admin)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "geofence_not_found"
    listed = _get(url, admin, opd_id=opd)
    assert [item["name"] for item in listed.json()["items"]] == ["Balai Kota Baru"]

    bow_tie = {
        "kind": "polygon",
        "points": [
            {"lat": 0, "lon": 0},
            {"lat": 1, "lon": 1},
            {"lat": 1, "lon": 0},
            {"lat": 0, "lon": 1},
        ],
    }
    bad_cases = [
        ({"opd_id": opd, "name": "X", "shape": bow_tie}, admin, 422, "invalid_geofence"),
        (
            {"opd_id": opd, "name": "X", "shape": {**square, "points": square["points"][:2]}},
            admin,
            422,
            "invalid_request",
        ),
        ({"opd_id": "opd-none-such", "name": "X", "shape": circle}, admin, 422, "unknown_opd"),
        (
            {"opd_id": opd, "work_unit_id": "bidang-z", "name": "X", "shape": circle},
            admin,
            422,
            "unknown_work_unit",
        ),
        ({"opd_id": opd, "name": "X", "shape": circle}, bearer(Role.ASN, member, opd), 403, None),
    ]
    for body, headers, status, code in bad_cases:
        answer = _post(url, body, headers)
        assert answer.status_code == status, answer.text
        error = answer.json()["error"]
        assert error["message_id"] and error["message_en"]
        if code:
            assert error["code"] == code
    other = _get(url, bearer(Role.ASN, member, opd), opd_id="opd-someone-else")
    assert other.status_code == 403

    events = await read_events(kafka_bootstrap, GEOFENCES, lambda e: e.opd_id == opd)
    assert [e.type for e in events] == [
        "GeofenceSet",
        "GeofenceSet",
        "GeofenceSet",
        "GeofenceRetired",
    ]
