"""The supervisor (atasan langsung) approves the ASN's WFA request and accepts the ASN's daily
report from the browser, and sees the team's day."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from tests.support.browser import Pages, Platform, Tab, wait_for, wib_today

pytestmark = pytest.mark.browser

#: how long a request or report may take to reach reporting's projection and the page
PROJECTED_S = 90


def _pending_report(platform: Platform) -> str:
    """The ASN persona's report of today waiting for review: the ASN app test's, or one now."""
    if "report_id" in platform.made:
        return platform.made["report_id"]
    answer = platform.call(
        "POST",
        "/reports/daily",
        "asn",
        body={
            "work_date": wib_today().isoformat(),
            "outputs": [{"description": "Rekap data layanan", "quantity": 3, "unit": "dokumen"}],
            "notes": "Pekerjaan hari ini sesuai rencana.",
        },
        key=f"browser-report-{wib_today().isoformat()}",
    )
    assert answer.status_code == 201, answer.text
    report_id: str = answer.json()["report_id"]
    platform.made["report_id"] = report_id
    return report_id


def _until_listed(tab: Tab, row: Locator, what: str) -> None:
    """Reload the page until ``row`` shows (projections are eventually consistent)."""
    deadline = time.monotonic() + PROJECTED_S
    while True:
        try:
            expect(row).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not listed within {PROJECTED_S} s") from None
            tab.page.reload()


def _supervisor_tab(pages: Pages) -> Tab:
    tab = pages.open()
    pages.login(tab, "atasan")
    expect(tab.testid("who")).to_contain_text(pages.platform.persona("atasan")["name"])
    return tab


def test_supervisor_approves_the_pending_request(pages: Pages, platform: Platform) -> None:
    request_id = platform.asn_request("browser-supervisor")
    tab = _supervisor_tab(pages)

    pending = tab.testid("pending-requests")
    _until_listed(tab, pending.get_by_test_id(f"pending-{request_id}"), f"request {request_id}")
    tab.testid(f"reason-{request_id}").fill("Rencana kerja jelas dan terukur")
    with tab.page.expect_response(
        lambda r: r.url.endswith(f"/wfa/requests/{request_id}/approve")
    ) as approved:
        tab.testid(f"approve-{request_id}").click()
    assert approved.value.status in (200, 202), approved.value.text()

    def status() -> dict[str, Any] | None:
        data = platform.get(f"/wfa/requests/{request_id}")
        return data if data["status"] == "approved" else None

    wait_for(status, timeout=60, what=f"request {request_id} approved")
    tab.page.reload()
    expect(tab.testid(f"pending-{request_id}")).to_have_count(0, timeout=PROJECTED_S * 1000)


def test_supervisor_accepts_the_daily_report_and_sees_the_team(
    pages: Pages, platform: Platform
) -> None:
    report_id = _pending_report(platform)
    nip = platform.persona("asn")["nip"]
    tab = _supervisor_tab(pages)

    reviews = tab.testid("reviews")
    _until_listed(tab, reviews.get_by_test_id(f"review-{report_id}"), f"report {report_id}")
    tab.testid(f"note-{report_id}").fill("Laporan lengkap.")
    with tab.page.expect_response(
        lambda r: r.url.endswith(f"/reports/daily/{report_id}/review")
    ) as reviewed:
        tab.testid(f"accept-{report_id}").click()
    assert reviewed.value.status == 200, reviewed.value.text()
    stored = platform.get(f"/reports/daily/{nip}/{wib_today().isoformat()}")
    assert stored["status"] == "accepted"

    team = tab.testid("team-day")
    expect(team).to_be_visible()
    expect(team.get_by_test_id(f"team-row-{nip}")).to_be_visible(timeout=PROJECTED_S * 1000)
    expect(team.get_by_test_id(f"team-row-{nip}")).to_contain_text(platform.persona("asn")["name"])
