"""The OPD head's dashboard (charts drawn with data, the scorecard) and BKD's (the ranking of
OPDs, the exports)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from tests.support.browser import Pages, Platform, Tab

pytestmark = pytest.mark.browser

CHARTS = ("chart-away", "chart-compliance", "chart-anomalies", "chart-output")
#: charts read reporting's projections, filled by the demo loader before the session's tests
DRAWN_MS = 60_000


def _dashboard(pages: Pages, persona: str) -> Tab:
    tab = pages.open(label=persona)
    pages.login(tab, persona)
    expect(tab.testid("who")).to_contain_text(pages.platform.persona(persona)["name"])
    return tab


def test_head_of_the_opd_sees_the_charts_and_the_scorecard(
    pages: Pages, platform: Platform
) -> None:
    tab = _dashboard(pages, "kepala_opd")
    for chart in CHARTS:
        canvas = tab.testid(chart)
        expect(canvas).to_have_attribute("data-rendered", "1", timeout=DRAWN_MS)
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, chart
    scorecard = tab.testid("scorecard")
    expect(scorecard.get_by_test_id("scorecard-total")).to_have_text(re.compile(r"\d"))
    expect(scorecard.get_by_test_id("scorecard-grade")).not_to_be_empty()
    assert scorecard.get_by_test_id("scorecard-component").count() >= 1


def test_bkd_ranks_the_opds_and_exports_csv(pages: Pages, platform: Platform) -> None:
    tab = _dashboard(pages, "admin_bkd")
    rows = tab.testid("ranking").get_by_test_id("ranking-row")
    expect(rows.first).to_be_visible(timeout=DRAWN_MS)
    ranked = " ".join(rows.all_inner_texts())
    assert re.search(r"kominfo", ranked, re.IGNORECASE), ranked

    for link, media in (("export-csv", "text/csv"), ("export-xlsx", "spreadsheetml")):
        anchor = tab.testid(link)
        expect(anchor).to_be_visible()
        href = anchor.get_attribute("href") or ""
        if href.startswith("blob:") or not href or href == "#":
            # the page fetches the file with the bearer and hands it over as a download
            with tab.page.expect_download() as download:
                anchor.click()
            path = download.value.path()
            content = path.read_bytes()
            assert content, f"{link}: empty download"
            if media == "text/csv":
                assert b"," in content.splitlines()[0] or b";" in content.splitlines()[0]
            else:
                assert content[:2] == b"PK"  # an XLSX is a zip
            continue
        answer = platform.call("GET", urljoin("/", href.removeprefix(platform.web)), "admin_bkd")
        assert answer.status_code == 200, f"{link} {href}: {answer.status_code} {answer.text}"
        assert media in answer.headers["content-type"], answer.headers["content-type"]
        if media == "text/csv":
            header = answer.text.splitlines()[0]
            assert "," in header or ";" in header, header
        else:
            assert answer.content[:2] == b"PK"
