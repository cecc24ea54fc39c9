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
from collections.abc import Collection, Iterator
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
        self._staged: dict[str, list[tuple[Any, Any]]] = {}
        """key -> every staged (value, the event being processed when it was written), in
        order: the last is what :meth:`get` reads back."""

    def get(self, key: str) -> Any:
        staged = self._staged.get(key)
        if staged:
            return staged[-1][0]
        return self.table.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._staged.setdefault(key, []).append((value, streams.current_event()))

    def commit(self, events: Collection[Any] | None = None) -> None:
        """Write the staged values to the table, each under the event that staged it.

        ``events``: only the writes of these events (compared by identity) are kept, and a
        key gets the last value one of them wrote; the other writes are dropped, as if their
        events had not been processed. None: every write.
        """
        staged, self._staged = self._staged, {}
        kept = None if events is None else {id(event) for event in events}
        for key, writes in staged.items():
            if kept is not None:
                writes = [write for write in writes if id(write[1]) in kept]
                if not writes:
                    continue
            value, event = writes[-1]
            with processing(event):
                self.table[key] = value

    def discard(self) -> None:
        self._staged.clear()
