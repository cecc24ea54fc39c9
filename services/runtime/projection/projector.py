"""Idempotent projection of Kafka records into the store (at-least-once delivery).

* A batch holds records of one or more partitions. Each record is decoded once
  (:func:`schemas.serialization.read_event`) and mapped by pure code to rows; a record that
  cannot be decoded or mapped goes to the dead-letter topic with the reason and the
  projector's name.
* Each table gets ONE insert per batch, whose dedup token names every partition's offset range:
  ``<projector>:<table>:<topic>-<partition>-<min>-<max>[,<topic>-<partition>-<min>-<max>...]``
  (partitions in sorted order), so a retried batch is dropped by the engine; tables use
  ReplacingMergeTree keyed by the Kafka position or event id as a second safety net.
* An insert is retried until the store acknowledges it; only then are the batch's offsets
  committed.
* A mapper may also return *marks*: rows for a name starting with ``@`` are not inserted but
  collected, as tuples of their values, into :attr:`ProjectedBatch.marks` (what the batch
  touched, e.g. the employee-days whose derived rows must be computed again). A stream
  projector hands them to its ``after_write`` step before it commits the batch.

:class:`services.runtime.projection.stream.StreamProjector` is the consumer-group projector of
a service; :class:`Projector` projects batches handed to it, one partition at a time (the local
replicas use it). Both write through the same idempotent sink.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from kernel.projection_rows import (
    MARK_PREFIX,
    EventMapper,
    Marks,
    Position,
    RowMapper,
    TableRows,
)
from schemas import Envelope, KafkaRecord, MalformedEvent, dead_letter_record
from schemas.serialization import DecodedEvent, read_event
from services.runtime.metrics import DEAD_LETTERS
from services.runtime.store.base import rows_to_json_each_row

if TYPE_CHECKING:
    from services.runtime.context import Port, Publisher
    from services.runtime.store.base import Store

log = logging.getLogger(__name__)


class Record(Protocol):
    """What a Kafka client hands over for one record (aiokafka's ``ConsumerRecord``)."""

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...


async def retry_until_done(name: str, what: str, action: Callable[[], Awaitable[Any]]) -> None:
    """Run ``action`` until it succeeds, backing off up to 10 s: work is kept, never dropped."""
    delay = 0.2
    while True:
        try:
            await action()
            return
        except Exception as exc:  # keep the work until the engine or broker acknowledges it
            log.warning("%s: %s failed (%s); retrying in %.1fs", name, what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


# ----------------------------------------------------------------------------------------------
# Building a batch (pure: no I/O)
# ----------------------------------------------------------------------------------------------


def dedup_token(projector: str, table: str, ranges: Mapping[tuple[str, int], range]) -> str:
    """The insert's dedup token: every partition's offset range, in sorted order."""
    parts = ",".join(
        f"{topic}-{partition}-{offsets.start}-{offsets.stop - 1}"
        for (topic, partition), offsets in sorted(ranges.items())
    )
    return f"{projector}:{table}:{parts}"


EncodedTable = dict[tuple[str, ...], bytes]
"""A table's rows as ``JSONEachRow``, per set of columns (normally one)."""


@dataclass
class ProjectedBatch:
    """The rows, dead letters and offset ranges of one batch of records."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Rows per table, as the mappers made them (empty once encoded)."""
    encoded: dict[str, EncodedTable] | None = None
    """Rows per table, encoded for the store (see :func:`encode_batch`)."""
    dead_letters: list[KafkaRecord] = field(default_factory=list)
    ranges: dict[tuple[str, int], range] = field(default_factory=dict)
    """Offsets covered per (topic, partition): from the first record to the last."""
    records: int = 0
    marks: Marks = field(default_factory=dict)
    """Per mark name (``@...``), the distinct tuples of values the mappers marked."""

    def token(self, projector: str, table: str) -> str:
        return dedup_token(projector, table, self.ranges)

    def next_offsets(self) -> dict[tuple[str, int], int]:
        """Per partition, the offset to commit once the batch is written."""
        return {key: offsets.stop for key, offsets in self.ranges.items()}

    def inserts(self, projector: str) -> list[tuple[str, tuple[str, ...], bytes, str]]:
        """(table, columns, data, dedup token) of every insert the batch needs, in order."""
        encoded = self.encoded if self.encoded is not None else encode_rows(self.rows)
        inserts = []
        for table, groups in encoded.items():
            token = self.token(projector, table)
            for i, (columns, data) in enumerate(groups.items()):
                inserts.append((table, columns, data, token if i == 0 else f"{token}#{i}"))
        return inserts


def project_records(
    batches: Mapping[tuple[str, int], Sequence[Record]], mapper: EventMapper, consumer: str
) -> ProjectedBatch:
    """Decode and map every record of ``batches`` (per topic and partition, in offset order)."""
    batch = ProjectedBatch()
    for (topic, partition), records in sorted(batches.items()):
        if not records:
            continue
        batch.ranges[(topic, partition)] = range(records[0].offset, records[-1].offset + 1)
        for record in records:
            batch.records += 1
            raw = record.value or b""
            position = Position(topic, partition, record.offset)
            try:
                mapped = mapper(read_event(raw), position, raw)
            except MalformedEvent as exc:
                reason = exc.reason
            except Exception as exc:  # a mapping bug must not stop the projection
                log.exception("%s: cannot map %s-%s@%s", consumer, topic, partition, record.offset)
                reason = f"projection failed: {type(exc).__name__}: {exc}"
            else:
                for table, row in mapped:
                    if table.startswith(MARK_PREFIX):
                        batch.marks.setdefault(table, set()).add(tuple(row.values()))
                    else:
                        batch.rows.setdefault(table, []).append(row)
                continue
            log.warning(
                "%s: %s-%s@%s dead-lettered: %s", consumer, topic, partition, record.offset, reason
            )
            batch.dead_letters.append(
                dead_letter_record(
                    record.key, raw, reason, topic, partition, record.offset, consumer=consumer
                )
            )
    return batch


def encode_rows(rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, EncodedTable]:
    """Encode rows per table and set of columns, in order."""
    encoded: dict[str, EncodedTable] = {}
    for table, table_rows in rows.items():
        groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in table_rows:
            groups.setdefault(tuple(row), []).append(row)
        encoded[table] = {cols: rows_to_json_each_row(group) for cols, group in groups.items()}
    return encoded


def encode_batch(batch: ProjectedBatch) -> ProjectedBatch:
    """The batch with its rows encoded for the store (done where the rows were made)."""
    batch.encoded = encode_rows(batch.rows)
    batch.rows = {}
    return batch


def merge_batches(parts: Sequence[ProjectedBatch]) -> ProjectedBatch:
    """One batch from encoded parts made of consecutive slices of it, in order."""
    merged = ProjectedBatch(encoded={})
    assert merged.encoded is not None
    for part in parts:
        merged.records += part.records
        merged.dead_letters += part.dead_letters
        for name, marked in part.marks.items():
            merged.marks.setdefault(name, set()).update(marked)
        for key, offsets in part.ranges.items():
            known = merged.ranges.get(key)
            merged.ranges[key] = (
                offsets if known is None else range(known.start, max(known.stop, offsets.stop))
            )
        for table, groups in (part.encoded or encode_rows(part.rows)).items():
            target = merged.encoded.setdefault(table, {})
            for columns, data in groups.items():
                target[columns] = target.get(columns, b"") + data
    return merged


# ----------------------------------------------------------------------------------------------
# Writing a batch
# ----------------------------------------------------------------------------------------------


class BatchWriter:
    """Writes batches: dead letters first, then one insert per table, each until acknowledged."""

    def __init__(self, name: str, store: Port[Store], publisher: Port[Publisher]) -> None:
        """``store`` takes the rows, ``publisher`` the dead letters (open by the first batch)."""
        self.store = store
        self.publisher = publisher
        self.name = name
        self.projected = 0
        self.dead_lettered = 0

    async def retry(self, what: str, action: Callable[[], Awaitable[Any]]) -> None:
        await retry_until_done(self.name, what, action)

    async def write(self, batch: ProjectedBatch) -> None:
        for record in batch.dead_letters:
            await self.retry("dead-letter", partial(self.publisher.get().send, record))
            self.dead_lettered += 1
            DEAD_LETTERS.labels(self.name).inc()
        if batch.encoded is None:
            batch = await asyncio.to_thread(encode_batch, batch)
        insert = self.store.get().insert_encoded
        inserts = batch.inserts(self.name)
        await asyncio.gather(
            *(
                self.retry(
                    f"insert into {table}",
                    partial(insert, table, columns, data, dedup_token=token),
                )
                for table, columns, data, token in inserts
            )
        )
        self.projected += sum(data.count(b"\n") for _, _, data, _ in inserts)


class Projector(BatchWriter):
    """Projects batches it is handed, one partition at a time (used by the local replicas)."""

    def __init__(
        self, name: str, mapper: RowMapper, store: Port[Store], publisher: Port[Publisher]
    ) -> None:
        super().__init__(name, store, publisher)
        self.mapper = mapper

    async def handle_partition(
        self, topic: str, partition: int, messages: Sequence[Record]
    ) -> list[Envelope]:
        """Project one partition's batch; returns the envelopes it projected, in order, at the
        current version."""
        envelopes: list[Envelope] = []

        def current(decoded: DecodedEvent, position: Position, raw: bytes) -> TableRows:
            envelope = decoded.current_envelope()
            rows = self.mapper(envelope, position, raw)
            envelopes.append(envelope)
            return rows

        batch = await asyncio.to_thread(
            project_records, {(topic, partition): messages}, current, self.name
        )
        await self.write(batch)
        return envelopes
