"""Verify the sealed audit log against the archive and the Kafka topics (the I/O side).

Reads ``seal_blocks`` and, one block at a time, its leaves (``seal_leaves``), every stored
version of the archive rows inside its ranges (``event_archive`` without ``FINAL``) and, when
asked, the records of its ranges from the broker (a consumer outside any group, assigned and
positioned by hand). The comparison itself is :class:`services.audit.domain.verification.
LogVerifier`; it runs in a worker thread, so a service answering ``GET /audit/verify`` keeps
serving meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from services.audit.domain.checkpoint import (
    load_private_key,
    public_key_text,
)
from services.audit.domain.verification import (
    ArchivedCopy,
    Content,
    Finding,
    Kind,
    Leaf,
    LogVerifier,
    Partition,
    Report,
    SealedBlock,
    archived_copy,
    kafka_content,
)
from services.audit.sealer import signing_key_text
from services.audit.verify_proofs import load_public_key
from services.runtime.log_reading import log_reader
from services.runtime.settings import Settings
from services.runtime.store.base import Store, StoreError

_BLOCK_COLUMNS = (
    "block, first_index, size, tree_size, ranges, block_root, prev_head, head, tree_root, "
    "checkpoint, signature"
)
_ARCHIVE_COLUMNS = (
    "event_id, type, schema_version, subject, opd_id, actor, correlation_id, causation_id, "
    "occurred_at, recorded_at, topic, partition, offset, sha256, raw"
)
KAFKA_STALL_S = 10.0
"""How long a range may yield nothing before its remaining offsets count as not on Kafka."""


class VerificationUnavailable(RuntimeError):
    """The store or the broker could not be read: nothing can be said about the log."""


def configured_public_key(settings: Settings) -> str:
    """The public half of the configured signing key (the published development key's when
    none is set outside production), as the sealer signs with it."""
    private = load_private_key(
        signing_key_text(settings), allow_development_key=settings.environment != "production"
    )
    return public_key_text(private)


class Progress:
    """Called as verification goes: the totals once known, then after every block."""

    def planned(self, blocks: int, leaves: int) -> None:
        """The log holds ``blocks`` blocks of ``leaves`` leaves in all."""

    def advanced(self, blocks: int, leaves: int) -> None:
        """``blocks`` more blocks of ``leaves`` leaves were checked."""


class KafkaRanges:
    """Reads given offset ranges of partitions, outside any consumer group."""

    def __init__(self, bootstrap: Sequence[str]) -> None:
        self.consumer: AIOKafkaConsumer = log_reader(bootstrap, "wfa-audit-verify")
        self._partitions: dict[str, set[int]] = {}

    async def _exists(self, tp: TopicPartition) -> bool:
        """Whether the broker has this partition (a deleted topic has no records left)."""
        if tp.topic not in self._partitions:
            known = self.consumer.partitions_for_topic(tp.topic)
            if not known:
                await self.consumer._client.force_metadata_update()
                known = self.consumer.partitions_for_topic(tp.topic)
            self._partitions[tp.topic] = set(known or ())
        return tp.partition in self._partitions[tp.topic]

    async def start(self) -> None:
        await self.consumer.start()

    async def stop(self) -> None:
        await self.consumer.stop()

    async def read(
        self, ranges: Sequence[tuple[str, int, int, int]]
    ) -> dict[Partition, dict[int, Content | None]]:
        """Per partition, what each record of ``[from, to)`` would be sealed as; offsets no
        longer on the broker (retention, deletion) are absent."""
        out: dict[Partition, dict[int, Content | None]] = {}
        wanted = {TopicPartition(t, p): (a, b) for t, p, a, b in ranges if b > a}
        for tp in list(wanted):
            out[(tp.topic, tp.partition)] = {}
            if not await self._exists(tp):
                del wanted[tp]
        if not wanted:
            return out
        consumer = self.consumer
        consumer.assign(list(wanted))
        starts = await consumer.beginning_offsets(list(wanted))
        ends = await consumer.end_offsets(list(wanted))
        active: dict[TopicPartition, int] = {}
        for tp, (start, end) in wanted.items():
            first, last = max(start, starts.get(tp, start)), min(end, ends.get(tp, 0))
            if first < last:
                consumer.seek(tp, first)
                active[tp] = last
        progress_at = time.monotonic()
        while active:
            batch = await consumer.getmany(*active, timeout_ms=500, max_records=5000)
            for tp, records in batch.items():
                start, end = wanted[tp]
                got = out[(tp.topic, tp.partition)]
                for record in records:
                    if start <= record.offset < end:
                        got[record.offset] = kafka_content(
                            tp.topic, tp.partition, record.offset, record.value
                        )
            if batch:
                progress_at = time.monotonic()
            for tp in list(active):
                if await consumer.position(tp) >= active[tp]:
                    del active[tp]
            if active and time.monotonic() - progress_at > KAFKA_STALL_S:
                break  # what was not read is reported as missing on Kafka
        return out


async def _blocks(store: Store) -> list[SealedBlock]:
    rows = await store.query(
        f"SELECT {_BLOCK_COLUMNS} FROM {{db}}.seal_blocks FINAL ORDER BY block"
    )
    return [SealedBlock.from_row(row) for row in rows]


async def _block_versions(store: Store) -> list[dict[str, Any]]:
    """Blocks stored in several different versions (a rewritten block row)."""
    return await store.query(
        "SELECT block, uniqExact(first_index, size, tree_size, ranges, block_root, prev_head, "
        "head, tree_root, checkpoint, signature) AS versions FROM {db}.seal_blocks "
        "GROUP BY block HAVING versions > 1 ORDER BY block"
    )


async def _leaves(store: Store, block: SealedBlock) -> list[Leaf]:
    rows = await store.query(
        "SELECT leaf_index, block, topic, partition, offset, event_id, sha256 "
        "FROM {db}.seal_leaves FINAL WHERE (leaf_index >= {first:UInt64} AND "
        "leaf_index < {end:UInt64}) OR block = {block:UInt64} ORDER BY leaf_index",
        {"first": block.first_index, "end": block.tree_size, "block": block.block},
    )
    return [Leaf.from_row(row) for row in rows]


async def _archive(store: Store, ranges: Sequence[tuple[str, int, int, int]]) -> list[Any]:
    """Every stored version of the archive rows inside ``ranges``."""
    if not ranges:
        return []
    params: dict[str, Any] = {}
    clauses = []
    for i, (topic, partition, start, end) in enumerate(ranges):
        clauses.append(
            f"(topic = {{t{i}:String}} AND partition = {{p{i}:UInt32}} "
            f"AND offset >= {{a{i}:UInt64}} AND offset < {{b{i}:UInt64}})"
        )
        params.update({f"t{i}": topic, f"p{i}": partition, f"a{i}": start, f"b{i}": end})
    return await store.query(
        f"SELECT {_ARCHIVE_COLUMNS} FROM {{db}}.event_archive WHERE {' OR '.join(clauses)}",
        params,
    )


async def _pending(
    store: Store, ends: dict[Partition, int]
) -> list[tuple[str, int, int, int, int]]:
    """Per partition, the archived offsets past every sealed range (waiting for their seal):
    (topic, partition, first, last + 1, how many)."""
    keys = [f"{topic}/{partition}" for topic, partition in ends] or ["\x00"]
    values = list(ends.values()) or [0]
    rows = await store.query(
        "SELECT toString(topic) AS topic, partition, min(offset) AS first, "
        "max(offset) + 1 AS end, uniqExact(offset) AS n FROM {db}.event_archive "
        "WHERE offset >= transform(concat(toString(topic), '/', toString(partition)), "
        "{keys:Array(String)}, {ends:Array(UInt64)}, toUInt64(0)) "
        "GROUP BY topic, partition ORDER BY topic, partition",
        {"keys": keys, "ends": values},
    )
    return [
        (str(r["topic"]), int(r["partition"]), int(r["first"]), int(r["end"]), int(r["n"]))
        for r in rows
    ]


async def _sealed_elsewhere(store: Store, contents: set[Content]) -> dict[Content, str]:
    if not contents:
        return {}
    rows = await store.query(
        "SELECT DISTINCT event_id, toString(sha256) AS sha256 FROM {db}.seal_leaves FINAL "
        "WHERE has({shas:Array(String)}, toString(sha256))",
        {"shas": sorted({sha for _, sha in contents})},
    )
    found = {(str(r["event_id"]), str(r["sha256"])) for r in rows}
    return {content: content[0] for content in contents if content in found}


def _copies(rows: list[Any]) -> list[ArchivedCopy]:
    return [archived_copy(row) for row in rows]


async def verify_log(
    store: Store,
    settings: Settings,
    *,
    public_key: str | None = None,
    kafka: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Recompute the sealed log from the archive (and from Kafka) and report what differs.

    ``public_key`` is the base64 Ed25519 key to check the checkpoints with (default: the one of
    the configured signing key). Raises :class:`VerificationUnavailable` when the store or the
    broker cannot be read, ``ValueError`` when the key is unreadable.
    """
    key = load_public_key(public_key or configured_public_key(settings))
    progress = progress or Progress()
    verifier = LogVerifier(key, origin=settings.audit_log_origin, kafka=kafka)
    reader = KafkaRanges(settings.kafka_servers) if kafka else None
    try:
        blocks = await _blocks(store)
        for row in await _block_versions(store):
            verifier.add(
                Finding(Kind.BROKEN_CHAIN, int(row["block"]), "versions", str(row["versions"]))
            )
        progress.planned(len(blocks), sum(b.size for b in blocks))
        if reader is not None:
            await reader.start()
        for block in blocks:
            ranges = block.parsed_ranges() or []
            leaves = await _leaves(store, block)
            rows = await _archive(store, ranges)
            records = await reader.read(ranges) if reader is not None else None
            copies = await asyncio.to_thread(_copies, rows)
            await asyncio.to_thread(verifier.check_block, block, leaves, copies, records)
            progress.advanced(1, block.size)
        verifier.resolve(await _sealed_elsewhere(store, verifier.unresolved()))
        pending = 0
        for topic, partition, first, end, count in await _pending(store, verifier.ends):
            span = [(topic, partition, first, end)]
            rows = await _archive(store, span)
            records = await reader.read(span) if reader is not None else None
            copies = await asyncio.to_thread(_copies, rows)
            verifier.check_pending(copies, records)
            pending += count
    except KafkaError as exc:
        raise VerificationUnavailable(f"Kafka cannot be read: {exc}") from exc
    except StoreError as exc:
        raise VerificationUnavailable(f"the store cannot be read: {exc}") from exc
    except OSError as exc:
        raise VerificationUnavailable(f"cannot connect: {exc}") from exc
    finally:
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.stop()
    return verifier.report(pending)
