"""The role x route matrix: what every route of every service answers to every kind of caller.

The callers (:class:`Caller`) are seen from one subject, an ASN of "our" OPD: the subject
themself, a colleague in the same unit, their supervisor of record, another supervisor of
the same OPD (not in the subject's chain), the head of the OPD (named by the roster), the head
of another OPD, that head with a token claiming our OPD, an ASN with a ``kepala_opd`` token
and an ASN with an ``atasan`` token (the roster names neither as such), the province-wide
roles and an application's token.

Each route has a row (:data:`ROUTES`): a named access profile, the route's success status, and
the cells where the route departs from its profile. A cell is an :class:`Outcome`: the status
(``OK``: the route's success status) and, for a refusal, the error code. The policy stated:

* Scope comes from the roster. A token whose claims disagree with it gets 403
  ``opd_mismatch`` (its OPD is not the caller's OPD on the roster, or not the OPD a
  ``kepala_opd`` heads) or ``role_not_on_roster`` (a ``kepala_opd`` the roster names head of
  no OPD; an ``atasan`` nobody reports to) from every route that takes a token, before any
  other check of the route: never data, never an action. Only a route that refuses the role
  outright (``forbidden_role``) answers that first.
* admin_bkd, auditors and ops keep their province-wide reach; an application's token reads no
  one's personal data (a refusal, or a success that names nobody).
* Someone else's request, or an event the caller may not see, answers the 404 of an unknown id.

``BLIND`` is a success whose answer must not mention the subject's NIP: the caller sees only
their own rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Caller(StrEnum):
    ANONYMOUS = "anonymous"
    SELF = "self"
    COLLEAGUE = "colleague"
    SUPERVISOR = "supervisor"
    OTHER_SUPERVISOR = "other_supervisor"
    HEAD = "head"
    OTHER_HEAD = "other_head"
    OTHER_HEAD_AS_OURS = "other_head_as_ours"
    ASN_AS_HEAD = "asn_as_head"
    ASN_AS_SUPERVISOR = "asn_as_supervisor"
    ADMIN_BKD = "admin_bkd"
    AUDITOR = "auditor"
    OPS = "ops"
    APPLICATION = "application"


@dataclass(frozen=True)
class Outcome:
    status: int | None
    """None: the route's success status."""
    code: str | None = None
    blind: bool = False
    """A success whose answer never mentions the subject's NIP."""

    def __str__(self) -> str:
        status = "ok" if self.status is None else str(self.status)
        return f"{status}{' (blind)' if self.blind else ''}{' ' + self.code if self.code else ''}"


OK = Outcome(None)
BLIND = Outcome(None, blind=True)
UNAUTHENTICATED = Outcome(401, "unauthenticated")


def no(code: str) -> Outcome:
    return Outcome(403, code)


def hidden(code: str) -> Outcome:
    """404: the same answer as for an id that does not exist."""
    return Outcome(404, code)


FORBIDDEN_ROLE = no("forbidden_role")
OPD_MISMATCH = no("opd_mismatch")
NOT_ON_ROSTER = no("role_not_on_roster")

CLAIMS_THE_ROSTER_CONTRADICTS: Mapping[Caller, Outcome] = {
    Caller.OTHER_HEAD_AS_OURS: OPD_MISMATCH,
    Caller.ASN_AS_HEAD: NOT_ON_ROSTER,
    Caller.ASN_AS_SUPERVISOR: NOT_ON_ROSTER,
}

Profile = Mapping[Caller, Outcome]


def profile(default: Outcome, *, claims: bool = True, **cells: Outcome) -> Profile:
    """Every caller gets ``default`` but those named (by :class:`Caller` value). Unless named,
    an anonymous caller gets 401 and, with ``claims``, a token the roster contradicts gets
    its refusal (:data:`CLAIMS_THE_ROSTER_CONTRADICTS`); without ``claims`` (a route that
    refuses their roles outright, or needs no token) they get ``default`` too."""
    given = {Caller(name): cell for name, cell in cells.items()}
    given.setdefault(Caller.ANONYMOUS, UNAUTHENTICATED)
    if claims:
        given = {**CLAIMS_THE_ROSTER_CONTRADICTS, **given}
    return {caller: given.get(caller, default) for caller in Caller}


# --------------------------------------------------------------------------------------------
# Access profiles
# --------------------------------------------------------------------------------------------

PUBLIC = profile(OK, anonymous=OK, claims=False)
"""Anyone, with or without a token."""

ANY_TOKEN = profile(OK)
"""Any valid token the roster does not contradict; the answer is the same for all."""

PROVINCE_READ = profile(FORBIDDEN_ROLE, claims=False, admin_bkd=OK, auditor=OK, ops=OK)
"""The operators' and auditors' views (projections, verification)."""

ARCHIVE_READ = profile(FORBIDDEN_ROLE, claims=False, admin_bkd=OK, auditor=OK)
"""The raw archived events."""

ADMIN_WRITE = profile(FORBIDDEN_ROLE, claims=False, admin_bkd=OK)
"""BKD's province-wide settings, by a named official."""

HR_FEED_WRITE = profile(FORBIDDEN_ROLE, claims=False, admin_bkd=OK, application=OK)
"""The roster and sanctions, from BKD or the HR application."""

OWN_WRITE = profile(
    OK, admin_bkd=FORBIDDEN_ROLE, auditor=FORBIDDEN_ROLE, ops=FORBIDDEN_ROLE,
    application=FORBIDDEN_ROLE,
)  # fmt: skip
"""The caller records something of their own (presence, a report, a request)."""

_OUTSIDE = no("outside_scope")
PERSONAL_READ = profile(
    OK, colleague=_OUTSIDE, other_supervisor=_OUTSIDE, other_head=_OUTSIDE, application=_OUTSIDE
)
"""The subject's data in reporting: them, their chain (supervisor, head), the province."""

TEAM_READ = profile(
    OK, colleague=BLIND, other_supervisor=BLIND, other_head=_OUTSIDE, application=BLIND
)
"""A list over our OPD: each sees whom their scope holds (an ASN themself only)."""

OPD_FIGURES = profile(_OUTSIDE, head=OK, admin_bkd=OK, auditor=OK, ops=OK)
"""Our OPD's figures: its head and the province."""

OPD_STUDY = profile(
    FORBIDDEN_ROLE, head=OK, other_head=no("other_opd"), asn_as_supervisor=FORBIDDEN_ROLE,
    admin_bkd=OK, auditor=OK, ops=OK,
)  # fmt: skip
"""Our OPD's readiness study: its head, BKD, auditors and ops."""

_HIDDEN_REQUEST = hidden("request_not_found")
REQUEST_READ = profile(
    OK, colleague=_HIDDEN_REQUEST, other_supervisor=_HIDDEN_REQUEST,
    other_head=_HIDDEN_REQUEST, application=_HIDDEN_REQUEST,
)  # fmt: skip
"""The subject's WFA request: its requester, their chain and the province."""

_NOT_SUPERVISOR = no("not_supervisor_of_record")
SUPERVISOR_DECISION = profile(
    _HIDDEN_REQUEST, self=_NOT_SUPERVISOR, supervisor=OK, head=_NOT_SUPERVISOR,
    admin_bkd=_NOT_SUPERVISOR, auditor=FORBIDDEN_ROLE, ops=FORBIDDEN_ROLE,
    application=FORBIDDEN_ROLE,
)  # fmt: skip
"""Approving or rejecting the subject's request: their supervisor of record only."""

_NOT_REQUESTER = no("not_requester")
REQUESTER_ACTION = profile(
    _HIDDEN_REQUEST, self=OK, supervisor=_NOT_REQUESTER, head=_NOT_REQUESTER,
    admin_bkd=FORBIDDEN_ROLE, auditor=FORBIDDEN_ROLE, ops=FORBIDDEN_ROLE,
    application=FORBIDDEN_ROLE,
)  # fmt: skip
"""Cancelling the subject's request: the subject only."""

REPORT_REVIEW = profile(_NOT_SUPERVISOR, supervisor=OK)
"""Reviewing the subject's daily report: their supervisor of record only."""

REVIEW_QUEUE = profile(BLIND, self=OK, supervisor=OK)
"""The caller's own queue of reports to review: the subject's are in their supervisor's."""

DEVICE_BINDING = profile(
    no("device_registration_forbidden"), self=OK, head=OK, admin_bkd=OK,
    auditor=FORBIDDEN_ROLE, ops=FORBIDDEN_ROLE, application=FORBIDDEN_ROLE,
)  # fmt: skip
"""Binding the subject's work device: them, the head of their OPD, BKD."""

DEVICE_HISTORY = profile(
    no("device_history_forbidden"), self=OK, supervisor=OK, head=OK, admin_bkd=OK
)
"""The subject's device history: them, their supervisor of record, their head, BKD."""

PRECISE_LOCATION = profile(no("location_access_denied"), self=OK, supervisor=OK)
"""The subject's precise positions (UU PDP): them and their supervisor of record only."""

OPD_DIRECTORY = profile(OK, other_head=OPD_MISMATCH)
"""Our OPD's geofences: its people, the province and applications."""


def own_audit(refusal: Outcome) -> Profile:
    """The subject's own records in audit: them, auditors and BKD."""
    return profile(refusal, self=OK, admin_bkd=OK, auditor=OK)


OPD_HISTORY = profile(no("time_travel_forbidden"), head=OK, admin_bkd=OK, auditor=OK)
"""Our OPD as it stood at an instant: its head, auditors and BKD."""

SSO_OFF = profile(hidden("sso_off"), anonymous=hidden("sso_off"), claims=False)
"""A step of the single sign-on flow while no provider is configured: 404 to everyone."""

TOKEN_ECHO = profile(OK, claims=False)
"""Who a bearer token names, as it is verified (the claims it carries, nobody else's data)."""


# --------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    profile: Profile
    ok: int = 200
    """The route's success status."""
    overrides: Mapping[Caller, Outcome] | None = None

    def expected(self, caller: Caller) -> Outcome:
        cell = (self.overrides or {}).get(caller) or self.profile[caller]
        return Outcome(self.ok, None, cell.blind) if cell.status is None else cell


def row(profile: Profile, ok: int = 200, **overrides: Outcome) -> Row:
    return Row(profile, ok, {Caller(name): cell for name, cell in overrides.items()})


def _on(services: tuple[str, ...], route: str, value: Row) -> dict[tuple[str, str], Row]:
    return {(service, route): value for service in services}


_SERVICES = ("eligibility", "attendance", "reporting", "audit", "detector")
_STORES = ("eligibility", "reporting", "audit")

ROUTES: dict[tuple[str, str], Row] = {
    **_on(_SERVICES, "GET /health", row(PUBLIC)),
    **_on(_SERVICES, "GET /ready", row(PUBLIC)),
    **_on(_STORES, "GET /ops/projections", row(PROVINCE_READ)),
    **_on(_STORES, "GET /ops/projections/{table}", row(PROVINCE_READ)),
    # eligibility ---------------------------------------------------------------------------
    ("eligibility", "POST /wfa/requests"): row(OWN_WRITE, 202),
    ("eligibility", "GET /wfa/requests/{request_id}"): row(REQUEST_READ),
    ("eligibility", "POST /wfa/requests/{request_id}/approve"): row(SUPERVISOR_DECISION),
    ("eligibility", "POST /wfa/requests/{request_id}/reject"): row(SUPERVISOR_DECISION),
    ("eligibility", "POST /wfa/requests/{request_id}/cancel"): row(REQUESTER_ACTION),
    ("eligibility", "POST /roster/imports"): row(HR_FEED_WRITE),
    ("eligibility", "POST /roster/sanctions"): row(HR_FEED_WRITE, 201),
    ("eligibility", "POST /roster/sanctions/{sanction_id}/lift"): row(HR_FEED_WRITE),
    ("eligibility", "GET /policies/{opd_id}"): row(ANY_TOKEN),
    ("eligibility", "POST /policies/{opd_id}/versions"): row(ADMIN_WRITE, 201),
    ("eligibility", "POST /policies/{opd_id}/simulations"): row(OPD_STUDY, ops=FORBIDDEN_ROLE),
    ("eligibility", "POST /policies/{opd_id}/readiness"): row(
        OPD_STUDY, 201, auditor=FORBIDDEN_ROLE, ops=FORBIDDEN_ROLE
    ),
    ("eligibility", "GET /policies/{opd_id}/readiness"): row(OPD_STUDY),
    # attendance ----------------------------------------------------------------------------
    ("attendance", "POST /attendance/check-ins"): row(OWN_WRITE, 201, admin_bkd=no("missing_opd")),
    ("attendance", "POST /attendance/check-outs"): row(OWN_WRITE, 201, admin_bkd=no("missing_opd")),
    ("attendance", "POST /attendance/pings"): row(OWN_WRITE, 201, admin_bkd=no("missing_opd")),
    ("attendance", "POST /attendance/heartbeats"): row(OWN_WRITE, 201, admin_bkd=no("missing_opd")),
    ("attendance", "POST /attendance/devices"): row(DEVICE_BINDING),
    ("attendance", "GET /attendance/devices/{nip}"): row(DEVICE_HISTORY),
    ("attendance", "POST /attendance/geofences"): row(ADMIN_WRITE, 201),
    ("attendance", "GET /attendance/geofences"): row(OPD_DIRECTORY),
    ("attendance", "DELETE /attendance/geofences/{geofence_id}"): row(ADMIN_WRITE),
    ("attendance", "GET /attendance/locations/{nip}"): row(PRECISE_LOCATION),
    # reporting -----------------------------------------------------------------------------
    ("reporting", "GET /reports/requests"): row(PERSONAL_READ),
    ("reporting", "GET /reporting/anomalies"): row(PERSONAL_READ),
    ("reporting", "GET /reporting/presence/{nip}"): row(PERSONAL_READ),
    ("reporting", "POST /reports/daily"): row(OWN_WRITE, 201),
    ("reporting", "POST /reports/daily/{report_id}/review"): row(REPORT_REVIEW),
    ("reporting", "GET /reports/daily/{nip}/{work_date}"): row(PERSONAL_READ),
    ("reporting", "GET /reports/reviews"): row(REVIEW_QUEUE),
    ("reporting", "GET /reporting/employees/{nip}/days"): row(PERSONAL_READ),
    ("reporting", "GET /reporting/employees/{nip}/weeks"): row(PERSONAL_READ),
    ("reporting", "GET /reporting/employees/{nip}/summary"): row(PERSONAL_READ),
    ("reporting", "GET /reporting/tpp"): row(TEAM_READ),
    ("reporting", "GET /reporting/team"): row(TEAM_READ),
    ("reporting", "GET /reporting/opds/{opd_id}/days"): row(OPD_FIGURES),
    ("reporting", "GET /reporting/opds/{opd_id}/summary"): row(OPD_FIGURES),
    ("reporting", "GET /reporting/opds"): row(OPD_FIGURES, other_head=OK),
    ("reporting", "GET /reporting/productivity"): row(OPD_FIGURES),
    ("reporting", "GET /reporting/scorecards/{opd_id}"): row(OPD_FIGURES),
    ("reporting", "POST /reporting/tpp/{month}/publish"): row(ADMIN_WRITE),
    ("reporting", "GET /public/opds"): row(PUBLIC),
    ("reporting", "GET /public/opds/days"): row(PUBLIC),
    # audit ---------------------------------------------------------------------------------
    ("audit", "GET /audit/events"): row(ARCHIVE_READ),
    ("audit", "GET /audit/events/{event_id}"): row(ARCHIVE_READ),
    ("audit", "GET /audit/trails"): row(own_audit(no("trail_scope"))),
    ("audit", "GET /audit/trails/export"): row(own_audit(no("trail_scope"))),
    ("audit", "GET /audit/access-log"): row(own_audit(no("access_log_scope"))),
    ("audit", "GET /audit/public-key"): row(PUBLIC),
    ("audit", "GET /audit/checkpoints"): row(PUBLIC),
    ("audit", "GET /audit/checkpoints/latest"): row(PUBLIC),
    ("audit", "GET /audit/proofs/consistency"): row(PUBLIC),
    ("audit", "GET /audit/proofs/inclusion"): row(own_audit(hidden("event_not_found"))),
    ("audit", "GET /audit/verify"): row(PROVINCE_READ),
    ("audit", "GET /audit/time-travel/employees/{nip}"): row(
        own_audit(no("time_travel_forbidden"))
    ),
    ("audit", "GET /audit/time-travel/opds/{opd_id}"): row(OPD_HISTORY),
    # the web gateway's own routes (the demo is on) -----------------------------------------
    ("web", "GET /auth/demo-personas"): row(PUBLIC),
    ("web", "POST /auth/demo-login"): row(PUBLIC),
    ("web", "GET /auth/demo/{key}"): row(PUBLIC),
    ("web", "GET /web/readiness/{opd_id}"): row(OPD_STUDY),
    # single sign-on, off here (no provider configured): its flow answers 404 to everyone
    ("web", "GET /auth/methods"): row(PUBLIC),
    ("web", "GET /auth/login"): row(SSO_OFF),
    ("web", "GET /auth/callback"): row(SSO_OFF),
    ("web", "GET /auth/logout"): row(PUBLIC, 303),
    ("web", "GET /auth/me"): row(TOKEN_ECHO),
}
"""Every route of every service (``(service, "METHOD /path")``) and who gets what from it."""
