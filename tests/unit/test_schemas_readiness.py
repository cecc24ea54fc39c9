"""The readiness assessment event: bounded scores, an optional work unit, a bounded note."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import POLICIES, OpdReadinessAssessed, decode_event, new_event, to_record
from schemas.examples import EXAMPLE_SUPERVISOR_NIP


def _assessed(**overrides: Any) -> OpdReadinessAssessed:
    fields: dict[str, Any] = {
        "assessment_id": "01KEA000000000000000000001",
        "opd_id": "dinas-kominfo",
        "infrastructure_score": 85,
        "connectivity_score": 80,
        "assessed_on": date(2026, 1, 5),
    }
    return OpdReadinessAssessed(**{**fields, **overrides})


def test_an_assessment_of_a_whole_opd_travels_on_the_policies_topic() -> None:
    payload = _assessed()
    assert payload.work_unit_id is None and payload.note == ""
    assert OpdReadinessAssessed.topic == POLICIES

    envelope = new_event(
        payload,
        actor=EXAMPLE_SUPERVISOR_NIP,
        subject=EXAMPLE_SUPERVISOR_NIP,
        opd_id="dinas-kominfo",
    )
    record = to_record(envelope)
    assert record.topic == POLICIES
    decoded_envelope, decoded = decode_event(record.value)
    assert decoded_envelope.type == "OpdReadinessAssessed"
    assert decoded == payload


@pytest.mark.parametrize(
    "overrides",
    [
        {"infrastructure_score": -1},
        {"infrastructure_score": 101},
        {"connectivity_score": 100.5},
        {"connectivity_score": "banyak"},
        {"work_unit_id": ""},
        {"work_unit_id": "unit\nbaru"},
        {"note": "x" * 2001},
        {"assessed_on": date(1899, 12, 31)},
        {"opd_id": " "},
    ],
)
def test_out_of_bounds_fields_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _assessed(**overrides)


def test_the_bounds_are_inclusive() -> None:
    low = _assessed(infrastructure_score=0, connectivity_score=0, work_unit_id="bidang-data")
    high = _assessed(infrastructure_score=100, connectivity_score=100, note="x" * 2000)
    assert (low.infrastructure_score, high.connectivity_score) == (0, 100)
