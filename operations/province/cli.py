"""``wfa-province``: generate a province and write it to the topics, or drive the APIs with it.

    wfa-province write                      # DKI: 62,000 ASN in 45 OPDs, December 2025
    wfa-province write --asn 300 --opds 3 --period day --start 2026-03-02
    wfa-province load --rate 170            # the morning peak through the attendance API
    wfa-province describe --asn 300 --opds 3

``write`` puts every event of the period (policies, geofences, roster, sanctions, devices,
requests and decisions, check-ins, check-outs, pings, heartbeats, anomalies, daily reports
and reviews) straight onto the contract's topics, then prints the records per topic, the
seconds and the events per second. ``load`` writes the prologue (roster, devices, policies,
geofences) the same way, then has each ASN check in once through the attendance API at
``--rate`` a second, and prints the answers by status and the latencies. The same
``--seed`` always gives the same province and the same events. Kafka comes from
``KAFKA_BOOTSTRAP`` (or ``--bootstrap``), the signing secret from ``JWT_SECRET`` (see
``services/runtime/settings.py``).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from kernel.positions import ADMINISTRATIVE_CATEGORIES
from operations.province.generate import chunk_count
from operations.province.model import DEFAULT_ASN, DEFAULT_OPDS, ProvinceConfig, iter_opds
from operations.province.plans import Period, PeriodName
from operations.province.writer import (
    WriteReport,
    compression_available,
    encoded_chunks,
    write_chunks,
)
from services.runtime.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=(
        "Generate a province from a seed (DKI: 62,000 ASN in 45 OPDs by default) and write a "
        "day, week or month of its events straight to the topics (write), or have its ASN "
        "check in through the attendance API at a given rate (load); describe lists its OPDs."
    ),
)
console = Console()

Asn = Annotated[int, typer.Option("--asn", min=3, help="ASN in the province.")]
Opds = Annotated[int, typer.Option("--opds", min=1, help="OPDs (regional agencies).")]
Seed = Annotated[int, typer.Option("--seed", help="Same seed, same province, same events.")]
Bootstrap = Annotated[
    str | None,
    typer.Option("--bootstrap", help="Kafka bootstrap servers (default: KAFKA_BOOTSTRAP)."),
]
DEFAULT_SEED = 20251229


def _config(asn: int, opds: int, seed: int, start: date) -> ProvinceConfig:
    try:
        config = ProvinceConfig(asn=asn, opds=opds, seed=seed, start=start)
        config.sizes()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return config


def _bootstrap(value: str | None) -> list[str]:
    servers = value or os.environ.get("KAFKA_BOOTSTRAP") or Settings().kafka_bootstrap
    return [s.strip() for s in servers.split(",") if s.strip()]


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _summary(report: WriteReport, title: str) -> Table:
    table = Table(title=title)
    table.add_column("topic")
    table.add_column("events", justify="right")
    for topic, count in sorted(report.per_topic.items()):
        table.add_row(topic, f"{count:,}")
    table.add_row("[bold]total", f"[bold]{report.events:,}")
    table.add_row("seconds", f"{report.seconds:,.1f}")
    table.add_row("events/s", f"{report.rate:,.0f}")
    return table


async def _write(
    config: ProvinceConfig,
    period: Period,
    bootstrap: list[str],
    *,
    detector: bool,
    compression: str | None,
    linger_ms: int,
    prologue_only: bool,
    label: str,
    workers: int = 0,
) -> WriteReport:
    total = chunk_count(config, period, prologue_only=prologue_only)
    with _progress() as progress:
        task = progress.add_task(label, total=total, events=0)
        written = 0

        def advance(events: int) -> None:
            nonlocal written
            written += events
            progress.update(task, advance=1, events=written)

        return await write_chunks(
            encoded_chunks(
                config, period, detector=detector, prologue_only=prologue_only, workers=workers
            ),
            bootstrap,
            compression=compression,
            linger_ms=linger_ms,
            on_chunk=advance,
        )


@app.command()
def write(
    asn: Asn = DEFAULT_ASN,
    opds: Opds = DEFAULT_OPDS,
    seed: Seed = DEFAULT_SEED,
    period: Annotated[
        str, typer.Option("--period", help="day, week or month from --start.")
    ] = "month",
    start: Annotated[
        datetime, typer.Option("--start", formats=["%Y-%m-%d"], help="First day simulated.")
    ] = datetime(2025, 12, 1),
    bootstrap: Bootstrap = None,
    detector: Annotated[
        bool,
        typer.Option(
            "--detector/--no-detector",
            help="Also write the stream detector's anomalies (with its own ids).",
        ),
    ] = True,
    compression: Annotated[
        str, typer.Option("--compression", help="auto (lz4 when available), lz4, gzip, none.")
    ] = "auto",
    linger_ms: Annotated[int, typer.Option("--linger-ms", min=0, max=5000)] = 100,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Processes generating the chunks beside the writing one (0: the writing "
            "process generates them); helps only with cores to spare.",
        ),
    ] = 0,
) -> None:
    """Write a province's period straight to the topics, in bulk."""
    if period not in ("day", "week", "month"):
        raise typer.BadParameter("--period is day, week or month")
    config = _config(asn, opds, seed, start.date())
    span = Period.of(config.start, period)  # type: ignore[arg-type]
    servers = _bootstrap(bootstrap)
    console.print(
        f"Province: {config.asn:,} ASN in {config.opds} OPDs, seed {config.seed}; "
        f"{span.start} to {span.end} ({period}); Kafka {','.join(servers)}"
    )
    report = asyncio.run(
        _write(
            config,
            span,
            servers,
            detector=detector,
            compression=compression_available(compression),
            linger_ms=linger_ms,
            prologue_only=False,
            label="writing",
            workers=workers,
        )
    )
    console.print(_summary(report, "Events written per topic"))


@app.command()
def load(
    asn: Asn = DEFAULT_ASN,
    opds: Opds = DEFAULT_OPDS,
    seed: Seed = DEFAULT_SEED,
    rate: Annotated[float, typer.Option("--rate", min=0.1, help="Check-ins per second.")] = 170.0,
    count: Annotated[
        int | None, typer.Option("--count", min=1, help="Check-ins (default: every ASN once).")
    ] = None,
    attendance: Annotated[
        str, typer.Option("--attendance", envvar="ATTENDANCE_URL", help="Attendance API.")
    ] = "http://127.0.0.1:8002",
    setup: Annotated[
        bool,
        typer.Option("--setup/--no-setup", help="Write the prologue (roster, devices...) first."),
    ] = True,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1)] = 200,
    bootstrap: Bootstrap = None,
) -> None:
    """Drive the attendance API: every ASN checks in once at --rate a second (today)."""
    from operations.province.load import drive_check_ins, people_of, wait_ready

    today = (datetime.now(UTC) + timedelta(hours=7)).date()
    config = _config(asn, opds, seed, today)
    settings = Settings()
    if setup:
        span = Period.of(config.start, "day")
        report = asyncio.run(
            _write(
                config,
                span,
                _bootstrap(bootstrap),
                detector=False,
                compression=None,
                linger_ms=50,
                prologue_only=True,
                label="prologue",
            )
        )
        console.print(_summary(report, "Prologue written per topic"))
    people = list(people_of(config))[: count or config.asn]
    console.print(f"Waiting for {attendance}/ready ...")
    asyncio.run(wait_ready(attendance))
    with _progress() as progress:
        # the first person's check-in is the warm-up, before the timed run
        task = progress.add_task("check-ins", total=len(people) - 1, events=0)
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            progress.update(task, advance=1, events=done)

        result = asyncio.run(
            drive_check_ins(
                people,
                attendance,
                rate=rate,
                secret=settings.jwt_secret.get_secret_value(),
                issuer=settings.jwt_issuer,
                concurrency=concurrency,
                on_call=tick,
            )
        )
    table = Table(title="Check-ins through the attendance API")
    table.add_column("what")
    table.add_column("value", justify="right")
    for status, n in sorted(result.statuses.items()):
        table.add_row(f"HTTP {status}", f"{n:,}")
    for error, n in sorted(result.errors.items()):
        table.add_row(error, f"{n:,}")
    table.add_row("seconds", f"{result.seconds:,.1f}")
    table.add_row("calls/s", f"{result.calls / result.seconds if result.seconds else 0:,.1f}")
    for q in (0.5, 0.95, 0.99):
        table.add_row(f"p{round(q * 100)} ms", f"{result.percentile(q):,.1f}")
    console.print(table)
    if result.statuses.get(201, 0) < len(people) - 1:
        raise typer.Exit(1)


@app.command()
def describe(
    asn: Asn = DEFAULT_ASN,
    opds: Opds = DEFAULT_OPDS,
    seed: Seed = DEFAULT_SEED,
    start: Annotated[
        datetime, typer.Option("--start", formats=["%Y-%m-%d"], help="First day simulated.")
    ] = datetime(2025, 12, 1),
) -> None:
    """Print the province's OPDs: people, units, categories, new hires, sanctions, cheaters."""
    config = _config(asn, opds, seed, start.date())
    table = Table(title=f"Province of {config.asn:,} ASN (seed {config.seed})")
    table.add_column("OPD", no_wrap=True)
    for column in ("ASN", "units", "WFA", "excluded", "new", "sanctioned", "cheaters"):
        table.add_column(column, justify="right")
    for opd in iter_opds(config):
        categories = Counter(p.category for p in opd.people)
        excluded = sum(n for c, n in categories.items() if c not in _ELIGIBLE)
        table.add_row(
            opd.opd_id,
            f"{len(opd.people):,}",
            str(len(opd.units)),
            "on" if opd.spec.wfa_enabled else "off",
            f"{excluded:,}",
            str(sum(p.new_hire_on(config.start) for p in opd.people)),
            str(sum(p.sanction is not None for p in opd.people)),
            str(sum(p.cheat is not None for p in opd.people)),
        )
    console.print(table)


_ELIGIBLE = ADMINISTRATIVE_CATEGORIES


def main() -> None:
    app()


if __name__ == "__main__":
    main()


__all__ = ["PeriodName", "app", "main"]
