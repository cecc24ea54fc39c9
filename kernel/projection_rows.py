"""What a projection's pure mapping code makes: rows per table, marks, and where a record sat.

A mapper is a pure function from a decoded record and its place in the log to rows; the
runtime (:mod:`services.runtime.projection.projector`) decodes, batches and writes them.
A mapper may also return *marks*: rows for a name starting with :data:`MARK_PREFIX` are not
inserted but collected, as tuples of their values (what the batch touched, e.g. the
employee-days whose derived rows must be computed again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemas import Envelope
from schemas.serialization import DecodedEvent

__all__ = ["MARK_PREFIX", "EventMapper", "Marks", "Position", "RowMapper", "TableRows"]


@dataclass(frozen=True)
class Position:
    """Where an event sits in the log: the projection's tracking position."""

    topic: str
    partition: int
    offset: int

    def columns(self) -> dict[str, Any]:
        """The position as the ``topic``, ``partition``, ``offset`` columns of a row."""
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


TableRows = list[tuple[str, dict[str, Any]]]
"""Rows a mapper makes, as (table, row) pairs in order."""
MARK_PREFIX = "@"
"""Rows for a table name starting with this are marks, not inserts."""
Marks = dict[str, set[tuple[Any, ...]]]
"""Marks per name: what a batch touched."""
#: pure function: (decoded record, where it sat, the bytes as they were on the log) -> rows
EventMapper = Callable[[DecodedEvent, Position, bytes], TableRows]
#: pure function: (envelope at the current version, where it sat, the bytes) -> rows
RowMapper = Callable[[Envelope, Position, bytes], TableRows]
