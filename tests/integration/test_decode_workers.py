"""A service's decode worker processes end with it, however it ends.

Reporting runs as a real process on the real broker; once it is ready its projectors have
started their decode workers. It is then killed with SIGKILL (no shutdown code runs), and
every process it had started must be gone within a few seconds instead of living on as an
orphan.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER
from tests.support.processes import running_services
from tests.support.week_driver import start_at_end

pytestmark = pytest.mark.integration

#: how long the workers may outlive their parent (they look for it once a second)
GONE_WITHIN_S = 10.0


def _children() -> dict[int, list[int]]:
    """Every live process's children, from /proc (zombies count as gone)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            children.setdefault(int(ppid), []).append(int(entry.name))
    return children


def _descendants(pid: int) -> set[int]:
    tree = _children()
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def test_decode_workers_end_when_the_service_is_killed(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    # the projector starts at the end of the log: the session's history is not what is tested
    start_at_end(
        kafka_bootstrap,
        f"wfa-reporting-{suffix}.reporting-projector",
        (ROSTER, REQUESTS, ATTENDANCE, REPORTS),
    )
    with running_services(
        kafka_bootstrap, tmp_path, names=("reporting",), group_suffix=suffix
    ) as procs:
        service = procs["reporting"]
        workers = _descendants(service.process.pid)
        assert workers, "reporting started no decode worker process"
        os.kill(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=30)
        deadline = time.monotonic() + GONE_WITHIN_S
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(workers), f"orphaned workers still running: {sorted(_alive(workers))}"
