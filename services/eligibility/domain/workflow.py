"""The request workflow after the decision: who may approve, reject or cancel, and when.

Pure. The HTTP edge calls :func:`check_action` to answer at once with 403/409, and the decider
calls it again when the command's turn comes, because the request may have changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from kernel.date_text import format_date
from kernel.working_time import UTC_OFFSET_HOURS, TimeZoneCode

Action = Literal["approve", "reject", "cancel"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action cannot be applied; ``http_status`` is what the edge answers."""

    http_status: int
    code: str
    message_id: str
    message_en: str


def local_today(now: datetime, tz: TimeZoneCode) -> date:
    """The calendar day at ``now`` in an Indonesian time zone."""
    return now.astimezone(timezone(timedelta(hours=UTC_OFFSET_HOURS[tz]))).date()


_STATUS_ID = {
    "submitted": "belum diputuskan",
    "pending": "menunggu persetujuan",
    "not_eligible": "tidak memenuhi syarat",
    "approved": "sudah disetujui",
    "rejected": "sudah ditolak",
    "cancelled": "sudah dibatalkan",
    "refused": "ditolak sistem saat diajukan",
}
_STATUS_EN = {
    "submitted": "not decided yet",
    "pending": "awaiting approval",
    "not_eligible": "not eligible",
    "approved": "already approved",
    "rejected": "already rejected",
    "cancelled": "already cancelled",
    "refused": "refused by the system when submitted",
}


def _wrong_status(request_id: str, status: str, action: Action) -> Refusal:
    verb_id = {"approve": "disetujui", "reject": "ditolak", "cancel": "dibatalkan"}[action]
    verb_en = {"approve": "approved", "reject": "rejected", "cancel": "cancelled"}[action]
    return Refusal(
        409,
        "request_not_pending" if action != "cancel" else "request_not_cancellable",
        f"Permohonan {request_id} {_STATUS_ID.get(status, status)}, sehingga tidak dapat "
        f"{verb_id}.",
        f"Request {request_id} is {_STATUS_EN.get(status, status)}, so it cannot be {verb_en}.",
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
    """None when ``actor_nip`` may apply ``action`` to the request now."""
    if action in ("approve", "reject"):
        if supervisor_nip is None or actor_nip != supervisor_nip:
            return Refusal(
                403,
                "not_supervisor_of_record",
                f"Hanya atasan langsung yang tercatat ({supervisor_nip or 'belum tercatat'}) "
                f"yang dapat memutuskan permohonan {request_id}.",
                f"Only the supervisor of record ({supervisor_nip or 'none recorded'}) may "
                f"decide request {request_id}.",
            )
        if status != "pending":
            return _wrong_status(request_id, status, action)
        if action == "approve" and today > first_day:
            return Refusal(
                409,
                "request_expired",
                f"Hari pertama permohonan {request_id} ({format_date(first_day, 'id')}) sudah "
                "lewat; persetujuan diberikan sebelum pelaksanaan.",
                f"The first day of request {request_id} ({format_date(first_day, 'en')}) has "
                "passed; approval is given before the day.",
            )
        return None
    if actor_nip != requester_nip:
        return Refusal(
            403,
            "not_requester",
            f"Hanya pemohon ({requester_nip}) yang dapat membatalkan permohonan {request_id}.",
            f"Only the requester ({requester_nip}) may cancel request {request_id}.",
        )
    if status not in ("pending", "approved"):
        return _wrong_status(request_id, status, action)
    if today >= first_day:
        return Refusal(
            409,
            "too_late_to_cancel",
            f"Permohonan {request_id} hanya dapat dibatalkan sebelum hari pertamanya "
            f"({format_date(first_day, 'id')}).",
            f"Request {request_id} can only be cancelled before its first day "
            f"({format_date(first_day, 'en')}).",
        )
    return None
