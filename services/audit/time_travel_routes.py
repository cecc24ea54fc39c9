"""Time travel: an employee's or an OPD's state as it stood at a given time."""

from __future__ import annotations

from services.runtime.routing import service_router

router = service_router("/audit", ["audit"])
