"""What the attendance edge judges by, read from the replicated topics into memory.

The check-in is the platform's hottest write, and it runs as several stateless workers: each
process keeps, from the beginning of the log, the office geofences, the OPD policy versions,
the approved WFA days and each employee's bound device. A request reads dictionaries; it never
waits on a store or on Kafka, except when a lookup misses something that may have been
published a second ago (a device just registered, an approval just made): then it waits once
for the directory to catch up (:meth:`FactsDirectory.wait_caught_up`).

Memory stays small: entries are slotted dataclasses, repeated strings are interned, a request
keeps its NIP and days only until it is decided.

The declared WFA place is not on the requests topic (a request carries only its coarse cell):
it is read from the restricted locations topic (``WfaLocationDeclared``), whose records are
otherwise the check-ins' positions, skipped unread. A request recorded before the place was
kept apart (``WfaRequested`` v3 and older) still holds its point in the record: it is taken
from there, before the contract upcasts it away.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import orjson
from aiokafka import TopicPartition
from pydantic import ValidationError

from kernel.approved_days import ApprovedDays
from kernel.geometry import Circle, LatLon, Polygon
from kernel.policy import OpdPolicy, PolicyHistory
from kernel.thresholds import AttendanceThresholds
from schemas import (
    DeviceRegistered,
    Envelope,
    EventPayload,
    GeofenceRetired,
    GeofenceSet,
    OpdPolicyPublished,
    WfaApproved,
    WfaCancelled,
    WfaLocationDeclared,
    WfaRejected,
    WfaRequested,
)
from schemas.events import CircleShape
from schemas.topics import DEVICES, GEOFENCES, LOCATIONS, POLICIES, REQUESTS
from services.attendance.domain.assessment import ApprovedWfa, Fence
from services.runtime.context import register
from services.runtime.kafka.topic_memory import TopicMemory

if TYPE_CHECKING:
    from services.runtime.context import ServiceContext

log = logging.getLogger(__name__)

__all__ = [
    "DeviceRecord",
    "FactsDirectory",
    "register_facts_directory",
]


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """One registration of a work device."""

    registration_id: str
    device_id: str
    platform: str
    label: str | None
    replaces: str | None
    registered_by: str
    registered_at: datetime


def _fence(payload: GeofenceSet) -> Fence:
    shape = payload.shape
    if isinstance(shape, CircleShape):
        return Fence(
            sys.intern(payload.geofence_id),
            Circle((shape.center.lat, shape.center.lon), shape.radius_m),
        )
    return Fence(
        sys.intern(payload.geofence_id),
        Polygon(tuple((point.lat, point.lon) for point in shape.points)),
    )


_DECLARED = WfaLocationDeclared.event_type.encode()
_REQUESTED = WfaRequested.event_type.encode()
#: the first version of ``WfaRequested`` without the precise point
_PLACE_APART = 4


def legacy_point(record: Mapping[str, object]) -> tuple[str, LatLon] | None:
    """(request id, point) of a ``WfaRequested`` envelope recorded with its precise point
    (v1: flat ``lat``/``lon``; v2, v3: ``location``); None for any other record."""
    if record.get("type") != WfaRequested.event_type:
        return None
    version = record.get("schema_version")
    payload = record.get("payload")
    if not isinstance(version, int) or version >= _PLACE_APART or not isinstance(payload, dict):
        return None
    where = payload.get("location") if version > 1 else payload
    if not isinstance(where, dict) or not isinstance(payload.get("request_id"), str):
        return None
    try:
        return str(payload["request_id"]), (float(where["lat"]), float(where["lon"]))
    except (KeyError, TypeError, ValueError):
        return None


class FactsDirectory(TopicMemory):
    """Geofences, policies, approved WFA days and their declared places, and devices, in
    memory (a service component)."""

    name = "attendance-facts"

    def __init__(
        self, bootstrap: list[str], client_id: str, thresholds: AttendanceThresholds
    ) -> None:
        super().__init__(bootstrap, client_id, (GEOFENCES, POLICIES, REQUESTS, DEVICES, LOCATIONS))
        self.thresholds = thresholds
        """The thresholds the edge judges by (from the environment, fixed for the process)."""
        self._fences: dict[tuple[str, str | None], Fence] = {}
        self._policies: dict[str, dict[int, OpdPolicy]] = {}
        self._histories: dict[str, PolicyHistory] = {}
        self._wfa: ApprovedDays[ApprovedWfa] = ApprovedDays()
        self._devices: dict[str, list[DeviceRecord]] = {}
        self._places: dict[str, LatLon] = {}
        """The precise declared place of each WFA request, by request id."""

    # applying the log -------------------------------------------------------------------------

    def _take(self, value: bytes | None, tp: TopicPartition, offset: int) -> None:
        if tp.topic == LOCATIONS:
            # the check-ins' positions are not read: only the declared WFA places
            if value is None or _DECLARED not in value:
                return
        elif tp.topic == REQUESTS and value is not None and _REQUESTED in value:
            self._take_legacy_point(value)
        super()._take(value, tp, offset)

    def _take_legacy_point(self, value: bytes) -> None:
        try:
            record = orjson.loads(value)
        except orjson.JSONDecodeError:
            return  # the contract's decoding skips it with its reason
        found = legacy_point(record) if isinstance(record, dict) else None
        if found is not None:
            self._places.setdefault(sys.intern(found[0]), found[1])

    def apply(self, envelope: Envelope, payload: EventPayload) -> None:
        if isinstance(payload, WfaRequested):
            self._wfa.requested(
                sys.intern(payload.nip),
                tuple(payload.dates),
                ApprovedWfa(sys.intern(payload.request_id), None),
            )
        elif isinstance(payload, WfaLocationDeclared):
            self._places[sys.intern(payload.request_id)] = (
                payload.location.lat,
                payload.location.lon,
            )
        elif isinstance(payload, WfaApproved):
            self._wfa.approved(payload.request_id)
        elif isinstance(payload, WfaRejected | WfaCancelled):
            self._wfa.withdrawn(payload.request_id)
        elif isinstance(payload, DeviceRegistered):
            self._devices.setdefault(sys.intern(payload.nip), []).append(
                DeviceRecord(
                    registration_id=payload.registration_id,
                    device_id=payload.device_id,
                    platform=sys.intern(payload.platform),
                    label=payload.label,
                    replaces=payload.replaces,
                    registered_by=sys.intern(payload.registered_by),
                    registered_at=envelope.occurred_at,
                )
            )
        elif isinstance(payload, GeofenceSet):
            key = (sys.intern(payload.opd_id), _intern(payload.work_unit_id))
            self._fences[key] = _fence(payload)
        elif isinstance(payload, GeofenceRetired):
            key = (payload.opd_id, payload.work_unit_id)
            current = self._fences.get(key)
            if current is not None and current.geofence_id == payload.geofence_id:
                del self._fences[key]
        elif isinstance(payload, OpdPolicyPublished):
            try:
                policy = OpdPolicy.from_settings(
                    payload.opd_id, payload.version, payload.effective_from, payload.settings
                )
            except (ValidationError, ValueError) as exc:
                log.warning(
                    "attendance facts: policy %s v%d unreadable: %s",
                    payload.opd_id,
                    payload.version,
                    exc,
                )
                return
            self._policies.setdefault(sys.intern(policy.opd_id), {})[policy.version] = policy
            self._histories.pop(policy.opd_id, None)

    # lookups ----------------------------------------------------------------------------------

    def geofence(self, opd_id: str, work_unit_id: str) -> tuple[Fence | None, Fence | None]:
        """The work unit's geofence and the OPD's (either may be None)."""
        return self._fences.get((opd_id, work_unit_id)), self._fences.get((opd_id, None))

    def policy_history(self, opd_id: str) -> PolicyHistory | None:
        """Every published version of the OPD's policy; None if none was published."""
        history = self._histories.get(opd_id)
        if history is None:
            versions = self._policies.get(opd_id)
            if not versions:
                return None
            history = PolicyHistory(
                opd_id=opd_id, policies=tuple(versions[v] for v in sorted(versions))
            )
            self._histories[opd_id] = history
        return history

    def approved_wfa(self, nip: str, day: date) -> ApprovedWfa | None:
        """The approved WFA request covering ``day`` for ``nip``, if any, with its declared
        place (None while that is not known)."""
        approved = self._wfa.on(nip, day)
        if approved is None or approved.location is not None:
            return approved
        return ApprovedWfa(approved.request_id, self._places.get(approved.request_id))

    def current_device(self, nip: str) -> DeviceRecord | None:
        """The device bound to ``nip`` now (the latest registration), if any."""
        history = self._devices.get(nip)
        return history[-1] if history else None

    def devices(self, nip: str) -> tuple[DeviceRecord, ...]:
        """Every registration of ``nip``, oldest first."""
        return tuple(self._devices.get(nip, ()))


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def register_facts_directory(
    ctx: ServiceContext, thresholds: AttendanceThresholds | None = None
) -> FactsDirectory:
    """Declare the attendance facts directory; the host starts it with the other components."""
    settings = ctx.settings
    directory = FactsDirectory(
        settings.kafka_servers,
        f"{settings.service_name}-{FactsDirectory.name}",
        thresholds or AttendanceThresholds.from_environ(os.environ),
    )
    register(ctx, directory)
    return directory
