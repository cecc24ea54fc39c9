"""The sealer on a real broker and chDB: archived events are sealed in signed, chained blocks;
every inclusion and consistency proof passes the standalone verifier with nothing but the
public key, and a proof for a changed event fails it; a restart continues the same log."""

from __future__ import annotations

import base64
import copy
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from schemas import Envelope, to_record
from schemas.topics import TopicSpec
from services.audit import verify_proofs
from services.audit.domain.seal import GENESIS_HEAD, block_head
from services.audit.main import register_archive
from services.audit.proofs import bundle_for, consistency_between, inclusion_for
from services.audit.sealer import Sealer
from services.audit.tables import MIGRATIONS
from services.runtime.context import ServiceContext, component
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.support.province import new_nip
from tests.support.reporting_events import decided, employee, requested

pytestmark = pytest.mark.integration


def _context(kafka_bootstrap: str, data: Path) -> ServiceContext:
    settings = Settings(
        SERVICE_NAME="audit",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data,
        WFA_ENV="test",
        KAFKA_GROUP_ID=f"test-audit-{data.name}",
        AUDIT_SEAL_EVENTS=7,
        AUDIT_SEAL_SECONDS=0.3,
    )
    ctx = build_context(settings)
    ctx.store_port.open(ChdbStore(data / "chdb", "wfa_audit"))
    return ctx


async def _start(ctx: ServiceContext, topic: str) -> None:
    await ctx.store.migrate(MIGRATIONS)
    publisher = EventPublisher(ctx.settings.kafka_servers, f"test-audit-sealing-{uuid.uuid4()}")
    await publisher.start()
    ctx.publisher_port.open(
        publisher
    )  # the projector sends undecodable records to the dead letters
    # audit's components, on a topic of this test alone (a fresh group on every topic would
    # archive the whole broker first)
    register_archive(ctx, [topic], decode_processes=0)
    for part in ctx.components:
        await part.start()


async def _stop(ctx: ServiceContext) -> None:
    for part in reversed(ctx.components):
        await part.stop()
    await ctx.publisher.stop()
    await ctx.store.close()


async def _topic(bootstrap: str) -> str:
    topic = f"test.audit-sealing.{uuid.uuid4().hex[:10]}"
    spec = TopicSpec(name=topic, description="audit sealing test", key="NIP", partitions=3)
    await ensure_topics([bootstrap], [spec], partitions=3, replication=1)
    return topic


async def _publish(bootstrap: str, topic: str, events: list[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=[bootstrap], linger_ms=5)
    await producer.start()
    try:
        for envelope in events:
            record = to_record(envelope)
            await producer.send(topic, key=record.key, value=record.value)
        await producer.flush()
    finally:
        await producer.stop()


def _history(opd: str) -> list[Envelope]:
    head, nip = new_nip(), new_nip()
    at = datetime(2026, 12, 1, 8, tzinfo=UTC)
    events = [employee(head, opd, "unit-1", None), employee(nip, opd, "unit-1", head)]
    for i in range(9):
        request_id = f"req-{opd}-{i}"
        day = at.date() + timedelta(days=i)
        events.append(requested(nip, opd, request_id, [day], at + timedelta(minutes=i)))
        events.append(decided("approved", nip, opd, request_id, head, at + timedelta(hours=i)))
    return events


async def _archived(ctx: ServiceContext, event_ids: list[str]) -> list[dict[str, Any]]:
    return await ctx.store.query(
        "SELECT event_id, topic, partition, offset, raw FROM {db}.event_archive FINAL "
        "WHERE event_id IN {ids:Array(String)} ORDER BY topic, partition, offset",
        {"ids": event_ids},
    )


async def test_sealed_blocks_chain_sign_and_prove(kafka_bootstrap: str, tmp_path: Path) -> None:
    ctx = _context(kafka_bootstrap, tmp_path)
    events = _history(f"opd-{uuid.uuid4().hex[:8]}")
    ids = [e.event_id for e in events]
    topic = await _topic(kafka_bootstrap)
    await _start(ctx, topic)
    try:
        await _publish(kafka_bootstrap, topic, events)
        sealer = component(ctx, Sealer)
        await sealer.wait_sealed(ids)
        key = verify_proofs.load_public_key(sealer.public_key)

        blocks = await ctx.store.query("SELECT * FROM {db}.seal_blocks FINAL ORDER BY block")
        assert len(blocks) >= 3  # 20 events, at most 7 a block
        prev, size = GENESIS_HEAD, 0
        for block in blocks:
            assert block["prev_head"] == prev and block["first_index"] == size
            size = int(block["tree_size"])
            assert size == int(block["first_index"]) + int(block["size"])
            assert 0 < int(block["size"]) <= 7
            assert block["head"] == block_head(
                int(block["block"]),
                int(block["first_index"]),
                int(block["size"]),
                size,
                block["ranges"],
                block["block_root"],
                prev,
                block["tree_root"],
            )
            checkpoint = verify_proofs.verify_checkpoint(
                block["checkpoint"], block["signature"], key
            )
            assert checkpoint is not None and checkpoint.tree_size == size
            assert checkpoint.root_hash.hex() == block["tree_root"]
            prev = block["head"]

        # every event's inclusion proof passes the standalone verifier (the bundle is JSON)
        archived = await _archived(ctx, ids)
        assert len(archived) == len(ids)
        bundle = orjson.loads(orjson.dumps(await bundle_for(ctx, archived)))
        assert len(bundle["inclusion"]) == len(ids) and not bundle["unsealed"]
        assert verify_proofs.check_bundle(bundle, key)

        # ... and fails for a changed event, a moved event or a forged checkpoint
        changed = copy.deepcopy(bundle)
        entry = changed["inclusion"][3]["event"]
        entry["raw"] = entry["raw"].replace("Sesuai", "Sesuai.").replace("Menyusun", "Menyunting")
        assert entry["raw"] != bundle["inclusion"][3]["event"]["raw"]
        changed["inclusion"] = [changed["inclusion"][3]]
        assert not verify_proofs.check_bundle(changed, key)
        moved = copy.deepcopy(bundle)
        moved["inclusion"] = [moved["inclusion"][0]]
        moved["inclusion"][0]["event"]["offset"] += 1
        assert not verify_proofs.check_bundle(moved, key)
        forged = copy.deepcopy(bundle)
        forged["inclusion"] = []
        text = forged["checkpoints"][0]["text"].split("\n")
        text[1] = str(int(text[1]) + 1)
        forged["checkpoints"][0]["text"] = "\n".join(text)
        assert not verify_proofs.check_bundle(forged, key)

        # consistency between every pair of signed checkpoints
        sizes = [int(b["tree_size"]) for b in blocks]
        for first in sizes:
            for second in sizes[sizes.index(first) :]:
                answer = await consistency_between(ctx, first, second)
                consistency = {
                    "checkpoints": answer["checkpoints"],
                    "consistency": [{"from": 0, "to": 1, "proof": answer["proof"]}],
                }
                assert verify_proofs.check_bundle(consistency, key), (first, second)
        wrong = await consistency_between(ctx, sizes[0], sizes[-1])
        if wrong["proof"]:
            wrong["proof"][0] = base64.b64encode(bytes(32)).decode()
            assert not verify_proofs.check_bundle(
                {
                    "checkpoints": wrong["checkpoints"],
                    "consistency": [{"from": 0, "to": 1, "proof": wrong["proof"]}],
                },
                key,
            )

        # an inclusion proof against an earlier checkpoint, for an event sealed in it
        index = {row["event_id"]: row for row in archived}
        earliest = await sealer.leaf_indexes(ids)
        event_id = min(earliest, key=earliest.__getitem__)
        size = next(s for s in sizes if s > earliest[event_id])
        proof = (await inclusion_for(ctx, [event_id], size))[event_id]
        assert proof is not None and proof["tree_size"] == size
        single = await bundle_for(ctx, [index[event_id]], size)
        assert verify_proofs.check_bundle(single, key)
        assert single["checkpoints"][0]["text"].split("\n")[1] == str(size)
    finally:
        await _stop(ctx)


async def test_a_restart_continues_the_same_log(kafka_bootstrap: str, tmp_path: Path) -> None:
    ctx = _context(kafka_bootstrap, tmp_path)
    opd = f"opd-{uuid.uuid4().hex[:8]}"
    first, second = _history(opd), _history(opd)
    topic = await _topic(kafka_bootstrap)
    await _start(ctx, topic)
    try:
        await _publish(kafka_bootstrap, topic, first)
        await component(ctx, Sealer).wait_sealed([e.event_id for e in first])
        before = component(ctx, Sealer).latest
    finally:
        await _stop(ctx)
    assert before is not None

    again = _context(kafka_bootstrap, tmp_path)
    await _start(again, topic)
    try:
        sealer = component(again, Sealer)
        assert sealer.consistent  # the right edge read back gives the last block's signed root
        assert sealer.latest is not None
        assert sealer.tree.root() == sealer.latest.checkpoint.root_hash
        assert sealer.tree.size >= before.checkpoint.tree_size
        await _publish(kafka_bootstrap, topic, second)
        await sealer.wait_sealed([e.event_id for e in second])
        # the old checkpoint is a prefix of the new log; no event was sealed twice
        answer = await consistency_between(
            again,
            before.checkpoint.tree_size,
            sealer.latest.checkpoint.tree_size,  # type: ignore[union-attr]
        )
        key = verify_proofs.load_public_key(sealer.public_key)
        assert verify_proofs.check_bundle(
            {
                "checkpoints": answer["checkpoints"],
                "consistency": [{"from": 0, "to": 1, "proof": answer["proof"]}],
            },
            key,
        )
        rows = await again.store.query(
            "SELECT count() AS n, uniqExact(topic, partition, offset) AS u "
            "FROM {db}.seal_leaves FINAL"
        )
        assert rows[0]["n"] == rows[0]["u"] == sealer.tree.size
    finally:
        await _stop(again)
