"""The public transparency data over HTTP, without a token: small groups suppressed (k = 10),
and no NIP, name or coordinate in any answer.

Two OPDs are published straight onto the topics (roster, presence, anomalies): ``big`` has 12
staff, ``small`` 9. Reporting runs as a real process on a real broker and chDB. Every public
answer the test receives (figures, days, refusals) is scanned for personal data.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from datetime import date, timedelta
from typing import Any, get_args

import httpx
import pytest

from schemas import Envelope
from schemas.events import AnomalyKind, Mode
from tests.support.http_checks import poll
from tests.support.presence_events import anomaly, roster_events, signal, utc
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import Opd, make_opd
from tests.support.seeding import publish

pytestmark = pytest.mark.e2e

_rng = random.Random(uuid.uuid4().int)
YEAR, MONTH_NUMBER = _rng.randint(2040, 2099), _rng.randint(1, 12)
MONTH = f"{YEAR:04d}-{MONTH_NUMBER:02d}"
_first = date(YEAR, MONTH_NUMBER, 1)
D1 = _first + timedelta(days=(7 - _first.weekday()) % 7)  # the month's first Monday
D2 = D1 + timedelta(days=1)

KINDS = set(get_args(AnomalyKind))
PERSONAL_KEY = re.compile(
    r"(^|_)(nip|nips|name|names|nama|lat|lon|lng|latitude|longitude|location|locations|"
    r"coordinate|coordinates|address|alamat|cell)($|_)",
    re.IGNORECASE,
)
EIGHTEEN_DIGITS = re.compile(r"\d{18}")
DAYS = "/public/opds/days"


class Province:
    """``big``: head, supervisor and 10 staff (12). All 10 staff work from anywhere on D1, 3
    of them on D2; 10 staff are flagged late, 2 of them also for a mock location. ``small``:
    head, supervisor and 7 staff (9), all at the office on D1, 5 away on D2."""

    def __init__(self) -> None:
        self.big = make_opd({"bidang-layanan": 10})
        self.small = make_opd({"bidang-umum": 7})

    @staticmethod
    def everyone(opd: Opd) -> list[str]:
        return [opd.head, *(n for u in opd.units for n in (u.supervisor, *u.staff))]

    def events(self) -> list[Envelope]:
        events = [*roster_events(self.big), *roster_events(self.small)]
        big, small = self.big.opd_id, self.small.opd_id
        staff = self.big.units[0].staff
        for nip in self.everyone(self.big):
            d1: Mode = "wfa" if nip in staff else "office"
            d2: Mode = "wfa" if nip in staff[:3] else "office"
            events.append(signal("check_in", nip, big, utc(D1, 7, 30), mode=d1))
            events.append(signal("check_in", nip, big, utc(D2, 7, 30), mode=d2))
        for nip in staff:
            events.append(anomaly("late_check_in", nip, big, utc(D1, 8)))
        for nip in staff[:2]:
            events.append(anomaly("mock_location", nip, big, utc(D2, 8)))
        small_staff = self.small.units[0].staff
        for nip in self.everyone(self.small):
            away: Mode = "wfa" if nip in small_staff[:5] else "office"
            events.append(signal("check_in", nip, small, utc(D1, 7, 30)))
            events.append(signal("check_in", nip, small, utc(D2, 7, 30), mode=away))
        return events

    def names(self) -> list[str]:
        """Every name and NIP the roster events carry."""
        people = self.everyone(self.big) + self.everyone(self.small)
        return [f"Pegawai {nip[-4:]}" for nip in people] + people


@pytest.fixture(scope="module")
def province(kafka_bootstrap: str) -> Province:
    crafted = Province()
    # every event twice, a replay: nothing may count twice
    asyncio.run(publish(kafka_bootstrap, crafted.events(), client_name="public", times=2))
    return crafted


@pytest.fixture(scope="module")
def reporting(shared_platform: SharedPlatform, province: Province) -> ServiceProcess:
    return shared_platform["reporting"]


class Scanner:
    """Fetches public answers (never with a token) and checks each for personal data."""

    def __init__(self, service: ServiceProcess, province: Province) -> None:
        self.service = service
        self.province = province
        self.scanned = 0

    def get(self, path: str, **params: Any) -> httpx.Response:
        response = httpx.get(f"{self.service.url}{path}", params=params, timeout=60)
        self.check(response)
        return response

    def check(self, response: httpx.Response) -> None:
        text = response.text
        assert not EIGHTEEN_DIGITS.search(text), text[:500]
        for name in self.province.names():
            assert name not in text
        _check_keys(json.loads(text))
        self.scanned += 1


def _check_keys(node: Any, parent: str = "") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if parent == "anomalies_by_kind":
                assert key in KINDS, key
            else:
                assert not PERSONAL_KEY.search(key), key
            _check_keys(value, key)
    elif isinstance(node, list):
        for value in node:
            _check_keys(value, parent)


def _opds(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {opd["opd_id"]: opd for opd in body["opds"]}


@pytest.fixture(scope="module")
def public(reporting: ServiceProcess, province: Province) -> Scanner:
    """A scanner once the month of both OPDs is projected."""
    scanner = Scanner(reporting, province)

    def month() -> dict[str, dict[str, Any]] | None:
        response = scanner.get("/public/opds", month=MONTH)
        return _opds(response.json()) if response.status_code == 200 else None

    def complete(opds: dict[str, dict[str, Any]] | None) -> bool:
        if opds is None or province.big.opd_id not in opds or province.small.opd_id not in opds:
            return False
        big = opds[province.big.opd_id]
        return bool(
            big["headcount"] == 12
            and big["away_share"] == round(13 / 24, 4)
            and big["anomalies_by_kind"]["late_check_in"] == 10
            and big["attendance_rate"] == 1.0
        )

    poll(month, complete, timeout=120.0)
    return scanner


def test_the_month_publishes_the_big_opd_and_suppresses_the_small_one(
    public: Scanner, province: Province
) -> None:
    response = public.get("/public/opds", month=MONTH)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    body = response.json()
    assert body["month"] == MONTH and body["k"] == 10
    assert body["note_id"] and body["note_en"] and body["note_id"] != body["note_en"]
    opds = _opds(body)
    small = opds[province.small.opd_id]
    assert small["suppressed"] is True
    for key in ("headcount", "staff_wfa", "away_share", "compliance_rate", "attendance_rate"):
        assert small[key] is None, key
    assert all(value is None for value in small["anomalies_by_kind"].values())

    big = opds[province.big.opd_id]
    assert big["suppressed"] is False
    assert big["headcount"] == 12
    assert big["staff_wfa"] == 10
    assert big["away_share"] == round(13 / 24, 4)  # 13 WFA days of 12 staff x 2 days
    assert big["compliance_rate"] == 0.0  # no WFA day had an approved request
    assert big["attendance_rate"] == 1.0
    assert big["report_rate"] == 0.0
    kinds = big["anomalies_by_kind"]
    assert kinds["late_check_in"] == 10
    assert kinds["mock_location"] is None  # 2 staff: hidden
    assert kinds["impossible_travel"] == 0
    assert big["output_wfa"] == 0.0  # no report: no output, from 10 staff
    assert big["output_office"] is None  # 9 staff ever at the office: hidden
    assert big["suppressed_cells"] == ["output_office", "anomalies.mock_location"]


def test_the_province_counts_published_figures_only(public: Scanner, province: Province) -> None:
    body = public.get("/public/opds", month=MONTH).json()
    opds = _opds(body)
    published = [opd for opd in opds.values() if not opd["suppressed"]]
    province_total = body["province"]
    assert province_total["headcount"] == sum(opd["headcount"] for opd in published)
    late = [opd["anomalies_by_kind"]["late_check_in"] for opd in published]
    assert province_total["anomalies_by_kind"]["late_check_in"] == sum(v for v in late if v)
    assert province.small.opd_id in opds  # its id stays, its figures never count


def test_the_days_show_published_opds_and_hide_small_days(
    public: Scanner, province: Province
) -> None:
    response = public.get(
        "/public/opds/days", date_from=D1.isoformat(), date_to=(D1 + timedelta(days=6)).isoformat()
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=60"
    opds = _opds(response.json())
    assert opds[province.small.opd_id] == {
        "opd_id": province.small.opd_id,
        "suppressed": True,
        "days": [],
    }
    days = {day["work_date"]: day for day in opds[province.big.opd_id]["days"]}
    assert days[D1.isoformat()]["away_share"] == round(10 / 12, 4)
    assert days[D1.isoformat()]["compliance_rate"] == 0.0
    assert days[D2.isoformat()]["away_share"] is None  # 3 away: hidden
    assert days[D2.isoformat()]["compliance_rate"] is None
    assert days[D2.isoformat()]["suppressed_cells"] == ["away_share", "compliance_rate"]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/public/opds", {"month": "2026-13"}, "invalid_month"),
        ("/public/opds", {"month": "maret"}, "invalid_month"),
        ("/public/opds", {}, "invalid_request"),
        (
            "/public/opds/days",
            {"date_from": "2026-03-10", "date_to": "2026-03-01"},
            "invalid_period",
        ),
        (
            "/public/opds/days",
            {"date_from": "2026-01-01", "date_to": "2026-06-30"},
            "period_too_long",
        ),
        (
            "/public/opds/days",
            {"date_from": "2026-02-30", "date_to": "2026-03-01"},
            "invalid_request",
        ),
        ("/public/opds/days", {"date_from": "2026-03-01"}, "invalid_request"),
    ],
)
def test_bad_queries_get_a_bilingual_422(
    public: Scanner, path: str, params: dict[str, str], code: str
) -> None:
    response = public.get(path, **params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message_id"] and error["message_en"]
    assert error["message_id"] != error["message_en"]


def test_a_month_without_data_is_empty_not_an_error(public: Scanner) -> None:
    body = public.get("/public/opds", month="1971-01").json()
    assert body["opds"] == [] and body["province"]["headcount"] is None


def test_every_public_answer_was_scanned(public: Scanner) -> None:
    assert public.scanned > 0
    # and a token is never needed: the same answer with a garbage Authorization header
    response = httpx.get(
        f"{public.service.url}/public/opds",
        params={"month": MONTH},
        headers={"Authorization": "Bearer not-a-token"},
        timeout=60,
    )
    public.check(response)
    assert response.status_code == 200
