"""The ASN's mobile web app on a 360 px phone: a WFA request with its decision explained rule
by rule in both languages, a check-in with the browser's geolocation, a check-out queued
while offline and sent when the phone is back online, and the supervisor's read of the ASN's
request listed under "who looked at my data" (audit's access log, through the gateway)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.support.browser import Pages, Platform, Tab, free_request_day, wait_for, wib_today

pytestmark = pytest.mark.browser

#: the office of dinas-kominfo, where the ASN persona works
OFFICE = (-6.1819, 106.8283)
#: how `online-status` says the phone is offline (luring, terputus: Bahasa Indonesia)
REPORT_NOT_WRITTEN = r"status of 404 .*/reports/daily/\d{18}/\d{4}-\d{2}-\d{2}\)$"
OFFLINE_TEXT = re.compile(r"luring|offline|terputus|tidak terhubung", re.IGNORECASE)


def _asn_tab(pages: Pages) -> Tab:
    tab = pages.open(mobile=True, geolocation=OFFICE)
    # the report tab reads the day's report: 404 report_not_found until it is written
    tab.permit_console_errors(REPORT_NOT_WRITTEN)
    pages.login(tab, "asn")
    expect(tab.testid("who")).to_contain_text(pages.platform.persona("asn")["name"])
    return tab


def _decided(platform: Platform, request_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        data = platform.get(f"/wfa/requests/{request_id}", "asn")
        return data if data.get("decision") is not None else None

    return wait_for(probe, timeout=60, what=f"the decision on {request_id}")


def test_asn_requests_wfa_and_reads_the_decision_in_both_languages(
    pages: Pages, platform: Platform
) -> None:
    tab = _asn_tab(pages)
    page = tab.page
    day = free_request_day(wib_today())

    tab.testid("tab-request").click()
    tab.testid("req-date").fill(day.isoformat())
    tab.testid("req-location-use-gps").click()
    expect(tab.testid("req-lat")).to_have_value(re.compile(r"^-6\.18"))
    expect(tab.testid("req-lon")).to_have_value(re.compile(r"^106\.82"))
    tab.testid("req-address").fill("Balai Kota, Jl. Medan Merdeka Selatan")
    tab.testid("req-reason").fill("Menyelesaikan dokumen analisis data")
    tab.testid("plan-desc-0").fill("Dokumen analisis selesai")
    tab.testid("plan-target-0").fill("2")
    tab.testid("plan-unit-0").fill("dokumen")
    with page.expect_response(
        lambda r: r.url.endswith("/wfa/requests") and r.request.method == "POST"
    ) as submitted:
        tab.testid("req-submit").click()
    answer = submitted.value
    assert answer.status in (201, 202), answer.text()
    request_id = answer.json()["request_id"]
    platform.made["request_id"] = request_id
    platform.made["request_day"] = day.isoformat()

    decided = _decided(platform, request_id)
    trace = decided["decision"]["trace"]
    assert decided["decision"]["eligible"] is True, decided["explanation"]["en"]
    assert decided["status"] == "pending"

    decision = tab.testid("decision")
    rules = decision.get_by_test_id("decision-rule")
    expect(rules).to_have_count(len(trace))
    expect(decision.get_by_test_id("decision-outcome")).to_contain_text("Memenuhi syarat")
    for n, rule in enumerate(trace):
        expect(rules.nth(n)).to_contain_text(rule["message_id"])
    expect(page.locator("html")).to_have_attribute("lang", "id")
    indonesian = rules.all_inner_texts()

    tab.testid("lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for n, rule in enumerate(trace):
        expect(rules.nth(n)).to_contain_text(rule["message_en"])
    assert rules.all_inner_texts() != indonesian
    expect(decision.get_by_test_id("decision-outcome")).not_to_contain_text("Memenuhi syarat")

    tab.testid("lang-toggle").click()  # back to Bahasa Indonesia, the default
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(rules.first).to_contain_text(trace[0]["message_id"])
    expect(tab.testid("my-requests").get_by_test_id(f"my-request-{request_id}")).to_be_visible(
        timeout=90_000
    )


def test_asn_checks_in_at_the_office_and_checks_out_offline(
    pages: Pages, platform: Platform
) -> None:
    tab = _asn_tab(pages)
    page = tab.page
    nip = platform.persona("asn")["nip"]
    today = wib_today()

    tab.testid("tab-presence").click()
    expect(tab.testid("presence-reference")).not_to_be_empty()
    with page.expect_response(
        lambda r: r.url.endswith("/attendance/check-ins") and r.request.method == "POST"
    ) as checked_in:
        tab.testid("check-in").click()
    answer = checked_in.value
    assert answer.status == 201, answer.text()
    assessment = answer.json()["assessment"]
    assert assessment["reference"] == "office_geofence" and assessment["inside"] is True
    result = tab.testid("presence-result")
    expect(result).to_contain_text(re.compile(r"dalam", re.IGNORECASE))  # di dalam geofence
    expect(result).not_to_contain_text(re.compile(r"di luar|tidak", re.IGNORECASE))

    # offline: the check-out waits in the phone's queue (Chromium logs the failed request)
    with tab.allow_console_errors(r"ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load"):
        tab.context.set_offline(True)
        expect(tab.testid("online-status")).to_contain_text(OFFLINE_TEXT)
        tab.testid("check-out").click()
        expect(tab.testid("offline-queue")).to_contain_text("1")
        with page.expect_response(
            lambda r: r.url.endswith("/attendance/check-outs") and r.request.method == "POST",
            timeout=90_000,
        ) as sent:
            tab.context.set_offline(False)
    queued = sent.value
    assert queued.status == 201, queued.text()
    sent_body = queued.request.post_data_json
    assert sent_body is not None and sent_body["recorded_offline"] is True
    assert queued.json()["assessment"]["late_synced"] is True
    expect(tab.testid("offline-queue")).to_contain_text("0")

    def checked_out() -> dict[str, Any] | None:
        day = platform.get(f"/reporting/presence/{nip}?date={today.isoformat()}")
        kinds = day["signals_by_kind"]
        return day if kinds.get("check_in") and kinds.get("check_out") else None

    day = wait_for(checked_out, timeout=90, what=f"{nip}'s check-in and check-out in reporting")
    assert day["late_synced"] >= 1  # the check-out, through the offline queue


def test_asn_writes_the_daily_report(pages: Pages, platform: Platform) -> None:
    tab = _asn_tab(pages)
    page = tab.page
    nip = platform.persona("asn")["nip"]
    today = wib_today()

    tab.testid("tab-report").click()
    tab.testid("report-date").fill(today.isoformat())
    tab.testid("report-output-desc-0").fill("Rekap data layanan aplikasi")
    tab.testid("report-output-qty-0").fill("3")
    tab.testid("report-output-unit-0").fill("dokumen")
    tab.testid("report-notes").fill("Pekerjaan hari ini sesuai rencana.")
    with page.expect_response(
        lambda r: r.url.endswith("/reports/daily") and r.request.method == "POST"
    ) as submitted:
        tab.testid("report-submit").click()
    assert submitted.value.status == 201, submitted.value.text()
    report = submitted.value.json()
    platform.made["report_id"] = report["report_id"]
    expect(tab.testid("report-status")).to_contain_text("Menunggu tinjauan")

    stored = platform.get(f"/reports/daily/{nip}/{today.isoformat()}")
    assert stored["status"] == "submitted"
    assert [o["description"] for o in stored["outputs"]] == ["Rekap data layanan aplikasi"]


def test_asn_sees_who_read_the_request(pages: Pages, platform: Platform) -> None:
    request_id = platform.asn_request("browser-access-log")
    supervisor = platform.persona("atasan")["nip"]
    purpose = f"Memeriksa permohonan WFA {request_id}"
    read = platform.call("GET", f"/wfa/requests/{request_id}?purpose={quote(purpose)}", "atasan")
    assert read.status_code == 200, read.text  # recorded on the access log before the answer

    def archived() -> dict[str, Any] | None:
        answer = platform.call("GET", "/audit/access-log", "asn")
        assert answer.status_code == 200, f"audit through the gateway: {answer.text}"
        items = answer.json()["items"]
        return next((item for item in items if item["purpose"] == purpose), None)

    entry = wait_for(archived, timeout=90, what=f"the supervisor's read of {request_id}")
    assert entry["reader_nip"] == supervisor and entry["reader_role"] == "atasan"
    assert entry["data_kind"] == "wfa_request"

    tab = _asn_tab(pages)
    tab.testid("tab-history").click()
    log = tab.testid("access-log")
    row = log.get_by_test_id(f"access-{entry['access_id']}")
    expect(row).to_be_visible()
    # newest first: nobody read the ASN's data after the supervisor
    expect(log.locator("li").first).to_have_attribute("data-testid", f"access-{entry['access_id']}")
    expect(row.get_by_test_id("access-role")).to_have_text("Atasan langsung")
    expect(row.get_by_test_id("access-reader")).to_contain_text(supervisor)
    expect(row.get_by_test_id("access-kind")).to_contain_text("Pengajuan WFA")
    expect(row.get_by_test_id("access-purpose")).to_contain_text(f"Tujuan: {purpose}")
    expect(row.get_by_test_id("access-when")).to_contain_text(re.compile(r"\d{2}\.\d{2}$"))
    day = platform.made.get("request_day") or wib_today().isoformat()
    expect(row.get_by_test_id("access-period")).to_contain_text(day[:4])

    tab.testid("lang-toggle").click()
    expect(tab.page.locator("html")).to_have_attribute("lang", "en")
    expect(row.get_by_test_id("access-role")).to_have_text("Direct supervisor")
    expect(row.get_by_test_id("access-kind")).to_contain_text("WFA request")
    expect(row.get_by_test_id("access-kind")).not_to_contain_text("Pengajuan")
    expect(row.get_by_test_id("access-purpose")).to_contain_text("Purpose:")
    expect(tab.testid("access-log-card")).to_contain_text("Who looked at my data")
