"""Time travel: an employee's or an OPD's state as it stood at a given instant (pure, no I/O).

The state is a fold over archived events in the order of the archive, (recorded_at, topic,
partition, offset). Only events recorded at or before ``as_of`` apply; an event id seen twice
(a record published again) applies once. Every event type is counted; types that do not change
the state are listed under ``not_folded``. Instants in the answer are ISO 8601 text; the day
that ``as_of`` falls on, in its own UTC offset, decides which sanctions and policy versions are
in force.

One module per part: :mod:`.asked` (the instant and the size limit), :mod:`.history` (the
fold both states share), :mod:`.sanctions`, :mod:`.requests`, :mod:`.presence` and
:mod:`.reports` (the parts of a state), :mod:`.employee` and :mod:`.opd` (the two states).
"""

from __future__ import annotations

from services.audit.domain.time_travel.asked import (
    MAX_EVENTS,
    OPD_MAX_EVENTS,
    HistoryTooLarge,
    InvalidInstant,
    check_history_size,
    local_day,
    parse_as_of,
)
from services.audit.domain.time_travel.employee import EmployeeHistory, employee_state
from services.audit.domain.time_travel.opd import ROSTER_TYPES, OpdHistory, opd_state

__all__ = [
    "MAX_EVENTS",
    "OPD_MAX_EVENTS",
    "ROSTER_TYPES",
    "EmployeeHistory",
    "HistoryTooLarge",
    "InvalidInstant",
    "OpdHistory",
    "check_history_size",
    "employee_state",
    "local_day",
    "opd_state",
    "parse_as_of",
]
