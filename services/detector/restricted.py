"""The detector's internal Kafka topics that hold precise positions.

The detector re-keys the location stream by (work day, coordinate cell) through a repartition
topic, and keeps each person's recent points and each cell's people in faust tables whose
changelogs are topics too. All of them carry positions finer than the coarse cell of the
derived facts, so they are restricted like ``wfa.locations.v1``: created with the location
retention (``LOCATION_RETENTION_DAYS``) and purged with it.

The names follow from the detector's consumer group (``KAFKA_GROUP_ID`` of the detector,
default ``wfa-detector``): pass the detector's settings (``SERVICE_NAME=detector``) to name a
deployment with its own group; any other service's settings name the default group.
"""

from __future__ import annotations

from services.runtime.settings import Settings

#: Table of each person's recent points (changelog holds positions).
TRACKS_TABLE = "tracks"
#: Table of the people seen on each (work day, coordinate cell) (the key holds a position).
CELLS_TABLE = "cells"
#: Suffix of the repartition topic of the location stream keyed by (work day, cell).
DAY_CELL_SUFFIX = "day-cell-repartition"


def detector_group_id(settings: Settings) -> str:
    """The detector's consumer group, also when asked from another service's settings."""
    if settings.service_name == "detector":
        return settings.group_id
    return "wfa-detector"


def changelog_topic(group_id: str, table: str) -> str:
    """faust's name for a table's changelog: ``<app id>-<table>-changelog``."""
    return f"{group_id}-{table}-changelog"


def day_cell_topic(group_id: str) -> str:
    return f"{group_id}-{DAY_CELL_SUFFIX}"


def restricted_internal_topics(settings: Settings) -> list[str]:
    """Repartition topic and table changelogs of the detector that hold precise positions."""
    group = detector_group_id(settings)
    return [
        day_cell_topic(group),
        changelog_topic(group, TRACKS_TABLE),
        changelog_topic(group, CELLS_TABLE),
    ]
