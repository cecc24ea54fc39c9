"""Browser tests: Debian's Chromium driven by Playwright, the platform behind the web gateway.

* :func:`launch` starts the system Chromium (``$CHROMIUM``, default ``/usr/bin/chromium``);
  Playwright's own browser download is never used.
* :class:`Platform` is the running province: the gateway's URL, the demo personas, and calls
  to the APIs through the gateway with a persona's token (from the demo login).
* :class:`Pages` opens the browser contexts of one test. Every tab records the console errors
  and uncaught page errors it sees; a test fails on any it did not declare with
  :meth:`Tab.allow_console_errors`. When the test ends each tab is saved as a full-page
  screenshot under ``var/screenshots/``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright

from kernel.holidays import CUTI_BERSAMA, NATIONAL_HOLIDAYS
from tests.support.infra import REPO

T = TypeVar("T")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=id-ID",  # the browser's own widgets (date inputs) in Indonesian too
]
SCREENSHOTS = REPO / "var" / "screenshots"
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
#: Playwright's wait for one element or state; the pages read eventually consistent projections
UI_TIMEOUT_MS = 30_000

#: the page each role lands on after the demo login
LANDING = {"asn": "asn.html", "atasan": "atasan.html"}


def launch(playwright: Playwright) -> Browser:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: run `make browser` (installs Debian's chromium) "
            "or set CHROMIUM to a Chromium binary"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


@cache
def demo() -> ModuleType:
    """The demo loader (deploy/demo_data.py): its roster, offices and calendar helpers are the
    facts the browser tests check the pages against."""
    deploy = REPO / "deploy"
    if str(deploy) not in sys.path:
        sys.path.append(str(deploy))  # demo_data imports its sibling demo_reports
    spec = importlib.util.spec_from_file_location("demo_data", deploy / "demo_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("demo_data", module)
    spec.loader.exec_module(module)
    return module


def wib_today() -> date:
    """Today in Jakarta, the day the pages and the services judge by."""
    return (datetime.now(UTC) + timedelta(hours=7)).date()


def working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in NATIONAL_HOLIDAYS and day not in CUTI_BERSAMA


def free_request_day(today: date) -> date:
    """The next working day after ``today`` outside the week in which the demo gives the ASN
    persona two WFA days (the weekly cap): a request for it is eligible."""
    taken = demo().next_monday(today)
    day = today + timedelta(days=1)
    while not working_day(day) or taken <= day < taken + timedelta(days=7):
        day += timedelta(days=1)
    return day


def wait_for(probe: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll ``probe`` until it answers something other than None (projections are eventually
    consistent); fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got is not None:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout:.0f} s: {what}")
        time.sleep(1)


@dataclass
class Platform:
    """The demo province behind the web gateway."""

    web: str
    personas: dict[str, dict[str, Any]]
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))
    #: what one test made through the UI that a later one works on (ids)
    made: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> Platform:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def persona(self, key: str) -> dict[str, Any]:
        assert key in self.personas, f"no demo persona {key!r}: {sorted(self.personas)}"
        return self.personas[key]

    def token(self, key: str) -> str:
        if key not in self._tokens:
            answer = self.client.post(f"{self.web}/auth/demo-login", json={"key": key})
            assert answer.status_code == 200, f"demo login {key}: {answer.text}"
            self._tokens[key] = answer.json()["token"]
        return self._tokens[key]

    def call(
        self,
        method: str,
        path: str,
        as_persona: str,
        *,
        body: Any = None,
        key: str | None = None,
    ) -> httpx.Response:
        """One API call through the gateway with ``as_persona``'s bearer token."""
        headers = {"Authorization": f"Bearer {self.token(as_persona)}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.request(method, f"{self.web}{path}", json=body, headers=headers)

    def asn_request(self, key_prefix: str) -> str:
        """One of the ASN persona's requests: the one an earlier test made through the app, or
        one made now through the API (its Idempotency-Key named by ``key_prefix``)."""
        if "request_id" in self.made:
            return self.made["request_id"]
        day = free_request_day(wib_today())
        answer = self.call(
            "POST",
            "/wfa/requests",
            "asn",
            body={
                "dates": [day.isoformat()],
                "location": {"lat": -6.2615, "lon": 106.7837, "address": "Rumah"},
                "reason": "Menyelesaikan dokumen analisis data",
                "work_plan": [{"description": "Dokumen analisis", "target": 2, "unit": "dokumen"}],
            },
            key=f"{key_prefix}-{day.isoformat()}",
        )
        assert answer.status_code in (201, 202), answer.text
        request_id: str = answer.json()["request_id"]
        self.made["request_id"] = request_id
        self.made["request_day"] = day.isoformat()
        return request_id

    def get(self, path: str, as_persona: str = "admin_bkd") -> dict[str, Any]:
        answer = self.call("GET", path, as_persona)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        data: dict[str, Any] = answer.json()
        return data


@dataclass
class Tab:
    """One browser context with one page, watched for console and page errors."""

    page: Page
    context: BrowserContext
    label: str
    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    _allow: list[re.Pattern[str]] = field(default_factory=list)

    def watch(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"console error: {message.text} ({message.location.get('url', '')})"
        if any(pattern.search(text) for pattern in self._allow):
            self.allowed.append(text)
        else:
            self.errors.append(text)

    def permit_console_errors(self, pattern: str) -> None:
        """Console errors matching ``pattern`` are expected for the rest of the tab's life."""
        self._allow.append(re.compile(pattern))

    @contextmanager
    def allow_console_errors(self, pattern: str) -> Iterator[None]:
        """Console errors matching ``pattern`` (searched in the message followed by the URL it
        names) that the test expects inside the block: Chromium logs every failed request, and
        every 4xx answer, as a console error."""
        compiled = re.compile(pattern)
        self._allow.append(compiled)
        try:
            yield
        finally:
            self._allow.remove(compiled)

    def testid(self, name: str) -> Any:
        return self.page.get_by_test_id(name)


class Pages:
    """The tabs one test opens; screenshots and the error check when it ends."""

    def __init__(self, browser: Browser, platform: Platform, test_name: str) -> None:
        self.browser = browser
        self.platform = platform
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.tabs: list[Tab] = []

    def open(
        self,
        *,
        mobile: bool = False,
        geolocation: tuple[float, float] | None = None,
        label: str | None = None,
    ) -> Tab:
        options: dict[str, Any] = {
            "viewport": MOBILE if mobile else DESKTOP,
            "locale": "id-ID",
            "timezone_id": "Asia/Jakarta",
            "base_url": self.platform.web,
        }
        if mobile:
            options.update(is_mobile=True, has_touch=True)
        if geolocation is not None:
            options.update(
                geolocation={"latitude": geolocation[0], "longitude": geolocation[1]},
                permissions=["geolocation"],
            )
        context = self.browser.new_context(**options)
        context.set_default_timeout(UI_TIMEOUT_MS)
        page = context.new_page()
        tab = Tab(page, context, label or (f"tab{len(self.tabs) + 1}" if self.tabs else ""))
        tab.watch()
        self.tabs.append(tab)
        return tab

    def login(self, tab: Tab, persona: str) -> None:
        """The one-click demo login: /auth/demo/<key> stores the token and goes to the role's
        page."""
        role = self.platform.persona(persona)["role"]
        landing = LANDING.get(role, "dashboard.html")
        tab.page.goto(f"/auth/demo/{persona}")
        tab.page.wait_for_url(f"**/app/{landing}*")
        tab.page.wait_for_load_state("load")

    def finish(self) -> tuple[list[Path], list[str]]:
        """Save a full-page screenshot of every tab; answer them and the unexpected errors."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shots: list[Path] = []
        errors: list[str] = []
        for tab in self.tabs:
            name = f"{self.test_name}-{tab.label}" if tab.label else self.test_name
            path = SCREENSHOTS / f"{name}.png"
            try:
                tab.page.screenshot(path=str(path), full_page=True)
                shots.append(path)
            except Exception as exc:  # a crashed or closed page still reports its errors
                errors.append(f"screenshot {path.name} failed: {exc}")
            errors.extend(f"[{name}] {error}" for error in tab.errors)
        return shots, errors

    def close(self) -> None:
        for tab in self.tabs:
            with suppress(Exception):  # already gone with the browser
                tab.context.close()
