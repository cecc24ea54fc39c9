"""The demo's commands: the ports they reach and the exit status they give.

``make audit-verify`` and ``make audit-replay`` reach the services on the ports the demo was
started with (``AUDIT_PORT``, ``ELIGIBILITY_PORT``, ``REPORTING_PORT``), and
``deploy/demo.sh audit-verify`` exits with the verifier's own status. A listener on a free
port stands where the service would be: it records the request line and closes the
connection, so the verifier cannot run (its status 2).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from tests.support.infra import REPO

pytestmark = pytest.mark.integration

DEMO = str(REPO / "deploy" / "demo.sh")


@contextmanager
def _listener() -> Iterator[tuple[int, list[str]]]:
    """A port that takes connections and records each request's first line."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                with suppress(OSError):
                    seen.append(conn.recv(4096).split(b"\r\n", 1)[0].decode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], seen
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_audit_verify_reaches_audit_port_and_exits_with_the_verifiers_status() -> None:
    with _listener() as (port, seen):
        script = _run([DEMO, "audit-verify"], AUDIT_PORT=str(port))
        made = _run(["make", "-s", "audit-verify", f"AUDIT_PORT={port}"])
    assert [line.split("?")[0] for line in seen] == ["GET /audit/verify"] * 2
    # the verifier could not run: its own status 2, not a shell's or make's
    assert script.returncode == 2, script.stdout + script.stderr
    assert made.returncode == 2
    assert "wfa-audit-verify exited 2" in made.stderr


@pytest.mark.parametrize(
    ("service", "variable"),
    [("eligibility", "ELIGIBILITY_PORT"), ("reporting", "REPORTING_PORT"), ("audit", "AUDIT_PORT")],
)
def test_audit_replay_reaches_the_services_port(service: str, variable: str) -> None:
    with _listener() as (port, seen):
        made = _run(["make", "-s", "audit-replay", f"SERVICE={service}", f"{variable}={port}"])
    assert made.returncode != 0
    assert seen and seen[0].startswith("GET /ops/projections"), (seen, made.stderr)


def test_restart_names_the_services_it_knows() -> None:
    unknown = _run([DEMO, "restart", "nosuch"])
    assert unknown.returncode == 2
    assert "nosuch" in unknown.stderr
    for service in ("eligibility", "attendance", "reporting", "audit", "detector", "web"):
        assert service in unknown.stderr
    planned = _run(["make", "-n", "restart", "SERVICE=audit"])
    assert planned.returncode == 0
    assert "deploy/demo.sh restart audit" in planned.stdout
