"""What a synthetic week of one OPD is made of: its people, their signals, reports and WFA
requests, and where and when things happen (no I/O). The week itself is told in
:mod:`tests.support.week_scenario`.

The WFA requests of the week are decided by the eligibility rules engine itself
(:meth:`Week.decide_requests`), as the decider would have decided them on the Friday before
the week.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal

from kernel.policy import OpdPolicy
from schemas.events import EligibilityDecision, GeoPoint, WorkTarget
from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
from services.eligibility.domain.rules import evaluate
from tests.support.province import NATIONAL_DAYS

WIB = timezone(timedelta(hours=7))
WORK_START = time(7, 30)
UNIT = "bidang-data"
LEADERSHIP = "pimpinan"
HEADER = (
    "nip,nama,opd,unit_kerja,jabatan,kategori_jabatan,nip_atasan,jenis_pegawai,tmt,"
    "akhir_orientasi,lat_kantor,lon_kantor,alamat_kantor,heads_opd"
)
POLICY_SETTINGS: dict[str, Any] = {
    "wfa_enabled": True,
    "weekly_cap_days": 2,
    "max_away_share": 0.5,
    "holidays": [],
    "joint_leave": [],
    "working_days": NATIONAL_DAYS,
}
"""WFA on, 2 days a week, half a unit away; every weekday a working day (national days set
aside, so the scenario never depends on the calendar)."""

Role = Literal["head", "supervisor", "staff"]
Place = Literal["office", "home", "far_home", "far_office"]
SignalKind = Literal["check_in", "check_out", "ping", "heartbeat"]
Verdict = Literal["accepted", "returned"]
EdgeKind = Literal["outside_geofence", "far_from_wfa_location", "remote_without_approval"]


# --------------------------------------------------------------------------------------------
# what the week is made of
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    key: str
    nip: str
    name: str
    role: Role
    unit: str
    supervisor: str | None
    index: int
    """Position in the roster: spreads everyone's coordinates apart."""


@dataclass(frozen=True)
class Mark:
    """One presence signal sent by the member's device."""

    kind: SignalKind
    hh: int
    mm: int
    place: Place | None = None
    """Where the phone is; None for a heartbeat."""
    declared: Literal["wfa", "office"] | None = None
    """The mode the app states (the platform derives its own)."""
    edge: tuple[EdgeKind, ...] = ()
    """The anomalies the attendance edge raises on receipt of this signal."""


@dataclass(frozen=True)
class Output:
    description: str
    quantity: float
    unit: str
    plan_target: int | None = None
    target: float | None = None
    """A free target (office days, outputs outside the work plan)."""


@dataclass(frozen=True)
class Submission:
    """One revision of a daily report and the supervisor's verdict on it (None: not yet)."""

    outputs: tuple[Output, ...]
    verdict: Verdict | None = "accepted"
    note: str | None = None
    attachments: int = 1


@dataclass(frozen=True)
class DayPlan:
    marks: tuple[Mark, ...] = ()
    report: tuple[Submission, ...] = ()
    """The revisions of the day's report, in order."""


@dataclass(frozen=True)
class WfaPlan:
    key: str
    member: str
    days: tuple[int, ...]
    work_plan: tuple[tuple[str, float, str], ...]
    cancelled_after_week: bool = False
    expect_refused_by: str | None = None
    """The rule the eligibility engine must refuse it by (None: eligible)."""


@dataclass
class WfaRequest:
    plan: WfaPlan
    request_id: str
    nip: str
    dates: tuple[date, ...]
    decision: EligibilityDecision

    @property
    def approved(self) -> bool:
        return self.decision.eligible

    @property
    def status(self) -> str:
        """Where the request ends: approved, cancelled or not_eligible."""
        if not self.approved:
            return "not_eligible"
        return "cancelled" if self.plan.cancelled_after_week else "approved"


# --------------------------------------------------------------------------------------------
# the week
# --------------------------------------------------------------------------------------------


def last_complete_week(today: date) -> list[date]:
    """Monday to Friday of the latest week whose Friday is before ``today``."""
    monday = today - timedelta(days=today.weekday())
    if today.weekday() < 5:
        monday -= timedelta(days=7)
    return [monday + timedelta(days=n) for n in range(5)]


def local(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), WIB)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Week:
    opd_id: str
    days: list[date]
    members: dict[str, Member]
    office: tuple[float, float]
    plans: dict[tuple[str, int], DayPlan] = field(default_factory=dict)
    wfa_plans: list[WfaPlan] = field(default_factory=list)
    requests: list[WfaRequest] = field(default_factory=list)

    # people -----------------------------------------------------------------------------

    @property
    def head(self) -> Member:
        return next(m for m in self.members.values() if m.role == "head")

    @property
    def supervisor(self) -> Member:
        return next(m for m in self.members.values() if m.role == "supervisor")

    @property
    def staff(self) -> list[Member]:
        return [m for m in self.members.values() if m.role == "staff"]

    def member(self, nip: str) -> Member:
        return next(m for m in self.members.values() if m.nip == nip)

    def roster_csv(self) -> bytes:
        lat, lon = self.office
        rows = [HEADER]
        for m in self.members.values():
            position = {"head": "Kepala Dinas", "supervisor": "Kepala Bidang"}.get(m.role, "Analis")
            rows.append(
                f"{m.nip},{m.name},{self.opd_id},{m.unit},{position},administrasi,"
                f"{m.supervisor or ''},PNS,2015-03-01,,{lat:.6f},{lon:.6f},Kantor {self.opd_id},"
                f"{self.opd_id if m.role == 'head' else ''}"
            )
        return ("\n".join(rows) + "\n").encode()

    # places -----------------------------------------------------------------------------

    def home(self, member: Member) -> tuple[float, float]:
        lat, lon = self.office
        return (lat - 0.05 - 0.004 * member.index, lon + 0.03 + 0.003 * member.index)

    def position(self, member: Member, place: Place, n: int) -> tuple[float, float]:
        """Where the phone is for its ``n``-th signal of a day: every point apart from every
        other member's (no shared coordinates) and from the member's own others (no static
        coordinates)."""
        jitter_lat = 0.000013 * member.index + 0.0000031 * n
        jitter_lon = 0.000017 * member.index - 0.0000029 * n
        if place == "office":
            base = self.office
        elif place == "far_office":
            base = (self.office[0] + 0.027, self.office[1])
        elif place == "home":
            base = self.home(member)
        else:
            base = (self.home(member)[0] + 0.027, self.home(member)[1])
        return (round(base[0] + jitter_lat, 6), round(base[1] + jitter_lon, 6))

    # what was asked for before the week -------------------------------------------------

    def decide_requests(self) -> None:
        """Decide every WFA plan with the eligibility rules engine, as the decider did on the
        Friday before the week, in order; the usage of each one counts the ones before."""
        friday_before = self.days[0] - timedelta(days=3)
        policy = OpdPolicy.from_settings(
            self.opd_id, 1, self.policy_effective_from, dict(POLICY_SETTINGS)
        )
        unit_size = sum(1 for m in self.members.values() if m.unit == UNIT)
        held: list[WfaRequest] = []
        for plan in self.wfa_plans:
            member = self.members[plan.member]
            dates = tuple(self.days[i] for i in plan.days)
            facts = EmployeeFacts(
                nip=member.nip,
                opd_id=self.opd_id,
                work_unit_id=member.unit,
                position_category="administrasi",
                supervisor_nip=member.supervisor,
                appointment_date=date(2015, 3, 1),
            )
            week_key = tuple(dates[0].isocalendar())[:2]
            used = sum(len(r.dates) for r in held if r.nip == member.nip)
            away: dict[date, int] = {}
            for r in held:
                for d in r.dates:
                    away[d] = away.get(d, 0) + 1
            usage = UsageFacts(
                days_used_by_week={(week_key[0], week_key[1]): used} if used else {},
                away_by_date=away,
                unit_size=unit_size,
            )
            decision = evaluate(
                facts, RequestFacts(dates=dates), policy, usage, today=friday_before
            )
            request = WfaRequest(plan, f"req-{uuid.uuid4().hex}", member.nip, dates, decision)
            failed = [rule.code for rule in decision.trace if not rule.passed]
            expected = [plan.expect_refused_by] if plan.expect_refused_by else []
            assert failed == expected, f"{plan.key}: rules {failed}, expected {expected}"
            self.requests.append(request)
            if request.approved:
                held.append(request)

    @property
    def policy_effective_from(self) -> date:
        return self.days[0] - timedelta(days=28)

    def work_targets(self, request: WfaRequest) -> list[WorkTarget]:
        return [WorkTarget(description=d, target=t, unit=u) for d, t, u in request.plan.work_plan]

    def wfa_location(self, request: WfaRequest) -> GeoPoint:
        lat, lon = self.home(self.member(request.nip))
        return GeoPoint(lat=lat, lon=lon)

    def approved_on(self, nip: str, day: date) -> WfaRequest | None:
        """The approved request covering the day when the week was worked (before any
        cancellation)."""
        for r in self.requests:
            if r.nip == nip and day in r.dates and r.approved:
                return r
        return None


def attachment(member: Member, day: date, n: int) -> dict[str, Any]:
    name = f"lampiran-{day.isoformat()}-{n + 1}.pdf"
    return {
        "name": name,
        "size_bytes": 20_480 + 512 * n,
        "sha256": _sha(f"{member.nip}|{name}"),
    }


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)
