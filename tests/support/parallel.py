"""How `make test` shares the suite between two pytest-xdist workers (``-n 2 --dist loadfile``).

Each worker is a pytest session of its own, with its own broker and shared platform (the
session fixtures), so a module's tests stay on one worker: they share module fixtures
(services started once for the module). The browser folder stays whole on one worker for its
package fixture (the demo province behind the web gateway). The longest units go first, so
that the two workers finish together instead of one waiting for the other's last long module.
Without workers (``-n 0``, ``-p no:xdist``) the order is pytest's own.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

BROWSER = "tests/browser/"

#: the units that take longest (half a minute or more each on a 2-core machine), longest first,
#: as measured (a whole run, and each folder alone without workers); the rest follow in
#: pytest's order (end-to-end, integration, then the quick unit tests)
LONGEST_FIRST = (
    BROWSER,
    # a three-broker cluster of its own, killed and restarted under load (4-5 minutes idle)
    "tests/cluster/test_faults.py",
    "tests/e2e/test_fuzz_routes.py",
    "tests/integration/test_fail_fast.py",
    "tests/e2e/test_replay.py",
    "tests/e2e/test_reporting_week.py",
    "tests/integration/test_detector_stream.py",
    "tests/e2e/test_location_privacy.py",
    "tests/e2e/test_text_roundtrip_platform.py",
    "tests/integration/test_state_before_service.py",
    "tests/integration/test_never_double_counted.py",
    "tests/e2e/test_traces.py",
    "tests/integration/test_projection_idempotent.py",
    "tests/e2e/test_access_log.py",
    "tests/integration/test_text_roundtrip.py",
    "tests/e2e/test_roster_import.py",
    "tests/integration/test_kafka_sasl_tls.py",
    "tests/e2e/test_role_route_matrix.py",
    "tests/integration/test_web_gateway.py",
    "tests/e2e/test_restart.py",
    "tests/e2e/test_reporting_privacy.py",
    "tests/integration/test_province_writer.py",
    "tests/integration/test_decider_concurrency.py",
    "tests/integration/test_demo_commands.py",
    "tests/integration/test_projection_refresh_rounds.py",
)


def unit_of(nodeid: str) -> str:
    """The work unit of a test: the browser folder, else its module."""
    path = nodeid.split("::", 1)[0]
    return BROWSER if path.startswith(BROWSER) else path


def _rank(nodeid: str) -> int:
    unit = unit_of(nodeid)
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)


def longest_first(items: list[pytest.Item]) -> None:
    """On an xdist worker, put the longest units first: every worker collects the same order,
    and the controller hands out units in that order as workers become free."""
    if "PYTEST_XDIST_WORKER" in os.environ:
        items.sort(key=lambda item: _rank(item.nodeid))  # stable: a unit keeps its order


def unit_scheduler(config: pytest.Config, log: Any) -> Any:
    """For ``--dist loadfile``: xdist's file scheduling, with the browser folder as one unit
    (None, xdist's own choice, for any other distribution).

    The units are handed out in the workers' collection order (longest first): xdist would
    otherwise reorder them by their number of tests (``--loadscope-reorder``, its default),
    which puts the hundreds of quick parametrised unit tests first and the long modules of a
    few tests each (the cluster's faults, the purge, the fail-fast module) last, where one of
    them keeps a worker busy minutes after the other has finished. A worker gets its next
    unit when its last test is all that is left of its current one (xdist's default: two),
    so that a long unit is not queued behind another worker's long last tests while the
    first worker has nothing to do."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False

    class UnitScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def _reschedule(self, node: Any) -> None:
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return UnitScheduling(config, log)
