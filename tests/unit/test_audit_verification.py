"""Verification of the sealed log, pure: a small log sealed as the sealer seals it, then each
kind of tampering (of the archive, the manifest, the chain, the checkpoints and Kafka) is named
with the event or block it touched, and an intact log gives no finding."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kernel.projection_rows import Position
from schemas import new_event, to_record
from schemas.events import GeoPoint, SharedPlace, WfaRequested, WorkTarget
from schemas.serialization import read_event
from services.audit.domain.archive import archive_row
from services.audit.domain.checkpoint import Checkpoint, public_key_text, sign_checkpoint
from services.audit.domain.merkle import MerkleTree, leaf_hash, merkle_root
from services.audit.domain.seal import SealedLeaf, advance, next_block
from services.audit.domain.sealed_tree import block_nodes
from services.audit.domain.verification import (
    ArchivedCopy,
    Content,
    Finding,
    Frontier,
    KafkaPartition,
    Kind,
    Leaf,
    LogVerifier,
    Report,
    SealedBlock,
    archived_copy,
    kafka_content,
)
from tests.support.province import new_nip

TOPIC = "wfa.requests.v1"
ORIGIN = "wfa-platform/audit"
GARBAGE = (TOPIC, 0, 3)
"""An undecodable record: never archived, never sealed, a gap inside its block's range."""

KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_text(KEY)


def _raw(i: int) -> bytes:
    nip = new_nip()
    payload = WfaRequested(
        request_id=f"req-{i}",
        nip=nip,
        work_unit_id="sekretariat",
        dates=[date(2026, 12, 1 + i % 28)],
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )
    value = to_record(new_event(payload, actor=nip, subject=nip, opd_id="opd-uji")).value
    assert value is not None
    return value


@dataclass
class Log:
    """A sealed log in memory, as the store and the broker would hold it."""

    blocks: list[SealedBlock]
    leaves: list[Leaf]
    archive: list[dict[str, Any]]
    kafka: dict[tuple[str, int], dict[int, bytes]]
    ids: dict[tuple[str, int, int], str] = field(default_factory=dict)
    nodes: dict[int, str] = field(default_factory=dict)
    """Per block, the tree nodes the sealer stores with it."""
    log_start: dict[tuple[str, int], int] = field(default_factory=dict)
    end: dict[tuple[str, int], int] = field(default_factory=dict)

    def verify(self, *, kafka: bool = True) -> Report:
        verifier = LogVerifier(PUBLIC, origin=ORIGIN, kafka=kafka)
        copies = [archived_copy(row) for row in self.archive]
        for block in self.blocks:
            ranges = block.parsed_ranges() or []
            inside = [
                c
                for c in copies
                if any(c.place[:2] == (t, p) and a <= c.offset < b for t, p, a, b in ranges)
            ]
            view = None
            if kafka:
                view = {
                    (t, p): KafkaPartition(
                        {
                            o: kafka_content(t, p, o, v)
                            for o, v in self.kafka.get((t, p), {}).items()
                            if a <= o < b
                        },
                        self.log_start.get((t, p), 0),
                        self.end[(t, p)],
                    )
                    for t, p, a, b in ranges
                }
            leaves = [leaf for leaf in self.leaves if leaf.block == block.block]
            verifier.check_block(block, leaves, inside, view, self.nodes.get(block.block, ""))
        elsewhere: dict[Content, list[tuple[str, tuple[str, int, int]]]] = {}
        for leaf in self.leaves:
            if leaf.content in verifier.unresolved():
                elsewhere.setdefault(leaf.content, []).append((leaf.event_id, leaf.place))
        verifier.resolve(elsewhere)
        pending = [c for c in copies if c.offset >= verifier.ends.get(c.place[:2], 0)]
        sealed: dict[str, list[tuple[str, int, int]]] = {}
        for leaf in self.leaves:
            sealed.setdefault(leaf.event_id, []).append(leaf.place)
        everything = None
        if kafka:
            everything = {
                key: KafkaPartition(
                    {o: kafka_content(*key, o, v) for o, v in records.items()},
                    self.log_start.get(key, 0),
                    self.end[key],
                )
                for key, records in self.kafka.items()
            }
        verifier.check_pending(pending, everything, sealed)
        return verifier.report(len({c.place for c in pending}))

    def row(self, place: tuple[str, int, int]) -> dict[str, Any]:
        return next(r for r in self.archive if (r["topic"], r["partition"], r["offset"]) == place)


def build_log(per_partition: int = 6, block_size: int = 4) -> Log:
    """Two partitions of ``per_partition`` records (one undecodable), sealed in blocks."""
    kafka: dict[tuple[str, int], dict[int, bytes]] = {}
    archive: list[dict[str, Any]] = []
    pending: list[SealedLeaf] = []
    ids: dict[tuple[str, int, int], str] = {}
    i = 0
    for partition in (0, 1):
        for offset in range(per_partition):
            i += 1
            raw = b"not an event" if (TOPIC, partition, offset) == GARBAGE else _raw(i)
            kafka.setdefault((TOPIC, partition), {})[offset] = raw
            content = kafka_content(TOPIC, partition, offset, raw)
            if content is None:
                continue
            mapped = archive_row(read_event(raw), Position(TOPIC, partition, offset), raw)
            archive.append(dict(mapped[0][1]))
            pending.append(SealedLeaf(TOPIC, partition, offset, *content))
            ids[(TOPIC, partition, offset)] = content[0]
    tree, prev_head = MerkleTree(), "0" * 64
    frontier: dict[tuple[str, int], int] = {}
    blocks: list[SealedBlock] = []
    leaves: list[Leaf] = []
    number = 0
    nodes: dict[int, str] = {}
    while pending:
        block = next_block(
            tree, pending, frontier, number=number, prev_head=prev_head, limit=block_size
        )
        advance(frontier, block)
        nodes[block.number] = block_nodes(tree, block.first_index, block.tree_size)
        sealed = {(s.topic, s.partition, s.offset) for s in block.leaves}
        pending = [p for p in pending if (p.topic, p.partition, p.offset) not in sealed]
        signed = sign_checkpoint(
            Checkpoint(ORIGIN, block.tree_size, bytes.fromhex(block.tree_root), datetime.now(UTC)),
            KEY,
        )
        blocks.append(
            SealedBlock(
                block.number,
                block.first_index,
                block.size,
                block.tree_size,
                block.ranges,
                block.block_root,
                block.prev_head,
                block.head,
                block.tree_root,
                signed.text,
                signed.signature,
            )
        )
        for j, s in enumerate(block.leaves):
            leaves.append(
                Leaf(
                    s.topic,
                    s.partition,
                    s.offset,
                    s.event_id,
                    s.sha256,
                    block.first_index + j,
                    number,
                )
            )
        prev_head, number = block.head, number + 1
    end = {key: max(records) + 1 for key, records in kafka.items()}
    return Log(blocks, leaves, archive, kafka, ids, nodes, end=end)


@pytest.fixture
def log() -> Log:
    return build_log()


def _named(report: Report) -> set[tuple[str, str | None, str | None]]:
    return {(f.kind.value, f.event_id, f.other_event_id) for f in report.findings}


def _edit(log: Log, place: tuple[str, int, int], change: Callable[[dict[str, Any]], None]) -> None:
    change(log.row(place))


# --- an intact log --------------------------------------------------------------------------


@pytest.mark.parametrize("kafka", [True, False])
def test_an_intact_log_gives_no_finding(log: Log, kafka: bool) -> None:
    report = log.verify(kafka=kafka)
    assert report.ok, [f.message("en") for f in report.findings]
    assert report.totals.blocks == len(log.blocks) == 3
    assert report.totals.leaves == 11
    assert report.totals.checkpoints_verified == 3
    assert report.totals.archive_rows == 11
    assert report.totals.kafka_records == (12 if kafka else 0)


def test_the_frontier_gives_the_rfc_root_of_every_size() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(40)]
    frontier = Frontier()
    for n in range(41):
        assert frontier.root() == merkle_root(hashes[:n])
        if n < 40:
            frontier.append(hashes[n])


# --- the archive ----------------------------------------------------------------------------


def test_an_edited_raw_is_named_as_altered(log: Log) -> None:
    place = (TOPIC, 1, 2)
    _edit(log, place, lambda r: r.update(raw=r["raw"].replace("Menyusun", "Mengarang")))
    report = log.verify()
    assert _named(report) == {("altered", log.ids[place], None)}
    (finding,) = report.findings
    assert finding.reason == "content"
    assert (finding.topic, finding.partition, finding.offset) == place
    assert log.ids[place] in finding.message("id") and "diubah" in finding.message("id")
    assert "altered" in finding.message("en")


def test_an_edited_column_with_the_raw_untouched_is_named_as_altered(log: Log) -> None:
    place = (TOPIC, 0, 1)
    _edit(log, place, lambda r: r.update(subject="199001012020121001", sha256="0" * 64))
    (finding,) = log.verify().findings
    assert (finding.kind, finding.event_id, finding.reason) == (
        Kind.ALTERED,
        log.ids[place],
        "columns",
    )
    assert "sha256, subject" in finding.message("en")


def test_a_deleted_row_is_named(log: Log) -> None:
    place = (TOPIC, 0, 4)
    log.archive.remove(log.row(place))
    assert _named(log.verify()) == {("deleted", log.ids[place], None)}


@pytest.mark.parametrize(
    ("first", "second"),
    [((TOPIC, 0, 0), (TOPIC, 0, 1)), ((TOPIC, 0, 0), (TOPIC, 1, 5))],
    ids=["same block", "across blocks"],
)
def test_two_swapped_rows_are_named_as_reordered(
    log: Log, first: tuple[str, int, int], second: tuple[str, int, int]
) -> None:
    a, b = log.row(first), log.row(second)
    moved = {k: v for k, v in a.items() if k not in ("topic", "partition", "offset")}
    a.update({k: v for k, v in b.items() if k not in ("topic", "partition", "offset")})
    b.update(moved)
    assert _named(log.verify()) == {
        ("reordered", log.ids[first], log.ids[second]),
        ("reordered", log.ids[second], log.ids[first]),
    }


def test_a_row_inserted_where_nothing_was_sealed_is_named(log: Log) -> None:
    forged = dict(log.row((TOPIC, 0, 2)), offset=GARBAGE[2], event_id="evt-forged")
    forged["raw"] = forged["raw"].replace("req-", "req-forged-")
    log.archive.append(forged)
    report = log.verify()
    assert _named(report) == {("inserted", "evt-forged", None)}
    assert report.findings[0].reason == "unsealed_position"


def test_a_second_version_beside_a_sealed_row_is_named_as_inserted(log: Log) -> None:
    place = (TOPIC, 1, 0)
    extra = dict(log.row(place), event_id="evt-extra")
    log.archive.append(extra)
    report = log.verify()
    assert ("inserted", "evt-extra", log.ids[place]) in _named(report)
    assert all(f.kind == Kind.INSERTED for f in report.findings)


def test_a_row_moved_to_another_place_leaves_a_deletion_and_a_reordering(log: Log) -> None:
    source, target = (TOPIC, 0, 0), (TOPIC, 0, 2)
    moved = log.row(source)
    log.archive.remove(moved)
    log.row(target).update({k: v for k, v in moved.items() if k != "offset"})
    assert _named(log.verify()) == {
        ("deleted", log.ids[source], None),
        ("reordered", log.ids[target], log.ids[source]),
    }


# --- checkpoints and the chain --------------------------------------------------------------


def test_a_checkpoint_signed_by_another_key_is_caught(log: Log) -> None:
    other = Ed25519PrivateKey.generate()
    block = log.blocks[1]
    forged = sign_checkpoint(
        Checkpoint(ORIGIN, block.tree_size, bytes.fromhex(block.tree_root), datetime.now(UTC)),
        other,
    )
    log.blocks[1] = replace(block, checkpoint=forged.text, signature=forged.signature)
    report = log.verify()
    assert [(f.kind, f.block, f.reason) for f in report.findings] == [
        (Kind.BAD_SIGNATURE, 1, "signature")
    ]
    assert report.totals.checkpoints_verified == 2


def test_an_edited_checkpoint_text_is_caught(log: Log) -> None:
    block = log.blocks[0]
    lines = block.checkpoint.split("\n")
    lines[1] = str(block.tree_size + 1)
    log.blocks[0] = replace(block, checkpoint="\n".join(lines))
    assert [(f.kind, f.block) for f in log.verify().findings] == [(Kind.BAD_SIGNATURE, 0)]


def test_a_deleted_block_breaks_the_chain(log: Log) -> None:
    gone = log.blocks.pop(1)
    log.leaves = [leaf for leaf in log.leaves if leaf.block != gone.block]
    report = log.verify(kafka=False)
    reasons = {(f.kind, f.block, f.reason) for f in report.findings}
    assert (Kind.BROKEN_CHAIN, 2, "block_number") in reasons
    assert (Kind.BROKEN_CHAIN, 2, "prev_head") in reasons
    assert (Kind.BROKEN_CHAIN, 2, "first_index") in reasons
    assert not any(f.kind == Kind.BAD_SIGNATURE for f in report.findings)


def test_a_rewritten_head_is_caught(log: Log) -> None:
    log.blocks[2] = replace(log.blocks[2], head="f" * 64)
    assert [(f.kind, f.reason) for f in log.verify().findings] == [(Kind.BROKEN_CHAIN, "head")]


# --- the manifest and Kafka -----------------------------------------------------------------


def test_an_edited_manifest_is_named_by_kafka(log: Log) -> None:
    target = log.leaves[5]
    log.leaves[5] = target._replace(sha256=hashlib.sha256(b"x").hexdigest())
    report = log.verify()
    kinds = {(f.kind, f.event_id, f.reason) for f in report.findings}
    assert (Kind.MANIFEST_ALTERED, target.event_id, "leaf") in kinds
    assert (Kind.MANIFEST_ALTERED, None, "block_root") in kinds
    # Kafka gives the signed roots: the archive is checked against it and is intact
    assert {f.kind for f in report.findings} == {Kind.MANIFEST_ALTERED}


def test_an_edited_manifest_without_kafka_is_named_by_block(log: Log) -> None:
    log.leaves[0] = log.leaves[0]._replace(event_id="evt-other")
    report = log.verify(kafka=False)
    assert (Kind.MANIFEST_ALTERED, 0) in {(f.kind, f.block) for f in report.findings}


def test_records_gone_from_kafka_are_named(log: Log) -> None:
    del log.kafka[(TOPIC, 0)][0]
    del log.kafka[(TOPIC, 0)][1]
    report = log.verify()
    assert _named(report) == {
        ("missing_on_kafka", log.ids[(TOPIC, 0, 0)], None),
        ("missing_on_kafka", log.ids[(TOPIC, 0, 1)], None),
    }


def test_a_record_rewritten_on_kafka_is_named(log: Log) -> None:
    place = (TOPIC, 1, 3)
    log.kafka[(TOPIC, 1)][3] = _raw(99)
    replaced = kafka_content(TOPIC, 1, 3, log.kafka[(TOPIC, 1)][3])
    assert replaced is not None
    assert _named(log.verify()) == {("differs_on_kafka", log.ids[place], replaced[0])}


def test_findings_are_bilingual_and_serialisable() -> None:
    finding = Finding(
        Kind.REORDERED, 3, event_id="a", other_event_id="b", topic=TOPIC, partition=1, offset=7
    )
    body = finding.as_dict()
    assert body["kind"] == "reordered" and body["block"] == 3
    assert body["message_id"].startswith("Peristiwa a di wfa.requests.v1/1@7 telah dipindahkan")
    assert body["message_en"].startswith("Event a at wfa.requests.v1/1@7 was reordered")
    assert "b" in body["message_en"]


def test_copies_recompute_the_hash_from_raw(log: Log) -> None:
    row = dict(log.archive[0], sha256="0" * 64)
    copy: ArchivedCopy = archived_copy(row)
    assert copy.sha256 == hashlib.sha256(row["raw"].encode()).hexdigest()
    assert copy.bad_columns == ("sha256",)
    content: Content = copy.content
    assert content[0] == row["event_id"]


# --- rows waiting for their seal ------------------------------------------------------------


def test_pending_rows_are_checked_against_kafka_and_their_raw(log: Log) -> None:
    nxt = max(log.kafka[(TOPIC, 1)]) + 1
    fresh, forged = _raw(50), _raw(51)
    on_kafka = kafka_content(TOPIC, 1, nxt, fresh)
    assert on_kafka is not None
    honest = dict(archive_row(read_event(fresh), Position(TOPIC, 1, nxt), fresh)[0][1])
    changed = dict(
        archive_row(read_event(forged), Position(TOPIC, 1, nxt + 1), forged)[0][1],
        subject="199001012020121001",
    )
    extra = dict(archive_row(read_event(forged), Position(TOPIC, 1, nxt + 2), forged)[0][1])
    altered = dict(honest, offset=nxt + 3, raw=honest["raw"].replace("Menyusun", "Mengarang"))
    kafka = {(TOPIC, 1): {nxt: on_kafka, nxt + 1: kafka_content(TOPIC, 1, nxt + 1, forged)}}
    kafka[(TOPIC, 1)][nxt + 3] = kafka_content(TOPIC, 1, nxt + 3, fresh)
    copies = [archived_copy(r) for r in (honest, changed, extra, altered)]

    verifier = LogVerifier(PUBLIC, kafka=True)
    view = {key: KafkaPartition(records) for key, records in kafka.items()}
    found = {(f.kind, f.event_id, f.reason) for f in verifier.check_pending(copies, view)}
    assert found == {
        (Kind.ALTERED, changed["event_id"], "columns"),
        (Kind.INSERTED, extra["event_id"], "pending_not_on_kafka"),
        (Kind.ALTERED, altered["event_id"], "pending_kafka"),
    }
    # without Kafka: a column that disagrees with raw (the edited raw no longer gives the
    # stored hash); the extra row is consistent with itself and waits for its seal
    without_kafka = LogVerifier(PUBLIC).check_pending(copies)
    assert {(f.event_id, f.detail) for f in without_kafka} == {
        (changed["event_id"], "subject"),
        (altered["event_id"], "sha256"),
    }
