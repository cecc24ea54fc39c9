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

from kernel.messages import Bilingual
from services.eligibility.messages import MESSAGES

INVALID_COMMAND: Final = "invalid_command"
OUTCOME_TOO_LARGE: Final = "outcome_too_large"
INVALID_OUTCOME: Final = "invalid_outcome"
INTERNAL_ERROR: Final = "internal_error"

_COMMANDS = {
    "submit": MESSAGES.text("command.submit"),
    "approve": MESSAGES.text("command.approve"),
    "reject": MESSAGES.text("command.reject"),
    "cancel": MESSAGES.text("command.cancel"),
}
"""How a refusal names a command of each kind (any other: "the command on")."""


def _command(kind: str, request_id: str) -> Bilingual:
    action = _COMMANDS.get(kind) or MESSAGES.text("command.other")
    return MESSAGES.text("command_on_request", action=action, request_id=request_id)


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
    return MESSAGES.text("invalid_command", command=_command(kind, request_id))


def failure_of(exc: BaseException, *, kind: str, request_id: str) -> DecisionFailure:
    """The refusal recording ``exc``, a deterministic failure of a ``kind`` command."""
    command = _command(kind, request_id)
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MessageSizeTooLargeError):
        message = MESSAGES.text("outcome_too_large", command=command)
        return DecisionFailure(OUTCOME_TOO_LARGE, *message, reason)
    if isinstance(exc, ValidationError):
        message = MESSAGES.text("invalid_outcome", command=command)
        return DecisionFailure(INVALID_OUTCOME, *message, reason)
    message = MESSAGES.text("internal_error", command=command, error_type=type(exc).__name__)
    return DecisionFailure(INTERNAL_ERROR, *message, reason)
