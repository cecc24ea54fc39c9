"""What an event touched, as marks for the derived rows (pure: no I/O).

A mapper returns marks beside its rows (see :mod:`services.runtime.projection.projector`); after the
batch's facts are written, :mod:`services.reporting.refresh` computes again every derived row
the marks reach:

* ``@day`` (nip, work_date, opd_id): an employee-day whose facts changed, and the OPD the new
  fact names (a day counts for the OPD of its latest fact);
* ``@request`` (opd_id, request_id): a decision on a WFA request, whose days are resolved from
  the stored request (approvals and cancellations do not repeat the dates);
* ``@employee`` (nip): a roster change (the work unit of the employee's days, the headcount of
  the OPDs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

DAY = "@day"
REQUEST = "@request"
EMPLOYEE = "@employee"


def day_mark(nip: str, work_date: date, opd_id: str) -> tuple[str, dict[str, Any]]:
    return (DAY, {"nip": nip, "work_date": work_date, "opd_id": opd_id})


def request_mark(opd_id: str, request_id: str) -> tuple[str, dict[str, Any]]:
    return (REQUEST, {"opd_id": opd_id, "request_id": request_id})


def employee_mark(nip: str) -> tuple[str, dict[str, Any]]:
    return (EMPLOYEE, {"nip": nip})
