"""Where a service's restart spends its time: cProfile of its second start on a generated
province's log (the slow path behind a missed "restart to ready" of ``make bench-province``).

    python -m tests.bench.profile_service reporting --asn 3000 --opds 5

A private broker gets the province (``wfa-province write``); the service starts once on it
(catch-up), stops, and starts again on the same data and consumer group under
``python -m cProfile``, until ``/ready``; then it is stopped (SIGINT: uvicorn ends cleanly and
the profile is written). The top of the profile (cumulative and own time, the event loop's
thread) goes to ``var/bench/profiles/<service>-restart.txt``.
"""

from __future__ import annotations

import io
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from operations.province.model import ProvinceConfig
from operations.province.plans import Period
from tests.bench.province import SERVICE_ENV, _ready_times, _start, console, write_province
from tests.support.infra import REPO, free_port, kafka_broker
from tests.support.processes import ServiceProcess, stop_all

app = typer.Typer(add_completion=False, help=__doc__)


def _profiled(name: str, bootstrap: str, root: Path, suffix: str, out: Path) -> ServiceProcess:
    port = free_port()
    log_path = root / f"{name}-profiled.log"
    env = {
        **os.environ,
        "SERVICE_NAME": name,
        "KAFKA_BOOTSTRAP": bootstrap,
        "WFA_ENV": "test",
        "KAFKA_GROUP_ID": f"wfa-{name}-{suffix}",
        **SERVICE_ENV,
        "WFA_DATA_DIR": str(root / name),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "cProfile", "-o", str(out), "-m", "uvicorn"),
                *("--factory", f"services.{name}.main:create_app", "--host", "127.0.0.1"),
                *("--port", str(port), "--log-level", "warning"),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return ServiceProcess(name, port, process, log_path)


@app.command()
def main(
    service: Annotated[str, typer.Argument(help="eligibility, attendance, reporting or audit")],
    asn: Annotated[int, typer.Option("--asn", min=3)] = 3000,
    opds: Annotated[int, typer.Option("--opds", min=1)] = 5,
    period: Annotated[str, typer.Option("--period")] = "day",
    start: Annotated[datetime, typer.Option("--start", formats=["%Y-%m-%d"])] = datetime(
        2025, 12, 1
    ),
    out_dir: Annotated[Path, typer.Option("--out-dir")] = REPO / "var" / "bench" / "profiles",
) -> None:
    """Profile ``service``'s restart to ready on a generated province's log."""
    config = ProvinceConfig(asn=asn, opds=opds, start=start.date())
    span = Period.of(config.start, period)  # type: ignore[arg-type]
    out_dir.mkdir(parents=True, exist_ok=True)
    with kafka_broker() as bootstrap, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        report = write_province(config, span, bootstrap)
        suffix = f"profile-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        proc = _start(service, bootstrap, root, suffix)
        try:
            first = _ready_times({service: proc}, started)[service]
        finally:
            stop_all([proc])
        raw = root / "restart.prof"
        started = time.perf_counter()
        proc = _profiled(service, bootstrap, root, suffix, raw)
        try:
            again = _ready_times({service: proc}, started)[service]
        finally:
            # uvicorn raises the signal it stopped on again once shut down: SIGINT becomes a
            # KeyboardInterrupt, through which cProfile still writes the profile (SIGTERM
            # would end the process first)
            proc.process.send_signal(signal.SIGINT)
            try:
                proc.process.wait(120)
            except subprocess.TimeoutExpired:
                stop_all([proc])
        text = io.StringIO()
        print(
            f"{service}: restart to ready under cProfile {again:.1f} s (first start "
            f"{first:.1f} s) on {report.events:,} events ({asn:,} ASN, {opds} OPDs, {period})\n",
            file=text,
        )
        stats = pstats.Stats(str(raw), stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    target = out_dir / f"{service}-restart.txt"
    target.write_text(text.getvalue())
    console.print(f"{service}: ready again in {again:.1f} s under cProfile; profile in {target}")


if __name__ == "__main__":
    app()
