"""CSV and XLSX answers of reporting's lists, from a column spec with Indonesian headers.

Every list of reporting can be asked for as ``format=csv`` or ``format=xlsx``: the same rows
as the JSON answer, one line per item, with the columns a :class:`Column` spec names (headers
in Bahasa Indonesia, values rendered for people: "Ya"/"Tidak", "WFA"/"Kantor", rates as
fractions). Numbers stay numbers in XLSX, so a spreadsheet can add them up.

A text cell never becomes a formula: in CSV a text starting with ``=``, ``+``, ``-``, ``@`` or
a control character gets a leading apostrophe (the usual guard against formula injection), and
in XLSX text cells are written as text whatever they start with.

The paging of the list travels in headers: ``X-Total-Count`` (rows that match) and
``X-Next-Offset`` (the ``offset`` of the next page, absent on the last).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from fastapi import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

Format = Literal["json", "csv", "xlsx"]
FILE_FORMATS: tuple[Format, ...] = ("csv", "xlsx")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

XLSX_MAX_TEXT = 32_767
"""Longest text an XLSX cell holds."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | bool | None


def _plain(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def yes_no(value: Any) -> Cell:
    """A flag as "Ya" or "Tidak" (empty when unknown)."""
    return None if value is None else ("Ya" if value else "Tidak")


MODE_LABELS = {"wfa": "WFA", "office": "Kantor", "absent": "Tidak hadir"}
REPORT_LABELS = {
    "none": "Belum ada",
    "submitted": "Diajukan",
    "accepted": "Diterima",
    "returned": "Dikembalikan",
}
UNIT_LABELS = {"share": "proporsi (0-1)", "per_100_staff_days": "per 100 hari-pegawai"}


def labelled(labels: Mapping[str, str]) -> Callable[[Any], Cell]:
    """A code shown with its label (an unknown code as it is)."""

    def render(value: Any) -> Cell:
        return None if value is None else labels.get(str(value), str(value))

    return render


def joined(value: Any) -> Cell:
    """A list as "a, b, c"."""
    return ", ".join(str(item) for item in value or ())


def counted(value: Any) -> Cell:
    """A map of counts as "kind: n, kind: n"."""
    items = sorted((value or {}).items())
    return ", ".join(f"{key}: {count}" for key, count in items)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an export: where its value comes from, and its header."""

    key: str
    """Key of the value in each row."""
    header: str
    """Column header, in Bahasa Indonesia."""
    render: Callable[[Any], Cell] = _plain
    """How the value is shown."""

    def cell(self, row: Mapping[str, Any]) -> Cell:
        return self.render(row.get(self.key))


Columns = Sequence[Column]


def table(rows: Iterable[Mapping[str, Any]], columns: Columns) -> list[list[Cell]]:
    """The rows as cells, in column order (no header)."""
    return [[column.cell(row) for column in columns] for row in rows]


# CSV ------------------------------------------------------------------------------------------


def _csv_text(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Columns) -> bytes:
    """The rows as CSV (UTF-8 with a byte order mark, so spreadsheets read it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    for cells in table(rows, columns):
        writer.writerow([_csv_text(value) for value in cells])
    return buffer.getvalue().encode("utf-8-sig")


# XLSX -----------------------------------------------------------------------------------------


def xlsx_bytes(rows: Iterable[Mapping[str, Any]], columns: Columns, *, sheet: str) -> bytes:
    """The rows as an XLSX workbook of one sheet (written streaming, in constant memory)."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])
    for index, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(
            10, min(40, len(column.header) + 2)
        )
    worksheet.freeze_panes = "A2"
    worksheet.append([column.header for column in columns])
    for cells in table(rows, columns):
        worksheet.append([_xlsx_cell(worksheet, value) for value in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(worksheet: Any, value: Cell) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(worksheet, value[:XLSX_MAX_TEXT])
    cell.data_type = "s"  # text stays text, even "=..."
    return cell


# responses ------------------------------------------------------------------------------------


def paging_headers(*, total: int, next_offset: int | None) -> dict[str, str]:
    """The paging of a list as response headers."""
    headers = {"X-Total-Count": str(total)}
    if next_offset is not None:
        headers["X-Next-Offset"] = str(next_offset)
    return headers


async def file_response(
    fmt: Format,
    rows: Sequence[Mapping[str, Any]],
    columns: Columns,
    *,
    filename: str,
    sheet: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The rows as a downloadable CSV or XLSX file named ``filename`` (without extension).

    The file is built off the event loop: a province's month is tens of thousands of rows.
    """
    if fmt == "csv":
        body = await asyncio.to_thread(csv_bytes, rows, columns)
        media_type = CSV_MEDIA_TYPE
    elif fmt == "xlsx":
        body = await asyncio.to_thread(xlsx_bytes, rows, columns, sheet=sheet)
        media_type = XLSX_MEDIA_TYPE
    else:
        raise ValueError(f"not a file format: {fmt!r}")
    disposition = f'attachment; filename="{_safe_name(filename)}.{fmt}"'
    return Response(
        content=body,
        media_type=media_type,
        headers={"Content-Disposition": disposition, **(headers or {})},
    )


def _safe_name(name: str) -> str:
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in name)
    return kept.strip("-.") or "laporan"
