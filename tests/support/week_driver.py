"""Drive the week of :mod:`tests.support.week_scenario` through the running services.

The history before the week (the policy in force and the WFA requests decided on the Friday
before it) is published on the log as eligibility published it then: the platform rightly
refuses a WFA request for a day already past, and a policy that would take effect in the past.
Everything of the week itself goes through the public APIs, the way the apps call them:
the roster import, device registration, check-ins, check-outs, pings and heartbeats sent from
the phones' offline queues, daily reports and their reviews. Eka's cancellation, after the
week, goes on the log like the history.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from kernel.policy import OpdPolicy
from schemas import Envelope, new_event
from schemas.events import (
    OpdPolicyPublished,
    SharedPlace,
    WfaApproved,
    WfaCancelled,
    WfaLocationDeclared,
    WfaRequested,
)
from services.runtime.edge.identity import Role
from tests.support import seeding
from tests.support.province import ADMIN_NIP
from tests.support.tokens import bearer
from tests.support.week_parts import (
    POLICY_SETTINGS,
    Mark,
    Member,
    Submission,
    Week,
    WfaRequest,
    attachment,
    local,
)

ENDPOINTS = {
    "check_in": "/attendance/check-ins",
    "check_out": "/attendance/check-outs",
    "ping": "/attendance/pings",
    "heartbeat": "/attendance/heartbeats",
}


def token(week: Week, member: Member) -> dict[str, str]:
    role = {"head": Role.KEPALA_OPD, "supervisor": Role.ATASAN}.get(member.role, Role.ASN)
    return bearer(role, member.nip, week.opd_id)


# the history ---------------------------------------------------------------------------------


def history(week: Week) -> list[Envelope]:
    """The policy and the decided, approved requests, as published before the week."""
    friday = week.days[0] - timedelta(days=3)
    policy = OpdPolicy.from_settings(
        week.opd_id, 1, week.policy_effective_from, dict(POLICY_SETTINGS)
    )
    events = [
        new_event(
            OpdPolicyPublished(
                opd_id=week.opd_id,
                version=1,
                effective_from=week.policy_effective_from,
                settings=policy.settings(),
                note="Kebijakan WFA OPD",
            ),
            actor=ADMIN_NIP,
            subject=ADMIN_NIP,
            opd_id=week.opd_id,
            occurred_at=local(week.policy_effective_from - timedelta(days=7), 9, 0),
        )
    ]
    for n, request in enumerate(week.requests):
        member = week.member(request.nip)
        where, location_id = week.wfa_location(request), f"{request.request_id}-place"
        events.append(
            new_event(
                WfaLocationDeclared(
                    location_id=location_id,
                    request_id=request.request_id,
                    nip=request.nip,
                    dates=list(request.dates),
                    location=where,
                ),
                actor=request.nip,
                subject=request.nip,
                opd_id=week.opd_id,
                occurred_at=local(friday, 9, n),
            )
        )
        events.append(
            new_event(
                WfaRequested(
                    request_id=request.request_id,
                    nip=request.nip,
                    work_unit_id=member.unit,
                    dates=list(request.dates),
                    place=SharedPlace.of(where, location_id=location_id),
                    reason="Menyelesaikan dokumen dan analisis data",
                    work_plan=week.work_targets(request),
                    decision=request.decision,
                ),
                actor=request.nip,
                subject=request.nip,
                opd_id=week.opd_id,
                occurred_at=local(friday, 9, n),
            )
        )
        if request.approved:
            assert member.supervisor is not None
            events.append(
                new_event(
                    WfaApproved(
                        request_id=request.request_id,
                        nip=request.nip,
                        approver_nip=member.supervisor,
                        reason="Rencana kerja jelas",
                    ),
                    actor=member.supervisor,
                    subject=request.nip,
                    opd_id=week.opd_id,
                    occurred_at=local(friday, 13, n),
                )
            )
    return events


def cancellations(week: Week) -> list[Envelope]:
    """The requests cancelled after the week (by the requester)."""
    return [
        new_event(
            WfaCancelled(
                request_id=r.request_id, nip=r.nip, reason="Pekerjaan dialihkan ke kantor"
            ),
            actor=r.nip,
            subject=r.nip,
            opd_id=week.opd_id,
        )
        for r in week.requests
        if r.plan.cancelled_after_week
    ]


def start_at_end(bootstrap: str, group: str, topics: tuple[str, ...]) -> None:
    """Commit the end of ``topics`` as the consumer group's position, as
    ``kafka-consumer-groups --reset-offsets --to-latest`` does: a consumer of that group starts
    from now instead of reading the whole log first."""

    async def run() -> None:
        reader = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None)
        await reader.start()
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in sorted(reader.partitions_for_topic(topic) or ())
            ]
            ends = await reader.end_offsets(partitions)
        finally:
            await reader.stop()
        group_consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )
        await group_consumer.start()
        try:
            group_consumer.assign(partitions)
            await group_consumer.commit({tp: ends[tp] for tp in partitions})
        finally:
            await group_consumer.stop()

    asyncio.run(run())


def publish(bootstrap: str, events: list[Envelope]) -> None:
    asyncio.run(seeding.publish(bootstrap, events, client_name="week"))


# the public APIs -----------------------------------------------------------------------------


@dataclass
class Api:
    urls: dict[str, str]
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    def call(
        self,
        method: str,
        service: str,
        path: str,
        headers: dict[str, str],
        *,
        body: Any = None,
        content: bytes | None = None,
        key: str | None = None,
        params: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        """One call, retried (with its Idempotency-Key) while the service answers 503."""
        sent = dict(headers)
        if key is not None:
            sent["Idempotency-Key"] = key
        deadline = time.monotonic() + 90
        while True:
            answer = self.client.request(
                method,
                f"{self.urls[service]}{path}",
                json=body,
                content=content,
                headers=sent,
                params=params,
            )
            if answer.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        assert answer.status_code in ok, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer


def import_roster(api: Api, week: Week) -> None:
    answer = api.call(
        "POST",
        "eligibility",
        "/roster/imports",
        bearer(Role.ADMIN_BKD, ADMIN_NIP, None),
        content=week.roster_csv(),
        params={"format": "csv"},
    ).json()
    assert answer["projected"] is True and answer["registered"] == len(week.members), answer


def register_devices(api: Api, week: Week) -> None:
    for member in week.members.values():
        api.call(
            "POST",
            "attendance",
            "/attendance/devices",
            token(week, member),
            body={"device_id": f"hp-{member.nip}", "platform": "android", "label": "Ponsel"},
            key=f"device-{member.nip}",
        )


def send_mark(api: Api, week: Week, member: Member, index: int, n: int, mark: Mark) -> None:
    """One signal from the phone's offline queue; the edge's assessment is checked at once."""
    day = week.days[index]
    at = local(day, mark.hh, mark.mm)
    body: dict[str, Any] = {
        "device_id": f"hp-{member.nip}",
        "at": at.isoformat(),
        "recorded_offline": True,
    }
    if mark.place is not None:
        lat, lon = week.position(member, mark.place, n)
        body.update(location={"lat": lat, "lon": lon}, accuracy_m=12)
    if mark.declared is not None:
        body["mode"] = mark.declared
    answer = api.call(
        "POST",
        "attendance",
        ENDPOINTS[mark.kind],
        token(week, member),
        body=body,
        key=f"{mark.kind}-{member.nip}-{at.isoformat()}",
    ).json()["assessment"]
    where = f"{member.key} day {index} {mark.kind} {mark.hh:02d}:{mark.mm:02d}"
    assert answer["work_date"] == day.isoformat() and answer["working_day"] is True, where
    assert answer["anomalies"] == list(mark.edge), (where, answer)
    if mark.place is not None:
        approved = week.approved_on(member.nip, day) is not None
        assert answer["derived_mode"] == ("wfa" if approved else "office"), (where, answer)


def send_presence(api: Api, week: Week) -> None:
    for index in range(len(week.days)):
        for member in week.members.values():
            plan = week.plans.get((member.key, index))
            for n, mark in enumerate(plan.marks if plan else ()):
                send_mark(api, week, member, index, n, mark)


def _report_body(week: Week, member: Member, index: int, s: Submission) -> dict[str, Any]:
    day = week.days[index]
    outputs = []
    for o in s.outputs:
        output: dict[str, Any] = {"description": o.description, "quantity": o.quantity}
        output["unit"] = o.unit
        if o.plan_target is not None:
            output["plan_target"] = o.plan_target
        if o.target is not None:
            output["target"] = o.target
        outputs.append(output)
    return {
        "work_date": day.isoformat(),
        "outputs": outputs,
        "attachments": [attachment(member, day, n) for n in range(s.attachments)],
        "notes": f"Laporan harian {member.name}",
    }


def submit(api: Api, week: Week, member: Member, index: int, revision: int) -> dict[str, Any]:
    s = week.plans[(member.key, index)].report[revision - 1]
    answer: dict[str, Any] = api.call(
        "POST",
        "reporting",
        "/reports/daily",
        token(week, member),
        body=_report_body(week, member, index, s),
        key=f"report-{member.nip}-{index}-{revision}",
    ).json()
    request: WfaRequest | None = week.approved_on(member.nip, week.days[index])
    assert answer["revision"] == revision and answer["status"] == "submitted", answer
    assert answer["mode"] == ("wfa" if request else "office"), answer
    assert answer["request_id"] == (request.request_id if request else None), answer
    return answer


def review(
    api: Api, week: Week, report: dict[str, Any], s: Submission, revision: int
) -> dict[str, Any]:
    assert s.verdict is not None
    body: dict[str, Any] = {"verdict": s.verdict, "revision": revision}
    if s.note is not None:
        body["note"] = s.note
    answer: dict[str, Any] = api.call(
        "POST",
        "reporting",
        f"/reports/daily/{report['report_id']}/review",
        token(week, week.supervisor),
        body=body,
        key=f"review-{report['report_id']}-{revision}",
    ).json()
    assert answer["status"] == s.verdict and answer["revision"] == revision, answer
    return answer


def send_reports(api: Api, week: Week) -> None:
    """Every first revision, then the reviews; then the resubmissions and their reviews."""
    revision = 1
    while True:
        due = [
            (member, index)
            for member in week.members.values()
            for index in range(len(week.days))
            if len(week.plans.get((member.key, index), _EMPTY).report) >= revision
        ]
        if not due:
            return
        submitted = [(m, i, submit(api, week, m, i, revision)) for m, i in due]
        for member, index, report in submitted:
            s = week.plans[(member.key, index)].report[revision - 1]
            if s.verdict is not None:
                review(api, week, report, s, revision)
        revision += 1


class _Empty:
    report: tuple[Submission, ...] = ()


_EMPTY = _Empty()


def drive(api: Api, week: Week) -> None:
    """The week through the public APIs (the history must be on the log already)."""
    import_roster(api, week)
    register_devices(api, week)
    send_presence(api, week)
    send_reports(api, week)
