"""The public transparency page, without login: OPDs with fewer than k = 10 ASN are suppressed,
and nothing the page receives (HTML, scripts, API answers) carries a NIP, a name or a
coordinate of the demo province."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Response, expect

from tests.support.browser import Pages, Platform, demo, wib_today

pytestmark = pytest.mark.browser

SUPPRESSED_TEXT = "disembunyikan (< 10 ASN)"
EIGHTEEN_DIGITS = re.compile(r"(?<!\d)\d{18}(?!\d)")


def _degrees(value: float) -> str:
    """A coordinate cut to two decimals, as any longer form of it starts ("-6.18", "106.82")."""
    whole, _, decimals = f"{value:.6f}".partition(".")
    return f"{whole}.{decimals[:2]}"


def _personal_data() -> dict[str, str]:
    """Every NIP, name and coordinate of the demo province, with what it is."""
    province = demo()
    found: dict[str, str] = {}
    for person in province.ROSTER:
        found[person.nip] = f"NIP of {person.name}"
        found[person.name] = "a name"
    places = {
        **{f"office of {opd}": (lat, lon) for opd, (lat, lon, _) in province.OFFICES.items()},
        "a home": province.HOME_AT,
        "Bogor": province.BOGOR,
        "Surabaya": province.SURABAYA,
    }
    for what, (lat, lon) in places.items():
        found[_degrees(lat)] = f"latitude of {what}"
        found[_degrees(lon)] = f"longitude of {what}"
    return found


def test_public_page_suppresses_small_opds_and_serves_no_personal_data(
    pages: Pages, platform: Platform
) -> None:
    tab = pages.open()
    page = tab.page
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))

    page.goto("/transparansi")
    month = demo().previous_working_day(wib_today()).strftime("%Y-%m")  # the demo's data day
    month_input = tab.testid("public-month")
    expect(month_input).to_be_visible()
    if month_input.input_value() != month:
        month_input.fill(month)
        month_input.dispatch_event("change")
    table = tab.testid("public-table")
    published = table.get_by_test_id("public-opd-dinas-kominfo")
    expect(published).to_be_visible()
    expect(published).not_to_have_class(re.compile(r"\bsuppressed\b"))
    expect(published).not_to_contain_text(SUPPRESSED_TEXT)
    expect(published).to_contain_text(re.compile(r"\d"))
    for opd in ("bappeda", "rsud-tarakan"):
        row = table.get_by_test_id(f"public-opd-{opd}")
        expect(row).to_have_class(re.compile(r"\bsuppressed\b"))
        expect(row).to_contain_text(SUPPRESSED_TEXT)
    expect(tab.testid("chart-public")).to_be_visible()
    expect(tab.testid("public-note")).not_to_be_empty()
    page.wait_for_load_state("networkidle")

    answers: dict[str, Any] = {}
    leaks: list[str] = []
    personal = _personal_data()
    assert responses, "the page received nothing"
    for response in responses:
        if 300 <= response.status < 400:
            continue  # a redirect has no body; where it leads is a response of its own
        text = response.body().decode("utf-8", errors="replace")
        for needle, what in personal.items():
            if needle in text:
                leaks.append(f"{response.url}: {what} ({needle!r})")
        for match in EIGHTEEN_DIGITS.findall(text):
            leaks.append(f"{response.url}: an 18-digit number {match}")
        if urlsplit(response.url).path == "/public/opds" and response.status == 200:
            answers[response.url] = json.loads(text)
    assert not leaks, "personal data served to the public page:\n" + "\n".join(leaks)

    assert answers, "the page did not read /public/opds"
    latest = list(answers.values())[-1]  # the month the table shows
    assert latest["k"] == 10
    by_opd = {row["opd_id"]: row for row in latest["opds"]}
    assert by_opd["dinas-kominfo"]["suppressed"] is False
    assert by_opd["dinas-kominfo"]["headcount"] >= 10
    for opd in ("bappeda", "rsud-tarakan"):
        assert by_opd[opd]["suppressed"] is True and by_opd[opd]["headcount"] is None
