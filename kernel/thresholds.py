"""Thresholds of attendance: geofences, lateness, the offline queue and fake-GPS detection.

One place for every number the attendance API, the stream detector and reporting judge by.
A deployment sets each from the environment (``ATTENDANCE_<NAME>``, read by
:meth:`AttendanceThresholds.from_environ` at the service's edge), and every anomaly records
the thresholds it was judged by, so a changed setting never makes old anomalies unexplainable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX: Final = "ATTENDANCE_"
"""Prefix of the environment variables that set the thresholds (any case)."""


class AttendanceThresholds(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        """The thresholds set by ``ATTENDANCE_<NAME>`` variables, the defaults for the rest."""
        values: dict[str, str] = {}
        for key, value in environ.items():
            if key.upper().startswith(ENV_PREFIX):
                name = key[len(ENV_PREFIX) :].lower()
                if name in cls.model_fields:
                    values[name] = value
        return cls.model_validate(values)

    # where the employee should be -----------------------------------------------------------
    office_radius_m: float = Field(
        200.0, gt=0, le=50_000, description="Geofence radius around the roster's office_location."
    )
    wfa_radius_m: float = Field(
        500.0, gt=0, le=50_000, description="How far from the approved WFA location is still near."
    )
    late_grace_minutes: int = Field(
        0, ge=0, le=240, description="Minutes after the start of work a check-in is still on time."
    )

    # devices and the offline queue ----------------------------------------------------------
    require_registered_device: bool = Field(
        True, description="Refuse presence from a device that is not the account's registered one."
    )
    offline_tolerance_hours: float = Field(
        72.0, gt=0, le=24 * 14, description="Oldest offline record accepted on reconnection."
    )
    late_sync_after_s: float = Field(
        120.0, gt=0, description="Received this long after it happened: flagged late-synced."
    )
    clock_skew_tolerance_s: float = Field(
        300.0, gt=0, description="Device clock vs server receipt beyond this: clock tampering."
    )

    # the stream detector --------------------------------------------------------------------
    impossible_speed_kmh: float = Field(
        300.0, gt=0, description="Faster than this between two points: impossible travel."
    )
    impossible_min_distance_m: float = Field(
        2_000.0, ge=0, description="Jumps shorter than this are GPS noise, never travel."
    )
    static_min_points: int = Field(
        4, ge=2, description="Points of one day all identical, at least this many: static spoof."
    )
    static_min_span_minutes: float = Field(
        120.0, ge=0, description="...spread over at least this long."
    )
    shared_min_people: int = Field(
        3, ge=2, description="Different ASN on one coordinate cell on one day: shared coordinates."
    )
    shared_cell_decimals: int = Field(
        6, ge=3, le=8, description="Decimals of the coordinate cell (6: about 0.1 m)."
    )
    sequence_backstep_s: float = Field(
        60.0, ge=0, description="A device's later event timed this much before an earlier one."
    )
    missing_checkout_grace_minutes: float = Field(
        0.0, ge=0, description="After local midnight of the work day: missing check-out."
    )
    sweep_interval_s: float = Field(
        60.0, gt=0, description="How often the detector looks for days that ended open."
    )

    # presence -------------------------------------------------------------------------------
    presence_gap_minutes: float = Field(
        15.0, gt=0, description="Signals closer than this belong to one presence interval."
    )
    daily_target_minutes: int = Field(
        450, gt=0, description="Worked time a day is measured against (7.5 hours)."
    )
