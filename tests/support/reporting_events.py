"""Crafted roster, request and daily report events at the current contract version, for tests
that publish an employee's history straight onto the topics reporting projects (attendance
events come from :mod:`tests.support.presence_events`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from schemas import Envelope, new_event
from schemas.events import (
    DailyReportReviewed,
    DailyReportSubmitted,
    EmployeeRegistered,
    EmployeeUpdated,
    GeoPoint,
    ReportOutput,
    SharedPlace,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
    WorkTarget,
)


def employee(
    nip: str,
    opd_id: str,
    unit: str,
    supervisor: str | None,
    *,
    update: bool = False,
    at: datetime | None = None,
    heads: str | None = None,
) -> Envelope:
    """The roster's registration (or update) of ``nip`` in ``opd_id``/``unit``; ``heads``
    names the OPD the roster records them head (kepala) of."""
    cls = EmployeeUpdated if update else EmployeeRegistered
    payload = cls(
        nip=nip,
        name=f"Pegawai {nip[-4:]}",
        opd_id=opd_id,
        work_unit_id=unit,
        position="Analis",
        position_category="administrasi",
        supervisor_nip=supervisor,
        employment_type="PNS",
        appointment_date=date(2015, 3, 1),
        heads_opd=heads,
        head_capacity="kepala" if heads else None,
    )
    return new_event(
        payload, actor="system:roster-import", subject=nip, opd_id=opd_id, occurred_at=at
    )


def requested(
    nip: str, opd_id: str, request_id: str, dates: list[date], at: datetime, unit: str = "unit-1"
) -> Envelope:
    payload = WfaRequested(
        request_id=request_id,
        nip=nip,
        work_unit_id=unit,
        dates=dates,
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan analisis",
        work_plan=[WorkTarget(description="Laporan analisis", target=2, unit="dokumen")],
    )
    return new_event(payload, actor=nip, subject=nip, opd_id=opd_id, occurred_at=at)


Decision = Literal["approved", "rejected", "cancelled"]


def decided(
    decision: Decision, nip: str, opd_id: str, request_id: str, by: str, at: datetime
) -> Envelope:
    payload: WfaApproved | WfaRejected | WfaCancelled
    if decision == "approved":
        payload = WfaApproved(request_id=request_id, nip=nip, approver_nip=by, reason="Sesuai")
    elif decision == "rejected":
        payload = WfaRejected(
            request_id=request_id, nip=nip, approver_nip=by, reason="Kuota unit penuh"
        )
    else:
        payload = WfaCancelled(request_id=request_id, nip=nip, reason="Rapat di kantor")
    actor = nip if decision == "cancelled" else by
    return new_event(payload, actor=actor, subject=nip, opd_id=opd_id, occurred_at=at)


def output(quantity: float, target: float | None = None, plan: int | None = None) -> ReportOutput:
    return ReportOutput(
        description="Dokumen analisis",
        quantity=quantity,
        unit="dokumen",
        target=target,
        plan_target=plan,
    )


def report(
    nip: str,
    opd_id: str,
    day: date,
    outputs: list[ReportOutput],
    at: datetime,
    *,
    revision: int = 1,
    mode: Literal["wfa", "office"] = "office",
    request_id: str | None = None,
) -> Envelope:
    payload = DailyReportSubmitted(
        report_id=f"rep-{nip}-{day:%Y%m%d}",
        revision=revision,
        nip=nip,
        work_date=day,
        mode=mode,
        request_id=request_id,
        outputs=outputs,
    )
    return new_event(payload, actor=nip, subject=nip, opd_id=opd_id, occurred_at=at)


def review(
    nip: str,
    opd_id: str,
    day: date,
    by: str,
    verdict: Literal["accepted", "returned"],
    at: datetime,
    *,
    revision: int = 1,
) -> Envelope:
    payload = DailyReportReviewed(
        report_id=f"rep-{nip}-{day:%Y%m%d}",
        revision=revision,
        nip=nip,
        work_date=day,
        reviewer_nip=by,
        verdict=verdict,
        note="Lengkapi lampiran" if verdict == "returned" else None,
    )
    return new_event(payload, actor=by, subject=nip, opd_id=opd_id, occurred_at=at)
