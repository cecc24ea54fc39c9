"""Time travel judges an OPD policy's first day in the OPD's own time zone, whatever offset
the instant asked for is written in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from schemas import new_event
from schemas.events import OpdPolicyPublished
from schemas.serialization import read_event, to_record
from services.audit.domain.time_travel import OpdHistory

OPD = "dinas-kominfo"
FIRST_DAY = date(2026, 12, 8)


def _history(as_of: datetime, zone: str | None) -> OpdHistory:
    settings: dict[str, object] = {"wfa_enabled": True}
    if zone is not None:
        settings["timezone"] = zone
    payload = OpdPolicyPublished(
        opd_id=OPD, version=1, effective_from=FIRST_DAY, settings=settings, note="v1"
    )
    envelope = new_event(
        payload, actor="198001012005011001", subject="198001012005011001", opd_id=OPD
    ).model_copy(update={"recorded_at": datetime(2026, 12, 1, tzinfo=UTC)})
    history = OpdHistory(as_of=as_of, opd_id=OPD)
    assert history.add(read_event(to_record(envelope).value))
    return history


@pytest.mark.parametrize(("zone", "hours"), [(None, 7), ("WIB", 7), ("WITA", 8), ("WIT", 9)])
def test_a_policy_is_in_force_from_midnight_of_its_first_day_in_the_opds_zone(
    zone: str | None, hours: int
) -> None:
    local_midnight_in_utc = datetime(2026, 12, 8, tzinfo=UTC) - timedelta(hours=hours)
    # asked for in UTC: the UTC day is still the day before, the OPD's day is the first day
    in_force = _history(local_midnight_in_utc, zone).state()["policy"]["in_force"]
    assert in_force is not None and in_force["note"] == "v1"
    just_before = local_midnight_in_utc - timedelta(milliseconds=1)
    assert _history(just_before, zone).state()["policy"]["in_force"] is None


def test_the_offset_an_instant_is_written_in_does_not_change_the_answer() -> None:
    instant = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)  # 00:30 WIB on the first day
    for offset in (0, 7, 9, -5):
        written = instant.astimezone(timezone(timedelta(hours=offset)))
        assert _history(written, "WIB").state()["policy"]["in_force"] is not None
