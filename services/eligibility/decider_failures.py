"""What the decider does when a command cannot be decided: wait, or record a refusal.

A failure is either

* **transient**: Kafka (or a store server) is away. The command is kept and tried again with
  backoff; that is an outage, and the partition resumes when the broker is back; or
* **deterministic**: the same command would fail the same way every time (a record that is
  no valid command, an exception in the rules, an outcome too large for the broker, an
  outcome that does not validate). Retrying would stop every later command of the partition,
  so the command ends as a recorded outcome: a ``WfaActionRefused`` with one of the codes
  below, and the command on the dead-letter topic with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiokafka.errors import MessageSizeTooLargeError
from pydantic import ValidationError

INVALID_COMMAND: Final = "invalid_command"
OUTCOME_TOO_LARGE: Final = "outcome_too_large"
INVALID_OUTCOME: Final = "invalid_outcome"
INTERNAL_ERROR: Final = "internal_error"

_ACTION_ID = {
    "submit": "Pengajuan",
    "approve": "Persetujuan",
    "reject": "Penolakan",
    "cancel": "Pembatalan",
}
_ACTION_EN = {
    "submit": "The submission of",
    "approve": "The approval of",
    "reject": "The rejection of",
    "cancel": "The cancellation of",
}


@dataclass(frozen=True, slots=True)
class DecisionFailure:
    """A deterministic failure as the refusal that records it."""

    code: str
    message_id: str
    message_en: str
    reason: str
    """For the dead-letter record and the log: what failed, technically."""


def invalid_command(kind: str, request_id: str) -> tuple[str, str]:
    """(message_id, message_en) refusing a command record that does not validate."""
    return (
        f"{_ACTION_ID.get(kind, 'Perintah')} permohonan {request_id} tidak valid (di luar "
        "batas data yang diterima) sehingga tidak dapat diproses; tidak ada yang diterapkan.",
        f"{_ACTION_EN.get(kind, 'The command on')} request {request_id} is invalid (beyond the "
        "bounds of accepted data) and could not be processed; nothing was applied.",
    )


def failure_of(exc: BaseException, *, kind: str, request_id: str) -> DecisionFailure:
    """The refusal recording ``exc``, a deterministic failure of a ``kind`` command."""
    what_id = f"{_ACTION_ID.get(kind, 'Perintah')} permohonan {request_id}"
    what_en = f"{_ACTION_EN.get(kind, 'The command on')} request {request_id}"
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MessageSizeTooLargeError):
        return DecisionFailure(
            OUTCOME_TOO_LARGE,
            f"{what_id} tidak dapat dicatat karena hasilnya melebihi batas ukuran pesan; "
            "tidak ada yang diterapkan. Perpendek alasan atau rencana kerja lalu ajukan ulang.",
            f"{what_en} could not be recorded because its outcome exceeds the message size "
            "limit; nothing was applied. Shorten the reason or the work plan and try again.",
            reason,
        )
    if isinstance(exc, ValidationError):
        return DecisionFailure(
            INVALID_OUTCOME,
            f"{what_id} menghasilkan data yang tidak valid sehingga tidak dapat dicatat; "
            "tidak ada yang diterapkan. Periksa isian lalu ajukan ulang.",
            f"{what_en} produced invalid data and could not be recorded; nothing was "
            "applied. Check the input and try again.",
            reason,
        )
    return DecisionFailure(
        INTERNAL_ERROR,
        f"{what_id} tidak dapat diproses karena kesalahan internal ({type(exc).__name__}); "
        "tidak ada yang diterapkan. Hubungi admin BKD/BKPSDM jika terulang.",
        f"{what_en} could not be processed because of an internal error "
        f"({type(exc).__name__}); nothing was applied. Contact the BKD/BKPSDM admin if it "
        "happens again.",
        reason,
    )
