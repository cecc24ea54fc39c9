"""The readiness study of an OPD, for each outcome: dinas-kominfo is ready ("layak, dalam bentuk
ini"), the hospital is not ("belum, karena ..."); both print without the navigation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import SCREENSHOTS, Pages, Platform, Tab

pytestmark = pytest.mark.browser

SECTIONS = (
    "study-positions",
    "study-infrastructure",
    "study-history",
    "study-what-if",
)
#: the study composes eligibility's and reporting's answers over three months
COMPOSED_MS = 60_000


def _study(pages: Pages, opd: str) -> Tab:
    tab = pages.open(label=opd)
    pages.login(tab, "admin_bkd")
    tab.page.goto(f"/app/readiness.html?opd={opd}")
    expect(tab.testid("study")).to_have_attribute(
        "data-verdict", re.compile(r"^(layak|belum)$"), timeout=COMPOSED_MS
    )
    for section in SECTIONS:
        expect(tab.testid(section)).to_be_visible()
        expect(tab.testid(section)).not_to_be_empty()
    return tab


def _prints(tab: Tab, name: str) -> None:
    """Print media hides the navigation and keeps the study; the PDF is kept beside the
    screenshots."""
    page = tab.page
    expect(tab.testid("study-print")).to_be_visible()
    page.emulate_media(media="print")
    expect(tab.testid("study")).to_be_visible()
    expect(tab.testid("study-headline")).to_be_visible()
    for navigation in ("lang-toggle", "logout", "study-print"):
        expect(tab.testid(navigation)).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4", print_background=True)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 1000
    page.emulate_media(media="screen")
    expect(tab.testid("lang-toggle")).to_be_visible()


def test_readiness_study_says_layak_for_dinas_kominfo(pages: Pages, platform: Platform) -> None:
    tab = _study(pages, "dinas-kominfo")
    expect(tab.testid("study")).to_have_attribute("data-verdict", "layak")
    expect(tab.testid("study-headline")).to_contain_text(re.compile(r"^\s*Layak", re.I))
    expect(tab.testid("study-reasons").get_by_test_id("study-reason").first).to_be_visible()
    _prints(tab, "readiness-dinas-kominfo")


def test_readiness_study_says_belum_for_the_hospital(pages: Pages, platform: Platform) -> None:
    tab = _study(pages, "rsud-tarakan")
    expect(tab.testid("study")).to_have_attribute("data-verdict", "belum")
    expect(tab.testid("study-headline")).to_contain_text(re.compile(r"^\s*Belum", re.I))
    reasons = tab.testid("study-reasons").get_by_test_id("study-reason")
    expect(reasons.first).to_be_visible()
    study = platform.get("/web/readiness/rsud-tarakan?months=3")
    assert study["verdict"] == "belum"
    unmet = [r for r in study["reasons"] if not r["met"]]
    assert unmet, study["reasons"]
    shown = " ".join(reasons.all_inner_texts())
    for reason in unmet:
        assert reason["message_id"] in shown, (reason["message_id"], shown)
    _prints(tab, "readiness-rsud-tarakan")
