"""Generate the committed contract documents, or check that they are up to date.

Usage::

    python -m schemas.generate          # (re)write the documents
    python -m schemas.generate --check  # exit 1, naming stale files, if they are out of date

Documents (all deterministic: sorted keys, 2-space indent, trailing newline):

- ``schemas/json/envelope.json`` and ``schemas/json/<EventType>.v<N>.json`` — JSON Schemas;
- ``schemas/asyncapi.json`` — the AsyncAPI 3.0 document;
- ``schemas/README.md`` — the human-readable overview.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.asyncapi import asyncapi_document
from schemas.events import EVENT_TYPES
from schemas.json_schemas import (
    ENVELOPE_SCHEMA_FILE,
    envelope_json_schema,
    event_json_schema,
    event_schema_file,
)
from schemas.readme import render_readme

__all__ = [
    "ASYNCAPI_PATH",
    "JSON_DIR",
    "PACKAGE_DIR",
    "README_PATH",
    "main",
    "render_all",
    "stale_files",
    "write_all",
]

PACKAGE_DIR = Path(__file__).resolve().parent
JSON_DIR = PACKAGE_DIR / "json"
ASYNCAPI_PATH = PACKAGE_DIR / "asyncapi.json"
README_PATH = PACKAGE_DIR / "README.md"


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_all() -> dict[Path, str]:
    """Render every generated document: absolute path → exact file content."""
    rendered = {JSON_DIR / ENVELOPE_SCHEMA_FILE: _dump(envelope_json_schema())}
    for cls in EVENT_TYPES.values():
        rendered[JSON_DIR / event_schema_file(cls)] = _dump(event_json_schema(cls))
    rendered[ASYNCAPI_PATH] = _dump(asyncapi_document())
    readme = render_readme()
    rendered[README_PATH] = readme if readme.endswith("\n") else readme + "\n"
    return rendered


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _leftovers(rendered: dict[Path, str]) -> list[Path]:
    """JSON files in the schema folder that are no longer generated (e.g. a retired version)."""
    if not JSON_DIR.is_dir():
        return []
    return sorted(path for path in JSON_DIR.glob("*.json") if path not in rendered)


def stale_files(rendered: dict[Path, str]) -> list[Path]:
    """Files that are missing, differ from ``rendered``, or should no longer exist."""
    differing = [path for path, text in rendered.items() if _read(path) != text]
    return sorted(differing) + _leftovers(rendered)


def write_all(rendered: dict[Path, str]) -> list[Path]:
    """Write changed documents and delete leftovers; return the paths touched."""
    touched = []
    for path, text in rendered.items():
        if _read(path) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            touched.append(path)
    for path in _leftovers(rendered):
        path.unlink()
        touched.append(path)
    return touched


def _display(path: Path) -> str:
    return str(path.relative_to(PACKAGE_DIR.parent))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m schemas.generate",
        description="Generate the JSON Schemas, AsyncAPI document and README of the contract.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any generated document is stale",
    )
    args = parser.parse_args(argv)
    rendered = render_all()
    if args.check:
        stale = stale_files(rendered)
        if stale:
            print("Stale contract documents (run `python -m schemas.generate`):", file=sys.stderr)
            for path in stale:
                print(f"  {_display(path)}", file=sys.stderr)
            return 1
        print(f"{len(rendered)} contract documents are up to date.")
        return 0
    touched = write_all(rendered)
    for path in touched:
        print(f"wrote {_display(path)}" if path.exists() else f"removed {_display(path)}")
    if not touched:
        print(f"{len(rendered)} contract documents already up to date.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
