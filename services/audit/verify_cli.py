"""``python -m services.audit.verify_cli``: verify the sealed audit log, with a progress bar.

Locally it reads the store from the settings (``CLICKHOUSE_URL``, or the embedded chDB under
``WFA_DATA_DIR`` while the audit service is stopped: an embedded store belongs to one process)
and the topics from ``KAFKA_BOOTSTRAP``. With ``--url`` it asks a running audit service
(``GET /audit/verify``, a bearer token of an auditor, admin_bkd or ops) instead.

Exit status: 0 when nothing was found, 1 when something was, 2 when verification cannot run.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.audit.domain.verification import Report
from services.audit.verifier import Progress as VerifyProgress
from services.audit.verifier import VerificationUnavailable, verify_log
from services.audit.verify_proofs import load_public_key
from services.runtime.settings import Settings
from services.runtime.store import open_store

CLEAN, FOUND, CANNOT_RUN = 0, 1, 2
"""Exit statuses: nothing found, something found, verification could not run."""

_TEXT = {
    "title": ("Verifikasi log audit tersegel", "Verification of the sealed audit log"),
    "blocks": ("blok", "blocks"),
    "leaves": ("peristiwa", "events"),
    "ok": (
        "Log utuh: {leaves} peristiwa dalam {blocks} blok, {checkpoints} checkpoint sah, "
        "{pending} menunggu segel.",
        "The log is intact: {leaves} events in {blocks} blocks, {checkpoints} valid "
        "checkpoints, {pending} waiting for their seal.",
    ),
    "found": (
        "{count} temuan dalam {blocks} blok ({leaves} peristiwa).",
        "{count} findings in {blocks} blocks ({leaves} events).",
    ),
    "asking": ("Meminta verifikasi ke {url} ...", "Asking {url} to verify ..."),
    "cannot": ("Verifikasi tidak dapat berjalan: {error}", "Verification cannot run: {error}"),
    "columns": (
        ("temuan", "blok", "peristiwa", "posisi", "keterangan"),
        ("finding", "block", "event", "position", "message"),
    ),
}


def _text(key: str, lang: str) -> Any:
    return _TEXT[key][0 if lang == "id" else 1]


def _read_key(value: str | None) -> str | None:
    """A base64 public key given as text or as a file holding it (checked here)."""
    if value is None:
        return None
    path = Path(value)
    text = path.read_text("ascii").strip() if path.is_file() else value.strip()
    load_public_key(text)
    return text


class _Bar(VerifyProgress):
    def __init__(self, progress: Progress, lang: str) -> None:
        self.progress, self.lang = progress, lang
        self.blocks = progress.add_task(_text("blocks", lang), total=None)
        self.leaves = progress.add_task(_text("leaves", lang), total=None)

    def planned(self, blocks: int, leaves: int) -> None:
        self.progress.update(self.blocks, total=blocks)
        self.progress.update(self.leaves, total=leaves)

    def advanced(self, blocks: int, leaves: int) -> None:
        self.progress.advance(self.blocks, blocks)
        self.progress.advance(self.leaves, leaves)


async def _verify_here(
    settings: Settings, public_key: str | None, kafka: bool, console: Console, lang: str
) -> dict[str, Any]:
    store = open_store(settings)
    try:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            report: Report = await verify_log(
                store,
                settings,
                public_key=public_key,
                kafka=kafka,
                progress=_Bar(progress, lang),
            )
        return report.as_dict()
    finally:
        await store.close()


def _verify_remote(
    url: str, token: str, public_key: str | None, kafka: bool, console: Console, lang: str
) -> dict[str, Any]:
    params: dict[str, str] = {"kafka": "true" if kafka else "false"}
    if public_key:
        params["public_key"] = public_key
    with console.status(_text("asking", lang).format(url=url)):
        response = httpx.get(
            f"{url.rstrip('/')}/audit/verify",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=None,
        )
    if response.status_code != 200:
        try:
            error = response.json()["error"]
            message = error["message_id" if lang == "id" else "message_en"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {response.status_code}"
        raise VerificationUnavailable(message)
    body: dict[str, Any] = response.json()
    return body


def render(report: dict[str, Any], console: Console, lang: str) -> None:
    """The report as a table of findings (or one line when the log is intact)."""
    totals = report["totals"]
    if report["ok"]:
        console.print(
            "[bold green]"
            + _text("ok", lang).format(
                leaves=totals["leaves"],
                blocks=totals["blocks"],
                checkpoints=totals["checkpoints_verified"],
                pending=totals["pending"],
            )
        )
        return
    table = Table(title=_text("title", lang), show_lines=False)
    for column in _text("columns", lang):
        table.add_column(column, overflow="fold")
    for finding in report["findings"]:
        place = (
            f"{finding['topic']}/{finding['partition']}@{finding['offset']}"
            if finding["topic"] is not None
            else ""
        )
        table.add_row(
            finding["kind"],
            "" if finding["block"] is None else str(finding["block"]),
            finding["event_id"] or "",
            place,
            finding["message_id" if lang == "id" else "message_en"],
        )
    console.print(table)
    console.print(
        "[bold red]"
        + _text("found", lang).format(
            count=len(report["findings"]), blocks=totals["blocks"], leaves=totals["leaves"]
        )
    )


def verify(
    kafka: bool = typer.Option(True, "--kafka/--no-kafka", help="Also recompute from Kafka."),
    url: str | None = typer.Option(
        None, help="Ask a running audit service (e.g. http://127.0.0.1:8004) instead."
    ),
    token: str | None = typer.Option(
        None, envvar="WFA_TOKEN", help="Bearer token for --url (auditor, admin_bkd or ops)."
    ),
    public_key: str | None = typer.Option(
        None, help="Base64 Ed25519 public key, or a file holding it (default: the configured)."
    ),
    lang: str = typer.Option("id", help="id (Bahasa Indonesia) or en."),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Recompute the sealed audit log from the archive and the Kafka topics; name every event
    altered, deleted, reordered or inserted and every checkpoint whose signature fails."""
    lang = "en" if lang == "en" else "id"
    console = Console(stderr=json_output)
    try:
        key = _read_key(public_key)
        if url is not None:
            if not token:
                raise VerificationUnavailable("--url needs --token (or WFA_TOKEN)")
            report = _verify_remote(url, token, key, kafka, console, lang)
        else:
            settings = Settings(SERVICE_NAME="audit")  # type: ignore[call-arg]
            report = asyncio.run(_verify_here(settings, key, kafka, console, lang))
    except (VerificationUnavailable, ValueError, OSError, httpx.HTTPError) as exc:
        console.print(f"[bold red]{_text('cannot', lang).format(error=exc)}")
        raise typer.Exit(code=CANNOT_RUN) from exc
    except Exception as exc:  # whatever stopped it, nothing was verified: never "found" (1)
        console.print(f"[bold red]{_text('cannot', lang).format(error=repr(exc))}")
        raise typer.Exit(code=CANNOT_RUN) from exc
    if json_output:
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        render(report, console, lang)
    raise typer.Exit(code=CLEAN if report["ok"] else FOUND)


def main() -> None:
    typer.run(verify)


if __name__ == "__main__":
    main()
