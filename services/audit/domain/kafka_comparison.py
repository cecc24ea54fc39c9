"""A block's sealed leaves against the Kafka records of its ranges (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

from services.audit.domain.block_check import BlockCheck, KafkaPartition, KafkaView, at
from services.audit.domain.findings import Kind
from services.audit.domain.sealed_rows import Leaf, Place


def kafka_leaves(check: BlockCheck, kafka: KafkaView) -> tuple[list[Leaf], bool]:
    """The leaves Kafka gives for the block's ranges, and whether every offset was there."""
    leaves: list[Leaf] = []
    complete = True
    for topic, partition, start, end in check.ranges:
        part = kafka.get((topic, partition))
        records = part.records if part is not None else {}
        for offset in range(start, end):
            if offset not in records:
                complete = False
                continue
            content = records[offset]
            if content is not None:
                leaves.append(Leaf(topic, partition, offset, *content))
    leaves.sort()
    return leaves, complete


def compare_kafka(
    check: BlockCheck,
    manifest: Sequence[Leaf],
    kafka: KafkaView,
    reference: Sequence[Leaf] | None,
) -> None:
    """Each sealed leaf against the record at its place; ``reference``: the leaves Kafka
    gives when they, not the manifest, give the signed roots (the manifest is to blame)."""
    sealed: set[Place] = set()
    empty: KafkaPartition = KafkaPartition({}, exists=False)
    for leaf in manifest:
        sealed.add(leaf.place)
        part = kafka.get((leaf.topic, leaf.partition), empty)
        if leaf.offset in part.records:
            found = part.records[leaf.offset]
            if found == leaf.content:
                continue
        else:
            found = None
        if reference is not None:
            check.add(
                Kind.MANIFEST_ALTERED,
                "leaf",
                event_id=leaf.event_id,
                other_event_id=(
                    found[0] if found is not None and found[0] != leaf.event_id else None
                ),
                **at(leaf),
            )
        elif leaf.offset not in part.records:
            _missing(check, leaf, part)
        elif found is None:
            check.add(Kind.DIFFERS_ON_KAFKA, "undecodable", event_id=leaf.event_id, **at(leaf))
        else:
            check.add(
                Kind.DIFFERS_ON_KAFKA,
                "kafka_content",
                found[0],
                event_id=leaf.event_id,
                other_event_id=found[0],
                **at(leaf),
            )
    kind = Kind.DIFFERS_ON_KAFKA if reference is None else Kind.MANIFEST_ALTERED
    for topic, partition, start, end in check.ranges:
        part = kafka.get((topic, partition), empty)
        for offset, content in part.records.items():
            place = (topic, partition, offset)
            if content is not None and start <= offset < end and place not in sealed:
                check.add(
                    kind,
                    "not_sealed",
                    event_id=content[0],
                    topic=topic,
                    partition=partition,
                    offset=offset,
                )


def _missing(check: BlockCheck, leaf: Leaf, part: KafkaPartition) -> None:
    """A sealed leaf whose offset Kafka did not give: retention, or removed."""
    event = {"event_id": leaf.event_id, **at(leaf)}
    if not part.exists:
        check.add(Kind.MISSING_ON_KAFKA, "no_partition", **event)
    elif leaf.offset < part.log_start:
        check.add(Kind.GONE_BY_RETENTION, "retention", str(part.log_start), **event)
    elif part.end is not None and leaf.offset >= part.end:
        check.add(Kind.MISSING_ON_KAFKA, "beyond_end", str(part.end), **event)
    else:
        check.add(Kind.MISSING_ON_KAFKA, "removed", str(part.log_start), **event)
