"""Approved WFA days by (NIP, day), kept from the request log.

A request names a NIP and its days; once approved, each of those days is a WFA day of that NIP
until the request is rejected or cancelled. A later approval covering the same day replaces
the earlier one on that day; withdrawing the earlier request then leaves the later one in
place. What a service keeps per approved day (the approved location, the work plan, ...) is
its own: it hands it over with the request, and gets it back per (NIP, day).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

__all__ = ["Approval", "ApprovedDays"]


class Approval(Protocol):
    """What a service keeps per approved day: at least the request it comes from."""

    @property
    def request_id(self) -> str: ...


A = TypeVar("A", bound=Approval)


@dataclass(frozen=True, slots=True)
class _Requested(Generic[A]):
    nip: str
    dates: tuple[date, ...]
    approval: A


class ApprovedDays(Generic[A]):
    """Requests awaiting a decision and the approved days they cover (no I/O)."""

    __slots__ = ("_approved", "_days", "_requested")

    def __init__(self) -> None:
        self._requested: dict[str, _Requested[A]] = {}
        self._approved: dict[tuple[str, date], A] = {}
        self._days: dict[str, tuple[str, tuple[date, ...]]] = {}

    def requested(self, nip: str, dates: tuple[date, ...], approval: A) -> None:
        """A request of ``nip`` for ``dates``; ``approval`` is what its approval covers."""
        self._requested[approval.request_id] = _Requested(nip, dates, approval)

    def approved(self, request_id: str) -> None:
        """The request is approved: each of its days is now a WFA day of its NIP."""
        requested = self._requested.pop(request_id, None)
        if requested is None:
            return
        for day in requested.dates:
            self._approved[(requested.nip, day)] = requested.approval
        self._days[request_id] = (requested.nip, requested.dates)

    def withdrawn(self, request_id: str) -> None:
        """The request is rejected or cancelled: its days are no longer approved by it."""
        self._requested.pop(request_id, None)
        approved = self._days.pop(request_id, None)
        if approved is None:
            return
        nip, days = approved
        for day in days:
            current = self._approved.get((nip, day))
            if current is not None and current.request_id == request_id:
                del self._approved[(nip, day)]

    def on(self, nip: str, day: date) -> A | None:
        """The approved, not withdrawn request covering ``day`` for ``nip``, if any."""
        return self._approved.get((nip, day))

    def forget(self, gone: Callable[[date], bool]) -> None:
        """Forget the days for which ``gone`` is true, and the requests left with none."""
        for key in [k for k in self._approved if gone(k[1])]:
            del self._approved[key]
        for request_id, (_, days) in list(self._days.items()):
            if all(gone(day) for day in days):
                del self._days[request_id]
        for request_id, requested in list(self._requested.items()):
            if all(gone(day) for day in requested.dates):
                del self._requested[request_id]
