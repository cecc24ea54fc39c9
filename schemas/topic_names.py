"""Kafka topic names of the event contract.

The names live in their own tiny module so that event classes can declare their topic without
importing :mod:`schemas.topics` (which in turn reads the event registry). Import them from
:mod:`schemas.topics` or :mod:`schemas`.

The ``.v1`` suffix is the version of the topic layout (key rule and partitioning), not of the
events on it: event payloads evolve through ``schema_version`` and upcasting instead.
"""

from __future__ import annotations

ROSTER = "wfa.roster.v1"
"""Employee master data and disciplinary sanctions, fed by the roster import."""

POLICIES = "wfa.policies.v1"
"""Versions of each OPD's WFA policy, set by BKD/BKPSDM admins."""

REQUESTS = "wfa.requests.v1"
"""WFA requests and their approval lifecycle."""

ATTENDANCE = "wfa.attendance.v1"
"""Check-ins and check-outs."""

REPORTS = "wfa.reports.v1"
"""Daily work reports."""

SUMMARIES = "wfa.summaries.v1"
"""Monthly per-employee performance summaries, the feed for the allowance (TPP) apps."""

GEOFENCES = "wfa.geofences.v1"
"""Office geofences per OPD or work unit, set by BKD/BKPSDM admins."""

DEVICES = "wfa.devices.v1"
"""Which device each employee checks in from: explicit, audited registrations."""

LOCATIONS = "wfa.locations.v1"
"""RESTRICTED: precise coordinates of presence signals, kept only for the retention period."""

ACCESS = "wfa.access.v1"
"""Who read whose personal data (e.g. a precise location), when and through which route."""

DEAD_LETTER = "wfa.deadletter.v1"
"""Records that could not be decoded, kept byte for byte with the reason in headers."""
