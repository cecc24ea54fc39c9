"""The request workflow after the decision: who may approve, reject or cancel, and when.

Pure. The HTTP edge calls :func:`check_action` to answer at once (a forbidden refusal 403, a
conflict 409), and the decider calls it again when the command's turn comes, because the
request may have changed meanwhile; it records the refusal's code and both messages.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Literal

from kernel.date_text import format_date
from kernel.messages import Bilingual, bilingual
from kernel.refusal import Refusal, RefusalKind
from kernel.working_time import UTC_OFFSET_HOURS, TimeZoneCode
from services.eligibility.messages import MESSAGES

Action = Literal["approve", "reject", "cancel"]


def local_today(now: datetime, tz: TimeZoneCode) -> date:
    """The calendar day at ``now`` in an Indonesian time zone."""
    return now.astimezone(timezone(timedelta(hours=UTC_OFFSET_HOURS[tz]))).date()


_STATUS_TEXT = {
    "submitted": MESSAGES.text("status.submitted"),
    "pending": MESSAGES.text("status.pending"),
    "not_eligible": MESSAGES.text("status.not_eligible"),
    "approved": MESSAGES.text("status.approved"),
    "rejected": MESSAGES.text("status.rejected"),
    "cancelled": MESSAGES.text("status.cancelled"),
    "refused": MESSAGES.text("status.refused"),
}
"""A request's status as the refusals say it (an unknown status is said as its code)."""


def _wrong_status(request_id: str, status: str, action: Action) -> Refusal:
    state = _STATUS_TEXT.get(status, Bilingual(status, status))
    if action == "cancel":
        return MESSAGES.refusal(
            RefusalKind.CONFLICT, "request_not_cancellable", request_id=request_id, status=state
        )
    verb = MESSAGES.text("verb.approve") if action == "approve" else MESSAGES.text("verb.reject")
    return MESSAGES.refusal(
        RefusalKind.CONFLICT, "request_not_pending", request_id=request_id, status=state, verb=verb
    )


def check_action(
    action: Action,
    *,
    request_id: str,
    status: str,
    requester_nip: str,
    first_day: date,
    actor_nip: str,
    supervisor_nip: str | None,
    today: date,
) -> Refusal | None:
    """None when ``actor_nip`` may apply ``action`` to the request now, else the refusal."""
    first = bilingual(lambda lang: format_date(first_day, lang))
    if action in ("approve", "reject"):
        if supervisor_nip is None or actor_nip != supervisor_nip:
            supervisor = (
                Bilingual(supervisor_nip, supervisor_nip)
                if supervisor_nip
                else MESSAGES.text("supervisor.none_recorded")
            )
            return MESSAGES.refusal(
                RefusalKind.FORBIDDEN,
                "not_supervisor_of_record",
                supervisor=supervisor,
                request_id=request_id,
            )
        if status != "pending":
            return _wrong_status(request_id, status, action)
        if action == "approve" and today > first_day:
            return MESSAGES.refusal(
                RefusalKind.CONFLICT, "request_expired", request_id=request_id, first_day=first
            )
        return None
    if actor_nip != requester_nip:
        return MESSAGES.refusal(
            RefusalKind.FORBIDDEN, "not_requester", requester=requester_nip, request_id=request_id
        )
    if status not in ("pending", "approved"):
        return _wrong_status(request_id, status, action)
    if today >= first_day:
        return MESSAGES.refusal(
            RefusalKind.CONFLICT, "too_late_to_cancel", request_id=request_id, first_day=first
        )
    return None
