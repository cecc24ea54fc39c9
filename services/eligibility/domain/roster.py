"""Roster import from the HR apps the provinces already run (SIMPEG/SIASN-style exports).

Pure: bytes in, a per-row report and the events to publish out. Accepts CSV (with a header
row) and JSON Lines. Column names may be the platform's English names or the usual
SIMPEG/SIASN Indonesian headers (see ``COLUMN_ALIASES``).

An import is all or nothing: when any row is rejected the report lists every row and no event
is published. Re-importing the same content publishes nothing, because rows are compared with
the roster state the platform already holds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from kernel.messages import Bilingual
from kernel.refusal import Refusal, RefusalKind
from schemas.events import EmployeeRegistered, EmployeeUpdated
from services.eligibility.domain.nip import parse_nip
from services.eligibility.messages import MESSAGES

RosterFormat = Literal["csv", "jsonl"]

COLUMN_ALIASES: Mapping[str, str] = {
    "nama": "name",
    "nama_lengkap": "name",
    "opd": "opd_id",
    "kode_opd": "opd_id",
    "unit_kerja": "work_unit_id",
    "kode_unit_kerja": "work_unit_id",
    "jabatan": "position",
    "nama_jabatan": "position",
    "kategori_jabatan": "position_category",
    "nip_atasan": "supervisor_nip",
    "jenis_pegawai": "employment_type",
    "status_pegawai": "employment_type",
    "tmt": "appointment_date",
    "tmt_pengangkatan": "appointment_date",
    "akhir_orientasi": "orientation_end_date",
    "tanggal_akhir_orientasi": "orientation_end_date",
    "alamat_wfa": "home_address",
    "lat_wfa": "home_lat",
    "lon_wfa": "home_lon",
    "alamat_kantor": "office_address",
    "lat_kantor": "office_lat",
    "lon_kantor": "office_lon",
}

_FIELDS = (
    "nip", "name", "opd_id", "work_unit_id", "position", "position_category", "supervisor_nip",
    "employment_type", "appointment_date", "orientation_end_date", "heads_opd", "head_capacity",
)  # fmt: skip
_LOCATIONS = (("home", "home_location"), ("office", "office_location"))
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowReport:
    """What happened to one row of the file (line numbers count the header as line 1)."""

    line: int
    nip: str
    accepted: bool
    reason_id: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class RosterParse:
    rows: list[RowReport]
    employees: list[EmployeeRegistered] = field(default_factory=list)

    @property
    def rejected(self) -> list[RowReport]:
        return [r for r in self.rows if not r.accepted]


def _unreadable(message: Bilingual) -> Refusal:
    """The file as a whole cannot be read (wrong format, no header, too large)."""
    return Refusal(RefusalKind.INVALID, "roster_unreadable", *message)


@lru_cache(maxsize=1024)
def _column(key: str) -> str:
    """The platform's name of a column (a file repeats the same few keys on every row)."""
    name = key.strip().lower().replace(" ", "_")
    return COLUMN_ALIASES.get(name, name)


def _normalise_keys(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = _column(str(key))
        if isinstance(value, str):
            value = value.strip()
        out[name] = None if value in ("", None) else value
    return out


def _csv_unreadable(exc: csv.Error, line: int) -> Refusal:
    """The CSV reader stopped at ``line``: a field over the reader's limit, or a malformed
    row (its message, in English, is quoted)."""
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(exc):
        written = Bilingual(f"{limit:,}".replace(",", "."), f"{limit:,}")
        return _unreadable(
            MESSAGES.text("roster_unreadable.field_too_long", line=line, limit=written)
        )
    return _unreadable(MESSAGES.text("roster_unreadable.csv_error", line=line, error=exc))


def _read(content: bytes, fmt: RosterFormat) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable(MESSAGES.text("roster_unreadable.not_utf8")) from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    if fmt == "csv":
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        try:
            if not reader.fieldnames:
                raise _unreadable(MESSAGES.text("roster_unreadable.no_header"))
            for index, record in enumerate(reader, start=2):
                rows.append((index, _normalise_keys({k: v for k, v in record.items() if k})))
        except csv.Error as exc:
            raise _csv_unreadable(exc, reader.reader.line_num) from exc
    else:
        # a JSON line ends at "\n" only: U+0085, U+2028 and the like may stand in its strings
        for index, raw_line in enumerate(text.split("\n"), start=1):
            line = raw_line.removesuffix("\r")
            if not line.strip():
                continue
            record = _json_line(line)
            rows.append((index, _normalise_keys(record) if isinstance(record, dict) else {}))
    if len(rows) > MAX_ROWS:
        raise _unreadable(MESSAGES.text("roster_unreadable.too_many_rows", max_rows=MAX_ROWS))
    return rows


def _json_line(line: str) -> Any:
    """The value of one JSON line (None: not JSON). orjson reads a well-formed line several
    times faster; what it refuses (NaN, integers beyond 64 bits, lone surrogates) is read by
    the standard library as before."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None


def _employee(row: dict[str, Any]) -> EmployeeRegistered:
    data = {name: row.get(name) for name in _FIELDS}
    if isinstance(data["head_capacity"], str):
        data["head_capacity"] = data["head_capacity"].lower()
    elif data["heads_opd"] is not None and data["head_capacity"] is None:
        data["head_capacity"] = "kepala"  # a head named without a capacity is the appointed one
    for prefix, target in _LOCATIONS:
        lat, lon = row.get(f"{prefix}_lat"), row.get(f"{prefix}_lon")
        if lat is None and lon is None:
            data[target] = None
        else:
            data[target] = {"lat": lat, "lon": lon, "address": row.get(f"{prefix}_address")}
    return EmployeeRegistered.model_validate(data)


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{loc}: {error.get('msg')}")
    return "; ".join(parts)


def parse_roster(content: bytes, fmt: RosterFormat, *, today: date) -> RosterParse:
    """Validate every row; raise an invalid
    :class:`~kernel.refusal.Refusal` (``roster_unreadable``) if the file itself is unreadable."""
    reports: list[RowReport] = []
    employees: list[EmployeeRegistered] = []
    seen: dict[str, int] = {}
    supervisors: set[str] = set()
    """Supervisor NIPs already found valid (a supervisor leads many rows)."""
    for line, row in _read(content, fmt):
        nip = str(row.get("nip") or "")
        if not row:
            reports.append(RowReport(line, nip, False, *MESSAGES.text("roster_row.not_json")))
            continue
        try:
            parse_nip(nip, today=today)
            supervisor = row.get("supervisor_nip")
            if supervisor:
                if str(supervisor) not in supervisors:
                    parse_nip(str(supervisor), today=today)
                    supervisors.add(str(supervisor))
                if supervisor == nip:
                    raise MESSAGES.refusal(RefusalKind.INVALID, "SELF_SUPERVISOR")
            employee = _employee(row)
        except Refusal as exc:
            reports.append(RowReport(line, nip, False, exc.message_id, exc.message_en))
            continue
        except ValidationError as exc:
            detail = _describe(exc)
            message = MESSAGES.text("roster_row.invalid_data", detail=detail)
            reports.append(RowReport(line, nip, False, *message))
            continue
        if nip in seen:
            message = MESSAGES.text("roster_row.duplicate_nip", line=seen[nip])
            reports.append(RowReport(line, nip, False, *message))
            continue
        seen[nip] = line
        employees.append(employee)
        reports.append(RowReport(line, nip, True))
    if not reports:
        raise _unreadable(MESSAGES.text("roster_unreadable.no_rows"))
    return RosterParse(rows=reports, employees=employees)


def plan_changes(
    employees: Sequence[EmployeeRegistered], current: Mapping[str, Mapping[str, Any]]
) -> list[EmployeeRegistered | EmployeeUpdated]:
    """The events that bring the platform's roster to the imported state.

    ``current`` maps NIP to the last known employee state (as ``model_dump(mode="json")``).
    New NIPs become EmployeeRegistered, changed ones EmployeeUpdated, unchanged ones nothing.
    """
    events: list[EmployeeRegistered | EmployeeUpdated] = []
    for employee in employees:
        state = employee.model_dump(mode="json")
        known = current.get(employee.nip)
        if known is None:
            events.append(employee)
        elif any(known.get(name) != value for name, value in state.items()):
            # a field an older state lacks is null (see schemas.upcasting), not a change
            events.append(EmployeeUpdated.model_validate(state))
    return events
