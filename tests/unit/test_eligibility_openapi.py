"""Eligibility's OpenAPI document names the refusals its routes answer with."""

from __future__ import annotations

from typing import Any

import pytest

from services.eligibility.main import create_app


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = create_app().openapi()
    return document


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("post", "/wfa/requests", {"403", "409", "422"}),
        ("get", "/wfa/requests/{request_id}", {"404"}),
        ("post", "/wfa/requests/{request_id}/approve", {"403", "404", "409"}),
        ("post", "/wfa/requests/{request_id}/reject", {"403", "404", "409"}),
        ("post", "/wfa/requests/{request_id}/cancel", {"403", "404", "409"}),
        ("post", "/roster/imports", {"413", "422"}),
        ("post", "/roster/sanctions/{sanction_id}/lift", {"404"}),
        ("post", "/policies/{opd_id}/versions", {"403", "409"}),
        ("post", "/policies/{opd_id}/simulations", {"403"}),
        ("post", "/policies/{opd_id}/readiness", {"403", "404", "409", "422"}),
        ("get", "/policies/{opd_id}/readiness", {"403", "404"}),
    ],
)
def test_refusals_are_documented_with_the_error_body(
    spec: dict[str, Any], method: str, path: str, codes: set[str]
) -> None:
    responses = spec["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes:
        schema = responses[code]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, code)
        assert responses[code]["description"]
