"""Replay a service's projections from offset 0 and compare them with the live service.

    python -m operations.replay_cli reporting --live http://127.0.0.1:8003

Rebuilds the projections into a fresh embedded database (``--keep DIR`` keeps it), shows
progress as records projected out of records to project, then a table per projection table:
live rows, replayed rows, equal or not; for a table that differs, a few rows found on one
side only. Kafka and the JWT secret come from the environment (``KAFKA_BOOTSTRAP``,
``JWT_SECRET``, ... see ``services/runtime/settings.py``); without ``--token`` an ``ops``
token is minted with the configured secret, naming ``--nip`` (the operator, whom the access
log records when rows that differ are shown; without it only the digests are compared).

Exit code: 0 when every table is equal, 1 when a table differs, 2 when the comparison could
not be made (no such service, live service unreachable or not caught up).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from operations.replay import (
    LiveService,
    ReplayError,
    ReplayOptions,
    ReplayReport,
    replay,
)
from services.runtime.edge.identity import Principal, Role, mint_token
from services.runtime.settings import Settings

app = typer.Typer(add_completion=False, help=__doc__)
console = Console()

SHOWN_ROWS = 5
"""Rows shown per side of a table that differs."""
_STATUS = {
    "equal": "[green]yes[/green]",
    "differs": "[red]no[/red]",
    "only_live": "[red]no (live only)[/red]",
    "only_replayed": "[red]no (replay only)[/red]",
}


def ops_token(settings: Settings, nip: str | None) -> str:
    """A short-lived ``ops`` token signed with the configured secret, naming the operator's
    NIP (recorded in the access log when rows that differ are read) or else the replay
    application (which may compare digests but not read rows)."""
    principal = Principal(nip=nip or "system:replay", role=Role.OPS, opd_id=None, name="replay")
    return mint_token(
        principal,
        settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        ttl=timedelta(hours=1),
    )


def _rows_text(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def show(report: ReplayReport) -> None:
    table = Table(title=f"Replay of {report.service}: live vs rebuilt from offset 0")
    table.add_column("table")
    table.add_column("live rows", justify="right")
    table.add_column("replayed rows", justify="right")
    table.add_column("equal?", justify="center")
    for c in report.comparisons:
        table.add_row(
            c.table, _rows_text(c.live_rows), _rows_text(c.replayed_rows), _STATUS[c.status]
        )
    console.print(table)
    for name, diff in report.differences.items():
        if isinstance(diff, str):
            console.print(f"[bold]{name}[/bold]: live rows not shown: {diff}", soft_wrap=True)
            continue
        console.print(f"[bold]{name}[/bold]: rows on one side only (among the first fetched)")
        for side, rows in (("live", diff.only_live), ("replayed", diff.only_replayed)):
            for row in rows[:SHOWN_ROWS]:
                console.print(f"  {side:>8}: {orjson.dumps(row).decode()}", soft_wrap=True)
            if len(rows) > SHOWN_ROWS:
                console.print(f"  {side:>8}: ... and {len(rows) - SHOWN_ROWS} more")
        if diff.empty:
            console.print("  (the first rows fetched agree; the difference lies further on)")
    for name, reason in report.excluded_tables.items():
        console.print(f"[dim]not compared: {name}: {reason}[/dim]")
    for name, columns in report.excluded_columns.items():
        for column, reason in columns.items():
            console.print(f"[dim]column left out: {name}.{column}: {reason}[/dim]")
    console.print(
        f"{report.records:,} records projected; {report.unreadable:,} unreadable "
        "(dead-lettered by the live service, not again by the replay)"
    )
    if report.kept is not None:
        console.print(f"rebuilt store kept in {report.kept}")
    if report.equal:
        console.print("[green]The diff is empty.[/green]")
        return
    console.print("[red]The projections differ.[/red]")
    if report.appended:
        console.print(
            f"[yellow]{report.appended:,} records were appended to the log during the replay: "
            "the live side may hold them and the rebuild not. Run again on a quiet log.[/yellow]"
        )


async def _run(
    service: str, live_url: str, token: str, settings: Settings, options: ReplayOptions
) -> ReplayReport:
    live = LiveService(live_url, token)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        waiting: TaskID | None = None
        projecting: TaskID | None = None

        def on_wait(behind: int) -> None:
            nonlocal waiting
            if waiting is None:
                waiting = bar.add_task("live service catching up", total=None)
            bar.update(waiting, description=f"live service: {behind:,} records behind")
            if behind == 0:
                bar.update(waiting, description="live service caught up", total=1, completed=1)

        def on_progress(done: int, total: int) -> None:
            nonlocal projecting
            if projecting is None:
                projecting = bar.add_task("records projected", total=total)
            bar.update(projecting, completed=done, total=total)

        try:
            return await replay(
                service, live, settings, options=options, progress=on_progress, waiting=on_wait
            )
        finally:
            await live.close()


@app.command()
def main(
    service: Annotated[str, typer.Argument(help="reporting, eligibility or audit")],
    live: Annotated[str, typer.Option(help="Base URL of the live service")],
    token: Annotated[
        str | None, typer.Option(help="Bearer token (ops, auditor or admin_bkd)")
    ] = None,
    nip: Annotated[
        str | None,
        typer.Option(help="Your NIP, for the minted token: needed to be shown differing rows"),
    ] = None,
    keep: Annotated[
        Path | None, typer.Option(help="Keep the rebuilt store in this (empty) directory")
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds the live service may take to reach the log's end")
    ] = 300.0,
    diff_rows: Annotated[
        int, typer.Option(help="Rows fetched from each side of a table that differs")
    ] = 1000,
) -> None:
    """Rebuild SERVICE's projections from offset 0 and diff them with the live ones."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    settings = Settings()
    options = ReplayOptions(wait_live_s=wait, diff_rows=diff_rows, keep=keep)
    try:
        bearer = token or ops_token(settings, nip)
    except ValidationError as exc:
        console.print(
            f"[red]replay: --nip must be an 18-digit NIP ({exc.error_count()} error)[/red]"
        )
        raise typer.Exit(2) from exc
    try:
        report = asyncio.run(_run(service, live, bearer, settings, options))
    except ReplayError as exc:
        console.print(f"[red]replay: {exc}[/red]")
        raise typer.Exit(2) from exc
    show(report)
    raise typer.Exit(0 if report.equal else 1)


if __name__ == "__main__":
    app()
