"""Time travel through the audit API: a state as it stood before a later event.

The audit service runs as a real process on the session's broker. A registration, a WFA request
and its approval are published with recorded times hours apart; once audit has archived them,
the employee's and the OPD's state are asked for at instants between them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from kernel.projection_rows import Position
from schemas import (
    EmployeeRegistered,
    EmployeeUpdated,
    Envelope,
    EventPayload,
    GeoPoint,
    SharedPlace,
    WfaApproved,
    WfaRequested,
    WorkTarget,
    new_event,
    new_ulid,
)
from schemas.serialization import read_event, to_record
from services.audit import time_travel_routes
from services.audit.domain.archive import archive_row
from services.audit.domain.time_travel import EmployeeHistory, OpdHistory
from services.audit.tables import MIGRATIONS
from services.runtime.context import ServiceContext
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Role
from services.runtime.store.chdb_store import ChdbStore
from tests.support.processes import ServiceProcess
from tests.support.province import new_nip
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

ARCHIVE_TIMEOUT_S = 120.0


class Story:
    """One employee's registration, WFA request and approval, hours apart."""

    def __init__(self) -> None:
        self.nip, self.boss, self.other = new_nip(), new_nip(), new_nip()
        self.opd = f"tt-{uuid.uuid4().hex[:10]}"
        # the roster names a Plt from another OPD head of this one; another OPD has its own
        # head and a supervisor with one subordinate
        self.acting, self.home_opd = new_nip(), f"tt-{uuid.uuid4().hex[:10]}"
        self.other_opd = f"tt-{uuid.uuid4().hex[:10]}"
        self.other_head, self.other_boss, self.other_staff = new_nip(), new_nip(), new_nip()
        self.request_id = new_ulid()
        now = datetime.now(UTC).replace(microsecond=0)
        self.registered_at = now - timedelta(hours=3)
        self.requested_at = now - timedelta(hours=2)
        self.approved_at = now - timedelta(hours=1)

    def _envelope(self, payload: EventPayload, recorded_at: datetime, actor: str) -> Envelope:
        envelope = new_event(payload, actor=actor, subject=self.nip, opd_id=self.opd)
        return envelope.model_copy(update={"recorded_at": recorded_at, "occurred_at": recorded_at})

    def events(self) -> list[Envelope]:
        registered = EmployeeRegistered(
            nip=self.nip,
            name="Pegawai Lintas Waktu",
            opd_id=self.opd,
            work_unit_id=f"{self.opd}-umum",
            position="Analis Kebijakan",
            position_category="administrasi",
            supervisor_nip=self.boss,
            employment_type="PNS",
            appointment_date=date(2015, 3, 1),
        )
        requested = WfaRequested(
            request_id=self.request_id,
            nip=self.nip,
            work_unit_id=f"{self.opd}-umum",
            dates=[(self.requested_at + timedelta(days=7)).date()],
            place=SharedPlace.of(GeoPoint(lat=-6.9, lon=107.6)),
            reason="Merawat orang tua",
            work_plan=[WorkTarget(description="Draf kajian", target=1, unit="dokumen")],
        )
        approved = WfaApproved(request_id=self.request_id, nip=self.nip, approver_nip=self.boss)
        return [
            self._envelope(registered, self.registered_at, "system:roster-import"),
            self._envelope(requested, self.requested_at, self.nip),
            self._envelope(approved, self.approved_at, self.boss),
        ]

    def others(self) -> list[Envelope]:
        """The heads and the supervisor of the story, each in an OPD of their own."""
        people = [
            (self.acting, self.home_opd, None, self.opd, "plt"),
            (self.other_head, self.other_opd, None, self.other_opd, "kepala"),
            (self.other_boss, self.other_opd, self.other_head, None, None),
            (self.other_staff, self.other_opd, self.other_boss, None, None),
        ]
        return [
            new_event(
                EmployeeRegistered(
                    nip=nip,
                    name=f"Pegawai {nip[-4:]}",
                    opd_id=opd,
                    work_unit_id=f"{opd}-umum",
                    position="Pejabat",
                    position_category="administrasi",
                    supervisor_nip=supervisor,
                    employment_type="PNS",
                    appointment_date=date(2010, 3, 1),
                    heads_opd=heads,
                    head_capacity=capacity,  # type: ignore[arg-type]
                ),
                actor="system:roster-import",
                subject=nip,
                opd_id=opd,
            )
            for nip, opd, supervisor, heads, capacity in people
        ]


AUDITOR = new_nip()


def _auditor() -> dict[str, str]:
    return bearer(Role.AUDITOR, AUDITOR, None)


def _archived(url: str, nip: str, event_type: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"subject": nip, "limit": 1000}
    if event_type:
        params["type"] = event_type
    answer = httpx.get(f"{url}/audit/events", params=params, headers=_auditor(), timeout=30)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _wait_archived(
    url: str, nip: str, done: Callable[[list[dict[str, Any]]], bool], event_type: str | None = None
) -> list[dict[str, Any]]:
    """Poll audit's archive until ``done`` holds for the archived events of ``nip``."""
    deadline = time.monotonic() + ARCHIVE_TIMEOUT_S
    while True:
        items = _archived(url, nip, event_type)
        if done(items):
            return items
        if time.monotonic() > deadline:
            raise TimeoutError(f"events of {nip} never archived as expected; have {items}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def audit(audit_service: ServiceProcess) -> ServiceProcess:
    return audit_service


@pytest.fixture(scope="module")
def story(kafka_bootstrap: str, audit: ServiceProcess) -> Story:
    story = Story()
    envelopes = [*story.others(), *story.events()]
    asyncio.run(publish(kafka_bootstrap, envelopes, client_name="time-travel"))
    _wait_archived(audit.url, story.nip, lambda items: len(items) >= 3)
    return story


def _employee(
    url: str, nip: str, headers: dict[str, str], at: datetime | str | None = None
) -> httpx.Response:
    params = {} if at is None else {"at": at if isinstance(at, str) else at.isoformat()}
    return httpx.get(
        f"{url}/audit/time-travel/employees/{nip}", params=params, headers=headers, timeout=60
    )


def _opd(url: str, opd: str, headers: dict[str, str], at: datetime | None = None) -> httpx.Response:
    params = {} if at is None else {"at": at.isoformat()}
    return httpx.get(
        f"{url}/audit/time-travel/opds/{opd}", params=params, headers=headers, timeout=60
    )


def test_an_employee_before_the_approval_has_the_request_pending(
    audit: ServiceProcess, story: Story
) -> None:
    between = story.requested_at + (story.approved_at - story.requested_at) / 2
    answer = _employee(audit.url, story.nip, bearer(Role.ASN, story.nip, story.opd), between)
    assert answer.status_code == 200, answer.text
    state = answer.json()
    assert [(r["request_id"], r["status"]) for r in state["requests"]] == [
        (story.request_id, "pending")
    ]
    assert state["requests"][0]["decision"] is None
    assert state["events_applied"] == 2
    assert state["last_event"]["type"] == "WfaRequested"
    assert state["profile"]["opd_id"] == story.opd
    assert state["access_id"] is None  # the employee read their own state


def test_an_employee_after_the_approval_has_it_approved(
    audit: ServiceProcess, story: Story
) -> None:
    after = story.approved_at + timedelta(seconds=1)
    in_wib = after.astimezone(timezone(timedelta(hours=7)))  # any offset names the instant
    answer = _employee(audit.url, story.nip, bearer(Role.ASN, story.nip, story.opd), in_wib)
    assert answer.status_code == 200, answer.text
    request = answer.json()["requests"][0]
    assert request["status"] == "approved"
    assert request["decision"]["by"] == story.boss


def test_before_the_registration_the_employee_is_unknown(
    audit: ServiceProcess, story: Story
) -> None:
    answer = _employee(audit.url, story.nip, _auditor(), story.registered_at - timedelta(minutes=1))
    assert answer.status_code == 200, answer.text
    state = answer.json()
    assert (state["known"], state["events_applied"], state["requests"]) == (False, 0, [])


def test_the_opd_before_and_after_the_approval(audit: ServiceProcess, story: Story) -> None:
    head = bearer(Role.KEPALA_OPD, story.acting, story.opd)  # the Plt the roster names
    before = _opd(audit.url, story.opd, head, story.approved_at - timedelta(minutes=1))
    after = _opd(audit.url, story.opd, head)
    assert before.status_code == after.status_code == 200, before.text + after.text
    assert before.json()["requests"]["by_status"] == {"pending": 1}
    assert after.json()["requests"]["by_status"] == {"approved": 1}
    assert after.json()["employees"]["count"] == 1
    assert story.nip not in after.text


def test_an_asn_reading_someone_elses_state_is_refused(audit: ServiceProcess, story: Story) -> None:
    answer = _employee(audit.url, story.nip, bearer(Role.ASN, story.other, story.opd))
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "time_travel_forbidden"
    assert error["message_id"] and error["message_en"]


@pytest.mark.parametrize(
    "role", [Role.ATASAN, Role.OPS, Role.KEPALA_OPD], ids=lambda role: role.value
)
def test_only_the_head_of_the_opd_auditors_and_bkd_read_an_opd(
    audit: ServiceProcess, story: Story, role: Role
) -> None:
    # each as the roster knows them, in another OPD: its supervisor, ops, its head
    nip = {Role.ATASAN: story.other_boss, Role.KEPALA_OPD: story.other_head}.get(role, new_nip())
    answer = _opd(audit.url, story.opd, bearer(role, nip, story.other_opd))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "time_travel_forbidden"
    bkd = _opd(audit.url, story.opd, bearer(Role.ADMIN_BKD, new_nip(), None))
    assert bkd.status_code == 200, bkd.text


@pytest.mark.parametrize(
    ("at", "code"),
    [("2026-03-02T09:00:00", "naive_instant"), ("kemarin sore", "invalid_instant")],
)
def test_an_instant_without_an_offset_is_refused(
    audit: ServiceProcess, story: Story, at: str, code: str
) -> None:
    answer = _employee(audit.url, story.nip, _auditor(), at)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == code
    assert "zona waktu" in error["message_id"] or "ISO 8601" in error["message_id"]


def test_an_auditors_read_leaves_an_access_event(audit: ServiceProcess, story: Story) -> None:
    answer = httpx.get(
        f"{audit.url}/audit/time-travel/employees/{story.nip}",
        params={"purpose": "pemeriksaan reguler"},
        headers=_auditor(),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    access_id = answer.json()["access_id"]
    assert access_id

    _wait_archived(
        audit.url,
        story.nip,
        lambda items: access_id in {item["event_id"] for item in items},
        "PersonalDataAccessed",
    )
    event = httpx.get(f"{audit.url}/audit/events/{access_id}", headers=_auditor(), timeout=30)
    assert event.status_code == 200, event.text
    assert event.json()["actor"] == AUDITOR
    raw = event.json()["raw"]
    assert '"data_kind":"employee_state"' in raw
    assert '"route":"/audit/time-travel/employees/{nip}"' in raw
    assert '"purpose":"pemeriksaan reguler"' in raw


# -- the archive reader on a real embedded store --------------------------------------------------


def _archive_rows(envelopes: list[Envelope], first_offset: int = 0) -> list[dict[str, Any]]:
    """The ``event_archive`` rows audit's own mapper makes of ``envelopes`` (one partition)."""
    rows = []
    for offset, envelope in enumerate(envelopes, start=first_offset):
        record = to_record(envelope)
        position = Position(record.topic, 0, offset)
        for table, row in archive_row(read_event(record.value), position, record.value):
            if table == "event_archive":
                rows.append(row)
    return rows


def test_the_archive_is_read_page_by_page_in_order_and_a_long_history_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story, newcomer = Story(), new_nip()
    registration, request, approval = story.events()
    moved_in = new_event(
        EmployeeUpdated.model_validate(
            {**registration.payload, "nip": newcomer, "work_unit_id": f"{story.opd}-baru"}
        ),
        actor="system:roster-import",
        subject=newcomer,
        opd_id="opd-sebelumnya",  # the move is recorded under the OPD they left
    ).model_copy(update={"recorded_at": story.requested_at})
    rows = _archive_rows([registration, request, approval, moved_in])
    rows += _archive_rows([approval], first_offset=10)  # the same event, published again

    async def scenario() -> None:
        store = ChdbStore(tmp_path / "audit", "audit")
        try:
            await store.migrate(MIGRATIONS)
            await store.insert("event_archive", rows)
            ctx = cast(ServiceContext, SimpleNamespace(store=store))
            monkeypatch.setattr(time_travel_routes, "PAGE_ROWS", 2)
            between = story.requested_at + timedelta(minutes=30)
            after = story.approved_at + timedelta(minutes=1)

            for at, status in ((between, "pending"), (after, "approved")):
                employee = EmployeeHistory(as_of=at, nip=story.nip)
                await time_travel_routes.fold_employee(ctx, employee)
                assert [r["status"] for r in employee.state()["requests"]] == [status]
                opd = OpdHistory(as_of=at, opd_id=story.opd)
                await time_travel_routes.fold_opd(ctx, opd)
                assert opd.state()["requests"]["by_status"] == {status: 1}
                assert opd.state()["employees"]["count"] == 2  # the newcomer moved in

            employee = EmployeeHistory(as_of=after, nip=story.nip)
            await time_travel_routes.fold_employee(ctx, employee)
            state = employee.state()
            assert (state["events_applied"], state["duplicates_skipped"]) == (3, 1)
            assert state["last_event"]["event_id"] == approval.event_id

            with pytest.raises(ApiError) as refused:
                await time_travel_routes.fold_employee(
                    ctx, EmployeeHistory(as_of=after, nip=story.nip, limit=3)
                )
            assert (refused.value.status, refused.value.code) == (422, "history_too_large")
            assert refused.value.details == [{"events": 4, "limit": 3}]
        finally:
            await store.close()

    asyncio.run(scenario())
