"""Eligibility's own models carry the contract's bounds: whatever a route or the decider
accepts becomes its event, and the longest policy still yields decisions that fit the contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from kernel.policy import (
    MAX_CALENDAR_DAYS,
    MAX_WINDOWS,
    DateRange,
    OpdPolicy,
    PolicySettings,
    SpecialWindow,
)
from schemas import MalformedEvent, new_event, to_record
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    OpdPolicyPublished,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaRequested,
)
from schemas.limits import (
    EXPLANATION_MAX_CHARS,
    IDENTIFIER_MAX_CHARS,
    LEGAL_BASIS_MAX_CHARS,
    LONG_TEXT_MAX_CHARS,
    MAX_EVENT_BYTES,
    MAX_POLICY_SETTINGS_BYTES,
    MAX_REQUEST_DAYS,
    SHORT_TEXT_MAX_CHARS,
    json_size,
)
from services.eligibility.decider_failures import INVALID_COMMAND, invalid_command
from services.eligibility.domain.commands import (
    ActOnRequest,
    SubmitRequest,
    decode,
    encode,
    head_of,
)
from services.eligibility.domain.rules import RequestFacts, UsageFacts, evaluate
from services.eligibility.policy_routes import PolicyVersionCreate
from services.eligibility.roster_routes import SanctionCreate, SanctionLift
from services.eligibility.routes import ActionBody
from tests.support.eligibility_facts import employee

WIDE = "\U0001f600"
"""Four bytes in UTF-8: the widest a character gets."""

NIP = "199001012015031001"
SUPERVISOR = "198001012005011002"
FIRST_DAY = date(2026, 3, 2)


def _days(count: int, start: date = FIRST_DAY) -> list[date]:
    return [start + timedelta(days=offset) for offset in range(count)]


# --------------------------------------------------------------------------------------------
# Policy settings
# --------------------------------------------------------------------------------------------


def _window(index: int, days: list[date], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": f"W{index:02d}" + WIDE * (SHORT_TEXT_MAX_CHARS - 3),
        "dates": [{"start": day, "end": day} for day in days],
        "legal_basis": f"SE {index:02d} " + WIDE * (LEGAL_BASIS_MAX_CHARS - 6),
        "max_away_share": 0.5,
        "weekly_cap_days": 5,
    }
    data.update(overrides)
    return data


def _longest_settings() -> dict[str, Any]:
    """Every bounded list at its longest, every string at its longest in 4-byte characters."""
    request_days = _days(MAX_REQUEST_DAYS)
    windows = [_window(i, [request_days[i]]) for i in range(MAX_WINDOWS)]
    calendar = _days(3 * MAX_CALENDAR_DAYS, date(2030, 1, 1))
    return {
        "wfa_enabled": True,
        "window_only": True,
        "windows": windows,
        "holidays": calendar[:MAX_CALENDAR_DAYS],
        "joint_leave": calendar[MAX_CALENDAR_DAYS : 2 * MAX_CALENDAR_DAYS],
        "working_days": calendar[2 * MAX_CALENDAR_DAYS :],
        "essential_units": [WIDE * IDENTIFIER_MAX_CHARS, "sekretariat"],
        "cap_exempt_categories": [WIDE * IDENTIFIER_MAX_CHARS],
    }


def test_the_longest_policy_within_the_bounds_is_accepted_and_published() -> None:
    policy = OpdPolicy.from_settings("bappeda", 2, FIRST_DAY, _longest_settings())
    assert len(policy.windows) == MAX_WINDOWS
    published = OpdPolicyPublished(
        opd_id=policy.opd_id,
        version=policy.version,
        effective_from=policy.effective_from,
        settings=policy.settings(),
    )
    record = to_record(new_event(published, actor=NIP, subject=NIP, opd_id="bappeda"))
    assert len(record.value) < MAX_EVENT_BYTES


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("windows", [_window(i, [date(2026, 1, 1) + timedelta(days=i)]) for i in range(25)]),
        ("holidays", _days(MAX_CALENDAR_DAYS + 1, date(2030, 1, 1))),
        ("joint_leave", _days(MAX_CALENDAR_DAYS + 1, date(2030, 1, 1))),
        ("working_days", _days(MAX_CALENDAR_DAYS + 1, date(2030, 1, 1))),
        ("holidays", [date(9999, 12, 31)]),
        ("eligible_categories", ["a" * (IDENTIFIER_MAX_CHARS + 1)]),
        ("eligible_categories", ["administrasi\nlain"]),
        ("cap_exempt_categories", ["   "]),
        ("essential_units", ["a" * (IDENTIFIER_MAX_CHARS + 1)]),
        ("essential_units", [""]),
        ("windows", [_window(0, [FIRST_DAY], name="x" * (SHORT_TEXT_MAX_CHARS + 1))]),
        ("windows", [_window(0, [FIRST_DAY], name="Nataru\n2026")]),
        ("windows", [_window(0, [FIRST_DAY], name=" ")]),
        ("windows", [_window(0, [FIRST_DAY], legal_basis="x" * (LEGAL_BASIS_MAX_CHARS + 1))]),
        ("windows", [_window(0, [FIRST_DAY], legal_basis="SE\x00")]),
    ],
)
def test_settings_beyond_the_bounds_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        PolicySettings.model_validate({"wfa_enabled": True, field: value})
    assert refused.value.errors()[0]["loc"][0] == field


def test_settings_too_large_for_the_published_document_are_refused_in_both_languages() -> None:
    categories = [f"{i:04d}" + WIDE * (IDENTIFIER_MAX_CHARS - 4) for i in range(800)]
    assert json_size(categories) > MAX_POLICY_SETTINGS_BYTES
    with pytest.raises(ValidationError) as refused:
        PolicySettings.model_validate({"eligible_categories": categories})
    [error] = refused.value.errors()
    assert error["type"] == "value_error"
    assert f"at most {MAX_POLICY_SETTINGS_BYTES}" in error["msg"]
    assert f"paling besar {MAX_POLICY_SETTINGS_BYTES}" in error["msg"]
    # below the limit, the same kind of list is fine
    assert PolicySettings.model_validate({"eligible_categories": categories[:600]})


def test_a_policy_version_body_is_bounded_like_its_event() -> None:
    body = {"version": 2, "effective_from": "2026-03-02", "settings": {}}
    assert PolicyVersionCreate.model_validate({**body, "note": "Tab\tand\nlines are fine"})
    for bad in (
        {"note": "bell\x07"},
        {"note": "x" * (LONG_TEXT_MAX_CHARS + 1)},
        {"effective_from": "9999-12-31"},
        {"version": 2**31},
    ):
        with pytest.raises(ValidationError):
            PolicyVersionCreate.model_validate({**body, **bad})


# --------------------------------------------------------------------------------------------
# Rule outcomes
# --------------------------------------------------------------------------------------------


def test_the_longest_window_names_and_legal_bases_still_yield_a_valid_request() -> None:
    policy = OpdPolicy.from_settings("bappeda", 2, FIRST_DAY, _longest_settings())
    days = tuple(_days(MAX_REQUEST_DAYS))
    unit = WIDE * IDENTIFIER_MAX_CHARS
    decision = evaluate(
        employee(work_unit_id=unit),
        RequestFacts(dates=days),
        policy,
        UsageFacts(unit_size=1_000_000, away_by_date=dict.fromkeys(days, 999_999)),
        today=FIRST_DAY,
    )
    assert not decision.eligible
    # without clipping these would run to many thousands of characters
    longest = max(decision.trace, key=lambda outcome: len(outcome.message_en))
    assert len(longest.message_en) == EXPLANATION_MAX_CHARS and longest.message_en.endswith("…")
    bases = [outcome.legal_basis for outcome in decision.trace]
    assert max(len(basis) for basis in bases) == LEGAL_BASIS_MAX_CHARS
    assert all(
        len(outcome.message_id) <= EXPLANATION_MAX_CHARS
        and len(outcome.message_en) <= EXPLANATION_MAX_CHARS
        for outcome in decision.trace
    )

    requested = WfaRequested(
        request_id="req-" + "9" * 24,
        nip=NIP,
        work_unit_id=unit,
        dates=list(days),
        place={"location_id": "01" + "K" * 24, "cell": "-6.20,106.80", "address": None},
        reason="Menyusun laporan",
        work_plan=[{"description": "Laporan", "target": 1, "unit": "dokumen"}],
        decision=decision,
    )
    assert WfaRequested.model_validate(requested.model_dump(mode="json")) == requested
    record = to_record(new_event(requested, actor=NIP, subject=NIP, opd_id="bappeda"))
    assert len(record.value) < MAX_EVENT_BYTES


def test_short_messages_are_left_whole() -> None:
    window = SpecialWindow(name="Nataru", dates=(DateRange.single(FIRST_DAY),))
    policy = OpdPolicy.from_settings(
        "bappeda", 2, FIRST_DAY, {"wfa_enabled": True, "windows": [window.model_dump()]}
    )
    decision = evaluate(
        employee(),
        RequestFacts(dates=(FIRST_DAY,)),
        policy,
        UsageFacts(unit_size=10),
        today=FIRST_DAY,
    )
    assert decision.eligible
    assert not any(outcome.message_en.endswith("…") for outcome in decision.trace)


# --------------------------------------------------------------------------------------------
# Sanctions and actions over HTTP
# --------------------------------------------------------------------------------------------


def test_a_sanction_accepted_at_its_longest_becomes_its_event() -> None:
    body = SanctionCreate.model_validate(
        {
            "sanction_id": "s" * 80,
            "nip": NIP,
            "level": "berat",
            "starts_on": "1900-01-01",
            "ends_on": "2100-12-31",
            "basis": WIDE * LEGAL_BASIS_MAX_CHARS,
        }
    )
    assert DisciplinarySanctionImposed(
        sanction_id=body.sanction_id or "",
        nip=body.nip,
        level=body.level,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        basis=body.basis,
    )
    lift = SanctionLift.model_validate(
        {"lifted_on": "2100-12-31", "reason": WIDE * LONG_TEXT_MAX_CHARS}
    )
    assert DisciplinarySanctionLifted(
        sanction_id="s", nip=NIP, lifted_on=lift.lifted_on, reason=lift.reason
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"basis": "   "},
        {"basis": "x" * (LEGAL_BASIS_MAX_CHARS + 1)},
        {"basis": "PP\x0094/2021"},
        {"starts_on": "9999-12-31"},
        {"ends_on": "1899-12-31"},
        {"sanction_id": "san\n1"},
        {"sanction_id": "s" * 81},
    ],
)
def test_a_sanction_beyond_the_bounds_is_refused(bad: dict[str, Any]) -> None:
    body = {"nip": NIP, "level": "ringan", "starts_on": "2026-01-05", **bad}
    with pytest.raises(ValidationError):
        SanctionCreate.model_validate(body)


@pytest.mark.parametrize(
    "bad",
    [
        {"reason": " \t\n "},
        {"reason": "ab"},
        {"reason": "x" * (LONG_TEXT_MAX_CHARS + 1)},
        {"reason": "banding\x1b"},
        {"lifted_on": "2101-01-01"},
    ],
)
def test_a_lift_beyond_the_bounds_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SanctionLift.model_validate({"lifted_on": "2026-01-05", "reason": "Banding", **bad})


def test_an_action_note_is_bounded_like_its_event() -> None:
    note = ActionBody.model_validate({"reason": WIDE * LONG_TEXT_MAX_CHARS}).reason
    assert WfaApproved(request_id="r", nip=NIP, approver_nip=SUPERVISOR, reason=note)
    assert WfaCancelled(request_id="r", nip=NIP, reason=note)
    assert ActionBody().reason == ""
    for bad in ("x" * (LONG_TEXT_MAX_CHARS + 1), "ok\x00", "\ud800"):
        with pytest.raises(ValidationError):
            ActionBody.model_validate({"reason": bad})


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _submit(dates: list[date]) -> dict[str, Any]:
    return {
        "kind": "submit",
        "command_id": "01J00000000000000000000000",
        "correlation_id": "01J00000000000000000000001",
        "request_id": "req-1",
        "work_unit_id": "sekretariat",
        "nip": NIP,
        "opd_id": "bappeda",
        "actor": NIP,
        "issued_at": datetime(2026, 3, 1, tzinfo=UTC).isoformat(),
        "dates": [day.isoformat() for day in dates],
        "location": {"lat": -6.2, "lon": 106.8},
        "reason": "Menyusun laporan",
        "work_plan": [{"description": "Laporan", "target": 1, "unit": "dokumen"}],
    }


def test_a_submission_carries_at_most_31_contract_dates() -> None:
    assert len(SubmitRequest.model_validate(_submit(_days(MAX_REQUEST_DAYS))).dates) == 31
    for dates in (_days(MAX_REQUEST_DAYS + 1), [date(9999, 12, 31)], [date(1899, 12, 31)]):
        with pytest.raises(ValidationError):
            SubmitRequest.model_validate(_submit(dates))


def test_a_command_record_beyond_the_bounds_still_names_its_request() -> None:
    value = orjson.dumps(_submit(_days(600)))
    with pytest.raises(MalformedEvent, match="invalid eligibility command"):
        decode(value)
    head = head_of(value)
    assert head is not None
    assert (head.kind, head.request_id, head.nip, head.opd_id) == (
        "submit",
        "req-1",
        NIP,
        "bappeda",
    )
    assert head_of(b"not json") is None
    assert head_of(orjson.dumps({**_submit([FIRST_DAY]), "request_id": "r" * 129})) is None
    act = ActOnRequest(
        kind="cancel",
        command_id="c",
        correlation_id="k",
        request_id="req-2",
        work_unit_id="u",
        nip=NIP,
        opd_id="bappeda",
        actor=NIP,
        issued_at=datetime(2026, 3, 1, tzinfo=UTC),
        reason="Tidak jadi",
    )
    act_head = head_of(encode(act)[1])
    assert act_head is not None and (act_head.kind, act_head.request_id) == ("cancel", "req-2")
    with pytest.raises(ValidationError):
        ActOnRequest.model_validate({**act.model_dump(), "reason": "x" * (LONG_TEXT_MAX_CHARS + 1)})


def test_the_refusal_of_an_unreadable_command_fits_its_event() -> None:
    request_id = WIDE * IDENTIFIER_MAX_CHARS
    message_id, message_en = invalid_command("approve", request_id)
    refusal = WfaActionRefused(
        request_id=request_id,
        nip=NIP,
        action="approve",
        code=INVALID_COMMAND,
        message_id=message_id,
        message_en=message_en,
    )
    assert refusal.message_id.startswith("Persetujuan permohonan")
    assert refusal.message_en.startswith("The approval of request")
