"""Time-ordered identifiers (ULIDs) for events, correlations and aggregates."""

from __future__ import annotations

import hashlib
import os
import threading
import time

_RANDOM_BITS = 80
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
"""Every 10-bit value as its two Crockford base32 characters."""
_SHIFTS = range(120, -1, -10)


def _text(value: int) -> str:
    """A 128-bit ULID as its 26 characters, as ``str(ULID.from_int(value))`` writes it (the
    first character holds the top 3 bits), several times faster: a roster import mints two
    per event."""
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


class _MonotonicUlids:
    """Thread-safe ULID source whose output strictly increases within this process.

    A ULID is 48 bits of Unix milliseconds followed by 80 random bits, encoded as 26 Crockford
    base32 characters, so its string form sorts by creation time. Plain random ULIDs made in the
    same millisecond sort arbitrarily; this generator instead increments the random part of the
    previous ULID in that case (the "monotonic" variant of the ULID spec). If the wall clock steps
    backwards the previous millisecond is reused, so ids never go backwards either.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def next(self) -> str:
        with self._lock:
            now_ms = time.time_ns() // 1_000_000
            if now_ms > self._last_ms:
                random_part = int.from_bytes(os.urandom(_RANDOM_BITS // 8), "big")
            else:
                now_ms = self._last_ms
                random_part = self._last_random + 1
                if random_part > _RANDOM_MAX:  # 2**80 ids in one millisecond: borrow the next
                    now_ms += 1
                    random_part = 0
            self._last_ms = now_ms
            self._last_random = random_part
        return _text((now_ms << _RANDOM_BITS) | random_part)


_ULIDS = _MonotonicUlids()


def new_ulid() -> str:
    """Return a new ULID string (26 upper-case Crockford base32 characters).

    Ids from one process strictly increase, so sorting them as strings sorts them by creation
    time; across processes they sort by creation millisecond.
    """
    return _ULIDS.next()


def derived_ulid(seed: str, at_ms: int) -> str:
    """A ULID fixed by ``seed``: the time part is ``at_ms``, the random part a hash of the seed.

    For events whose identity follows from what they are about (an anomaly of one kind, for
    one employee, on one day): publishing one twice gives the same event id, so consumers that
    keep events by id keep it once.
    """
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    random_part = int.from_bytes(digest[: _RANDOM_BITS // 8], "big")
    at_ms = min(max(at_ms, 0), (1 << 48) - 1)
    return _text((at_ms << _RANDOM_BITS) | random_part)
