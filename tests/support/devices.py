"""Binding a work device to a test employee, so their presence signals are accepted."""

from __future__ import annotations

import httpx

from services.runtime.edge.identity import Role
from tests.support.tokens import bearer


def register_device(
    attendance_url: str, nip: str, opd_id: str, device_id: str | None = None
) -> str:
    """Register ``device_id`` (default: one derived from the NIP) for ``nip``; return it."""
    device = device_id or f"hp-{nip}"
    response = httpx.post(
        f"{attendance_url}/attendance/devices",
        json={"device_id": device, "platform": "android", "label": "Ponsel uji"},
        headers=bearer(Role.ASN, nip, opd_id),
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    return device


def presence_body(
    nip: str, lat: float = -6.18, lon: float = 106.82, **fields: object
) -> dict[str, object]:
    """A check-in / check-out body from the device :func:`register_device` binds by default."""
    return {"location": {"lat": lat, "lon": lon}, "device_id": f"hp-{nip}", **fields}
