"""Verification reads the store ahead of the comparison by chunks of runs: the chunks cover
every run once, in order, the first ones small; each run gets exactly its leaves and the
archive rows of its own spans out of its chunk."""

from __future__ import annotations

from itertools import pairwise

import orjson

from services.audit.domain.run_columns import ArchiveRows
from services.audit.domain.sealed_rows import SealedBlock
from services.audit.verifier import (
    ARCHIVE_CHUNK_RUNS,
    ARCHIVE_CHUNKS,
    _ArchiveAhead,
    _Chunk,
    _chunk_sizes,
    _Run,
)


def _block(
    number: int, first: int, size: int, ranges: list[tuple[str, int, int, int]]
) -> SealedBlock:
    return SealedBlock(
        number, first, size, first + size, orjson.dumps(ranges).decode(), "", "", "", "", "", ""
    )


def test_chunks_cover_every_run_once_in_order_the_first_ones_small() -> None:
    runs = [_Run([_block(i, i * 10, 10, [("t", 0, i * 10, i * 10 + 10)])]) for i in range(17)]
    ahead = _ArchiveAhead(None, runs)  # type: ignore[arg-type]
    assert [i for chunk in ahead.chunks for i in chunk] == list(range(17))
    sizes = [len(chunk) for chunk in ahead.chunks]
    assert sizes[: len(ARCHIVE_CHUNKS)] == list(ARCHIVE_CHUNKS)
    assert all(size <= ARCHIVE_CHUNK_RUNS for size in sizes)
    assert [ahead.chunk_of[i] for i in ahead.chunks[-1]] == [len(ahead.chunks) - 1] * sizes[-1]


def test_the_last_chunks_shrink_to_one_run_so_that_little_is_compared_after_the_reads() -> None:
    for runs in range(60):
        sizes = _chunk_sizes(runs)
        assert sum(sizes) == runs
        assert all(0 < size <= ARCHIVE_CHUNK_RUNS for size in sizes)
        if runs:
            assert sizes[-1] == 1
            # each chunk is read while the one before it is compared: never much longer
            assert all(later <= earlier + 1 for earlier, later in pairwise(sizes))
    assert _chunk_sizes(10) == [1, 2, 3, 2, 1, 1]


async def test_a_run_gets_the_archive_rows_of_its_own_spans() -> None:
    runs = [
        _Run([_block(0, 0, 3, [("t", 0, 0, 2), ("t", 1, 0, 1)])]),
        _Run([_block(1, 3, 3, [("t", 0, 2, 4), ("t", 1, 1, 2)])]),
    ]
    ahead = _ArchiveAhead(None, runs)  # type: ignore[arg-type]
    rows = ArchiveRows([0, 1, 1, 2, 3, 5], list("abcdef"), list("ABCDEF"), [1, 1, 0, 1, 1, 1])
    asked = []

    async def read(_before: object, chunk: int, _wanted: object) -> _Chunk:
        asked.append(chunk)
        leaves = {i: {"leaf_index": [runs[i].blocks[0].first_index]} for i in ahead.chunks[chunk]}
        return _Chunk(leaves, {("t", 0): rows})

    ahead._read = read  # type: ignore[method-assign, assignment]
    first_leaves, first = await ahead.rows_for(0)
    assert first_leaves == {"leaf_index": [0]}
    assert first[("t", 0)].offsets == [0, 1, 1]
    assert first[("t", 0)].ok == [1, 1, 0]
    assert ("t", 1) not in first
    second_leaves, second = await ahead.rows_for(1)
    assert second_leaves == {"leaf_index": [3]}
    assert asked == [0, 1]
    assert second[("t", 0)].offsets == [2, 3]
    assert second[("t", 0)].event_ids == ["d", "e"]
    ahead.cancel()
