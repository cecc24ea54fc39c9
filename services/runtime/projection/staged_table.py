"""Writes to a faust table held back until the outcomes they follow are acknowledged.

The decider decides a batch of commands before it publishes their outcomes. What a command
holds must be visible to the next command of the batch at once, but must reach the table (and
its changelog) only after the outcome is acknowledged, so that a crash in between never leaves
a hold whose outcome was lost. :class:`StagedTable` reads its staged writes back and sends them
when committed, each under the command that made it (faust writes a key's change to the
changelog partition of the event being processed).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from faust import streams


@contextmanager
def processing(event: Any) -> Iterator[None]:
    """Make ``event`` faust's current event, as its own stream iteration does."""
    token = streams._current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        streams._current_event.reset(token)


class StagedTable:
    """A faust table's ``get`` and ``[key] = value``, with writes staged until :meth:`commit`."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self._staged: dict[str, tuple[Any, Any]] = {}
        """key -> (value, the event being processed when it was written)."""

    def get(self, key: str) -> Any:
        staged = self._staged.get(key)
        if staged is not None:
            return staged[0]
        return self.table.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._staged[key] = (value, streams.current_event())

    def commit(self) -> None:
        """Write every staged value to the table, under the event that staged it."""
        staged, self._staged = self._staged, {}
        for key, (value, event) in staged.items():
            with processing(event):
                self.table[key] = value

    def discard(self) -> None:
        self._staged.clear()
