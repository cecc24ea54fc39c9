"""In-memory reference data (roster, sanctions, policies) and staged decider writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from faust import streams

from kernel.policy import default_policy
from schemas import Envelope, EventPayload, new_event
from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EmployeeRegistered,
    EmployeeUpdated,
    OpdPolicyPublished,
)
from services.eligibility.domain.facts import SanctionPeriod
from services.eligibility.reference_memory import ReferenceMemory
from services.runtime.projection.staged_table import StagedTable, processing

NIP = "199001012015031001"
OTHER = "199202022016032002"


def _event(payload: EventPayload, nip: str = NIP) -> Envelope:
    return new_event(payload, actor="system:roster-import", subject=nip, opd_id="bappeda")


def _employee(nip: str, unit: str, cls: type = EmployeeRegistered) -> Envelope:
    payload = cls(
        nip=nip,
        name="Andi Pratama, S.E.",
        opd_id="bappeda",
        work_unit_id=unit,
        position="Perencana Ahli Pertama",
        position_category="perencanaan",
        supervisor_nip="198001012005011002",
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
    )
    return _event(payload, nip)


def _policy(version: int, effective_from: date) -> Envelope:
    policy = default_policy("bappeda", effective_from=effective_from)
    payload = OpdPolicyPublished(
        opd_id="bappeda",
        version=version,
        effective_from=effective_from,
        settings=policy.settings(),
        note="",
    )
    return _event(payload)


def test_roster_events_set_states_and_unit_head_counts() -> None:
    memory = ReferenceMemory()
    memory.apply([_employee(NIP, "sekretariat"), _employee(OTHER, "sekretariat")])
    assert memory.unit_size("bappeda", "sekretariat") == 2
    memory.apply([_employee(NIP, "bidang-data", EmployeeUpdated)])
    assert memory.unit_size("bappeda", "sekretariat") == 1
    assert memory.unit_size("bappeda", "bidang-data") == 1
    assert memory.unit_size("bappeda", "unknown") == 1  # a share is never of zero people
    state = memory.employee_state(NIP)
    assert state is not None and state["work_unit_id"] == "bidang-data"
    assert memory.employee_state("200001012020011001") is None


def test_a_replayed_batch_leaves_the_same_state() -> None:
    batch = [
        _employee(NIP, "sekretariat"),
        _employee(NIP, "bidang-data", EmployeeUpdated),
        _policy(1, date(2025, 1, 1)),
    ]
    memory = ReferenceMemory()
    memory.apply(batch)
    memory.apply(batch)
    assert memory.unit_size("bappeda", "bidang-data") == 1
    assert memory.unit_size("bappeda", "sekretariat") == 1
    assert [p.version for p in memory.policy_history("bappeda").policies] == [1]


def test_sanctions_imposed_and_lifted_make_the_facts() -> None:
    memory = ReferenceMemory()
    imposed = DisciplinarySanctionImposed(
        sanction_id="s-1", nip=NIP, level="sedang", starts_on=date(2025, 12, 1), ends_on=None
    )
    memory.apply([_employee(NIP, "sekretariat"), _event(imposed)])
    facts = memory.employee_facts(NIP)
    assert facts is not None and facts.sanctions == (SanctionPeriod(date(2025, 12, 1)),)
    lifted = DisciplinarySanctionLifted(
        sanction_id="s-1", nip=NIP, lifted_on=date(2025, 12, 10), reason="banding diterima"
    )
    memory.apply([_event(lifted)])
    facts = memory.employee_facts(NIP)
    assert facts is not None
    assert facts.sanctions == (SanctionPeriod(date(2025, 12, 1), date(2025, 12, 9)),)


def test_policy_history_follows_new_versions() -> None:
    memory = ReferenceMemory()
    memory.apply([_policy(1, date(2025, 1, 1))])
    assert memory.policy_history("bappeda").in_force_on(date(2025, 6, 1)) is not None
    memory.apply([_policy(2, date(2025, 7, 1))])
    history = memory.policy_history("bappeda")
    assert [p.version for p in history.policies] == [1, 2]
    current = history.in_force_on(date(2025, 8, 1))
    assert current is not None and current.version == 2
    assert memory.policy_history("dinkes").policies == ()


class _Event:
    def __init__(self, partition: int) -> None:
        self.partition = partition


class _Table(dict[str, Any]):
    """Records the event that was current when each key was written."""

    def __init__(self) -> None:
        super().__init__()
        self.written_under: dict[str, Any] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self.written_under[key] = streams.current_event()
        super().__setitem__(key, value)


def test_staged_writes_are_read_back_and_written_only_on_commit() -> None:
    table = _Table()
    table["held"] = ["r0"]
    staged = StagedTable(table)
    first, second = _Event(3), _Event(5)
    with processing(first):
        staged["held"] = [*staged.get("held"), "r1"]
    with processing(second):
        staged["held"] = [*staged.get("held"), "r2"]
        staged["other"] = ["r2"]
    assert staged.get("held") == ["r0", "r1", "r2"]
    assert table["held"] == ["r0"] and "other" not in table
    staged.commit()
    assert table["held"] == ["r0", "r1", "r2"] and table["other"] == ["r2"]
    assert table.written_under == {"held": second, "other": second}
    assert streams.current_event() is None


def test_discarded_writes_never_reach_the_table() -> None:
    table = _Table()
    staged = StagedTable(table)
    with processing(_Event(0)):
        staged["held"] = ["r1"]
    staged.discard()
    staged.commit()
    assert table == {} and staged.get("held") is None


def test_a_commit_for_some_events_keeps_only_their_writes() -> None:
    """Writes of events left out (their outcomes were not published) never reach the table,
    even under a key a kept event wrote before them."""
    table = _Table()
    table["held"] = ["r0"]
    staged = StagedTable(table)
    first, second, third = _Event(1), _Event(1), _Event(1)
    with processing(first):
        staged["held"] = [*staged.get("held"), "r1"]
    with processing(second):
        staged["held"] = [*staged.get("held"), "r2"]
        staged["other"] = ["r2"]
    with processing(third):
        staged["third"] = ["r3"]
    staged.commit([first, third])
    assert table == {"held": ["r0", "r1"], "third": ["r3"]}
    assert table.written_under == {"held": first, "third": third}
    assert staged.get("other") is None and staged.get("held") == ["r0", "r1"]
