"""Run the services as real uvicorn processes, the way they run in production."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.infra import REPO, free_port

ALL_SERVICES = ("eligibility", "attendance", "reporting", "audit")


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    relaunch: Callable[[], ServiceProcess] | None = field(default=None, repr=False)
    """Start the same service again on another free port."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _stop(proc: ServiceProcess) -> None:
    if proc.process.poll() is None:
        proc.process.terminate()
        try:
            proc.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait(timeout=10)


def start_service(
    name: str,
    *,
    kafka_bootstrap: str,
    data_dir: Path,
    group_suffix: str,
    extra_env: dict[str, str],
    workers: int = 1,
) -> ServiceProcess:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"{name}-{port}.log"
    env = {
        **os.environ,
        "SERVICE_NAME": name,
        "KAFKA_BOOTSTRAP": kafka_bootstrap,
        "WFA_DATA_DIR": str(data_dir / f"{name}-{port}"),
        "WFA_ENV": "test",
        "KAFKA_GROUP_ID": f"wfa-{name}-{group_suffix}",
        **extra_env,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                f"services.{name}.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                *(("--workers", str(workers)) if workers > 1 else ()),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    proc = ServiceProcess(name, port, process, log_path)
    proc.relaunch = lambda: start_service(
        name,
        kafka_bootstrap=kafka_bootstrap,
        data_dir=data_dir,
        group_suffix=group_suffix,
        extra_env=extra_env,
        workers=workers,
    )
    return proc


#: what uvicorn logs when another process took the free port between our pick and its bind
PORT_TAKEN = "address already in use"


def _relaunched(proc: ServiceProcess) -> bool:
    """Start ``proc`` again on another port when it lost its port to another process (another
    suite on the machine can bind a port between :func:`free_port` and uvicorn's bind)."""
    if proc.relaunch is None or PORT_TAKEN not in proc.log_tail(200).lower():
        return False
    again = proc.relaunch()
    proc.port, proc.process, proc.log_path = again.port, again.process, again.log_path
    return True


def _answers_as(proc: ServiceProcess) -> bool:
    """Whether ``proc``'s port answers ready as that service (not another one on the port)."""
    answer = httpx.get(f"{proc.url}/ready", timeout=2)
    return answer.status_code == 200 and answer.json().get("service") == proc.name


def wait_ready(procs: list[ServiceProcess], timeout: float = 150.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(procs)
    while pending:
        for proc in list(pending):
            if proc.process.poll() is not None:
                if _relaunched(proc):
                    continue
                raise RuntimeError(f"{proc.name} exited early:\n{proc.log_tail()}")
            try:
                if _answers_as(proc) and proc.process.poll() is None:
                    pending.remove(proc)
            except (httpx.HTTPError, ValueError):
                pass
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in pending)
            raise TimeoutError(f"services not ready in {timeout}s:\n{tails}")
        time.sleep(0.5)


@contextmanager
def running_services(
    kafka_bootstrap: str,
    data_dir: Path,
    names: tuple[str, ...] = ALL_SERVICES,
    group_suffix: str = "e2e",
    extra_env: dict[str, str] | None = None,
) -> Iterator[dict[str, ServiceProcess]]:
    with ExitStack() as stack:
        procs: dict[str, ServiceProcess] = {}
        for name in names:
            proc = start_service(
                name,
                kafka_bootstrap=kafka_bootstrap,
                data_dir=data_dir,
                group_suffix=group_suffix,
                extra_env=extra_env or {},
            )
            stack.callback(_stop, proc)
            procs[name] = proc
        wait_ready(list(procs.values()))
        yield procs


@contextmanager
def one_service(name: str, kafka_bootstrap: str, data_dir: Path) -> Iterator[ServiceProcess]:
    """One service, ready, in a consumer group of its own."""
    with running_services(
        kafka_bootstrap, data_dir, names=(name,), group_suffix=uuid.uuid4().hex[:8]
    ) as procs:
        yield procs[name]
