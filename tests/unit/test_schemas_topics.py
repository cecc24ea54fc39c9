"""Topics, what is published where, and the partition-key rule."""

from __future__ import annotations

import pytest

from schemas import (
    ACCESS,
    ATTENDANCE,
    DEAD_LETTER,
    DEVICES,
    EVENT_TOPICS,
    EVENT_TYPES,
    GEOFENCES,
    LOCATIONS,
    POLICIES,
    REPORTS,
    REQUESTS,
    RESTRICTED_TOPICS,
    ROSTER,
    SUMMARIES,
    TOPICS,
    UnknownEventType,
    partition_key,
    topic_for,
)
from schemas.examples import EXAMPLE_NIP, example_envelope, example_payloads


def test_topic_names() -> None:
    names = (ROSTER, POLICIES, REQUESTS, ATTENDANCE, LOCATIONS, DEVICES, GEOFENCES, ACCESS)
    assert (*names, REPORTS, SUMMARIES, DEAD_LETTER) == (
        "wfa.roster.v1",
        "wfa.policies.v1",
        "wfa.requests.v1",
        "wfa.attendance.v1",
        "wfa.locations.v1",
        "wfa.devices.v1",
        "wfa.geofences.v1",
        "wfa.access.v1",
        "wfa.reports.v1",
        "wfa.summaries.v1",
        "wfa.deadletter.v1",
    )
    event_topics = [*names, REPORTS, SUMMARIES]
    assert [spec.name for spec in TOPICS] == [*event_topics, DEAD_LETTER]
    assert [spec.name for spec in EVENT_TOPICS] == event_topics


def test_topic_specs_are_documented_and_frozen() -> None:
    for spec in TOPICS:
        assert spec.description
        assert spec.key
        # geofence changes are few and must stay in order: one partition
        assert spec.partitions == (1 if spec.name == GEOFENCES else 6)
    with pytest.raises(AttributeError):
        TOPICS[0].partitions = 12  # type: ignore[misc]
    assert TOPICS[-1].event_types == ()
    assert "original" in TOPICS[-1].key
    assert all("subject NIP" in spec.key for spec in EVENT_TOPICS)


def test_only_the_precise_locations_are_restricted() -> None:
    assert {LOCATIONS} == RESTRICTED_TOPICS
    assert all(
        EVENT_TYPES[name].topic == LOCATIONS
        for spec in TOPICS
        if spec.restricted
        for name in spec.event_types
    )


def test_every_event_type_is_on_exactly_one_topic() -> None:
    listed = [name for spec in EVENT_TOPICS for name in spec.event_types]

    assert sorted(listed) == sorted(EVENT_TYPES)
    for spec in EVENT_TOPICS:
        for name in spec.event_types:
            assert topic_for(name) == spec.name == EVENT_TYPES[name].topic


def test_expected_routing() -> None:
    assert topic_for("EmployeeRegistered") == ROSTER
    assert topic_for("DisciplinarySanctionLifted") == ROSTER
    assert topic_for("WfaRequested") == REQUESTS
    assert topic_for("WfaCancelled") == REQUESTS
    assert topic_for("OpdPolicyPublished") == POLICIES
    assert topic_for("OpdReadinessAssessed") == POLICIES
    assert topic_for("WfaActionRefused") == REQUESTS
    assert topic_for("CheckedOut") == ATTENDANCE
    assert topic_for("DailyReportSubmitted") == REPORTS


def test_topic_for_unknown_type() -> None:
    with pytest.raises(UnknownEventType):
        topic_for("SomethingHappened")


@pytest.mark.parametrize("event_type", list(EVENT_TYPES))
def test_partition_key_is_the_subject_nip(event_type: str) -> None:
    envelope = example_envelope(example_payloads()[event_type])

    assert partition_key(envelope) == EXAMPLE_NIP.encode("utf-8") == envelope.subject.encode()
