"""The web gateway in front of real services: eligibility and reporting run as uvicorn
processes on a real broker, the gateway as a uvicorn process of its own.

Through the one origin: APIs answer exactly as the service does (bodies, exports, replayed
writes), CORS stays closed, every answer carries the security headers, an unreachable
service is a bilingual 503, the demo login mints tokens the services accept (and is refused
in production), and the readiness study is composed from both services with the caller's
token."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.runtime.edge.identity import Role
from services.web.headers import CONTENT_SECURITY_POLICY
from services.web.settings import WebSettings
from tests.support.http_checks import refused
from tests.support.infra import free_port
from tests.support.processes import (
    ServiceProcess,
    SharedPlatform,
    _stop,
    start_service,
    wait_ready,
)
from tests.support.province import Opd, admin, asn, make_opd, wib_today
from tests.support.tokens import bearer

pytestmark = pytest.mark.integration

EVIL = "http://evil.example"
WAIT_S = 60.0


def _web(
    kafka_bootstrap: str,
    data_dir: Path,
    upstreams: dict[str, str],
    extra_env: dict[str, str] | None = None,
) -> ServiceProcess:
    return start_service(
        "web",
        kafka_bootstrap=kafka_bootstrap,
        data_dir=data_dir,
        group_suffix="web",
        extra_env={**upstreams, **(extra_env or {})},
    )


@pytest.fixture(scope="module")
def platform(
    kafka_bootstrap: str, shared_platform: SharedPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Eligibility and reporting (the session's), and a gateway before them whose attendance
    and audit addresses are closed ports (nothing listens there)."""
    data_dir: Path = tmp_path_factory.mktemp("web-gateway")
    personas = data_dir / "personas.json"
    procs = shared_platform.only("eligibility", "reporting")
    web = _web(
        kafka_bootstrap,
        data_dir,
        {
            "ELIGIBILITY_URL": procs["eligibility"].url,
            "REPORTING_URL": procs["reporting"].url,
            "ATTENDANCE_URL": f"http://127.0.0.1:{free_port()}",
            "AUDIT_URL": f"http://127.0.0.1:{free_port()}",
        },
        {"WEB_DEMO_PERSONAS": str(personas), "WEB_DEMO_LOGIN": "1"},
    )
    try:
        wait_ready([web])
        yield {
            "web": web.url,
            "eligibility": procs["eligibility"].url,
            "reporting": procs["reporting"].url,
            "personas": personas,
            "data_dir": data_dir,
        }
    finally:
        _stop(web)


POLICY_KEY = f"policy-{uuid.uuid4()}"


def _policy_body() -> dict[str, Any]:
    return {
        "version": 1,
        "effective_from": wib_today().isoformat(),
        "note": "kebijakan uji",
        "settings": {"wfa_enabled": True, "max_away_share": 0.5},
    }


def _publish_policy(web: str, opd: Opd) -> httpx.Response:
    return httpx.post(
        f"{web}/policies/{opd.opd_id}/versions",
        json=_policy_body(),
        headers={**admin(), "Idempotency-Key": POLICY_KEY},
        timeout=60,
    )


@pytest.fixture(scope="module")
def opd(platform: dict[str, Any]) -> Opd:
    """An OPD imported and given a policy through the gateway (two units, five staff)."""
    opd = make_opd({"bidang-aplikasi": 3, "bidang-data": 2})
    answer = httpx.post(
        f"{platform['web']}/roster/imports?format=csv",
        content=opd.csv(),
        headers={**admin(), "Content-Type": "text/csv"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["projected"] is True
    published = _publish_policy(platform["web"], opd)
    assert published.status_code == 201, published.text
    assert "idempotent-replayed" not in published.headers
    platform["policy_answer"] = published.json()
    return opd


def _secured(answer: httpx.Response) -> None:
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


# the APIs under one origin --------------------------------------------------------------------


def test_a_retried_write_is_replayed_not_repeated(platform: dict[str, Any], opd: Opd) -> None:
    again = _publish_policy(platform["web"], opd)
    assert again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == platform["policy_answer"]
    _secured(again)
    versions = httpx.get(f"{platform['eligibility']}/policies/{opd.opd_id}", headers=admin())
    assert versions.status_code == 200
    assert [v["version"] for v in versions.json()["versions"]] == [1]


def test_answers_are_the_services_own(platform: dict[str, Any], opd: Opd) -> None:
    path = f"/policies/{opd.opd_id}"
    direct = httpx.get(f"{platform['eligibility']}{path}", headers=admin(), timeout=30)
    through = httpx.get(f"{platform['web']}{path}", headers=admin(), timeout=30)
    assert through.status_code == direct.status_code == 200
    assert through.json() == direct.json()
    assert through.headers["content-type"] == direct.headers["content-type"]
    _secured(through)
    # a refusal comes back as the service gave it
    denied = httpx.get(f"{platform['web']}{path}/readiness", headers=asn(opd.head, opd))
    refused(denied, 403, "forbidden_role")
    refused(httpx.get(f"{platform['web']}{path}"), 401, "unauthenticated")


def test_an_export_is_streamed_with_its_file_name(platform: dict[str, Any], opd: Opd) -> None:
    today = wib_today()
    path = (
        f"/reporting/opds/{opd.opd_id}/days?date_from={today - timedelta(days=6)}"
        f"&date_to={today}&format=csv"
    )
    direct = httpx.get(f"{platform['reporting']}{path}", headers=admin(), timeout=60)
    through = httpx.get(f"{platform['web']}{path}", headers=admin(), timeout=60)
    assert direct.status_code == through.status_code == 200, through.text
    assert through.headers["content-type"].startswith("text/csv")
    assert "attachment" in through.headers["content-disposition"]
    assert through.headers["content-disposition"] == direct.headers["content-disposition"]
    assert through.content == direct.content


def test_unknown_paths_and_closed_services(platform: dict[str, Any]) -> None:
    web = platform["web"]
    refused(httpx.get(f"{web}/internal/secrets"), 404, "not_found")
    for path in ("/attendance/geofences", "/audit/events"):
        answer = httpx.get(f"{web}{path}", headers=admin(), timeout=30)
        error = refused(answer, 503, "upstream_unavailable")
        assert answer.headers["retry-after"] == "2"
        assert error["details"] == [path.split("/")[1]]
        _secured(answer)


def test_bodies_are_limited_but_a_roster_import_may_be_large(platform: dict[str, Any]) -> None:
    web = platform["web"]
    large = b'{"pad": "' + b"x" * 400_000 + b'"}'
    too_large = httpx.post(
        f"{web}/wfa/requests",
        content=large,
        headers={**admin(), "Content-Type": "application/json"},
        timeout=30,
    )
    refused(too_large, 413, "body_too_large")
    # the gateway lets it through; eligibility itself refuses the unauthenticated import
    passed = httpx.post(
        f"{web}/roster/imports?format=csv",
        content=large,
        headers={"Content-Type": "text/csv"},
        timeout=60,
    )
    refused(passed, 401, "unauthenticated")


# CORS and security headers --------------------------------------------------------------------


def test_no_other_origin_is_let_in(platform: dict[str, Any], opd: Opd) -> None:
    web = platform["web"]
    answer = httpx.get(
        f"{web}/policies/{opd.opd_id}", headers={**admin(), "Origin": EVIL}, timeout=30
    )
    assert answer.status_code == 200
    _secured(answer)
    for path in (f"/policies/{opd.opd_id}/versions", "/wfa/requests", "/app/index.html"):
        preflight = httpx.options(
            f"{web}{path}",
            headers={
                "Origin": EVIL,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code in (404, 405), (path, preflight.status_code)
        _secured(preflight)


def test_pages_carry_the_content_security_policy(platform: dict[str, Any]) -> None:
    web = platform["web"]
    root = httpx.get(f"{web}/")
    assert root.status_code == 302 and root.headers["location"] == "/app/"
    for path in ("/app/", "/app/index.html", "/transparansi"):
        page = httpx.get(f"{web}{path}")
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["cache-control"] == "no-cache"
        _secured(page)
    script = httpx.get(f"{web}/app/js/api.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "no-cache"
    assert "content-security-policy" not in script.headers
    _secured(script)
    chart = httpx.get(f"{web}/app/vendor/chart.umd.js")
    expected = 200 if WebSettings().chart_js.is_file() else 503
    assert chart.status_code == expected
    assert httpx.get(f"{web}/app/../pyproject.toml").status_code == 404
    ready = httpx.get(f"{web}/ready")
    assert ready.status_code == 200 and ready.json()["ready"] is True


# demo login -----------------------------------------------------------------------------------


def test_demo_login_mints_tokens_the_services_accept(platform: dict[str, Any], opd: Opd) -> None:
    web = platform["web"]
    persona_file: Path = platform["personas"]
    persona_file.unlink(missing_ok=True)
    assert httpx.get(f"{web}/auth/demo-personas").json() == {"personas": []}
    head = {
        "key": "kepala",
        "role": "kepala_opd",
        "nip": opd.head,
        "opd_id": opd.opd_id,
        "name": "Kepala Uji",
        "label_id": "Kepala OPD",
        "label_en": "Head of OPD",
    }
    # written after the gateway started, as the demo loader does
    persona_file.write_text(json.dumps({"personas": [head]}))
    assert httpx.get(f"{web}/auth/demo-personas").json() == {"personas": [head]}

    login = httpx.post(f"{web}/auth/demo-login", json={"key": "kepala"})
    assert login.status_code == 200, login.text
    body = login.json()
    assert (body["role"], body["nip"], body["opd_id"]) == ("kepala_opd", opd.head, opd.opd_id)
    assert body["expires_at"] > time.time()
    token = {"Authorization": f"Bearer {body['token']}"}
    readiness = httpx.get(f"{web}/policies/{opd.opd_id}/readiness", headers=token, timeout=60)
    assert readiness.status_code == 200, readiness.text
    other = httpx.get(f"{web}/policies/opd-lain/readiness", headers=token, timeout=60)
    refused(other, 403, "other_opd")

    refused(httpx.post(f"{web}/auth/demo-login", json={"key": "nobody"}), 404, "unknown_persona")
    refused(httpx.get(f"{web}/auth/demo/nobody"), 404, "unknown_persona")
    refused(httpx.post(f"{web}/auth/demo-login", json={"key": "../x"}), 422, "invalid_request")
    page = httpx.get(f"{web}/auth/demo/kepala")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "<script" in page.text and "onclick" not in page.text


def test_demo_login_is_refused_in_production(kafka_bootstrap: str, tmp_path: Path) -> None:
    personas = tmp_path / "personas.json"
    persona = {"key": "asn", "role": "asn", "nip": "199001012015011001", "opd_id": "x"}
    personas.write_text(json.dumps([persona]))
    web = _web(
        kafka_bootstrap,
        tmp_path,
        {},
        {
            "WFA_ENV": "production",
            "JWT_SECRET": "a-real-production-secret-of-forty-characters",
            "WEB_DEMO_PERSONAS": str(personas),
            "WEB_DEMO_LOGIN": "1",
            "WEB_NODE_MODULES": str(tmp_path / "no-node-modules"),
        },
    )
    try:
        wait_ready([web])
        refused(httpx.get(f"{web.url}/auth/demo-personas"), 403, "demo_login_disabled")
        refused(
            httpx.post(f"{web.url}/auth/demo-login", json={"key": "asn"}),
            403,
            "demo_login_disabled",
        )
        refused(httpx.get(f"{web.url}/auth/demo/asn"), 403, "demo_login_disabled")
        missing = refused(
            httpx.get(f"{web.url}/app/vendor/chart.umd.js"), 503, "web_assets_missing"
        )
        assert "make web-assets" in missing["message_id"]
        assert "make web-assets" in missing["message_en"]
    finally:
        _stop(web)


# the readiness study --------------------------------------------------------------------------


def _study(platform: dict[str, Any], opd_id: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(
        f"{platform['web']}/web/readiness/{opd_id}?months=2", headers=headers, timeout=60
    )


def test_the_readiness_study_is_composed_from_both_services(
    platform: dict[str, Any], opd: Opd
) -> None:
    before = _study(platform, opd.opd_id, admin())
    assert before.status_code == 200, before.text
    study = before.json()
    assert study["opd_id"] == opd.opd_id
    assert study["verdict"] == "belum"
    assert study["form"] is None
    assert study["headline_id"].startswith("Belum, karena:")
    codes = {r["code"]: r for r in study["reasons"]}
    assert codes["infrastructure_assessment"]["met"] is False
    assert codes["eligible_positions"]["met"] is True
    assert study["positions"]["total"] == 1 + 2 + 5  # the head, two supervisors, five staff
    assert len(study["history"]) == 2 and not any(m["has_data"] for m in study["history"])
    assert codes["history"]["blocking"] is False
    assert study["what_if"] is not None and "eligible_under" in study["what_if"]
    _secured(before)

    recorded = httpx.post(
        f"{platform['web']}/policies/{opd.opd_id}/readiness",
        json={"infrastructure_score": 80, "connectivity_score": 70, "note": "Survei"},
        headers={**admin(), "Idempotency-Key": f"assess-{uuid.uuid4()}"},
        timeout=60,
    )
    assert recorded.status_code == 201, recorded.text
    deadline = time.monotonic() + WAIT_S
    while True:
        after = _study(platform, opd.opd_id, bearer(Role.KEPALA_OPD, opd.head, opd.opd_id))
        assert after.status_code == 200, after.text
        if after.json()["verdict"] == "layak" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    study = after.json()
    assert study["verdict"] == "layak", study["headline_en"]
    assert study["form"]["weekly_cap_days"] == 1  # connectivity 70 is below 75
    assert study["form"]["max_away_share"] == 0.5  # the OPD's policy
    assert set(study["form"]["units"]) >= {"bidang-aplikasi", "bidang-data"}
    assert study["headline_id"].startswith("Layak, dalam bentuk ini:")
    assert study["infrastructure"]["infrastructure_score"] == 80


def test_the_study_passes_refusals_back(platform: dict[str, Any], opd: Opd) -> None:
    refused(_study(platform, opd.opd_id, asn(opd.head, opd)), 403, "forbidden_role")
    # the head with a token claiming another OPD: the roster names the OPD they head
    refused(
        _study(platform, opd.opd_id, bearer(Role.KEPALA_OPD, opd.head, "opd-lain")),
        403,
        "opd_mismatch",
    )
    refused(
        _study(platform, "opd-lain", bearer(Role.KEPALA_OPD, opd.head, opd.opd_id)),
        403,
        "other_opd",
    )
    refused(_study(platform, f"opd-{uuid.uuid4().hex[:8]}", admin()), 404, "unknown_opd")
    refused(_study(platform, opd.opd_id, {}), 401, "unauthenticated")
    months = httpx.get(f"{platform['web']}/web/readiness/{opd.opd_id}?months=0", headers=admin())
    refused(months, 422, "invalid_request")
