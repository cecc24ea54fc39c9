"""A three-node KRaft cluster of the tests' own (``deploy/kafka/kafka.sh cluster``), on free
loopback ports, whose nodes a test kills, stops and restarts."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.infra import KAFKA_SCRIPT, REPO, START_ATTEMPTS, free_port

NODES = (1, 2, 3)


class LocalCluster:
    """Three combined broker+controller nodes; replication 3, min.insync.replicas 2."""

    def __init__(self) -> None:
        self.home = REPO / "var" / f"test-kafka-cluster-{os.getpid()}-{free_port()}"
        shutil.rmtree(self.home, ignore_errors=True)
        ports = [free_port() for _ in range(6)]
        self.env = {
            **os.environ,
            "KAFKA_CLUSTER_HOME": str(self.home),
            "KAFKA_CLUSTER_PORTS": ",".join(map(str, ports[:3])),
            "KAFKA_CLUSTER_CONTROLLER_PORTS": ",".join(map(str, ports[3:])),
            "KAFKA_CLUSTER_START_TIMEOUT": "240",
        }
        self.bootstrap = ",".join(f"127.0.0.1:{port}" for port in ports[:3])

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run([str(KAFKA_SCRIPT), "cluster", *args], env=self.env, check=check)

    def start(self, *nodes: int) -> None:
        """Start the nodes given (all three by default) and wait until they answer."""
        self._run("start", *map(str, nodes))

    def stop(self, *nodes: int) -> None:
        self._run("stop", *map(str, nodes), check=False)

    def kill(self, *nodes: int) -> None:
        """SIGKILL each node given: a crash, no controlled shutdown."""
        for node in nodes:
            self._run("kill", str(node))

    def discard(self) -> None:
        """Kill every node at once and drop the storage."""
        for node in NODES:
            _kill_node(self.home / f"node-{node}")
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def _kill_node(home: Path) -> None:
    try:
        pid = int((home / "kafka.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if str(home).encode() in cmdline:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def own_kafka_cluster() -> Iterator[LocalCluster]:
    """A new three-node cluster, started on free ports (new ones when a port was taken)."""
    for attempt in range(START_ATTEMPTS):
        cluster = LocalCluster()
        try:
            cluster.start()
            break
        except subprocess.CalledProcessError:
            cluster.discard()
            if attempt == START_ATTEMPTS - 1:
                raise
    try:
        yield cluster
    finally:
        cluster.discard()
