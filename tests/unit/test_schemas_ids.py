"""ULIDs are written exactly as the ULID library writes them: pure, no I/O."""

from __future__ import annotations

import random

from ulid import ULID

from schemas.ids import _text, derived_ulid, new_ulid


def test_the_text_of_a_ulid_is_the_librarys() -> None:
    draw = random.Random(20251229)
    values = [0, 1, (1 << 128) - 1, 1 << 127, (1 << 80) - 1, 1 << 80]
    values += [draw.getrandbits(128) for _ in range(5000)]
    for value in values:
        assert _text(value) == str(ULID.from_int(value))


def test_new_and_derived_ulids_read_back_as_ulids() -> None:
    made = new_ulid()
    assert str(ULID.from_str(made)) == made
    derived = derived_ulid("seed", 1_764_547_200_000)
    assert ULID.from_str(derived).milliseconds == 1_764_547_200_000
    assert derived == derived_ulid("seed", 1_764_547_200_000)
