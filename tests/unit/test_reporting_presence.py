"""Presence intervals and worked time of crafted employee-days (pure domain, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.reporting.domain.presence import (
    PresenceSignal,
    SignalKind,
    day_presence,
    presence_intervals,
)

GAP = timedelta(minutes=15)
Spec = list[tuple[SignalKind, float]]
DAY = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # 07:00 WIB


def _at(minutes: float) -> datetime:
    return DAY + timedelta(minutes=minutes)


def _signals(*spec: tuple[SignalKind, float], working_day: bool = True) -> list[PresenceSignal]:
    return [
        PresenceSignal(event_id=f"e{i:03d}", kind=kind, at=_at(m), working_day=working_day)
        for i, (kind, m) in enumerate(spec)
    ]


def _pings(start: float, end: float, every: float) -> list[tuple[SignalKind, float]]:
    out: list[tuple[SignalKind, float]] = []
    m = start
    while m <= end:
        out.append(("ping", m))
        m += every
    return out


def test_a_full_day_of_pings_between_check_in_and_check_out_meets_the_target() -> None:
    spec: Spec = [("check_in", 0.0), *_pings(10, 470, 10), ("check_out", 480.0)]
    day = day_presence(_signals(*spec), gap_minutes=15, daily_target_minutes=450)
    [interval] = day.intervals
    assert (interval.opened_by, interval.closed_by) == ("check_in", "check_out")
    assert interval.start == _at(0) and interval.end == _at(480)
    assert interval.signals == len(spec)
    assert day.worked_minutes == 480
    assert day.target_minutes == 450 and day.shortfall_minutes == 0
    assert day.signals == len(spec) and day.working_day is True


def test_a_gap_longer_than_allowed_splits_the_day_and_the_gap_is_not_worked() -> None:
    # 07:00-09:00 pings, silence until 10:00, then pings until check-out at 12:00
    spec: Spec = [
        ("check_in", 0.0),
        *_pings(10, 120, 10),
        *_pings(180, 290, 10),
        ("check_out", 300.0),
    ]
    day = day_presence(_signals(*spec), gap_minutes=15, daily_target_minutes=450)
    first, second = day.intervals
    assert (first.start, first.end, first.closed_by) == (_at(0), _at(120), "gap")
    assert (second.start, second.end, second.opened_by) == (_at(180), _at(300), "ping")
    assert second.closed_by == "check_out"
    assert day.worked_minutes == 120 + 120
    assert day.shortfall_minutes == 450 - 240


def test_signals_exactly_the_gap_apart_do_not_join() -> None:
    intervals = presence_intervals(
        _signals(("heartbeat", 0), ("heartbeat", 14.99), ("heartbeat", 29.99)), gap=GAP
    )
    assert [i.signals for i in intervals] == [2, 1]


def test_a_check_out_closes_the_interval_and_a_later_signal_opens_another() -> None:
    spec: Spec = [("check_in", 0.0), ("ping", 10.0), ("check_out", 20.0), ("heartbeat", 25.0)]
    first, second = presence_intervals(_signals(*spec), gap=GAP)
    assert (first.end, first.closed_by) == (_at(20), "check_out")
    assert (second.start, second.opened_by, second.closed_by) == (_at(25), "heartbeat", "open")


def test_a_check_in_opens_a_new_interval_even_close_to_the_last_signal() -> None:
    spec: Spec = [("heartbeat", 0.0), ("heartbeat", 5.0), ("check_in", 10.0), ("ping", 20.0)]
    first, second = presence_intervals(_signals(*spec), gap=GAP)
    assert (first.end, first.closed_by) == (_at(5), "check_in")
    assert (second.start, second.end, second.opened_by) == (_at(10), _at(20), "check_in")


def test_check_in_and_check_out_hours_apart_without_signals_between_prove_no_time() -> None:
    day = day_presence(
        _signals(("check_in", 0.0), ("check_out", 480.0)), gap_minutes=15, daily_target_minutes=450
    )
    assert [(i.opened_by, i.closed_by, i.seconds) for i in day.intervals] == [
        ("check_in", "gap", 0.0),
        ("check_out", "check_out", 0.0),
    ]
    assert day.worked_minutes == 0 and day.shortfall_minutes == 450


def test_signal_order_is_their_time_and_duplicates_count_once() -> None:
    signals = _signals(("check_in", 0.0), ("ping", 10.0), ("check_out", 20.0))
    shuffled = [signals[2], signals[0], signals[1], signals[1], signals[2]]
    day = day_presence(shuffled, gap_minutes=15, daily_target_minutes=450)
    assert day.signals == 3
    [interval] = day.intervals
    assert (interval.start, interval.end, interval.signals) == (_at(0), _at(20), 3)
    assert day.worked_minutes == 20


def test_worked_minutes_are_rounded_down_and_outside_signals_counted() -> None:
    signals = [
        PresenceSignal("a", "check_in", _at(0), True, inside=True),
        PresenceSignal("b", "ping", _at(10.5), True, inside=False),
        PresenceSignal("c", "ping", _at(20.9), True, inside=None),
    ]
    day = day_presence(signals, gap_minutes=15, daily_target_minutes=450)
    assert day.worked_minutes == 20
    assert day.intervals[0].outside == 1


def test_a_non_working_day_has_no_target_and_no_signals_mean_unknown() -> None:
    off = day_presence(
        _signals(("check_in", 0.0), ("check_out", 10.0), working_day=False),
        gap_minutes=15,
        daily_target_minutes=450,
    )
    assert (off.target_minutes, off.shortfall_minutes, off.worked_minutes) == (0, 0, 10)
    empty = day_presence([], gap_minutes=15, daily_target_minutes=450)
    assert empty.intervals == [] and empty.worked_minutes == 0
    assert (empty.working_day, empty.target_minutes, empty.shortfall_minutes) == (None, None, None)


def test_the_gap_and_target_are_parameters() -> None:
    spec: Spec = [("check_in", 0.0), ("ping", 20.0), ("check_out", 40.0)]
    narrow = day_presence(_signals(*spec), gap_minutes=15, daily_target_minutes=450)
    wide = day_presence(_signals(*spec), gap_minutes=30, daily_target_minutes=60)
    assert narrow.worked_minutes == 0
    assert (wide.worked_minutes, wide.target_minutes, wide.shortfall_minutes) == (40, 60, 20)


def test_at_the_office_check_in_to_check_out_is_present_without_pings() -> None:
    office_in = PresenceSignal(
        event_id="in", kind="check_in", at=_at(0), working_day=True, inside=True, at_office=True
    )
    office_out = PresenceSignal(
        event_id="out", kind="check_out", at=_at(510), working_day=True, inside=True
    )
    day = day_presence([office_in, office_out], gap_minutes=15, daily_target_minutes=450)
    [interval] = day.intervals
    assert (interval.opened_by, interval.closed_by) == ("check_in", "check_out")
    assert day.worked_minutes == 510 and day.shortfall_minutes == 0


def test_a_check_in_outside_the_office_is_not_anchored() -> None:
    away_in = PresenceSignal(
        event_id="in", kind="check_in", at=_at(0), working_day=True, inside=False
    )
    away_out = PresenceSignal(
        event_id="out", kind="check_out", at=_at(510), working_day=True, inside=False
    )
    day = day_presence([away_in, away_out], gap_minutes=15, daily_target_minutes=450)
    assert day.worked_minutes == 0 and day.shortfall_minutes == 450
