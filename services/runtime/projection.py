"""Idempotent projection sink for faust agents (at-least-once delivery).

* Batches are grouped per topic and partition.
* Each insert carries the dedup token ``<projector>:<table>:<topic>-<partition>-<min>-<max>``,
  so a retried batch is dropped by the engine; tables use ReplacingMergeTree keyed by the
  Kafka position or event id as a second safety net.
* An insert is retried until ClickHouse acknowledges it; only then does faust ack the events
  and commit their offsets.
* A record that cannot be decoded goes to the dead-letter topic with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from schemas import Envelope, MalformedEvent, dead_letter_record, envelope_from_bytes
from services.runtime.context import ServiceContext


@dataclass(frozen=True)
class Position:
    """Where an event sits in the log: the projection's tracking position."""

    topic: str
    partition: int
    offset: int

    def columns(self) -> dict[str, Any]:
        """The position as the ``topic``, ``partition``, ``offset`` columns of a row."""
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


TableRows = list[tuple[str, dict[str, Any]]]
#: pure function: (decoded envelope, where it sat, the bytes as they were on the log) -> rows
RowMapper = Callable[[Envelope, Position, bytes], TableRows]

log = logging.getLogger(__name__)


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


class Projector:
    def __init__(self, ctx: ServiceContext, name: str, mapper: RowMapper) -> None:
        self.ctx = ctx
        self.name = name
        self.mapper = mapper
        self.projected = 0
        self.dead_lettered = 0

    async def retry(self, what: str, action: Callable[[], Awaitable[Any]]) -> None:
        await retry_until_done(self.name, what, action)

    async def handle(self, events: Sequence[Any]) -> None:
        """Project a batch of faust events (``stream.take_events``)."""
        groups: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for event in events:
            groups[(event.message.topic, event.message.partition)].append(event.message)
        for (topic, partition), messages in groups.items():
            await self.handle_partition(topic, partition, messages)

    async def handle_partition(
        self, topic: str, partition: int, messages: list[Any]
    ) -> list[Envelope]:
        """Project one partition's batch; returns the envelopes it decoded, in order."""
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        decoded: list[Envelope] = []
        for message in messages:
            position = Position(topic, partition, message.offset)
            try:
                if not message.value:
                    raise MalformedEvent("empty record value")
                envelope = envelope_from_bytes(message.value)
                mapped = self.mapper(envelope, position, message.value)
            except MalformedEvent as exc:
                record = dead_letter_record(
                    message.key, message.value or b"", exc.reason, topic, partition, message.offset
                )
                await self.retry("dead-letter", partial(self.ctx.publisher.send, record))
                self.dead_lettered += 1
                log.warning(
                    "%s: %s-%s@%s dead-lettered: %s",
                    self.name,
                    topic,
                    partition,
                    message.offset,
                    exc.reason,
                )
                continue
            decoded.append(envelope)
            for table, row in mapped:
                rows[table].append(row)
        first, last = messages[0].offset, messages[-1].offset
        for table, table_rows in rows.items():
            token = f"{self.name}:{table}:{topic}-{partition}-{first}-{last}"
            await self.retry(
                f"insert into {table}",
                partial(self.ctx.store.insert, table, table_rows, dedup_token=token),
            )
            self.projected += len(table_rows)
        return decoded


def register_projector(
    ctx: ServiceContext, name: str, topics: Sequence[str], mapper: RowMapper
) -> Projector:
    """Declare a thin faust agent: take a batch, map it with pure code, write it."""
    projector = Projector(ctx, name, mapper)
    topic = ctx.faust_app.topic(*topics, key_serializer="raw", value_serializer="raw")
    settings = ctx.settings

    async def project(stream: Any) -> None:
        async for events in stream.take_events(
            settings.projector_batch_size, within=settings.projector_batch_seconds
        ):
            await projector.handle(events)

    ctx.faust_app.agent(topic, name=f"{name}-projector", concurrency=1)(project)
    return projector
