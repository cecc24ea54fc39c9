"""A refusal: what the rules of the platform refuse, said the same way everywhere.

A :class:`Refusal` carries a stable ``code`` (clients and auditors key on it), the reason in
Bahasa Indonesia and in English, optional ``details`` (the fields or rows concerned) and its
:class:`RefusalKind`: what sort of refusal it is, never an HTTP status. Domain code raises (or
returns) it; the HTTP edge maps the kind to a status and answers the standard error body, and
a consumer records the code and both messages in an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

__all__ = ["Refusal", "RefusalKind"]


class RefusalKind(StrEnum):
    """What sort of refusal it is; the edge answers each with one HTTP status."""

    INVALID = "invalid"
    """What was asked breaks a rule of its content (the edge answers 422)."""
    FORBIDDEN = "forbidden"
    """The caller may not do this (403)."""
    NOT_FOUND = "not_found"
    """What was asked about is not known (404)."""
    CONFLICT = "conflict"
    """The present state does not allow it (409)."""
    TOO_LARGE = "too_large"
    """The answer or the work asked for is beyond what the platform does at once (413)."""


class Refusal(Exception):
    """A refusal the caller can understand and fix: a code and both messages, no status."""

    def __init__(
        self,
        kind: RefusalKind,
        code: str,
        message_id: str,
        message_en: str,
        details: Sequence[Any] = (),
    ) -> None:
        super().__init__(message_en)
        self.kind = kind
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details: list[Any] = list(details)

    def __repr__(self) -> str:
        return f"Refusal({self.kind.value}, {self.code!r}, {self.message_en!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Refusal):
            return NotImplemented
        return (self.kind, self.code, self.message_id, self.message_en, self.details) == (
            other.kind,
            other.code,
            other.message_id,
            other.message_en,
            other.details,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.code, self.message_id, self.message_en))
