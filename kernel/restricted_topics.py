"""The detector's internal Kafka topics that hold precise positions.

The detector re-keys the location stream by (work day, coordinate cell) through a repartition
topic, and keeps each person's recent points and each cell's people in faust tables whose
changelogs are topics too. All of them carry positions finer than the coarse cell of the
derived facts, so they are restricted like ``wfa.locations.v1``: created with the location
retention (``LOCATION_RETENTION_DAYS``) and purged with it, by the detector and by the
attendance service's purge alike.

The names follow from the detector's consumer group (``KAFKA_GROUP_ID`` of the detector,
default ``wfa-detector``): a deployment with its own group names its own topics; any other
service asking names the default group.
"""

from __future__ import annotations

from typing import Final

DETECTOR_SERVICE: Final = "detector"
"""The detector's service name (``SERVICE_NAME``)."""
DETECTOR_DEFAULT_GROUP: Final = "wfa-detector"
"""The detector's consumer group unless its deployment names another."""

#: Table of each person's recent points (changelog holds positions).
TRACKS_TABLE: Final = "tracks"
#: Table of the people seen on each (work day, coordinate cell) (the key holds a position).
CELLS_TABLE: Final = "cells"
#: Suffix of the repartition topic of the location stream keyed by (work day, cell).
DAY_CELL_SUFFIX: Final = "day-cell-repartition"


def detector_group_id(service_name: str, group_id: str) -> str:
    """The detector's consumer group, also when asked by another service (its default)."""
    if service_name == DETECTOR_SERVICE:
        return group_id
    return DETECTOR_DEFAULT_GROUP


def changelog_topic(group_id: str, table: str) -> str:
    """faust's name for a table's changelog: ``<app id>-<table>-changelog``."""
    return f"{group_id}-{table}-changelog"


def day_cell_topic(group_id: str) -> str:
    return f"{group_id}-{DAY_CELL_SUFFIX}"


def detector_internal_topics(service_name: str, group_id: str) -> list[str]:
    """Repartition topic and table changelogs of the detector that hold precise positions.

    ``service_name`` and ``group_id`` are those of the asking service's settings.
    """
    group = detector_group_id(service_name, group_id)
    return [
        day_cell_topic(group),
        changelog_topic(group, TRACKS_TABLE),
        changelog_topic(group, CELLS_TABLE),
    ]
