"""How every summary route answers: as JSON, or as a file (CSV, XLSX) of the same rows.

The recipe the employee and OPD summary routes share: a page of rows (or one item) is
answered as JSON, or written as a file with the route's :class:`Export` (its columns, file
name and sheet name); a paged file carries the paging headers (total, next offset).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Response

from services.reporting.exports import Columns, Format, file_response, paging_headers
from services.reporting.queries import Page
from services.runtime.store.base import Row

__all__ = ["Export", "answer", "answer_one", "page_of"]


@dataclass(frozen=True, slots=True)
class Export:
    """How a summary is written as a file: its columns, file name and sheet name."""

    spec: Columns
    filename: str
    sheet: str


def page_of(items: list[Row], *, limit: int, offset: int) -> Page:
    """The page ``[offset, offset + limit)`` of rows computed whole (rankings, comparisons)."""
    return Page(items=items[offset : offset + limit], total=len(items))


async def answer(
    fmt: Format,
    page: Page,
    export: Export,
    *,
    limit: int,
    offset: int,
    flat: list[Row] | None = None,
) -> dict[str, Any] | Response:
    """The page as JSON, or its rows (``flat`` when given) as a file."""
    result = page.answer(limit=limit, offset=offset)
    if fmt == "json":
        return result
    headers = paging_headers(total=page.total, next_offset=result["next_offset"])
    rows = page.items if flat is None else flat
    return await file_response(
        fmt,
        rows,
        export.spec,
        filename=export.filename,
        sheet=export.sheet,
        headers=headers,
    )


async def answer_one(
    fmt: Format, item: Row, export: Export, *, rows: list[Row] | None = None
) -> Row | Response:
    """One item as JSON, or as a file of ``rows`` (the item alone when not given)."""
    if fmt == "json":
        return item
    return await file_response(
        fmt,
        [item] if rows is None else rows,
        export.spec,
        filename=export.filename,
        sheet=export.sheet,
    )
