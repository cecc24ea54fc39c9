"""Builders of eligibility facts and policies for pure tests and benchmarks (no I/O).

Defaults describe an ordinary case: an administrative ASN of Bappeda appointed in 2015 with a
supervisor, under a policy with WFA on, the 2025 windows and one essential unit.
"""

from __future__ import annotations

from datetime import date

from kernel.policy import LEBARAN_2025, NATARU_2025, OpdPolicy
from services.eligibility.domain.facts import EmployeeFacts


def employee(**overrides: object) -> EmployeeFacts:
    data: dict[str, object] = {
        "nip": "199001012015031001",
        "opd_id": "bappeda",
        "work_unit_id": "sekretariat",
        "position_category": "administrasi",
        "supervisor_nip": "198001012005011002",
        "appointment_date": date(2015, 3, 1),
        "orientation_end_date": date(2016, 2, 29),
    }
    data.update(overrides)
    return EmployeeFacts.model_validate(data)


def policy(**overrides: object) -> OpdPolicy:
    data: dict[str, object] = {
        "opd_id": "bappeda",
        "version": 1,
        "effective_from": date(2025, 1, 1),
        "wfa_enabled": True,
        "windows": [NATARU_2025, LEBARAN_2025],
        "essential_units": ["rsud_igd"],
    }
    data.update(overrides)
    return OpdPolicy.model_validate(data)
