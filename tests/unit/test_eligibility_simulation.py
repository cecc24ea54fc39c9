"""What-if simulation: replaying recorded WFA requests under a proposed OPD policy."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import pytest

from kernel.policy import OpdPolicy
from kernel.positions import ADMINISTRATIVE_CATEGORIES
from schemas.events import EligibilityDecision
from services.eligibility.domain.nip import parse_nip
from services.eligibility.domain.rules import (
    EmployeeFacts,
    RequestFacts,
    UsageFacts,
    evaluate,
    week_key,
)
from services.eligibility.domain.simulation import (
    ChangedDecision,
    RecordedRequest,
    Released,
    ReplayItem,
    SimulationReport,
    simulate,
)
from tests.support import eligibility_facts as facts

RECORDED_ON = date(2025, 12, 1)
MON_8_DEC, TUE_9_DEC, WED_10_DEC = date(2025, 12, 8), date(2025, 12, 9), date(2025, 12, 10)
SAT_13_DEC = date(2025, 12, 13)
UNIT = "sekretariat"


def nip(number: int) -> str:
    """A valid NIP: born 1 January 1990, appointed March 2015, male, sequence ``number``."""
    return f"199001012015031{number:03d}"


def employee(number: int, **overrides: object) -> EmployeeFacts:
    return facts.employee(**{"nip": nip(number), "work_unit_id": UNIT, **overrides})


def policy(**overrides: object) -> OpdPolicy:
    return facts.policy(**overrides)


def proposal(**overrides: object) -> OpdPolicy:
    return policy(version=2, **overrides)


def roster(*staff: EmployeeFacts) -> dict[str, EmployeeFacts]:
    return {facts.nip: facts for facts in staff}


def recorded(
    request_id: str,
    who: EmployeeFacts,
    days: Iterable[date],
    *,
    under: OpdPolicy,
    away: int = 0,
    used: Mapping[tuple[int, int], int] | None = None,
    unit_size: int = 10,
) -> RecordedRequest:
    """A request with the decision ``under`` made of it at the time, given what was held then."""
    dates = tuple(days)
    original = evaluate(
        who,
        RequestFacts(dates=dates),
        under,
        UsageFacts(
            days_used_by_week=dict(used or {}),
            away_by_date={day: away for day in dates} if away else {},
            unit_size=unit_size,
        ),
        today=RECORDED_ON,
    )
    return RecordedRequest(
        request_id=request_id,
        nip=who.nip,
        work_unit_id=who.work_unit_id,
        dates=dates,
        recorded_on=RECORDED_ON,
        original=original,
    )


def run(
    items: Sequence[ReplayItem],
    staff: Mapping[str, EmployeeFacts],
    proposed: OpdPolicy,
    *,
    unit_sizes: Mapping[str, int] | None = None,
    max_examples: int = 10,
) -> SimulationReport:
    return simulate(
        items,
        employees=staff,
        unit_sizes={UNIT: 10} if unit_sizes is None else unit_sizes,
        proposed=proposed,
        max_examples=max_examples,
    )


def assert_consistent(report: SimulationReport) -> None:
    assert report.changed == report.newly_eligible + report.newly_ineligible
    assert report.replayed == report.unchanged + report.changed
    assert report.skipped == sum(report.skipped_reasons.values())
    assert len(report.examples) <= report.changed
    assert report.eligible_after == (
        report.eligible_before + report.newly_eligible - report.newly_ineligible
    )


def ids(examples: Iterable[ChangedDecision]) -> list[str]:
    return [example.request_id for example in examples]


def originally(item: ReplayItem) -> EligibilityDecision:
    assert isinstance(item, RecordedRequest) and item.original is not None
    return item.original


def five_on_one_monday(under: OpdPolicy) -> tuple[list[ReplayItem], dict[str, EmployeeFacts]]:
    """Five ASN of a unit of 10 ask for Monday 8 December, one after the other."""
    staff = [employee(number) for number in range(1, 6)]
    items: list[ReplayItem] = [
        recorded(f"req-{k + 1}", who, [MON_8_DEC], under=under, away=k)
        for k, who in enumerate(staff)
    ]
    return items, roster(*staff)


# --------------------------------------------------------------------------------------------
# Tightening and loosening
# --------------------------------------------------------------------------------------------


def test_the_helpers_use_valid_nips() -> None:
    for number in (1, 5, 99):
        assert parse_nip(nip(number), today=RECORDED_ON).sequence == number


def test_tightening_the_unit_share_refuses_the_later_requests_for_the_same_day() -> None:
    items, staff = five_on_one_monday(policy(max_away_share=0.5))
    assert all(originally(item).eligible for item in items)  # 5 of floor(0.5 x 10) = 5

    report = run(items, staff, proposal(max_away_share=0.2))

    assert_consistent(report)
    assert (report.opd_id, report.policy_version) == ("bappeda", 2)
    assert (report.replayed, report.unchanged, report.changed) == (5, 2, 3)
    assert (report.newly_eligible, report.newly_ineligible) == (0, 3)
    assert (report.eligible_before, report.eligible_after) == (5, 2)
    assert report.rules_newly_failing == {"UNIT_AWAY_SHARE": 3}
    assert ids(report.examples) == ["req-3", "req-4", "req-5"]
    third = report.examples[0]
    assert third.nip == nip(3) and third.work_unit_id == UNIT and third.dates == (MON_8_DEC,)
    assert (third.before_eligible, third.after_eligible) == (True, False)
    assert third.before_failed == () and third.after_failed == ("UNIT_AWAY_SHARE",)
    assert third.message_id.startswith(
        f"Permohonan req-3 (NIP {nip(3)}, 8 Desember 2025) sebelumnya layak, menurut "
        "kebijakan usulan versi 2 menjadi tidak layak: UNIT_AWAY_SHARE (Kuota pegawai unit "
        "sekretariat"
    )
    # the simulated holdings, not the recorded ones, decide: 2 of 10 away for every later one
    assert all("2 dari 10" in example.message_id for example in report.examples)
    assert third.message_en.startswith(
        f"Request req-3 (NIP {nip(3)}, 8 December 2025) was eligible; under proposed policy "
        "version 2 it becomes not eligible: UNIT_AWAY_SHARE (The share of unit sekretariat"
    )
    assert report.summary_id == (
        "Kebijakan usulan OPD bappeda versi 2: dari 5 permohonan, 3 keputusan berubah: "
        "0 menjadi layak, 3 menjadi tidak layak."
    )
    assert report.summary_en == (
        "Proposed policy version 2 of OPD bappeda: of 5 requests, 3 decisions change: "
        "0 become eligible, 3 become not eligible."
    )


def test_the_same_history_under_its_own_policy_changes_nothing() -> None:
    original = policy(max_away_share=0.5)
    items, staff = five_on_one_monday(original)
    report = run(items, staff, original)
    assert_consistent(report)
    assert (report.replayed, report.unchanged, report.changed) == (5, 5, 0)
    assert report.examples == () and report.rules_newly_failing == {}


def test_turning_wfa_off_makes_every_eligible_request_newly_ineligible() -> None:
    original = policy()
    staff = [employee(1), employee(2), employee(3)]
    items: list[ReplayItem] = [
        recorded("req-1", staff[0], [MON_8_DEC, TUE_9_DEC], under=original),
        recorded("req-2", staff[1], [MON_8_DEC], under=original, away=1),
        recorded("req-3", staff[2], [SAT_13_DEC], under=original),  # a Saturday: refused
        recorded("req-4", staff[2], [date(2025, 12, 29)], under=original),  # Nataru window
    ]
    assert [originally(item).eligible for item in items] == [True, True, False, True]

    report = run(items, roster(*staff), proposal(wfa_enabled=False))

    assert_consistent(report)
    assert (report.replayed, report.newly_ineligible, report.newly_eligible) == (4, 3, 0)
    assert report.unchanged == 1  # the Saturday stays refused
    assert (report.eligible_before, report.eligible_after) == (3, 0)
    assert ids(report.examples) == ["req-1", "req-2", "req-4"]
    assert all(example.after_failed == ("WFA_ENABLED",) for example in report.examples)
    # WFA_ENABLED passed in every original decision and fails in every replay
    assert report.rules_newly_failing == {"WFA_ENABLED": 4}
    assert "menjadi tidak layak: WFA_ENABLED" in report.examples[0].message_id
    assert "bukan hak" in report.examples[0].message_id
    assert "not a right" in report.examples[0].message_en


def test_adding_a_position_category_makes_refused_requests_eligible() -> None:
    original = policy()
    staff = [
        employee(1, position_category="protokol"),
        employee(2, position_category="dokter"),
        employee(3),
    ]
    items: list[ReplayItem] = [
        recorded("req-1", staff[0], [MON_8_DEC], under=original),
        recorded("req-2", staff[1], [TUE_9_DEC], under=original),
        recorded("req-3", staff[2], [WED_10_DEC], under=original),
    ]
    assert [originally(item).eligible for item in items] == [False, False, True]
    loosened = proposal(eligible_categories=sorted(ADMINISTRATIVE_CATEGORIES | {"protokol"}))

    report = run(items, roster(*staff), loosened)

    assert_consistent(report)
    assert (report.newly_eligible, report.newly_ineligible, report.unchanged) == (1, 0, 2)
    assert report.rules_newly_failing == {}
    (example,) = report.examples
    assert example.request_id == "req-1"
    assert (example.before_eligible, example.after_eligible) == (False, True)
    assert example.before_failed == ("POSITION_ELIGIBLE",) and example.after_failed == ()
    assert example.message_id.startswith(
        f"Permohonan req-1 (NIP {nip(1)}, 8 Desember 2025) sebelumnya tidak layak "
        "(POSITION_ELIGIBLE), menurut kebijakan usulan versi 2 menjadi layak; kini lulus: "
        "POSITION_ELIGIBLE (Kategori jabatan 'protokol' dapat WFA"
    )
    assert "now passing: POSITION_ELIGIBLE" in example.message_en
    # a doctor can never become eligible, whatever the task mapping says
    assert "req-2" not in ids(report.examples)


def test_requests_that_become_eligible_hold_their_days_for_later_requests() -> None:
    original = policy()  # 20% of 10: two may be away
    staff = [employee(1, position_category="protokol"), employee(2), employee(3)]
    items: list[ReplayItem] = [
        recorded("req-1", staff[0], [MON_8_DEC], under=original),  # refused: held nothing
        recorded("req-2", staff[1], [MON_8_DEC], under=original, away=0),
        recorded("req-3", staff[2], [MON_8_DEC], under=original, away=1),
    ]
    assert [originally(item).eligible for item in items] == [False, True, True]
    loosened = proposal(eligible_categories=sorted(ADMINISTRATIVE_CATEGORIES | {"protokol"}))

    report = run(items, roster(*staff), loosened)

    assert_consistent(report)
    assert (report.newly_eligible, report.newly_ineligible) == (1, 1)
    assert ids(report.examples) == ["req-1", "req-3"]
    assert report.examples[1].after_failed == ("UNIT_AWAY_SHARE",)
    assert report.rules_newly_failing == {"UNIT_AWAY_SHARE": 1}


# --------------------------------------------------------------------------------------------
# Holdings: releases, weeks, units
# --------------------------------------------------------------------------------------------


def test_a_released_request_frees_its_day_for_a_later_request() -> None:
    original = policy(max_away_share=0.3)  # three of 10
    staff = [employee(1), employee(2), employee(3)]
    first = recorded("req-1", staff[0], [MON_8_DEC], under=original, away=0)
    second = recorded("req-2", staff[1], [MON_8_DEC], under=original, away=1)
    third = recorded("req-3", staff[2], [MON_8_DEC], under=original, away=2)
    assert all(originally(item).eligible for item in (first, second, third))
    tightened = proposal(max_away_share=0.2)  # two of 10

    kept = run([first, second, third], roster(*staff), tightened)
    released = run([first, second, Released("req-1"), third], roster(*staff), tightened)

    assert_consistent(kept)
    assert_consistent(released)
    assert ids(kept.examples) == ["req-3"] and kept.newly_ineligible == 1
    assert released.changed == 0 and released.unchanged == 3 and released.examples == ()
    # releasing an unknown request, or one twice, changes nothing
    noisy = run(
        [Released("req-9"), first, second, Released("req-1"), Released("req-1"), third],
        roster(*staff),
        tightened,
    )
    assert noisy == released


def test_the_weekly_cap_counts_the_days_held_in_the_simulation() -> None:
    original = policy()  # two days a week
    asn = employee(1)
    week = week_key(MON_8_DEC)
    monday = recorded("req-1", asn, [MON_8_DEC], under=original)
    tuesday = recorded("req-2", asn, [TUE_9_DEC], under=original, used={week: 1})
    assert originally(monday).eligible and originally(tuesday).eligible
    one_day = proposal(weekly_cap_days=1)

    report = run([monday, tuesday], roster(asn), one_day)
    assert ids(report.examples) == ["req-2"]
    assert report.rules_newly_failing == {"WEEKLY_CAP": 1}
    assert "2025-W50" in report.examples[0].message_id

    # a request refused under the proposal holds nothing; a released one neither
    assert run([monday, Released("req-1"), tuesday], roster(asn), one_day).changed == 0
    saturday = recorded("req-0", asn, [SAT_13_DEC, MON_8_DEC], under=original)
    assert run([saturday, tuesday], roster(asn), one_day).changed == 0


def test_a_request_recorded_again_replaces_its_earlier_holding() -> None:
    original = policy()
    asn, other = employee(1), employee(2)
    first_try = recorded("req-1", asn, [MON_8_DEC], under=original)
    moved = recorded("req-1", asn, [TUE_9_DEC], under=original)
    late = recorded("req-2", other, [MON_8_DEC], under=original, away=0)
    tightened = proposal(max_away_share=0.1)  # one of 10
    report = run([first_try, moved, late], roster(asn, other), tightened)
    assert_consistent(report)
    assert report.replayed == 3 and report.changed == 0


def test_an_asn_already_holding_the_day_is_not_counted_as_another_absence() -> None:
    one_of_ten = policy(max_away_share=0.1)
    asn = employee(1)
    items: list[ReplayItem] = [
        recorded("req-1", asn, [MON_8_DEC], under=one_of_ten),
        recorded("req-2", asn, [MON_8_DEC], under=one_of_ten),  # asked again for the same day
    ]
    report = run(items, roster(asn), proposal(max_away_share=0.1))
    assert (report.replayed, report.changed) == (2, 0)
    # another ASN of the unit is refused: the one place is taken
    other = recorded("req-3", employee(2), [MON_8_DEC], under=one_of_ten)
    refused = run([*items, other], roster(asn, employee(2)), proposal(max_away_share=0.1))
    assert ids(refused.examples) == ["req-3"]


def test_a_unit_missing_from_unit_sizes_counts_the_opd_roster() -> None:
    original = policy(max_away_share=0.5)
    staff = [employee(number) for number in range(1, 6)]  # five in the unit
    elsewhere = [employee(number, opd_id="dishub") for number in range(6, 12)]
    items: list[ReplayItem] = [
        recorded("req-1", staff[0], [MON_8_DEC], under=original, away=0),
        recorded("req-2", staff[1], [MON_8_DEC], under=original, away=1),
    ]
    tightened = proposal(max_away_share=0.2)
    # 20% of 5 is one; another OPD's unit of the same name does not count
    report = run(items, roster(*staff, *elsewhere), tightened, unit_sizes={})
    assert ids(report.examples) == ["req-2"]
    assert "1 dari 5" in report.examples[0].message_id
    # with the head count given, 20% of 10 is two
    assert run(items, roster(*staff, *elsewhere), tightened).changed == 0


def test_a_request_is_decided_in_the_unit_it_was_recorded_in() -> None:
    original = policy(max_away_share=0.5)
    staff = [employee(1), employee(2)]
    items: list[ReplayItem] = [
        recorded("req-1", staff[0], [MON_8_DEC], under=original, away=0),
        recorded("req-2", staff[1], [MON_8_DEC], under=original, away=1),
    ]
    # since then the second ASN moved to another unit: the history still counts
    moved = roster(staff[0], employee(2, work_unit_id="bidang_ekonomi"))
    report = run(items, moved, proposal(max_away_share=0.1))
    assert ids(report.examples) == ["req-2"]
    assert report.examples[0].work_unit_id == UNIT
    assert "unit sekretariat" in report.examples[0].message_id


# --------------------------------------------------------------------------------------------
# Skips, examples, purity
# --------------------------------------------------------------------------------------------


def test_requests_that_cannot_be_replayed_are_skipped_by_reason_and_hold_nothing() -> None:
    original = policy()
    known, stranger, outsider = employee(1), employee(2), employee(3, opd_id="dishub")
    late = employee(4)
    no_decision = RecordedRequest(
        request_id="req-4",
        nip=known.nip,
        work_unit_id=UNIT,
        dates=(MON_8_DEC,),
        recorded_on=RECORDED_ON,
        original=None,
    )
    items: list[ReplayItem] = [
        recorded("req-1", stranger, [MON_8_DEC], under=original),
        recorded("req-2", stranger, [TUE_9_DEC], under=original),
        recorded("req-3", outsider, [MON_8_DEC], under=original.model_copy()),
        no_decision,
        recorded("req-5", late, [MON_8_DEC], under=original, away=1),
    ]

    report = run(items, roster(known, outsider, late), proposal(max_away_share=0.1))

    assert_consistent(report)
    assert report.skipped == 4
    assert report.skipped_reasons == {
        "employee_not_on_roster": 2,
        "no_recorded_decision": 1,
        "other_opd": 1,
    }
    # none of the skipped requests held Monday, so the only replayed one is the first away
    assert (report.replayed, report.unchanged, report.changed) == (1, 1, 0)
    assert report.summary_id.endswith(
        "4 permohonan tidak diputar ulang (pegawai tidak ada di data kepegawaian: 2, "
        "tanpa keputusan tercatat: 1, pegawai OPD lain: 1)."
    )
    assert report.summary_en.endswith(
        "4 requests were not replayed (employee not on roster: 2, no recorded decision: 1, "
        "employee of another OPD: 1)."
    )


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (0, []),
        (2, ["req-3", "req-4"]),
        (3, ["req-3", "req-4", "req-5"]),
        (10, ["req-3", "req-4", "req-5"]),
    ],
)
def test_max_examples_limits_the_examples_but_not_the_counts(
    limit: int, expected: list[str]
) -> None:
    items, staff = five_on_one_monday(policy(max_away_share=0.5))
    report = run(items, staff, proposal(max_away_share=0.2), max_examples=limit)
    assert_consistent(report)
    assert report.changed == report.newly_ineligible == 3
    assert ids(report.examples) == expected
    assert report.rules_newly_failing == {"UNIT_AWAY_SHARE": 3}


def test_a_negative_max_examples_is_refused() -> None:
    with pytest.raises(ValueError, match="max_examples"):
        run([], {}, proposal(), max_examples=-1)


def test_an_empty_history_reports_nothing() -> None:
    report = run([], {}, proposal())
    assert_consistent(report)
    assert (report.replayed, report.changed, report.skipped) == (0, 0, 0)
    assert report.summary_en == (
        "Proposed policy version 2 of OPD bappeda: of 0 requests, 0 decisions change: "
        "0 become eligible, 0 become not eligible."
    )


def test_the_simulation_is_deterministic_and_leaves_its_inputs_alone() -> None:
    items, staff = five_on_one_monday(policy(max_away_share=0.5))
    items.insert(2, Released("req-1"))
    sizes = {UNIT: 10}
    before = (copy.deepcopy(items), copy.deepcopy(staff), dict(sizes))
    proposed = proposal(max_away_share=0.2)
    first = run(items, staff, proposed, unit_sizes=sizes)
    second = run(items, staff, proposed, unit_sizes=sizes)
    assert first == second
    assert (items, staff, sizes) == before
    assert ids(first.examples) == ["req-4", "req-5"]  # req-1 released before req-3 asked
