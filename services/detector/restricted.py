"""The detector's internal topics that hold precise positions, named from its settings.

The names themselves are the kernel's (:mod:`kernel.restricted_topics`), shared with the
attendance service's purge of restricted topics.
"""

from __future__ import annotations

from kernel.restricted_topics import (
    CELLS_TABLE,
    TRACKS_TABLE,
    changelog_topic,
    day_cell_topic,
    detector_internal_topics,
)
from services.runtime.settings import Settings

__all__ = [
    "CELLS_TABLE",
    "TRACKS_TABLE",
    "changelog_topic",
    "day_cell_topic",
    "restricted_internal_topics",
]


def restricted_internal_topics(settings: Settings) -> list[str]:
    """Repartition topic and table changelogs of the detector that hold precise positions."""
    return detector_internal_topics(settings.service_name, settings.group_id)
