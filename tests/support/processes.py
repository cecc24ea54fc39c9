"""Run the services as real uvicorn processes, the way they run in production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.runtime.settings import DEV_JWT_SECRET
from tests.support.infra import REPO, free_port

ALL_SERVICES = ("eligibility", "attendance", "reporting", "audit")

_SECRET_SETTING = re.compile(r"(SECRET|PASSWORD|SIGNING_KEY|PRIVATE_KEY)$")
SERVICE_LOGS: list[tuple[Path, frozenset[str]]] = []
"""Every service log written by this test process, with the secrets its service was given
(checked at the end of the session: none may appear in any of them)."""


def secrets_given(env: dict[str, str]) -> frozenset[str]:
    """The secret settings in a service's environment (the development JWT secret when none
    is set); values too short to be told from ordinary text are left out."""
    values = {value for name, value in env.items() if _SECRET_SETTING.search(name)}
    if not env.get("JWT_SECRET"):
        values.add(DEV_JWT_SECRET)
    return frozenset(value for value in values if len(value) >= 12)


def leaked_secrets() -> list[str]:
    """``log: setting`` for every secret found in a service log of this test process."""
    leaks: list[str] = []
    for path, secrets in SERVICE_LOGS:
        text = path.read_text(errors="replace") if path.exists() else ""
        leaks.extend(f"{path.name}: {secret[:4]}…" for secret in secrets if secret in text)
    return leaks


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    relaunch: Callable[[], ServiceProcess] | None = field(default=None, repr=False)
    """Start the same service again on another free port."""
    group: str = ""
    """Its consumer group (``KAFKA_GROUP_ID``)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _stop(proc: ServiceProcess) -> None:
    stop_all([proc])


def stop_all(procs: list[ServiceProcess]) -> None:
    """Ask every process to stop at once, then wait for each: their shutdowns (consumers
    leaving their groups, stores closing) overlap instead of adding up."""
    for proc in procs:
        if proc.process.poll() is None:
            proc.process.terminate()
    for proc in procs:
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
    proc = ServiceProcess(name, port, process, log_path, group=env["KAFKA_GROUP_ID"])
    SERVICE_LOGS.append((log_path, secrets_given(env)))
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


def _answers_as(client: httpx.Client, proc: ServiceProcess) -> bool:
    """Whether ``proc``'s port answers ready as that service (not another one on the port)."""
    answer = client.get(f"{proc.url}/ready")
    return answer.status_code == 200 and answer.json().get("service") == proc.name


def wait_ready(procs: list[ServiceProcess], timeout: float = 150.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(procs)
    # one client for the whole wait: a new one per poll costs the test process more CPU than
    # the answer, while the services it polls are starting on the same cores
    with httpx.Client(timeout=2) as client:
        while pending:
            for proc in list(pending):
                if proc.process.poll() is not None:
                    if _relaunched(proc):
                        continue
                    raise RuntimeError(f"{proc.name} exited early:\n{proc.log_tail()}")
                try:
                    if _answers_as(client, proc) and proc.process.poll() is None:
                        pending.remove(proc)
                except (httpx.HTTPError, ValueError):
                    pass
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in pending)
                raise TimeoutError(f"services not ready in {timeout}s:\n{tails}")
            time.sleep(0.2)


@contextmanager
def running_services(
    kafka_bootstrap: str,
    data_dir: Path,
    names: tuple[str, ...] = ALL_SERVICES,
    group_suffix: str = "e2e",
    extra_env: dict[str, str] | None = None,
) -> Iterator[dict[str, ServiceProcess]]:
    procs: dict[str, ServiceProcess] = {}
    try:
        for name in names:
            procs[name] = start_service(
                name,
                kafka_bootstrap=kafka_bootstrap,
                data_dir=data_dir,
                group_suffix=group_suffix,
                extra_env=extra_env or {},
            )
        wait_ready(list(procs.values()))
        yield procs
    finally:
        stop_all(list(procs.values()))


@contextmanager
def one_service(name: str, kafka_bootstrap: str, data_dir: Path) -> Iterator[ServiceProcess]:
    """One service, ready, in a consumer group of its own."""
    with running_services(
        kafka_bootstrap, data_dir, names=(name,), group_suffix=uuid.uuid4().hex[:8]
    ) as procs:
        yield procs[name]


#: the services every module with default settings shares for the whole session. The stream
#: detector is not among them: running all session long it would judge every other module's
#: signals and add its anomalies to their counts (the modules that need it run their own).
PLATFORM = ("eligibility", "attendance", "reporting", "audit")
#: the shared platform's settings: audit seals a block half a second after its first event;
#: the hourly purge of precise locations is off (the purge is tested on a broker of its own)
PLATFORM_ENV = {"AUDIT_SEAL_SECONDS": "0.5", "LOCATION_PURGE_ENABLED": "false"}


@dataclass(frozen=True)
class SharedPlatform:
    """The session's services on the session's broker. Tests on it isolate by data (their own
    OPD ids and NIPs), never by fresh processes."""

    procs: dict[str, ServiceProcess]
    group_suffix: str
    kafka_bootstrap: str

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.procs[name]

    def group(self, name: str) -> str:
        """The consumer group (and prefix of the private topics) of service ``name``."""
        return f"wfa-{name}-{self.group_suffix}"

    def only(self, *names: str) -> dict[str, ServiceProcess]:
        return {name: self.procs[name] for name in names}

    @property
    def urls(self) -> dict[str, str]:
        return {name: proc.url for name, proc in self.procs.items()}


@contextmanager
def detector_from_now(
    kafka_bootstrap: str, data_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[ServiceProcess]:
    """A stream detector, ready, in a group of its own that starts at the end of the log: it
    judges what is sent from now on, not the session's whole history (and publishes no
    anomaly about another module's people)."""
    from schemas.topics import ATTENDANCE, LOCATIONS
    from tests.support.week_driver import start_at_end

    suffix = uuid.uuid4().hex[:8]
    start_at_end(kafka_bootstrap, f"wfa-detector-{suffix}", (ATTENDANCE, LOCATIONS))
    with running_services(
        kafka_bootstrap, data_dir, names=("detector",), group_suffix=suffix, extra_env=extra_env
    ) as procs:
        yield procs["detector"]
