"""The table of ``make bench-province``: one row per figure, beside its baseline or limit.

Rows are plain values (``Row``); :func:`markdown` renders them for ``docs/performance.md`` and
:func:`as_json` for ``var/bench/province.json``. A row that could not be measured says so
(``verdict = "not measured"`` and the reason in its note); nothing here invents a figure.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["met", "missed", "—", "not measured"]

SECTION = "bench-province"
BEGIN = f"<!-- {SECTION}:begin -->"
END = f"<!-- {SECTION}:end -->"


@dataclass
class Row:
    """One figure of ours beside what it is compared with, measured in the same run."""

    what: str
    size: str
    ours: str = ""
    compared_with: str = ""
    target: str = ""
    verdict: Verdict = "—"
    note: str = ""
    values: dict[str, float] = field(default_factory=dict)
    """The figures as numbers (for the JSON file)."""


def not_measured(what: str, size: str, reason: str, *, target: str = "") -> Row:
    return Row(what, size, target=target, verdict="not measured", note=reason)


def verdict(met: bool) -> Verdict:
    return "met" if met else "missed"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: list[Row]) -> str:
    """The rows as a Markdown table; the notes follow it, numbered."""
    lines = [
        "| what | size | ours | compared with | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for row in rows:
        ours = row.ours or "not measured"
        if row.note:
            notes.append(row.note)
            ours += f" [{len(notes)}]"
        cells = [row.what, row.size, ours, row.compared_with, row.target, row.verdict]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if notes:
        lines.append("")
        lines += [f"{i}. {_cell(note)}" for i, note in enumerate(notes, start=1)]
    return "\n".join(lines) + "\n"


def as_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def write_section(path: Path, body: str, name: str = SECTION) -> None:
    """Put ``body`` between the markers of section ``name`` in ``path`` (appended with its
    markers when the file has none), leaving the rest of the file as it is."""
    text = path.read_text() if path.exists() else "# Performance\n"
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
