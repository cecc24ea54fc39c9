"""Where audit's projector reads a partition it is assigned: from where this instance's own
archive stopped (past its sealed leaves and those waiting for their seal), whatever another
instance of the group committed meanwhile."""

from __future__ import annotations

from aiokafka import TopicPartition

from services.audit.domain.seal import SealedLeaf
from services.audit.sealer import Sealer
from services.runtime.context import Port
from services.runtime.settings import Settings
from services.runtime.store.base import Store


def _sealer() -> Sealer:
    settings = Settings(SERVICE_NAME="audit", WFA_ENV="test")  # type: ignore[call-arg]
    return Sealer(settings, Port[Store]("store"))


def test_a_partition_resumes_past_the_sealed_and_the_waiting_leaves() -> None:
    sealer = _sealer()
    sealer.frontier = {("wfa.attendance.v1", 0): 40, ("wfa.attendance.v1", 1): 7}
    sealer._add(
        SealedLeaf("wfa.attendance.v1", 0, offset, f"e{offset}", "00" * 32)
        for offset in (40, 41, 42)
    )
    sealer._add([SealedLeaf("wfa.attendance.v1", 1, 3, "old", "00" * 32)])  # sealed already
    wanted = [TopicPartition("wfa.attendance.v1", p) for p in range(3)]
    assert sealer.archived_up_to(wanted) == {
        wanted[0]: 43,  # the waiting leaves are archived
        wanted[1]: 7,
        wanted[2]: 0,  # never archived here: from the log's start
    }
