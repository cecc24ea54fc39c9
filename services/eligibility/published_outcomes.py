"""Outcomes this process's decider has had acknowledged by Kafka, for the edge waiting on them.

A call that sends a command waits for its outcome: the event whose id is the command id. The
request log replica (:meth:`~services.runtime.projection.replica.LocalReplica.expect`) wakes
it once the event is projected, whichever instance decided it; that takes the replica's poll
and two inserts into the store. When the command's partition is owned by this process's own
decider, the decider wakes the same future as soon as Kafka has acknowledged the outcome
(it is durable then), through :class:`PublishedOutcomes`. Whichever comes first answers; the
other finds the future done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from schemas import Envelope


class PublishedOutcomes:
    """Futures keyed by event id (a command id), resolved by the in-process decider."""

    def __init__(self) -> None:
        self._waiters: dict[str, list[asyncio.Future[Envelope]]] = {}

    def watch(self, event_id: str, future: asyncio.Future[Envelope]) -> None:
        """Resolve ``future`` with the event ``event_id`` once acknowledged; register it before
        the command is sent, and call :meth:`forget` when done waiting."""
        self._waiters.setdefault(event_id, []).append(future)

    def waiting(self) -> int:
        """Commands whose outcome a call of this process still waits for."""
        return len(self._waiters)

    def forget(self, event_id: str, future: asyncio.Future[Envelope]) -> None:
        waiting = self._waiters.get(event_id, [])
        if future in waiting:
            waiting.remove(future)
        if not waiting:
            self._waiters.pop(event_id, None)

    def acknowledged(self, envelopes: Iterable[Envelope]) -> None:
        """Kafka has acknowledged these outcomes: wake whoever waits for them."""
        if not self._waiters:
            return
        for envelope in envelopes:
            for future in self._waiters.pop(envelope.event_id, []):
                if not future.done():
                    future.set_result(envelope)
