"""Detector service: fake GPS, lateness, missing check-outs and device sequences, as a stream.

Run: ``uvicorn --factory services.detector.main:create_app``

A faust worker in the ``wfa-detector`` group (see :mod:`services.detector.stream`) that reads
the restricted precise locations and the attendance facts and publishes
``AttendanceAnomalyDetected`` (``detected_by: stream``) on ``wfa.attendance.v1``. It keeps its
state in faust tables (no embedded store), so several instances share the partitions. Its
repartition topic and the changelogs that hold positions are restricted like the locations
topic (:mod:`services.detector.restricted`). Thresholds come from ``ATTENDANCE_*``
(:class:`~kernel.thresholds.AttendanceThresholds`).
"""

from __future__ import annotations

from fastapi import FastAPI

from schemas.topics import TopicSpec
from services.detector.restricted import day_cell_topic, restricted_internal_topics
from services.detector.stream import register_detector
from services.runtime.context import ServiceContext
from services.runtime.hosting.app import create_service
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.settings import Settings


def internal_topics(settings: Settings) -> tuple[TopicSpec, ...]:
    """The repartition topic of the location stream keyed by (work date, coordinate cell)."""
    return (
        TopicSpec(
            name=day_cell_topic(settings.group_id),
            description="RESTRICTED. Precise locations re-keyed by (work date, coordinate cell).",
            key="work date and coordinate cell",
            restricted=True,
        ),
    )


def register_agents(ctx: ServiceContext) -> None:
    register_detector(ctx)


DEFINITION = ServiceDefinition(
    name="detector",
    title="Attendance anomaly detector / Pendeteksi anomali presensi",
    description=(
        "Stream detection of fake GPS (mock location, impossible travel, static and shared "
        "coordinates), late check-ins, missing check-outs and tampered device sequences."
    ),
    register_agents=register_agents,
    uses_store=False,
    topics=internal_topics,
    restricted_topics=restricted_internal_topics,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
