"""The readiness study's inputs over HTTP on a real broker: assessments recorded and read back,
positions counted under the task mapping, the what-if of WFA on, who may see and record them,
bad input refused in both languages, and a retried assessment published once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from schemas import Envelope
from schemas.topics import POLICIES
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.http_checks import refused
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import (
    ROSTER_HEADER,
    Opd,
    admin,
    asn,
    make_opd,
    new_nip,
    next_weekdays,
    publish_policy,
    request_body,
    wib_today,
)
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

AUDITOR = bearer(Role.AUDITOR, "198505052010012002", None)
OPS = bearer(Role.OPS, "198606062011011003", None)
DOCTORS = 4


@pytest.fixture(scope="module")
def eligibility(shared_platform: SharedPlatform) -> ServiceProcess:
    return shared_platform["eligibility"]


@pytest.fixture(scope="module")
def hospital(eligibility: ServiceProcess) -> tuple[Opd, list[str]]:
    """A head, a unit of a supervisor and 3 administrative staff, and 4 doctors."""
    opd = make_opd({"tata-usaha": 3})
    doctors = [new_nip() for _ in range(DOCTORS)]
    rows = opd.csv().decode().rstrip("\n").split("\n")
    for i, nip in enumerate(doctors):
        rows.append(
            f"{nip},dr. Dokter {i},{opd.opd_id},pelayanan-medis,Dokter Ahli,dokter,{opd.head},"
            "PNS,2015-03-01,,-6.18,106.82,Jl. Rumah Sakit 1,"
        )
    assert rows[0] == ROSTER_HEADER
    answer = httpx.post(
        f"{eligibility.url}/roster/imports?format=csv",
        content=("\n".join(rows) + "\n").encode(),
        headers=admin(),
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["projected"] is True
    publish_policy(eligibility.url, opd, max_away_share=0.5)
    return opd, doctors


def _url(eligibility: ServiceProcess, opd_id: str) -> str:
    return f"{eligibility.url}/policies/{opd_id}/readiness"


def _head(opd: Opd, opd_id: str | None = None) -> dict[str, str]:
    return bearer(Role.KEPALA_OPD, opd.head, opd_id or opd.opd_id)


def _assess(
    eligibility: ServiceProcess, opd_id: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    return httpx.post(_url(eligibility, opd_id), json=body, headers=headers, timeout=60)


def test_assessments_are_read_back_with_the_positions_and_the_what_if(
    eligibility: ServiceProcess, hospital: tuple[Opd, list[str]]
) -> None:
    opd, doctors = hospital
    staff = opd.units[0].staff[0]
    day = next_weekdays(1, skip_weeks=2)
    for nip in (staff, doctors[0]):
        submitted = httpx.post(
            f"{eligibility.url}/wfa/requests",
            json=request_body(day),
            headers=asn(nip, opd),
            timeout=60,
        )
        assert submitted.status_code == 202, submitted.text

    whole = _assess(
        eligibility,
        opd.opd_id,
        {"infrastructure_score": 40, "connectivity_score": 35, "note": "Survei Januari"},
        admin(),
    )
    assert whole.status_code == 201, whole.text
    assert whole.json()["assessment_id"] and whole.json()["event_id"]
    assert whole.json()["assessed_on"] == wib_today().isoformat()
    yesterday = (wib_today() - timedelta(days=1)).isoformat()
    unit = _assess(
        eligibility,
        opd.opd_id,
        {
            "work_unit_id": "tata-usaha",
            "infrastructure_score": 90,
            "connectivity_score": 85,
            "assessed_on": yesterday,
        },
        _head(opd),
    )
    assert unit.status_code == 201, unit.text
    # an older assessment of the whole OPD, recorded later, does not replace the current one
    older = _assess(
        eligibility,
        opd.opd_id,
        {"infrastructure_score": 5, "connectivity_score": 5, "assessed_on": yesterday},
        admin(),
    )
    assert older.status_code == 201, older.text

    answer = httpx.get(_url(eligibility, opd.opd_id), headers=AUDITOR, timeout=60)
    assert answer.status_code == 200, answer.text
    study = answer.json()
    assert study["opd_id"] == opd.opd_id
    assert study["policy"]["version"] == 1 and study["policy"]["wfa_enabled"] is True
    assert "dokter" not in study["policy"]["eligible_categories"]

    positions = study["positions"]
    # head + supervisor + 3 staff are administrative; the doctors never are
    assert (positions["total"], positions["eligible"]) == (5 + DOCTORS, 5)
    assert positions["eligible_share"] == round(5 / (5 + DOCTORS), 4)
    categories = {row["category"]: row for row in positions["by_category"]}
    assert categories["dokter"]["count"] == DOCTORS
    assert categories["dokter"]["eligible"] is False
    assert "dokter" in categories["dokter"]["reason_id"]
    assert categories["administrasi"]["eligible"] is True
    units = {row["work_unit_id"]: row for row in positions["by_unit"]}
    assert (units["pelayanan-medis"]["headcount"], units["pelayanan-medis"]["eligible"]) == (
        DOCTORS,
        0,
    )
    assert (units["tata-usaha"]["headcount"], units["tata-usaha"]["eligible"]) == (4, 4)

    assessments = study["assessments"]
    assert [(a["work_unit_id"], a["infrastructure_score"]) for a in assessments] == [
        (None, 40),
        ("tata-usaha", 90),
    ]
    assert assessments[0]["note"] == "Survei Januari"
    assert assessments[0]["assessment_id"] == whole.json()["assessment_id"]
    assert assessments[1]["assessed_on"] == yesterday

    what_if = study["what_if"]
    assert what_if["period_to"] == wib_today().isoformat()
    assert what_if["proposal"] == {
        "wfa_enabled": True,
        "weekly_cap_days": 2,
        "max_away_share": study["policy"]["max_away_share"],
    }
    # the administrative request was and stays eligible (2 of 4 may be away); the doctor's
    # never is
    assert (what_if["requests"], what_if["eligible_now"], what_if["eligible_under"]) == (2, 1, 1)
    assert what_if["changed"] == 0
    assert what_if["note_id"] and what_if["note_en"]

    assert httpx.get(_url(eligibility, opd.opd_id), headers=OPS).status_code == 200
    mine = httpx.get(_url(eligibility, opd.opd_id), headers=_head(opd), timeout=60)
    assert mine.status_code == 200 and mine.json()["positions"] == positions


def test_only_admins_auditors_ops_and_the_opds_own_head_may_read(
    eligibility: ServiceProcess, hospital: tuple[Opd, list[str]]
) -> None:
    opd, _ = hospital
    url = _url(eligibility, opd.opd_id)
    refused(httpx.get(url, headers=asn(opd.units[0].staff[0], opd)), 403, "forbidden_role")
    supervisor = bearer(Role.ATASAN, opd.units[0].supervisor, opd.opd_id)
    refused(httpx.get(url, headers=supervisor), 403, "forbidden_role")
    # the head with a token claiming another OPD: the roster names the OPD they head
    refused(httpx.get(url, headers=_head(opd, "opd-lain")), 403, "opd_mismatch")
    other = _url(eligibility, "opd-lain")
    refused(httpx.get(other, headers=_head(opd)), 403, "other_opd")
    refused(httpx.get(url), 401)


def test_only_admins_and_the_opds_own_head_may_record(
    eligibility: ServiceProcess, hospital: tuple[Opd, list[str]]
) -> None:
    opd, _ = hospital
    body = {"infrastructure_score": 50, "connectivity_score": 50}
    refused(_assess(eligibility, opd.opd_id, body, AUDITOR), 403, "forbidden_role")
    refused(_assess(eligibility, opd.opd_id, body, OPS), 403, "forbidden_role")
    refused(_assess(eligibility, opd.opd_id, body, asn(opd.units[0].staff[1], opd)), 403)
    refused(_assess(eligibility, opd.opd_id, body, _head(opd, "opd-lain")), 403, "opd_mismatch")
    refused(_assess(eligibility, "opd-lain", body, _head(opd)), 403, "other_opd")


def test_an_unknown_opd_is_404_for_readers_and_writers(eligibility: ServiceProcess) -> None:
    missing = f"opd-{uuid.uuid4().hex[:8]}"
    refused(httpx.get(_url(eligibility, missing), headers=admin(), timeout=60), 404, "unknown_opd")
    body = {"infrastructure_score": 50, "connectivity_score": 50}
    refused(_assess(eligibility, missing, body, admin()), 404, "unknown_opd")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"infrastructure_score": 101, "connectivity_score": 50}, None),
        ({"infrastructure_score": -1, "connectivity_score": 50}, None),
        ({"infrastructure_score": "80", "connectivity_score": 50}, None),
        ({"infrastructure_score": 80.5, "connectivity_score": 50}, None),
        ({"infrastructure_score": 80}, None),
        ({"infrastructure_score": 80, "connectivity_score": 50, "extra": 1}, None),
        ({"infrastructure_score": 80, "connectivity_score": 50, "note": "x" * 2001}, None),
        ({"infrastructure_score": 80, "connectivity_score": 50, "work_unit_id": ""}, None),
        ({"infrastructure_score": 80, "connectivity_score": 50, "assessed_on": "kemarin"}, None),
        (
            {"infrastructure_score": 80, "connectivity_score": 50, "work_unit_id": "tidak-ada"},
            "unknown_work_unit",
        ),
        (
            {
                "infrastructure_score": 80,
                "connectivity_score": 50,
                "assessed_on": (wib_today() + timedelta(days=2)).isoformat(),
            },
            "future_assessment",
        ),
    ],
)
def test_bad_assessments_are_refused_in_both_languages(
    eligibility: ServiceProcess,
    hospital: tuple[Opd, list[str]],
    body: dict[str, Any],
    code: str | None,
) -> None:
    opd, _ = hospital
    refused(_assess(eligibility, opd.opd_id, body, admin()), 422, code)


def _assessed_events(bootstrap: str, assessment_id: str) -> int:
    def keep(envelope: Envelope) -> bool:
        return (
            envelope.type == "OpdReadinessAssessed"
            and envelope.payload["assessment_id"] == assessment_id
        )

    return len(asyncio.run(read_events(bootstrap, POLICIES, keep, idle_ms=2000)))


def test_a_retried_assessment_with_an_idempotency_key_is_published_once(
    eligibility: ServiceProcess, hospital: tuple[Opd, list[str]], kafka_bootstrap: str
) -> None:
    opd, _ = hospital
    key = {"Idempotency-Key": f"readiness-{uuid.uuid4().hex}"}
    body = {"work_unit_id": "pelayanan-medis", "infrastructure_score": 30, "connectivity_score": 20}
    first = _assess(eligibility, opd.opd_id, body, {**admin(), **key})
    second = _assess(eligibility, opd.opd_id, body, {**admin(), **key})
    assert first.status_code == second.status_code == 201, second.text
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert _assessed_events(kafka_bootstrap, first.json()["assessment_id"]) == 1
    changed = {**body, "connectivity_score": 21}
    refused(_assess(eligibility, opd.opd_id, changed, {**admin(), **key}), 409)
