"""Real infrastructure for tests: a Kafka broker and ClickHouse targets.

Kafka, in order of preference:
1. ``KAFKA_BOOTSTRAP`` from the environment (an existing broker or cluster);
2. a testcontainers broker, when a Docker daemon answers;
3. a local broker started with ``deploy/kafka/kafka.sh`` on free loopback ports.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = REPO / "deploy" / "kafka" / "kafka.sh"


def discard_broker(home: Path) -> None:
    """Kill the broker of ``home`` at once: it is thrown away with its storage, so it needs no
    controlled shutdown (which takes seconds)."""
    try:
        pid = int((home / "kafka.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if str(home).encode() in cmdline:  # that broker's own process, not a reused pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


#: how many times a local broker is started on new free ports before the failure stands
START_ATTEMPTS = 3

#: JVM options of the tests' local brokers: the quick (C1) compiler only. A test broker lives
#: minutes and carries light traffic, where the optimising compiler costs more CPU than it
#: saves: this about halves a broker's CPU to start and to serve the tests
TEST_JVM_OPTS = "-XX:TieredStopAtLevel=1"


def _broker_env(**settings: str) -> dict[str, str]:
    """The environment of ``kafka.sh`` for a local test broker (``KAFKA_OPTS`` given by the
    caller's environment come first)."""
    opts = " ".join(filter(None, (os.environ.get("KAFKA_OPTS", ""), TEST_JVM_OPTS)))
    return {**os.environ, "KAFKA_OPTS": opts, **settings}


def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        return bool(client.ping())
    except Exception:
        return False


@contextmanager
def kafka_broker() -> Iterator[str]:
    """Yield the bootstrap address of a real Kafka broker."""
    given = os.environ.get("KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    if docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as container:
            yield container.get_bootstrap_server()
        return
    home = REPO / "var" / f"test-kafka-{os.getpid()}"
    for attempt in range(START_ATTEMPTS):
        shutil.rmtree(home, ignore_errors=True)
        env = _broker_env(
            KAFKA_HOME=str(home),
            KAFKA_PORT=str(free_port()),
            KAFKA_CONTROLLER_PORT=str(free_port()),
        )
        try:
            subprocess.run([str(KAFKA_SCRIPT), "start"], env=env, check=True)
            break
        except subprocess.CalledProcessError:
            # another process (a second test worker, another suite) may have bound one of
            # the free ports between the pick and the broker's bind: try on new ones
            discard_broker(home)
            if attempt == START_ATTEMPTS - 1:
                raise
    try:
        yield f"127.0.0.1:{env['KAFKA_PORT']}"
    finally:
        discard_broker(home)
        subprocess.run([str(KAFKA_SCRIPT), "stop"], env=env, check=False)
        shutil.rmtree(home, ignore_errors=True)


class LocalBroker:
    """A broker of one test's own, on free loopback ports, that the test may stop and restart
    (same storage, so what was acknowledged survives)."""

    def __init__(self) -> None:
        self.home = REPO / "var" / f"test-kafka-own-{os.getpid()}-{free_port()}"
        shutil.rmtree(self.home, ignore_errors=True)
        self.env = _broker_env(
            KAFKA_HOME=str(self.home),
            KAFKA_PORT=str(free_port()),
            KAFKA_CONTROLLER_PORT=str(free_port()),
        )
        self.bootstrap = f"127.0.0.1:{self.env['KAFKA_PORT']}"

    def start(self) -> None:
        subprocess.run([str(KAFKA_SCRIPT), "start"], env=self.env, check=True)

    def stop(self) -> None:
        subprocess.run([str(KAFKA_SCRIPT), "stop"], env=self.env, check=False)


class _Warming:
    """A local broker starting in the background, for the next test that needs one."""

    def __init__(self) -> None:
        self.broker = LocalBroker()
        self.started = False
        self.thread = threading.Thread(target=self._start, name="kafka-spare", daemon=True)
        self.thread.start()

    def _start(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.broker.start()
            self.started = True

    def discard(self) -> None:
        self.thread.join()
        discard_broker(self.broker.home)
        self.broker.stop()
        shutil.rmtree(self.broker.home, ignore_errors=True)


_spare: list[_Warming] = []


def _spare_broker() -> LocalBroker:
    """A new, empty broker: the one warmed while the previous test ran when there is one (else
    one started now), and the next one starts warming while this one is used."""
    warm = _spare.pop() if _spare else None
    if warm is not None:
        warm.thread.join()
        if not warm.started:
            warm.discard()
            warm = None
    if warm is None:
        for attempt in range(START_ATTEMPTS):  # new free ports when one was taken meanwhile
            broker = LocalBroker()
            try:
                broker.start()
                break
            except subprocess.CalledProcessError:
                discard_broker(broker.home)
                shutil.rmtree(broker.home, ignore_errors=True)
                if attempt == START_ATTEMPTS - 1:
                    raise
    else:
        broker = warm.broker
    _spare.append(_Warming())
    return broker


@atexit.register
def _discard_spare() -> None:
    while _spare:
        _spare.pop().discard()


@contextmanager
def own_kafka_broker() -> Iterator[LocalBroker]:
    """A new, empty local broker, whatever ``KAFKA_BOOTSTRAP`` says: for tests that need a
    fresh cluster or must stop the broker."""
    broker = _spare_broker()
    try:
        yield broker
    finally:
        discard_broker(broker.home)
        broker.stop()
        shutil.rmtree(broker.home, ignore_errors=True)


#: how long a test's seeding publisher waits for the broker: topics created a moment ago on a
#: loaded machine can take well over the services' 5 s to get their partition leaders
SEED_TIMEOUT_S = 60.0
