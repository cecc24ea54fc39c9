"""The one mapper that brings stored event payloads up to the current version.

Events on Kafka are immutable, so a payload written at an older ``schema_version`` stays that
way forever. Readers never handle old shapes themselves: :func:`upcast` applies the upcasters in
:data:`UPCASTERS` one step at a time (v1 → v2 → v3 …) until the payload matches the current
``class_version`` of its event class, and only then is it validated.

To change an event incompatibly: bump its ``class_version``, write one function
``upcast_<event_type>_v<N>_v<N+1>`` here that turns a vN payload dict into a vN+1 payload dict,
and register it in :data:`UPCASTERS`. Upcasters are pure: they never mutate their input, never
do I/O, and must accept every payload that was valid at their source version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from schemas.events import coarse_cell_of, event_class
from schemas.exceptions import UpcastError

__all__ = [
    "UPCASTERS",
    "Upcaster",
    "upcast",
    "upcast_checked_in_v1_v2",
    "upcast_checked_in_v2_v3",
    "upcast_checked_out_v1_v2",
    "upcast_checked_out_v2_v3",
    "upcast_daily_report_submitted_v1_v2",
    "upcast_employee_registered_v1_v2",
    "upcast_employee_updated_v1_v2",
    "upcast_personal_data_accessed_v1_v2",
    "upcast_wfa_requested_v1_v2",
    "upcast_wfa_requested_v2_v3",
    "upcast_wfa_requested_v3_v4",
]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a payload dict at version N into a new payload dict at version N + 1."""


def _flat_lat_lon_to_location(payload: dict[str, Any]) -> dict[str, Any]:
    upcasted = dict(payload)
    lat = upcasted.pop("lat")
    lon = upcasted.pop("lon")
    upcasted["location"] = {"lat": lat, "lon": lon, "address": None}
    return upcasted


def upcast_wfa_requested_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """WfaRequested v1 → v2: single `date` becomes `dates`; `lat`/`lon` become `location`.

    v1 requested exactly one day as `date: "YYYY-MM-DD"` and carried the position as flat
    `lat`/`lon` floats. v2 allows several days (`dates: [...]`) and groups the position
    into a GeoPoint `location` whose `address` is unknown (null).
    """
    upcasted = _flat_lat_lon_to_location(payload)
    upcasted["dates"] = [upcasted.pop("date")]
    return upcasted


def upcast_wfa_requested_v2_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """WfaRequested v2 → v3: free-text `work_plan` becomes one measurable target.

    v2 stored the work plan as free text. v3 requires a list of WorkTarget; the old text is
    carried over as a single target `{description: <text>, target: 1, unit: "dokumen"}`.
    """
    upcasted = dict(payload)
    text = upcasted["work_plan"]
    if not isinstance(text, str):
        raise TypeError(f"work_plan should be text in v2, got {type(text).__name__}")
    upcasted["work_plan"] = [{"description": text, "target": 1, "unit": "dokumen"}]
    return upcasted


def upcast_wfa_requested_v3_v4(payload: dict[str, Any]) -> dict[str, Any]:
    """WfaRequested v3 → v4: the precise `location` gives way to the shared `place`.

    v3 carried the declared point itself. v4 keeps it only on the restricted locations topic:
    the upcast keeps the point's coarse cell, names no restricted record (`location_id` null,
    as none was published then) and drops the address, which the employee never chose to
    share under the v4 rules.
    """
    upcasted = dict(payload)
    location = upcasted.pop("location")
    upcasted["place"] = {
        "location_id": None,
        "cell": coarse_cell_of(float(location["lat"]), float(location["lon"])),
        "address": None,
    }
    return upcasted


def upcast_checked_in_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """CheckedIn v1 → v2: flat `lat`/`lon` become `location` (address null)."""
    return _flat_lat_lon_to_location(payload)


def upcast_checked_out_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """CheckedOut v1 → v2: flat `lat`/`lon` become `location` (address null)."""
    return _flat_lat_lon_to_location(payload)


def _presence_v2_v3(payload: dict[str, Any], id_field: str) -> dict[str, Any]:
    """v2 → v3: the precise `location` gives way to derived facts.

    What v2 does not know is filled conservatively: the declared mode is taken as derived, no
    reference was measured (`inside` null, band unknown), the work date is the UTC date in WIB
    (the v2 default zone), and the precise position is dropped, keeping only its coarse cell.
    """
    upcasted = dict(payload)
    location = upcasted.pop("location")
    mode = upcasted.pop("mode")
    at = datetime.fromisoformat(str(upcasted["at"]).replace("Z", "+00:00"))
    local = at.astimezone(timezone(timedelta(hours=7)))
    upcasted["received_at"] = upcasted["at"]
    upcasted["work_date"] = local.date().isoformat()
    upcasted["timezone"] = "WIB"
    upcasted["working_day"] = local.weekday() < 5
    upcasted["place"] = {
        "derived_mode": mode,
        "declared_mode": mode,
        "reference": "none",
        "reference_id": None,
        "inside": None,
        "distance_band": "unknown",
        "cell": coarse_cell_of(float(location["lat"]), float(location["lon"])),
    }
    upcasted["location_id"] = upcasted[id_field]
    upcasted["device_seq"] = None
    upcasted["late_synced"] = False
    return upcasted


def upcast_checked_in_v2_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """CheckedIn v2 → v3: derived facts instead of the precise location (see above)."""
    upcasted = _presence_v2_v3(payload, "checkin_id")
    upcasted["minutes_after_start"] = None
    return upcasted


def upcast_checked_out_v2_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """CheckedOut v2 → v3: derived facts instead of the precise location (see above)."""
    return _presence_v2_v3(payload, "checkout_id")


def upcast_daily_report_submitted_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """DailyReportSubmitted v1 → v2: the first and only revision of an office-day report.

    v1 had no revisions, no link to a WFA work plan and no attachments: the report becomes
    revision 1 with mode "office" (its day's approval is not known to the event), no request,
    no attachments, and outputs without targets.
    """
    upcasted = dict(payload)
    upcasted.setdefault("revision", 1)
    upcasted.setdefault("mode", "office")
    upcasted.setdefault("request_id", None)
    upcasted.setdefault("attachments", [])
    return upcasted


def _nobody_headed(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 → v2 of a roster state: v1 did not record who heads an OPD, so no one does."""
    upcasted = dict(payload)
    upcasted.setdefault("heads_opd", None)
    upcasted.setdefault("head_capacity", None)
    return upcasted


def upcast_employee_registered_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """EmployeeRegistered v1 → v2: `heads_opd` and `head_capacity` are null (heads no OPD)."""
    return _nobody_headed(payload)


def upcast_employee_updated_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """EmployeeUpdated v1 → v2: `heads_opd` and `head_capacity` are null (heads no OPD)."""
    return _nobody_headed(payload)


def upcast_personal_data_accessed_v1_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """PersonalDataAccessed v1 → v2: its one subject listed in `subjects`; read by a person.

    v1 made one event per employee read, always by a person: `subjects` lists that employee
    with the event's records and days, and `reader_app` is null.
    """
    upcasted = dict(payload)
    upcasted["reader_app"] = None
    upcasted["subjects"] = [
        {
            "nip": payload["subject_nip"],
            "records": payload["records"],
            "period_from": payload.get("period_from"),
            "period_to": payload.get("period_to"),
        }
    ]
    return upcasted


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("EmployeeRegistered", 1): upcast_employee_registered_v1_v2,
    ("EmployeeUpdated", 1): upcast_employee_updated_v1_v2,
    ("WfaRequested", 1): upcast_wfa_requested_v1_v2,
    ("WfaRequested", 2): upcast_wfa_requested_v2_v3,
    ("WfaRequested", 3): upcast_wfa_requested_v3_v4,
    ("CheckedIn", 1): upcast_checked_in_v1_v2,
    ("CheckedIn", 2): upcast_checked_in_v2_v3,
    ("CheckedOut", 1): upcast_checked_out_v1_v2,
    ("CheckedOut", 2): upcast_checked_out_v2_v3,
    ("DailyReportSubmitted", 1): upcast_daily_report_submitted_v1_v2,
    ("PersonalDataAccessed", 1): upcast_personal_data_accessed_v1_v2,
}
"""(event_type, from_version) → upcaster producing the payload at from_version + 1."""


def upcast(event_type: str, version: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Bring ``payload`` from ``version`` to the current version of ``event_type``.

    Returns ``(current_version, payload_at_current_version)``. The input dict is never mutated;
    at the current version a shallow copy is returned unchanged. The result is not validated:
    that is the caller's job (see :func:`schemas.serialization.envelope_from_bytes`).

    Raises :class:`~schemas.exceptions.UnknownEventType` for an unknown event type and
    :class:`~schemas.exceptions.UpcastError` when ``version`` is below 1 or newer than this
    build knows, when a step of the chain is missing, or when a step fails on the old payload.
    """
    current = event_class(event_type).class_version
    if version < 1:
        raise UpcastError(event_type, version, "schema versions start at 1")
    if version > current:
        raise UpcastError(
            event_type, version, f"newer than the newest version this build knows (v{current})"
        )
    upcasted = dict(payload)
    for step in range(version, current):
        upcaster = UPCASTERS.get((event_type, step))
        if upcaster is None:
            raise UpcastError(event_type, version, f"no upcaster from v{step} to v{step + 1}")
        try:
            upcasted = upcaster(upcasted)
        except KeyError as exc:
            raise UpcastError(
                event_type, version, f"v{step} payload lacks field {exc.args[0]!r}"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise UpcastError(event_type, version, f"v{step} → v{step + 1} failed: {exc}") from exc
    return current, upcasted
