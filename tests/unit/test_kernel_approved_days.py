"""Approved WFA days by (NIP, day): the bookkeeping both edges' directories feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kernel.approved_days import ApprovedDays

NIP = "198001012010011001"
MON, TUE, WED = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


@dataclass(frozen=True, slots=True)
class Plan:
    request_id: str
    label: str


def test_a_request_counts_only_once_approved() -> None:
    days: ApprovedDays[Plan] = ApprovedDays()
    days.requested(NIP, (MON, TUE), Plan("r1", "a"))
    assert days.on(NIP, MON) is None
    days.approved("r1")
    assert days.on(NIP, MON) == Plan("r1", "a")
    assert days.on(NIP, TUE) == Plan("r1", "a")
    assert days.on(NIP, WED) is None
    assert days.on("199001012015012002", MON) is None


def test_unknown_or_repeated_decisions_change_nothing() -> None:
    days: ApprovedDays[Plan] = ApprovedDays()
    days.approved("nope")
    days.withdrawn("nope")
    days.requested(NIP, (MON,), Plan("r1", "a"))
    days.approved("r1")
    days.approved("r1")
    assert days.on(NIP, MON) == Plan("r1", "a")


def test_withdrawing_a_request_leaves_a_later_approval_of_the_same_day() -> None:
    days: ApprovedDays[Plan] = ApprovedDays()
    days.requested(NIP, (MON, TUE), Plan("r1", "a"))
    days.approved("r1")
    days.requested(NIP, (TUE, WED), Plan("r2", "b"))
    days.approved("r2")
    days.withdrawn("r1")
    assert days.on(NIP, MON) is None
    assert days.on(NIP, TUE) == Plan("r2", "b")
    assert days.on(NIP, WED) == Plan("r2", "b")


def test_a_rejected_request_is_never_approved_later() -> None:
    days: ApprovedDays[Plan] = ApprovedDays()
    days.requested(NIP, (MON,), Plan("r1", "a"))
    days.withdrawn("r1")
    days.approved("r1")
    assert days.on(NIP, MON) is None


def test_forgetting_days_drops_them_and_requests_left_with_none() -> None:
    days: ApprovedDays[Plan] = ApprovedDays()
    days.requested(NIP, (MON, TUE), Plan("r1", "a"))
    days.approved("r1")
    days.requested(NIP, (MON,), Plan("r2", "b"))
    days.forget(lambda day: day < TUE)
    assert days.on(NIP, MON) is None
    assert days.on(NIP, TUE) == Plan("r1", "a")
    days.approved("r2")  # forgotten while undecided: its approval finds nothing
    assert days.on(NIP, MON) is None
    days.forget(lambda day: day < WED)
    days.withdrawn("r1")
    assert days.on(NIP, TUE) is None
