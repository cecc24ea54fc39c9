"""Anomalies decidable on receipt of one signal, with their bilingual messages. No I/O.

Each anomaly's id is derived from (kind, NIP, work date, source signal), so a retried request
that is published again collapses into the same event for consumers that keep events by id.
Evidence never holds a coordinate: distances are rounded to 10 m, with the contract's band.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from schemas.ids import derived_ulid
from services.attendance.messages import MESSAGES

__all__ = [
    "EdgeAnomaly",
    "EdgeKind",
    "clock_tampering",
    "far_from_wfa_location",
    "mode_mismatch",
    "outside_geofence",
    "remote_without_approval",
    "round_distance",
]

EdgeKind = Literal[
    "outside_geofence",
    "far_from_wfa_location",
    "remote_without_approval",
    "mode_mismatch",
    "clock_tampering",
]

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class EdgeAnomaly:
    """One anomaly found at the edge, ready to become an ``AttendanceAnomalyDetected``."""

    anomaly_id: str
    kind: EdgeKind
    evidence: dict[str, Scalar]
    thresholds: dict[str, Scalar]
    message_id: str
    message_en: str


def anomaly_id(kind: str, nip: str, work_date: date, source_event_id: str, at: datetime) -> str:
    """The id of a per-signal anomaly: the same inputs always give the same id."""
    seed = f"{kind}|{nip}|{work_date.isoformat()}|{source_event_id}"
    return derived_ulid(seed, int(at.timestamp() * 1000))


def round_distance(metres: float) -> int:
    """A distance rounded to 10 m: enough to judge, too coarse to locate anyone."""
    return int(round(metres / 10.0) * 10)


@dataclass(frozen=True, slots=True)
class Context:
    """Who and which signal an anomaly is about."""

    nip: str
    work_date: date
    source_event_id: str
    at: datetime

    def id_for(self, kind: EdgeKind) -> str:
        return anomaly_id(kind, self.nip, self.work_date, self.source_event_id, self.at)


def outside_geofence(
    ctx: Context,
    *,
    distance_m: float,
    band: str,
    reference_id: str | None,
    thresholds: dict[str, Scalar],
    accuracy_m: float | None,
) -> EdgeAnomaly:
    metres = round_distance(distance_m)
    return EdgeAnomaly(
        ctx.id_for("outside_geofence"),
        "outside_geofence",
        {
            "distance_m": metres,
            "distance_band": band,
            "reference": "office_geofence",
            "reference_id": reference_id,
            "accuracy_m": accuracy_m,
        },
        thresholds,
        *MESSAGES.text("anomaly.outside_geofence", metres=metres),
    )


def far_from_wfa_location(
    ctx: Context,
    *,
    distance_m: float,
    band: str,
    request_id: str,
    radius_m: float,
    accuracy_m: float | None,
) -> EdgeAnomaly:
    metres = round_distance(distance_m)
    return EdgeAnomaly(
        ctx.id_for("far_from_wfa_location"),
        "far_from_wfa_location",
        {
            "distance_m": metres,
            "distance_band": band,
            "reference": "wfa_location",
            "reference_id": request_id,
            "accuracy_m": accuracy_m,
        },
        {"wfa_radius_m": radius_m},
        *MESSAGES.text("anomaly.far_from_wfa_location", metres=metres, radius_m=radius_m),
    )


def remote_without_approval(ctx: Context, *, inside: bool | None, band: str) -> EdgeAnomaly:
    return EdgeAnomaly(
        ctx.id_for("remote_without_approval"),
        "remote_without_approval",
        {"declared_mode": "wfa", "derived_mode": "office", "inside": inside, "distance_band": band},
        {},
        *MESSAGES.text("anomaly.remote_without_approval", day=ctx.work_date.isoformat()),
    )


def mode_mismatch(ctx: Context, *, request_id: str) -> EdgeAnomaly:
    return EdgeAnomaly(
        ctx.id_for("mode_mismatch"),
        "mode_mismatch",
        {"declared_mode": "office", "derived_mode": "wfa", "reference_id": request_id},
        {},
        *MESSAGES.text("anomaly.mode_mismatch", day=ctx.work_date.isoformat()),
    )


def clock_tampering(
    ctx: Context,
    *,
    sent_vs_receipt_s: float | None,
    at_after_sent_s: float | None,
    tolerance_s: float,
) -> EdgeAnomaly:
    seconds = round(sent_vs_receipt_s) if sent_vs_receipt_s is not None else None
    after = round(at_after_sent_s) if at_after_sent_s is not None else None
    if after is not None and after > 0:
        detail = MESSAGES.text("anomaly.clock_tampering.after_sent", seconds=after)
    else:
        detail = MESSAGES.text("anomaly.clock_tampering.skew", seconds=seconds)
    return EdgeAnomaly(
        ctx.id_for("clock_tampering"),
        "clock_tampering",
        {"sent_vs_receipt_s": seconds, "at_after_sent_s": after},
        {"clock_skew_tolerance_s": tolerance_s},
        *MESSAGES.text("anomaly.clock_tampering", detail=detail, tolerance_s=tolerance_s),
    )
