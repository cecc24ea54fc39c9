"""Verification names what it finds, pure: an event rewritten together with both its stored
hashes is named from the tree nodes stored at sealing (a forger who rewrites those too gets
the block named, never a wrong event); a copy of a sealed event at a position not sealed is
named; a sealed offset below its partition's log start is gone by retention, apart from one
removed inside the retained range. The fast paths give the mapper's verdicts."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.domain.archived_copies import archived_copies, archived_copy
from services.audit.domain.merkle import MerkleTree, leaf_hash, merkle_root
from services.audit.domain.sealed_rows import (
    _DERIVED_COLUMNS,
    _comparable,
    archived_row_of,
    kafka_content,
    leaf_hashes,
    record_content,
)
from services.audit.domain.sealed_tree import (
    Frontier,
    block_nodes,
    root_of,
    sealed_leaf_hashes,
)
from services.audit.domain.verification import Kind
from tests.unit.test_audit_verification import GARBAGE, TOPIC, Log, _named, build_log


@pytest.fixture
def log() -> Log:
    return build_log()


def _rewrite_payload_and_hashes(log: Log, place: tuple[str, int, int]) -> str:
    """The forger's edit: the event's bytes, the archive's hash and the sealed leaf's hash."""
    row = log.row(place)
    row["raw"] = row["raw"].replace("Menyusun", "Mengarang")
    digest = hashlib.sha256(row["raw"].encode()).hexdigest()
    row["sha256"] = digest
    index = next(i for i, leaf in enumerate(log.leaves) if leaf.place == place)
    log.leaves[index] = log.leaves[index]._replace(sha256=digest)
    return log.ids[place]


# --- an event rewritten with both its stored hashes -------------------------------------------


@pytest.mark.parametrize("kafka", [False, True], ids=["archive", "kafka"])
def test_an_event_rewritten_with_both_hashes_is_named(log: Log, kafka: bool) -> None:
    event_id = _rewrite_payload_and_hashes(log, (TOPIC, 1, 2))
    report = log.verify(kafka=kafka)
    assert _named(report) == {
        ("manifest_altered", event_id, None),  # the sealed leaf no longer is the one sealed
        ("manifest_altered", None, None),  # the block's root
        ("altered", event_id, None),  # the archived event
    }
    named = [f for f in report.findings if f.event_id == event_id]
    assert all((f.topic, f.partition, f.offset) == (TOPIC, 1, 2) for f in named)
    assert {f.reason for f in named} == (
        {"leaf", "content"} if kafka else {"leaf_nodes", "content"}
    )
    assert event_id in named[0].message("id") and event_id in named[0].message("en")


def test_two_events_rewritten_in_one_block_are_both_named(log: Log) -> None:
    first = _rewrite_payload_and_hashes(log, (TOPIC, 0, 0))
    second = _rewrite_payload_and_hashes(log, (TOPIC, 0, 2))
    altered = {f.event_id for f in log.verify(kafka=False).findings if f.kind == Kind.ALTERED}
    assert altered == {first, second}


def test_a_forger_who_rewrites_the_stored_nodes_too_gets_the_block_named_only(log: Log) -> None:
    place = (TOPIC, 1, 2)
    _rewrite_payload_and_hashes(log, place)
    leaf = next(leaf for leaf in log.leaves if leaf.place == place)
    block = next(b for b in log.blocks if b.block == leaf.block)
    nodes = bytearray(base64.b64decode(log.nodes[block.block]))
    at = (leaf.leaf_index - block.first_index) * 32
    nodes[at : at + 32] = leaf.hash()  # the leaf's own stored node, consistent with the forgery
    log.nodes[block.block] = base64.b64encode(bytes(nodes)).decode()
    report = log.verify(kafka=False)
    # its parent no longer hashes to what the signed root vouches for: nothing can be named
    # below the block, and no other event is blamed
    assert _named(report) == {("manifest_altered", None, None)}


def test_a_log_sealed_without_nodes_still_names_the_block(log: Log) -> None:
    _rewrite_payload_and_hashes(log, (TOPIC, 1, 2))
    log.nodes.clear()
    assert _named(log.verify(kafka=False)) == {("manifest_altered", None, None)}


def test_an_edited_manifest_leaf_is_named_from_the_nodes_and_the_archive_is_intact(
    log: Log,
) -> None:
    place = (TOPIC, 0, 4)
    index = next(i for i, leaf in enumerate(log.leaves) if leaf.place == place)
    log.leaves[index] = log.leaves[index]._replace(sha256="ab" * 32)
    assert _named(log.verify(kafka=False)) == {
        ("manifest_altered", log.ids[place], None),
        ("manifest_altered", None, None),
    }


# --- a copy of a sealed event at a position not sealed ----------------------------------------


def _copy_to(log: Log, source: tuple[str, int, int], offset: int) -> str:
    copy = dict(log.row(source), offset=offset)
    log.archive.append(copy)
    return log.ids[source]


@pytest.mark.parametrize("kafka", [False, True], ids=["archive", "kafka"])
def test_a_copy_of_a_sealed_event_at_an_unsealed_offset_is_named(log: Log, kafka: bool) -> None:
    event_id = _copy_to(log, (TOPIC, 0, 1), offset=40)
    report = log.verify(kafka=kafka)
    assert _named(report) == {("inserted", event_id, event_id)}
    (finding,) = report.findings
    assert (finding.reason, finding.offset, finding.detail) == (
        "duplicate_sealed",
        40,
        f"{TOPIC}/0@1",
    )
    assert f"{TOPIC}/0@1" in finding.message("en") and "tersegel" in finding.message("id")


def test_a_copy_of_a_sealed_event_in_another_partition_is_named(log: Log) -> None:
    event_id = _copy_to(log, (TOPIC, 1, 3), offset=0)
    copy = log.archive[-1]
    copy["partition"] = 7
    assert _named(log.verify(kafka=False)) == {("inserted", event_id, event_id)}


def test_the_same_event_that_kafka_holds_twice_is_not_named(log: Log) -> None:
    """A producer that sent one event twice: Kafka holds both, the second not sealed yet."""
    source = (TOPIC, 1, 3)
    event_id = _copy_to(log, source, offset=6)
    log.kafka[(TOPIC, 1)][6] = log.kafka[(TOPIC, 1)][3]
    log.end[(TOPIC, 1)] = 7
    report = log.verify(kafka=True)
    assert report.ok, [f.message("en") for f in report.findings]
    assert report.totals.pending == 1
    # without Kafka nothing says the broker holds it: named
    assert _named(log.verify(kafka=False)) == {("inserted", event_id, event_id)}


# --- Kafka: retention apart from removal ------------------------------------------------------


def test_offsets_below_the_log_start_are_gone_by_retention(log: Log) -> None:
    for offset in (0, 1, 2):
        del log.kafka[(TOPIC, 0)][offset]
    log.log_start[(TOPIC, 0)] = 3  # GARBAGE (offset 3) is where the broker now starts
    report = log.verify()
    assert _named(report) == {
        ("gone_by_retention", log.ids[(TOPIC, 0, o)], None) for o in (0, 1, 2)
    }
    assert {f.reason for f in report.findings} == {"retention"}
    assert "retention" in report.findings[0].message("en")
    assert "retensi" in report.findings[0].message("id")


def test_an_offset_removed_inside_the_retained_range_is_not_retention(log: Log) -> None:
    del log.kafka[(TOPIC, 1)][4]
    (finding,) = log.verify().findings
    assert (finding.kind, finding.reason, finding.event_id) == (
        Kind.MISSING_ON_KAFKA,
        "removed",
        log.ids[(TOPIC, 1, 4)],
    )


def test_an_offset_past_the_partitions_end_is_named(log: Log) -> None:
    del log.kafka[(TOPIC, 1)][5]
    log.end[(TOPIC, 1)] = 5
    (finding,) = log.verify().findings
    assert (finding.kind, finding.reason) == (Kind.MISSING_ON_KAFKA, "beyond_end")


def test_leaf_hashes_inline_are_each_leafs_hash(log: Log) -> None:
    assert leaf_hashes(log.leaves) == [leaf.hash() for leaf in log.leaves]


def test_a_record_fast_path_confirms_only_the_sealed_bytes(log: Log) -> None:
    raw = log.kafka[(TOPIC, 1)][2]
    sealed = kafka_content(TOPIC, 1, 2, raw)
    assert sealed is not None
    assert record_content(TOPIC, 1, 2, raw, sealed) == sealed
    other = (sealed[0], "0" * 64)
    assert record_content(TOPIC, 1, 2, raw, other) == sealed  # the mapper decides
    garbage = log.kafka[(TOPIC, 0)][GARBAGE[2]]
    assert record_content(TOPIC, 0, GARBAGE[2], garbage, sealed) is None


# --- the fast archive check gives the mapper's verdict ----------------------------------------


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the store gives it back: instants as text, ``raw`` base64."""
    out = dict(row)
    for column in ("occurred_at", "recorded_at"):
        value = row[column]
        if isinstance(value, datetime):
            out[column] = value.astimezone(UTC).isoformat(" ", "milliseconds")[:-6]
    out["raw"] = base64.b64encode(row["raw"].encode()).decode()
    return out


def _mapper_verdict(row: dict[str, Any]) -> tuple[str, ...]:
    raw = row["raw"].encode()
    expected = archived_row_of(row["topic"], row["partition"], row["offset"], raw)
    if expected is None:
        return ("raw",)
    return tuple(c for c in _DERIVED_COLUMNS if _comparable(row[c]) != _comparable(expected[c]))


EDITS: dict[str, Any] = {
    "untouched": lambda r: None,
    "subject": lambda r: r.update(subject="199001012020121001"),
    "causation": lambda r: r.update(causation_id="evt-cause"),
    "version": lambda r: r.update(schema_version=r["schema_version"] + 1),
    "occurred": lambda r: r.update(occurred_at=datetime(2020, 1, 1, tzinfo=UTC)),
    "hash": lambda r: r.update(sha256="0" * 64),
    "lowercase id in raw": lambda r: r.update(
        raw=r["raw"].replace(r["event_id"], r["event_id"].lower())
    ),
    "offset instant in raw": lambda r: r.update(
        raw=r["raw"].replace('"occurred_at":"2', '"occurred_at":"2', 1)
    ),
    "not an event": lambda r: r.update(raw='{"event_id": 1}'),
    "payload first": lambda r: r.update(raw='{"payload":{},' + r["raw"][1:]),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_fast_archive_check_gives_the_mappers_verdict(log: Log, edit: str) -> None:
    row = dict(log.archive[0])
    EDITS[edit](row)
    verdict = _mapper_verdict(row)
    stored = _stored(row)
    one = archived_copy(dict(stored, raw=base64.b64decode(stored["raw"])))
    (columnar,) = archived_copies({k: [v] for k, v in stored.items()})
    assert one.bad_columns == columnar.bad_columns == verdict
    assert one.sha256 == columnar.sha256 == hashlib.sha256(row["raw"].encode()).hexdigest()


# --- the stored tree nodes ----------------------------------------------------------------------


@given(st.lists(st.integers(1, 40), min_size=1, max_size=8))
def test_stored_nodes_give_every_sealed_leaf(block_sizes: list[int]) -> None:
    tree, frontier = MerkleTree(), Frontier()
    for n, size in enumerate(block_sizes):
        hashes = [leaf_hash(f"{n}-{i}".encode()) for i in range(size)]
        first = tree.size
        tree.extend(hashes)
        stored = block_nodes(tree, first, tree.size)
        assert sealed_leaf_hashes(frontier, tree.size, stored, tree.root()) == hashes
        assert sealed_leaf_hashes(frontier, tree.size, stored, b"\0" * 32) is None
        assert root_of(hashes) == merkle_root(hashes)
        frontier.extend(hashes)
        assert frontier.root() == tree.root()


@given(st.lists(st.integers(0, 70), max_size=6))
def test_a_frontier_extended_at_once_is_one_extended_leaf_by_leaf(sizes: list[int]) -> None:
    at_once, one_by_one = Frontier(), Frontier()
    for n, size in enumerate(sizes):
        hashes = [leaf_hash(f"{n}-{i}".encode()) for i in range(size)]
        at_once.extend(hashes)
        for leaf in hashes:
            one_by_one.append(leaf)
        assert at_once.size == one_by_one.size
        assert at_once.root() == one_by_one.root()
        assert at_once.nodes() == one_by_one.nodes()


def test_a_rewritten_stored_leaf_node_is_not_trusted() -> None:
    tree, frontier = MerkleTree(), Frontier()
    early = [leaf_hash(bytes([i])) for i in range(5)]
    tree.extend(early)
    frontier.extend(early)
    hashes = [leaf_hash(bytes([100 + i])) for i in range(6)]
    tree.extend(hashes)
    stored = bytearray(base64.b64decode(block_nodes(tree, 5, 11)))
    stored[2 * 32 : 3 * 32] = b"\x11" * 32  # leaf 7
    located = sealed_leaf_hashes(
        frontier, 11, base64.b64encode(bytes(stored)).decode(), tree.root()
    )
    assert located is not None
    assert located[1] is None and located[2] is None  # leaf 7 and its sibling, leaf 6
    assert [h for i, h in enumerate(located) if i not in (1, 2)] == [
        h for i, h in enumerate(hashes) if i not in (1, 2)
    ]
