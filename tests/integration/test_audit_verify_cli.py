"""The verify command line exits 2 whenever verification cannot run, never 1 ("found
something"): with the embedded store held by another process (a running audit service), and
with no broker to read in Kafka mode. Exit 0 (intact) and 1 (found) are shown on real logs by
``test_audit_verify_kafka.py`` and ``test_audit_tamper.py``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.audit.tables import MIGRATIONS
from services.runtime.store.chdb_store import ChdbStore
from tests.support.infra import REPO, free_port

pytestmark = pytest.mark.integration


def _cli(data_dir: Path, bootstrap: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "WFA_DATA_DIR": str(data_dir),
        "WFA_ENV": "test",
        "KAFKA_BOOTSTRAP": bootstrap,
        "COLUMNS": "200",
    }
    env.pop("CLICKHOUSE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "services.audit.verify_cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=180,
        check=False,
    )


async def test_a_store_held_by_another_process_cannot_run(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    held = ChdbStore(tmp_path / "audit" / "chdb", "wfa_audit")
    try:
        await held.migrate(MIGRATIONS)
        done = await asyncio.to_thread(_cli, tmp_path, kafka_bootstrap, "--no-kafka")
    finally:
        await held.close()
    assert done.returncode == 2, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    assert "Verifikasi tidak dapat berjalan" in done.stdout.decode()


async def test_no_broker_in_kafka_mode_cannot_run(tmp_path: Path) -> None:
    store = ChdbStore(tmp_path / "audit" / "chdb", "wfa_audit")
    await store.migrate(MIGRATIONS)
    await store.close()
    nobody = f"127.0.0.1:{free_port()}"
    done = await asyncio.to_thread(_cli, tmp_path, nobody, "--lang", "en")
    assert done.returncode == 2, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    assert "Verification cannot run" in done.stdout.decode()
    intact = await asyncio.to_thread(_cli, tmp_path, nobody, "--no-kafka", "--lang", "en")
    assert intact.returncode == 0, intact.stdout.decode()[-2000:]
