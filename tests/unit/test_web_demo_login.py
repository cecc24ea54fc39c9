"""The one-click demo login answers only while the demo is on (``WEB_DEMO_LOGIN=1``).

The personas name NIPs and people, and a login needs no password: a gateway started without
the setting (in any environment) answers 404 on every demo route, and production refuses them
whatever the setting. The gateway keeps no data and reaches no broker: it runs in-process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.web.main import create_app
from services.web.settings import WebSettings

PERSONA = {
    "key": "asn",
    "role": "asn",
    "nip": "199001012015011001",
    "opd_id": "dinas-uji",
    "name": "Pegawai Uji",
}
PRODUCTION_SECRET = "a-real-production-secret-of-forty-characters"


def _gateway(tmp_path: Path, **env: Any) -> TestClient:
    personas = tmp_path / "personas.json"
    personas.write_text(json.dumps({"personas": [PERSONA]}))
    settings = WebSettings(WEB_DEMO_PERSONAS=personas, **env)  # type: ignore[call-arg]
    return TestClient(create_app(settings))


def _demo_routes(client: TestClient) -> list[Any]:
    return [
        client.get("/auth/demo-personas"),
        client.post("/auth/demo-login", json={"key": "asn"}),
        client.get("/auth/demo/asn"),
    ]


@pytest.mark.parametrize("environment", ["development", "test"])
def test_without_the_setting_no_demo_route_answers(tmp_path: Path, environment: str) -> None:
    with _gateway(tmp_path, WFA_ENV=environment) as client:
        for answer in _demo_routes(client):
            assert answer.status_code == 404, answer.text
            error = answer.json()["error"]
            assert error["code"] == "demo_login_off"
            assert "WEB_DEMO_LOGIN" in error["message_id"]
            assert "WEB_DEMO_LOGIN" in error["message_en"]
            assert PERSONA["nip"] not in answer.text and "Pegawai Uji" not in answer.text


def test_with_the_setting_the_personas_and_the_login_answer(tmp_path: Path) -> None:
    with _gateway(tmp_path, WEB_DEMO_LOGIN="1") as client:
        listed = client.get("/auth/demo-personas")
        assert listed.status_code == 200, listed.text
        assert [p["nip"] for p in listed.json()["personas"]] == [PERSONA["nip"]]
        login = client.post("/auth/demo-login", json={"key": "asn"})
        assert login.status_code == 200, login.text
        assert login.json()["nip"] == PERSONA["nip"] and login.json()["token"]


def test_production_refuses_the_demo_login_even_with_the_setting(tmp_path: Path) -> None:
    env = {"WFA_ENV": "production", "JWT_SECRET": PRODUCTION_SECRET, "WEB_DEMO_LOGIN": "1"}
    with _gateway(tmp_path, **env) as client:
        for answer in _demo_routes(client):
            assert answer.status_code == 403, answer.text
            assert answer.json()["error"]["code"] == "demo_login_disabled"
