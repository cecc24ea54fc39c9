"""How the decider tells an outage (wait) from a command that can never be decided (record)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    UnsupportedVersionError,
)
from pydantic import ValidationError

from kernel.projection_rows import Position
from schemas import new_event, new_ulid
from schemas.events import (
    GeoPoint,
    RuleOutcome,
    SharedPlace,
    WfaActionRefused,
    WfaApproved,
    WfaRequested,
    WorkTarget,
)
from schemas.serialization import read_event, to_record
from services.eligibility.decider import outcome_event_id, outcome_record
from services.eligibility.decider_failures import failure_of
from services.eligibility.domain.commands import ActOnRequest
from services.eligibility.domain.request_log import fold, request_log_rows
from services.runtime.kafka.broker import PublishUnavailable, is_transient

ASN = "199001012015031001"


@pytest.mark.parametrize(
    "exc",
    [
        PublishUnavailable("no acknowledgement"),
        KafkaTimeoutError(),
        KafkaConnectionError(),
        NotLeaderForPartitionError(),
        ConnectionError("store server away"),
        TimeoutError(),
    ],
)
def test_an_outage_is_waited_out(exc: Exception) -> None:
    assert is_transient(exc)


def _validation_error() -> ValidationError:
    try:
        RuleOutcome.model_validate({"code": ""})
    except ValidationError as exc:
        return exc
    raise AssertionError("RuleOutcome accepted an empty outcome")


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (MessageSizeTooLargeError(), "outcome_too_large"),
        (_validation_error(), "invalid_outcome"),
        (OverflowError("date value out of range"), "internal_error"),
        (KeyError("status"), "internal_error"),
        (UnsupportedVersionError(), "internal_error"),
    ],
)
def test_a_deterministic_failure_becomes_a_bilingual_refusal(exc: Exception, code: str) -> None:
    assert not is_transient(exc)
    failure = failure_of(exc, kind="submit", request_id="req-1")
    assert failure.code == code
    assert "req-1" in failure.message_id and "req-1" in failure.message_en
    assert failure.message_id != failure.message_en
    assert type(exc).__name__ in failure.reason


def test_an_outcome_carries_its_command_id_as_event_id() -> None:
    command = ActOnRequest(
        kind="cancel",
        command_id=new_ulid(),
        correlation_id=new_ulid(),
        request_id="req-1",
        work_unit_id="bidang-data",
        nip=ASN,
        opd_id="diskominfo",
        actor=ASN,
        issued_at=datetime.now(UTC),
    )
    assert outcome_event_id(command) == command.command_id
    assert outcome_event_id(command.model_copy(update={"command_id": "not-a-ulid"})) is None


def _row(payload: WfaActionRefused, offset: int, event_id: str) -> dict[str, object]:
    envelope = new_event(payload, actor=ASN, subject=ASN, opd_id="diskominfo", event_id=event_id)
    [(_, row)] = request_log_rows(envelope, Position("t", 0, offset))
    return row


def test_a_refused_submission_folds_into_a_refused_request_once() -> None:
    refusal = WfaActionRefused(
        request_id="req-1",
        nip=ASN,
        action="submit",
        code="internal_error",
        message_id="Pengajuan permohonan req-1 tidak dapat diproses.",
        message_en="The submission of request req-1 could not be processed.",
    )
    event_id = new_ulid()
    # the same outcome published twice (a re-decided command) before the table merges
    view = fold([_row(refusal, 7, event_id), _row(refusal, 9, event_id)])
    assert view is not None
    assert (view.status, view.nip, view.opd_id, view.dates) == ("refused", ASN, "diskominfo", ())
    assert view.refusal == {
        "code": "internal_error",
        "message_id": refusal.message_id,
        "message_en": refusal.message_en,
    }
    assert len(view.history) == 1 and not view.holds_days
    assert view.public()["refusal"]["code"] == "internal_error"
    other = refusal.model_copy(update={"action": "cancel"})
    assert fold([_row(other, 3, new_ulid())]) is None  # a refused action alone is no request


def _outcomes() -> list[Any]:
    from kernel.policy import default_policy
    from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
    from services.eligibility.domain.rules import evaluate

    policy = default_policy("opd-x", effective_from=date(2025, 1, 1)).model_copy(
        update={"wfa_enabled": True}
    )
    employee = EmployeeFacts(
        nip="199001012015031001",
        opd_id="opd-x",
        work_unit_id="bidang-data",
        position_category="administrasi",
        supervisor_nip="197001011995031003",
        appointment_date=date(2015, 3, 1),
    )
    day = date(2025, 12, 2)
    decision = evaluate(
        employee,
        RequestFacts(dates=(day,)),
        policy,
        UsageFacts(away_by_date={day: 3}, unit_size=40),
        today=date(2025, 12, 1),
    )
    requested = WfaRequested(
        request_id="req-1",
        nip=employee.nip,
        work_unit_id="bidang-data",
        dates=[day],
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menulis laporan / writing the report",
        work_plan=[WorkTarget(description="Laporan bulanan", target=1, unit="dokumen")],
        decision=decision,
    )
    refused = WfaActionRefused(
        request_id="req-1",
        nip=employee.nip,
        action="cancel",
        code="too_late_to_cancel",
        message_id="Terlambat «ü»",
        message_en="Too late",
    )
    approved = WfaApproved(request_id="req-1", nip=employee.nip, approver_nip="197001011995031003")
    return [requested, refused, approved]


@pytest.mark.parametrize("payload", _outcomes(), ids=lambda p: type(p).__name__)
def test_an_outcome_record_reads_as_the_contracts_record(payload: Any) -> None:
    envelope = new_event(
        payload,
        actor="system:eligibility-decider",
        subject=payload.nip,
        opd_id="opd-x",
        correlation_id=new_ulid(),
        causation_id=new_ulid(),
        event_id=new_ulid(),
    )
    fast, full = outcome_record(envelope), to_record(envelope)
    assert (fast.topic, fast.key, fast.headers) == (full.topic, full.key, full.headers)
    assert fast.value is not None and full.value is not None
    read_fast, read_full = read_event(fast.value), read_event(full.value)
    assert read_fast.envelope == read_full.envelope == envelope
    assert read_fast.payload == read_full.payload == payload
