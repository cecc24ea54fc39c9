"""The period of an audit trail (``from`` / ``to``) lies within the contract's days: beyond
them it is refused (422 ``invalid_period``) before any arithmetic or access-log event could
fail on it. Pure, no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from kernel.refusal import Refusal
from services.audit.domain.trail import parse_period
from services.runtime.edge.errors import REFUSAL_STATUS


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (None, "9999-12-31"),  # the next day's start overflowed
        ("0001-01-01", None),
        ("1899-12-31", None),
        (None, "2101-01-01"),
        ("2100-12-31T23:00:00-05:00", None),  # 2101 in UTC
        ("1900-01-01T03:00:00+07:00", None),  # 1899 in UTC
        (None, "9999-12-31T23:00:00-05:00"),  # overflowed on the way to UTC
    ],
)
def test_a_bound_outside_the_contract_is_refused_in_both_languages(
    since: str | None, until: str | None
) -> None:
    with pytest.raises(Refusal) as refused:
        parse_period(since, until)

    assert status_of(refused.value) == 422 and refused.value.code == "invalid_period"
    assert "1900-01-01" in refused.value.message_en and "2100-12-31" in refused.value.message_id


def test_the_contracts_first_and_last_days_are_a_period() -> None:
    period = parse_period("1900-01-01", "2100-12-31")

    assert (period.first_day, period.last_day) == (date(1900, 1, 1), date(2100, 12, 31))
    assert period.until_ms is not None and period.since_ms is not None
    assert (
        period.until_ms - period.since_ms
        == ((date(2101, 1, 1) - date(1900, 1, 1)).days) * 86_400_000
    )


def status_of(refused: Refusal) -> int:
    """The HTTP status the edge answers the refusal with."""
    return REFUSAL_STATUS[refused.kind]
