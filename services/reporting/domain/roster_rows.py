"""Pure mapping from roster events to reporting rows and marks (no I/O).

Reporting keeps the roster's current state per employee (the latest offset wins): the OPD
and work unit of every employee-day and the headcount of every OPD come from it.
"""

from __future__ import annotations

from typing import Any

from kernel.projection_rows import Position, TableRows
from schemas.events import EmployeeRegistered, EmployeeUpdated
from services.reporting.domain.marks import employee_mark


def employee_rows(payload: EmployeeRegistered | EmployeeUpdated, position: Position) -> TableRows:
    row: dict[str, Any] = {
        "nip": payload.nip,
        "name": payload.name,
        "opd_id": payload.opd_id,
        "work_unit_id": payload.work_unit_id,
        "position": payload.position,
        "position_category": payload.position_category,
        "supervisor_nip": payload.supervisor_nip,
        "employment_type": payload.employment_type,
        **position.columns(),
    }
    return [("employees", row), employee_mark(payload.nip)]
