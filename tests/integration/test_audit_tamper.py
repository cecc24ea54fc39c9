"""Tampering with the real archive is caught: audit's projector and sealer run on a real broker
and a real chDB store; events (and one undecodable record) are published and sealed; verify
finds nothing; then a row is edited, a column edited, a row deleted, two rows swapped, a row
inserted, a sealed event copied to an offset never sealed, an event rewritten with both its
stored hashes and a checkpoint forged, one after the other, and after each step verify names
exactly what changed, from the archive alone and from the archive and the Kafka topics. The
command line, run on the same store afterwards, reports the same findings and exits 1."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import new_event, to_record
from schemas.events import GeoPoint, SharedPlace, WfaRequested, WorkTarget
from schemas.topics import TopicSpec
from services.audit.domain.checkpoint import Checkpoint, sign_checkpoint
from services.audit.main import register_archive
from services.audit.sealer import Sealer
from services.audit.tables import MIGRATIONS
from services.audit.verifier import verify_log
from services.audit.verify_proofs import parse_checkpoint
from services.audit.verify_routes import verify as verify_route
from services.runtime.context import ServiceContext, component
from services.runtime.edge.errors import ApiError
from services.runtime.edge.identity import Principal, Role
from services.runtime.hosting.boot import build_context
from services.runtime.kafka.broker import EventPublisher, ensure_topics
from services.runtime.settings import Settings
from services.runtime.store.chdb_store import ChdbStore
from tests.support.infra import REPO
from tests.support.province import new_nip

pytestmark = pytest.mark.integration

PARTITION = 1
EVENTS = 30
GARBAGE_AFTER = 12
"""The undecodable record follows this many events: a gap inside a sealed range."""

Named = set[tuple[str, str | None, str | None]]


@dataclass
class Audit:
    ctx: ServiceContext
    settings: Settings
    topic: str
    offsets: list[int]
    """Offset of each published event, in order."""
    event_ids: list[str]
    garbage_offset: int


def _settings(kafka_bootstrap: str, data_dir: Path) -> Settings:
    return Settings(
        SERVICE_NAME="audit",
        KAFKA_BOOTSTRAP=kafka_bootstrap,  # type: ignore[call-arg]
        WFA_DATA_DIR=data_dir,
        WFA_ENV="test",
        KAFKA_GROUP_ID=f"test-tamper-{uuid.uuid4().hex[:8]}",
        AUDIT_SEAL_EVENTS=7,
        AUDIT_SEAL_SECONDS=0.5,
        PROJECTOR_BATCH_SECONDS=0.2,
    )


async def _publish(bootstrap: str, topic: str) -> tuple[list[int], list[str], int]:
    """``EVENTS`` requests on one partition, an undecodable record among them."""
    spec = TopicSpec(name=topic, description="audit tamper test", key="NIP", partitions=2)
    await ensure_topics([bootstrap], [spec], partitions=2, replication=1)
    producer = AIOKafkaProducer(bootstrap_servers=[bootstrap], linger_ms=5)
    await producer.start()
    offsets, ids, garbage = [], [], -1
    try:
        for i in range(EVENTS):
            if i == GARBAGE_AFTER:
                sent = await producer.send_and_wait(
                    topic, b"{not an event", key=b"garbage", partition=PARTITION
                )
                garbage = sent.offset
            nip = new_nip()
            envelope = new_event(
                WfaRequested(
                    request_id=f"req-tamper-{uuid.uuid4().hex[:8]}",
                    nip=nip,
                    work_unit_id="sekretariat",
                    dates=[date(2026, 12, 1) + timedelta(days=i % 28)],
                    place=SharedPlace.of(GeoPoint(lat=3.3, lon=117.6)),
                    reason="Menyusun laporan",
                    work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
                ),
                actor=nip,
                subject=nip,
                opd_id="dinas-kominfo",
            )
            record = to_record(envelope)
            sent = await producer.send_and_wait(
                topic, record.value, key=record.key, partition=PARTITION
            )
            offsets.append(sent.offset)
            ids.append(str(envelope.event_id))
    finally:
        await producer.stop()
    return offsets, ids, garbage


@pytest.fixture
async def audit(kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[Audit]:
    settings = _settings(kafka_bootstrap, tmp_path)
    ctx = build_context(settings)
    ctx.store_port.open(ChdbStore(settings.service_data_dir / "chdb", settings.database))
    await ctx.store.migrate(MIGRATIONS)
    publisher = EventPublisher(settings.kafka_servers, "test-audit-tamper")
    await publisher.start()
    ctx.publisher_port.open(
        publisher
    )  # the projector sends undecodable records to the dead letters
    # audit's components, on a topic of this test alone (a fresh group would otherwise
    # archive every topic of the broker)
    topic = f"test.audit-tamper.{uuid.uuid4().hex[:10]}"
    register_archive(ctx, [topic], decode_processes=0)
    started = []
    try:
        offsets, ids, garbage = await _publish(kafka_bootstrap, topic)
        for part in ctx.components:
            await part.start()
            started.append(part)
        await component(ctx, Sealer).wait_sealed(ids, timeout_s=120)
        for part in reversed(started):  # the sealed log stands still from here on
            await part.stop()
        started.clear()
        yield Audit(ctx, settings, topic, offsets, ids, garbage)
    finally:
        for part in reversed(started):
            await part.stop()
        await publisher.stop()
        await ctx.store.close()


def _named(report: dict[str, Any]) -> Named:
    return {(f["kind"], f["event_id"], f["other_event_id"]) for f in report["findings"]}


async def _check(audit: Audit, expected: Named) -> dict[str, Any]:
    """Verify from the archive alone and with Kafka: both name exactly ``expected``."""
    for kafka in (False, True):
        report = (await verify_log(audit.ctx.store, audit.settings, kafka=kafka)).as_dict()
        assert _named(report) == expected, (kafka, report["findings"])
        assert report["ok"] is (not expected)
        for finding in report["findings"]:
            if finding["event_id"] is not None:
                assert finding["event_id"] in finding["message_id"]
                assert finding["event_id"] in finding["message_en"]
    return report


def _where(audit: Audit, offset: int) -> str:
    return f"topic = '{audit.topic}' AND partition = {PARTITION} AND offset = {offset}"


async def _rows(audit: Audit, offset: int) -> list[dict[str, Any]]:
    return await audit.ctx.store.query(
        f"SELECT * FROM {{db}}.event_archive WHERE {_where(audit, offset)}"
    )


async def _delete(audit: Audit, offset: int) -> None:
    await audit.ctx.store.execute(
        f"ALTER TABLE {{db}}.event_archive DELETE WHERE {_where(audit, offset)} "
        "SETTINGS mutations_sync = 2"
    )


async def _block_of(audit: Audit, event_id: str) -> int:
    rows = await audit.ctx.store.query(
        "SELECT block FROM {db}.seal_leaves FINAL WHERE event_id = {id:String}", {"id": event_id}
    )
    return int(rows[0]["block"])


async def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.audit.verify_cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )


async def test_every_tampering_is_named(audit: Audit) -> None:
    store, ids, offsets = audit.ctx.store, audit.event_ids, audit.offsets
    report = await _check(audit, set())
    totals = report["totals"]
    assert totals["leaves"] >= EVENTS
    assert totals["checkpoints_verified"] == totals["blocks"] >= EVENTS // 7
    assert totals["kafka_records"] >= EVENTS + 1

    # 1. a row's raw bytes edited in place
    await store.execute(
        "ALTER TABLE {db}.event_archive UPDATE raw = replace(raw, 'Menyusun', 'Mengarang') "
        f"WHERE {_where(audit, offsets[3])} SETTINGS mutations_sync = 2"
    )
    expected: Named = {("altered", ids[3], None)}
    await _check(audit, expected)

    # 1b. a column edited, its raw untouched (the column no longer says what raw says)
    await store.execute(
        "ALTER TABLE {db}.event_archive UPDATE subject = '199001012020121001' "
        f"WHERE {_where(audit, offsets[5])} SETTINGS mutations_sync = 2"
    )
    expected.add(("altered", ids[5], None))
    await _check(audit, expected)

    # 2. a row deleted
    await _delete(audit, offsets[8])
    expected.add(("deleted", ids[8], None))
    await _check(audit, expected)

    # 3. two rows swapped: each position now holds the other event
    first, second = (await _rows(audit, offsets[20]))[0], (await _rows(audit, offsets[25]))[0]
    await _delete(audit, offsets[20])
    await _delete(audit, offsets[25])
    position = ("topic", "partition", "offset")
    await store.insert(
        "event_archive",
        [
            {**second, **{k: first[k] for k in position}},
            {**first, **{k: second[k] for k in position}},
        ],
    )
    expected |= {("reordered", ids[20], ids[25]), ("reordered", ids[25], ids[20])}
    await _check(audit, expected)

    # 4. a fabricated row inserted inside a sealed range (where the undecodable record sits)
    forged_id = f"evt-forged-{uuid.uuid4().hex[:8]}"
    template = (await _rows(audit, offsets[0]))[0]
    forged = {
        **template,
        "offset": audit.garbage_offset,
        "event_id": forged_id,
        "raw": template["raw"].replace(ids[0], forged_id),
    }
    await store.insert("event_archive", [forged])
    expected.add(("inserted", forged_id, None))
    await _check(audit, expected)

    # 5. a copy of a sealed event placed at an offset that was never sealed (past the
    # partition's sealed range, where nothing waits for a seal)
    copied = (await _rows(audit, offsets[10]))[0]
    await store.insert("event_archive", [{**copied, "offset": offsets[-1] + 50}])
    expected.add(("inserted", ids[10], ids[10]))
    report = await _check(audit, expected)
    assert report["totals"]["pending"] == 1

    # 6. an event's bytes rewritten together with its archived hash and its sealed leaf's hash
    # (in a block whose checkpoint is intact)
    target = offsets[16]
    rewritten = (await _rows(audit, target))[0]["raw"].replace("Menyusun", "Memalsukan")
    digest = hashlib.sha256(rewritten.encode()).hexdigest()
    await store.execute(
        "ALTER TABLE {db}.event_archive UPDATE raw = {raw:String}, sha256 = {sha:String} "
        f"WHERE {_where(audit, target)} SETTINGS mutations_sync = 2",
        {"raw": rewritten, "sha": digest},
    )
    await store.execute(
        "ALTER TABLE {db}.seal_leaves UPDATE sha256 = {sha:String} WHERE event_id = {id:String} "
        "SETTINGS mutations_sync = 2",
        {"sha": digest, "id": ids[16]},
    )
    expected |= {
        ("manifest_altered", ids[16], None),
        ("manifest_altered", None, None),
        ("altered", ids[16], None),
    }
    await _check(audit, expected)

    # 7. a checkpoint signed by another key, and another checkpoint's text edited
    forged_block = await _block_of(audit, ids[0])
    row = (
        await store.query(
            "SELECT checkpoint FROM {db}.seal_blocks FINAL WHERE block = {b:UInt64}",
            {"b": forged_block},
        )
    )[0]
    parsed = parse_checkpoint(row["checkpoint"])
    assert parsed is not None
    other = sign_checkpoint(
        Checkpoint(parsed.origin, parsed.tree_size, parsed.root_hash, datetime.now(UTC)),
        Ed25519PrivateKey.generate(),
    )
    await store.execute(
        "ALTER TABLE {db}.seal_blocks UPDATE checkpoint = {text:String}, "
        "signature = {sig:String} WHERE block = {b:UInt64} SETTINGS mutations_sync = 2",
        {"text": other.text, "sig": other.signature, "b": forged_block},
    )
    edited_block = await _block_of(audit, ids[-1])
    assert edited_block != forged_block
    await store.execute(
        "ALTER TABLE {db}.seal_blocks UPDATE checkpoint = replaceOne(checkpoint, "
        "'\\n' || toString(tree_size) || '\\n', '\\n' || toString(tree_size + 1) || '\\n') "
        "WHERE block = {b:UInt64} SETTINGS mutations_sync = 2",
        {"b": edited_block},
    )
    expected.add(("bad_signature", None, None))
    report = await _check(audit, expected)
    bad = {f["block"] for f in report["findings"] if f["kind"] == "bad_signature"}
    assert bad == {forged_block, edited_block}

    # the endpoint answers the same report
    auditor = Principal(nip=new_nip(), role=Role.AUDITOR)
    answer = await verify_route(auditor, audit.ctx, kafka=False)
    assert _named(answer) == expected and answer["ok"] is False
    with pytest.raises(ApiError) as refused:
        await verify_route(auditor, audit.ctx, kafka=False, public_key="not-a-key")
    assert (refused.value.status, refused.value.code) == (422, "invalid_public_key")

    # the command line, on the same (embedded) store once this process has let it go
    await store.close()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP": audit.settings.kafka_bootstrap,
        "WFA_DATA_DIR": str(audit.settings.data_dir),
        "WFA_ENV": "test",
        "KAFKA_GROUP_ID": audit.settings.group_id,
        "COLUMNS": "240",
    }
    env.pop("CLICKHOUSE_URL", None)
    done = await _cli(env, "--json", "--lang", "en")
    assert done.returncode == 1, done.stderr.decode()[-2000:]
    assert _named(orjson.loads(done.stdout)) == expected
    table = await _cli(env, "--no-kafka")
    assert ids[16] in table.stdout.decode() and ids[10] in table.stdout.decode()
    assert table.returncode == 1
    output = table.stdout.decode()
    assert "telah dihapus" in output and ids[8] in output
