"""Comparing what reporting answers for the synthetic week with the model's figures: field by
field differences, and the rows each CSV/XLSX export must hold (pure but for parsing the files
an answer carries).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.support.week_model import Expected, month_text
from tests.support.week_parts import Week
from tests.support.week_rates import SCORECARD_WEIGHTS, scorecard, summary_checksum

RATE = 1e-4
"""Rates are rounded to 4 decimals by the API."""


def instant(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def same(expected: Any, got: Any, tolerance: float) -> bool:
    if isinstance(expected, datetime):
        return instant(got) == expected
    if isinstance(expected, date):
        return str(got)[:10] == expected.isoformat()
    if isinstance(expected, float) and not isinstance(got, bool):
        return got is not None and abs(float(got) - expected) <= tolerance
    return bool(got == expected)


def diff(
    where: str, expected: dict[str, Any], got: dict[str, Any], tolerance: float = 1e-6
) -> list[str]:
    """Every field of ``expected`` that ``got`` does not match, as
    ``where.field: expected X, got Y``."""
    return [
        f"{where}.{key}: expected {value!r}, got {got.get(key, '<missing>')!r}"
        for key, value in expected.items()
        if not same(value, got.get(key), tolerance)
    ]


def rates_diff(where: str, expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    return diff(where, expected, got, tolerance=RATE)


def two_decimal(rates: dict[str, float | None]) -> dict[str, float | None]:
    """Violations per 100 staff-days are given with 2 decimals."""
    per_100 = rates["violations_per_100_staff_days"]
    rounded = None if per_100 is None else round(per_100, 2)
    return {**rates, "violations_per_100_staff_days": rounded}


# exports --------------------------------------------------------------------------------------


def file_rows(response: httpx.Response, fmt: str) -> list[dict[str, Any]]:
    """The rows of an exported file, by header (CSV parsed, XLSX opened with openpyxl)."""
    assert response.status_code == 200, response.text
    if fmt == "csv":
        assert response.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
        assert sheet is not None
        lines = [list(values) for values in sheet.iter_rows(values_only=True)]
    header, *rows = lines
    return [dict(zip(header, row, strict=True)) for row in rows]


def text(value: Any) -> str:
    """A cell as text, the same from CSV and from XLSX (whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


MODE_LABEL = {"wfa": "WFA", "office": "Kantor", "absent": "Tidak hadir"}
REPORT_LABEL = {
    "none": "Belum ada",
    "submitted": "Diajukan",
    "accepted": "Diterima",
    "returned": "Dikembalikan",
}


@dataclass(frozen=True)
class ExportCase:
    """A list asked for as a file, and the rows (by Indonesian header) it must hold."""

    path: str
    params: dict[str, Any]
    rows: list[dict[str, str]]
    head_reads: bool = False
    """Asked by the OPD head (else by a BKD admin)."""

    def mismatch(self, got: list[dict[str, Any]]) -> str | None:
        columns = list(self.rows[0])
        cells = sorted(({c: text(row.get(c)) for c in columns} for row in got), key=str)
        if cells == sorted(self.rows, key=str):
            return None
        return f"{self.path}: expected {self.rows}, got {cells}"


def _opd_month_row(
    model: Expected, month: date, columns: dict[str, Callable[[dict[str, Any]], Any]]
) -> list[dict[str, str]]:
    row = model.opd_months[month]
    return [{header: text(get(row)) for header, get in columns.items()}]


def export_cases(week: Week, model: Expected) -> list[ExportCase]:
    """Every export of the week's first month (and days), with its expected rows."""
    first = min(model.opd_months)
    month = month_text(first)
    period = {"date_from": week.days[0].isoformat(), "date_to": week.days[-1].isoformat()}
    opd = week.opd_id
    ani = week.members["ani"]
    days = [
        {
            "NIP": d.nip,
            "Nama": ani.name,
            "Tanggal": d.work_date.isoformat(),
            "Mode kerja": MODE_LABEL[d.mode],
            "Menit kerja": str(d.worked_minutes),
            "Laporan": REPORT_LABEL[d.report_status],
            "Anomali": str(d.anomalies),
            "Jenis anomali": ", ".join(d.anomaly_kinds),
        }
        for d in model.days_of(ani.nip)
    ]
    weeks = [{"NIP": ani.nip, "Hari WFA": "2", "Batas hari WFA per minggu": "2"}]
    summary = [{"NIP": ani.nip, "Hari hadir": text(model.months[(ani.nip, first)]["days_present"])}]
    opd_days = [
        {
            "Tanggal": day.isoformat(),
            "Pegawai tercatat": str(row["recorded"]),
            "Hadir (hari-pegawai)": str(row["present"]),
            "WFA (hari-pegawai)": str(row["wfa"]),
            "Anomali": str(row["anomalies"]),
        }
        for day, row in sorted(model.opd_days.items())
    ]
    opd_month = _opd_month_row(
        model,
        first,
        {
            "OPD": lambda r: r["opd_id"],
            "Jumlah pegawai": lambda r: r["headcount"],
            "Hari-pegawai tercatat": lambda r: r["staff_days"],
        },
    )
    productivity = _opd_month_row(
        model,
        first,
        {
            "OPD": lambda r: r["opd_id"],
            "Hari-pegawai WFA": lambda r: r["wfa"],
            "Output hari di kantor": lambda r: r["outputs_wfo"],
        },
    )
    card = scorecard(model.opd_months[first], away_cap=0.5)
    components = [
        {"NIP kepala OPD": week.head.nip, "Bobot": str(SCORECARD_WEIGHTS[code])}
        for code in card["components"]
    ]
    components.append({"NIP kepala OPD": week.head.nip, "Bobot": "100"})  # the total
    tpp = [
        {
            "NIP": nip,
            "Nama": week.member(nip).name,
            "Hari hadir": str(row["days_present"]),
            "Hari WFA": str(row["days_wfa"]),
            "Laporan diterima": str(row["reports_accepted"]),
            "Checksum (SHA-256)": summary_checksum(row),
        }
        for (nip, mo), row in sorted(model.months.items())
        if mo == first
    ]
    anomalies = [
        {"NIP": nip, "Tanggal": day.isoformat(), "Jenis anomali": kind}
        for (nip, day, kind), n in sorted(
            model.anomalies_of({m.nip for m in week.members.values()}).items()
        )
        for _ in range(n)
    ]
    return [
        ExportCase(f"/reporting/employees/{ani.nip}/days", period, days),
        ExportCase(f"/reporting/employees/{ani.nip}/weeks", period, weeks),
        ExportCase(f"/reporting/employees/{ani.nip}/summary", {"month": month}, summary),
        ExportCase(f"/reporting/opds/{opd}/days", period, opd_days),
        ExportCase(f"/reporting/opds/{opd}/summary", {"month": month}, opd_month),
        ExportCase("/reporting/productivity", {"month": month, "opd_id": opd}, productivity),
        ExportCase(f"/reporting/scorecards/{opd}", {"month": month}, components, head_reads=True),
        ExportCase("/reporting/tpp", {"month": month, "opd_id": opd}, tpp),
        ExportCase("/reporting/anomalies", {"opd_id": opd, "limit": 1000}, anomalies),
    ]
