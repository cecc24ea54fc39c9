"""The committed contract documents are current and well formed (reads them, writes nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemas import CONTRACT_VERSION, EVENT_TYPES, TOPICS, generate
from schemas.generate import ASYNCAPI_PATH, JSON_DIR, README_PATH, render_all, stale_files


@pytest.fixture(scope="module")
def rendered() -> dict[Path, str]:
    return render_all()


@pytest.fixture(scope="module")
def asyncapi(rendered: dict[Path, str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(rendered[ASYNCAPI_PATH])
    return document


def test_committed_documents_are_not_stale(rendered: dict[Path, str]) -> None:
    stale = stale_files(rendered)

    assert not stale, "Stale contract documents, run `python -m schemas.generate`: " + ", ".join(
        str(path.relative_to(JSON_DIR.parent.parent)) for path in stale
    )
    for path, text in rendered.items():
        assert path.read_text(encoding="utf-8") == text


def test_rendering_is_deterministic(rendered: dict[Path, str]) -> None:
    assert render_all() == rendered


def test_expected_files(rendered: dict[Path, str]) -> None:
    expected = {JSON_DIR / "envelope.json", ASYNCAPI_PATH, README_PATH}
    expected |= {JSON_DIR / f"{n}.v{c.class_version}.json" for n, c in EVENT_TYPES.items()}

    assert set(rendered) == expected
    assert JSON_DIR / "WfaRequested.v4.json" in rendered
    assert JSON_DIR / "CheckedIn.v3.json" in rendered
    for path, text in rendered.items():
        assert text.endswith("\n")
        if path.suffix == ".json":
            assert (
                json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + ("\n")
                == text
            )


def test_event_json_schemas(rendered: dict[Path, str]) -> None:
    for name, cls in EVENT_TYPES.items():
        schema = json.loads(rendered[JSON_DIR / f"{name}.v{cls.class_version}.json"])
        assert (
            schema["$id"] == f"https://wfa.example.go.id/schemas/{name}.v{cls.class_version}.json"
        )
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"] == name
        assert schema["x-schema-version"] == cls.class_version
        assert schema["x-topic"] == cls.topic
        assert schema["additionalProperties"] is False
        assert all(prop.get("description") for prop in schema["properties"].values())


def test_envelope_json_schema(rendered: dict[Path, str]) -> None:
    schema = json.loads(rendered[JSON_DIR / "envelope.json"])

    assert schema["$id"] == "https://wfa.example.go.id/schemas/envelope.json"
    assert set(schema["properties"]) == {
        "event_id",
        "type",
        "schema_version",
        "occurred_at",
        "recorded_at",
        "actor",
        "subject",
        "opd_id",
        "correlation_id",
        "causation_id",
        "payload",
    }
    assert schema["properties"]["subject"]["pattern"] == "^[0-9]{18}$"
    assert schema["x-payload-schemas"]["WfaRequested"] == "WfaRequested.v4.json"


def test_asyncapi_document(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["info"]["title"] == "WFA ASN event contract"
    assert asyncapi["info"]["version"] == CONTRACT_VERSION

    channels = asyncapi["channels"]
    assert sorted(channel["address"] for channel in channels.values()) == sorted(
        spec.name for spec in TOPICS
    )
    for spec in TOPICS:
        channel = channels[spec.short_name]
        assert channel["x-partition-key"] == spec.key
        assert channel["bindings"]["kafka"]["partitions"] == spec.partitions
        for name in spec.event_types:
            assert channel["messages"][name] == {"$ref": f"#/components/messages/{name}"}

    schemas = asyncapi["components"]["schemas"]
    assert {"Envelope", "GeoPoint", "WorkTarget", *EVENT_TYPES} <= set(schemas)
    assert set(channels["policies"]["messages"]) == {"OpdPolicyPublished", "OpdReadinessAssessed"}


def test_asyncapi_operations_send_every_message(asyncapi: dict[str, Any]) -> None:
    operations = asyncapi["operations"]

    assert set(operations) == {
        "publishRoster",
        "publishPolicies",
        "publishRequests",
        "publishAttendance",
        "publishLocations",
        "publishDevices",
        "publishGeofences",
        "publishAccess",
        "publishReports",
        "publishSummaries",
        "publishDeadletter",
    }
    for operation in operations.values():
        assert operation["action"] == "send"
        channel_id = operation["channel"]["$ref"].removeprefix("#/channels/")
        channel_messages = set(asyncapi["channels"][channel_id]["messages"])
        refs = {ref["$ref"] for ref in operation["messages"]}
        assert refs == {f"#/channels/{channel_id}/messages/{name}" for name in channel_messages}


def test_asyncapi_messages(asyncapi: dict[str, Any]) -> None:
    messages = asyncapi["components"]["messages"]

    for name, cls in EVENT_TYPES.items():
        message = messages[name]
        headers = message["headers"]
        assert set(headers["required"]) == {
            "event_type",
            "schema_version",
            "event_id",
            "correlation_id",
            "content-type",
        }
        assert headers["properties"]["event_type"]["const"] == name
        assert headers["properties"]["schema_version"]["const"] == str(cls.class_version)
        envelope_ref, constraint = message["payload"]["allOf"]
        assert envelope_ref == {"$ref": "#/components/schemas/Envelope"}
        assert constraint["properties"]["payload"] == {"$ref": f"#/components/schemas/{name}"}
        assert constraint["properties"]["schema_version"] == {"const": cls.class_version}
        example = message["examples"][0]
        assert example["payload"]["type"] == name
        assert example["headers"]["event_type"] == name
    dead_letter = messages["DeadLetter"]
    assert set(dead_letter["headers"]["required"]) == {
        "dlq_reason",
        "dlq_source_topic",
        "dlq_partition",
        "dlq_offset",
    }


def test_readme_lists_topics_events_versions_and_upcasters(rendered: dict[Path, str]) -> None:
    readme = rendered[README_PATH]

    for spec in TOPICS:
        assert f"`{spec.name}`" in readme
    for name, cls in EVENT_TYPES.items():
        assert f"### {name}" in readme
        assert f"json/{name}.v{cls.class_version}.json" in readme
    assert "`upcast_wfa_requested_v1_v2`" in readme
    assert "`upcast_checked_in_v1_v2`" in readme
    assert "one version at a time" in readme


def test_check_mode_passes_when_current_and_names_stale_files(
    rendered: dict[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate.main(["--check"]) == 0

    changed = dict(rendered)
    changed[ASYNCAPI_PATH] += " "
    changed[JSON_DIR / "Gone.v1.json"] = "{}\n"  # a file that was never written
    monkeypatch.setattr(generate, "render_all", lambda: changed)

    assert generate.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "schemas/asyncapi.json" in err
    assert "schemas/json/Gone.v1.json" in err
    assert "schemas/README.md" not in err


def test_stale_files_reports_leftover_json(rendered: dict[Path, str]) -> None:
    without_one = {p: t for p, t in rendered.items() if p.name != "WfaApproved.v1.json"}

    assert stale_files(without_one) == [JSON_DIR / "WfaApproved.v1.json"]
