"""The demo province behind the web gateway, and headless Chromium to drive its pages.

Once for the folder: attendance, the stream detector and reporting run as real processes on
the session's Kafka broker with the demo's settings (eligibility and audit are the session's,
which these settings do not touch), the web gateway in front of them; the demo loader
(deploy/demo_data.py) fills them as `make demo` does and writes the personas of the one-click
demo login. Each test opens its own browser contexts (:class:`tests.support.browser.Pages`); it
fails on any console or page error it did not declare, and leaves a full-page screenshot of
every tab under var/screenshots/.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.browser import Pages, Platform, launch
from tests.support.infra import REPO
from tests.support.processes import (
    ServiceProcess,
    SharedPlatform,
    start_service,
    stop_all,
    wait_ready,
)

#: the services the pages read and write with the demo's settings (eligibility and audit, which
#: read none of them, are the session's)
SERVICES = ("attendance", "detector", "reporting")
#: as deploy/demo.sh: the demo replays the previous working day from the phones' offline
#: queues, and reports it (after a long weekend that is more than the defaults allow)
DEMO_ENV = {
    "ATTENDANCE_OFFLINE_TOLERANCE_HOURS": "168",
    "ATTENDANCE_SWEEP_INTERVAL_S": "10",
    "REPORT_DEADLINE_DAYS": "7",
}
#: a loaded CI machine starts five processes, each reading the log before it is ready
READY_S = 300.0
#: the loader waits for the planted anomalies and every projection it prints
LOADER_S = 900.0

SCREENSHOTS_KEY = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="package")
def platform(
    kafka_bootstrap: str, shared_platform: SharedPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("browser")
    personas_path = data_dir / "personas.json"
    suffix = uuid.uuid4().hex[:8]
    procs: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:  # started at once, ready together
            procs[name] = start_service(
                name,
                kafka_bootstrap=kafka_bootstrap,
                data_dir=data_dir,
                group_suffix=suffix,
                extra_env=DEMO_ENV,
            )
        web = start_service(
            "web",
            kafka_bootstrap=kafka_bootstrap,
            data_dir=data_dir,
            group_suffix=suffix,
            extra_env={
                "ELIGIBILITY_URL": shared_platform["eligibility"].url,
                "ATTENDANCE_URL": procs["attendance"].url,
                "REPORTING_URL": procs["reporting"].url,
                "AUDIT_URL": shared_platform["audit"].url,  # the ASN's access log
                "WEB_DEMO_PERSONAS": str(personas_path),
                "WEB_DEMO_LOGIN": "1",
            },
        )
        procs["web"] = web
        wait_ready(list(procs.values()), timeout=READY_S)
        _load_demo(
            {
                **procs,
                "eligibility": shared_platform["eligibility"],
                "audit": shared_platform["audit"],
            },
            personas_path,
        )
        personas = json.loads(personas_path.read_text())["personas"]
        with Platform(web.url, {p["key"]: p for p in personas}) as province:
            yield province
    finally:
        stop_all(list(procs.values()))


def _load_demo(procs: dict[str, ServiceProcess], personas_path: Path) -> None:
    command = [
        sys.executable,
        str(REPO / "deploy" / "demo_data.py"),
        "--eligibility",
        procs["eligibility"].url,
        "--attendance",
        procs["attendance"].url,
        "--reporting",
        procs["reporting"].url,
        "--audit",
        procs["audit"].url,
        "--personas",
        str(personas_path),
    ]
    try:
        run = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=LOADER_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
        pytest.fail(f"the demo loader did not finish in {LOADER_S:.0f} s:\n{output or ''}")
    if run.returncode != 0 or not personas_path.exists():
        logs = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in procs.values())
        pytest.fail(
            f"the demo loader exited with {run.returncode} (personas file written: "
            f"{personas_path.exists()}):\n{run.stdout}\n{run.stderr}\n{logs}"
        )


@pytest.fixture(scope="package")
def browser(platform: Platform) -> Iterator[Browser]:
    """Playwright's sync API holds an event loop on this thread while it runs: it starts after
    everything that needs asyncio here (the broker's topics) and stops with the package, before
    the asynchronous tests of the other folders."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def pages(browser: Browser, platform: Platform, request: pytest.FixtureRequest) -> Iterator[Pages]:
    opened = Pages(browser, platform, request.node.name)
    yield opened
    opened.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """When the test body ends, screenshot its tabs; fail it on an unexpected console or page
    error (even when every assertion held)."""
    opened = getattr(item, "funcargs", {}).get("pages")
    try:
        result = yield
    finally:
        errors: list[str] = []
        if isinstance(opened, Pages):
            shots, errors = opened.finish()
            item.config.stash.setdefault(SCREENSHOTS_KEY, []).extend(shots)
            for shot in shots:
                print(f"screenshot: {shot.relative_to(REPO)}")
            for error in errors:
                print(error)
    if errors:
        pytest.fail("console or page errors:\n" + "\n".join(errors))
    return result


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    shots = config.stash.get(SCREENSHOTS_KEY, [])
    if shots:
        terminalreporter.section("browser screenshots")
        for shot in shots:
            terminalreporter.write_line(str(shot.relative_to(REPO)))
