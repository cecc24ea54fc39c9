"""CSV and XLSX exports: Indonesian headers, the rows, values for people, no formulas."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from openpyxl import load_workbook

from services.reporting import export_columns
from services.reporting.exports import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    Column,
    counted,
    csv_bytes,
    file_response,
    joined,
    labelled,
    paging_headers,
    xlsx_bytes,
    yes_no,
)

NIP_A = "199001012015011001"
NIP_B = "199202022016022002"


def day_rows() -> list[dict[str, Any]]:
    return [
        {
            "nip": NIP_A,
            "name": "Siti Aminah",
            "work_date": "2026-03-02",
            "opd_id": "dinas-kominfo",
            "work_unit_id": "bidang-aplikasi",
            "working_day": True,
            "mode": "wfa",
            "wfa_requested": True,
            "wfa_approved": True,
            "request_id": "01JQ0000000000000000000000",
            "check_in_at": "2026-03-02T00:25:00.000Z",
            "check_out_at": "2026-03-02T09:05:00.000Z",
            "minutes_after_start": -5,
            "late": False,
            "worked_minutes": 520,
            "expected_minutes": 450,
            "signals": 14,
            "report_status": "accepted",
            "report_revision": 2,
            "outputs": 3,
            "outputs_with_target": 2,
            "achievement": 0.75,
            "anomalies": 1,
            "violations": 0,
            "anomaly_kinds": ["late_check_in", "static_coordinates"],
        },
        {
            "nip": NIP_B,
            "name": '=HYPERLINK("http://evil")',
            "work_date": "2026-03-02",
            "opd_id": "dinas-kominfo",
            "work_unit_id": "bidang-data",
            "working_day": True,
            "mode": "absent",
            "wfa_requested": False,
            "wfa_approved": False,
            "request_id": None,
            "check_in_at": None,
            "check_out_at": None,
            "minutes_after_start": None,
            "late": False,
            "worked_minutes": 0,
            "expected_minutes": 0,
            "signals": 0,
            "report_status": "none",
            "report_revision": 0,
            "outputs": 0,
            "outputs_with_target": 0,
            "achievement": None,
            "anomalies": 0,
            "violations": 0,
            "anomaly_kinds": [],
        },
    ]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> tuple[str, list[tuple[Any, ...]], Any]:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    return sheet.title, list(sheet.iter_rows(values_only=True)), sheet


def test_csv_has_indonesian_headers_and_one_line_per_row() -> None:
    lines = read_csv(csv_bytes(day_rows(), export_columns.EMPLOYEE_DAYS))
    header = lines[0]
    assert header[:3] == ["NIP", "Nama", "Tanggal"]
    for expected in ("Mode kerja", "Jam masuk (UTC)", "Jam pulang (UTC)", "Menit kerja"):
        assert expected in header
    assert "Laporan" in header and "Anomali" in header and "Capaian output (0-1)" in header
    assert len(lines) == 3
    first = dict(zip(header, lines[1], strict=True))
    assert first["NIP"] == NIP_A and first["Nama"] == "Siti Aminah"
    assert first["Mode kerja"] == "WFA"
    assert first["WFA disetujui"] == "Ya"
    assert first["Terlambat"] == "Tidak"
    assert first["Laporan"] == "Diterima"
    assert first["Menit kerja"] == "520" and first["Capaian output (0-1)"] == "0.75"
    assert first["Jenis anomali"] == "late_check_in, static_coordinates"
    second = dict(zip(header, lines[2], strict=True))
    assert second["Mode kerja"] == "Tidak hadir" and second["Laporan"] == "Belum ada"
    assert second["Jam masuk (UTC)"] == "" and second["Capaian output (0-1)"] == ""


def test_csv_never_starts_a_text_with_a_formula() -> None:
    lines = read_csv(csv_bytes(day_rows(), export_columns.EMPLOYEE_DAYS))
    name = lines[2][1]
    assert name == '\'=HYPERLINK("http://evil")'
    # numbers stay numbers, even negative ones
    assert lines[1][lines[0].index("Menit setelah jam mulai kerja")] == "-5"


def test_xlsx_opens_in_openpyxl_with_headers_rows_and_typed_cells() -> None:
    title, rows, sheet = read_xlsx(
        xlsx_bytes(day_rows(), export_columns.EMPLOYEE_DAYS, sheet="Hari kerja")
    )
    assert title == "Hari kerja"
    header = list(rows[0])
    assert header == [column.header for column in export_columns.EMPLOYEE_DAYS]
    assert len(rows) == 3
    first = dict(zip(header, rows[1], strict=True))
    assert first["NIP"] == NIP_A  # a NIP stays text: 18 digits are no number
    assert first["Menit kerja"] == 520 and isinstance(first["Menit kerja"], int)
    assert first["Capaian output (0-1)"] == 0.75
    assert first["Mode kerja"] == "WFA" and first["Laporan"] == "Diterima"
    second = dict(zip(header, rows[2], strict=True))
    assert second["Jam masuk (UTC)"] is None
    # the formula-looking name is a text cell, not a formula
    name_cell = sheet.cell(row=3, column=2)
    assert name_cell.data_type == "s" and name_cell.value == '=HYPERLINK("http://evil")'


def test_an_empty_export_still_has_its_header() -> None:
    assert read_csv(csv_bytes([], export_columns.TPP)) == [
        [column.header for column in export_columns.TPP]
    ]
    _, rows, _ = read_xlsx(xlsx_bytes([], export_columns.TPP, sheet="TPP 2026-03"))
    assert rows == [tuple(column.header for column in export_columns.TPP)]


def test_value_renderers() -> None:
    assert yes_no(True) == "Ya" and yes_no(False) == "Tidak" and yes_no(None) is None
    assert labelled({"wfa": "WFA"})("wfa") == "WFA"
    assert labelled({"wfa": "WFA"})("other") == "other"
    assert joined(["a", "b"]) == "a, b" and joined(None) == ""
    assert counted({"outside_geofence": 1, "late_check_in": 2}) == (
        "late_check_in: 2, outside_geofence: 1"
    )
    assert Column("x", "X").cell({"y": 1}) is None


def test_every_spec_has_unique_non_empty_headers() -> None:
    specs = [
        getattr(export_columns, name)
        for name in dir(export_columns)
        if name.isupper() and isinstance(getattr(export_columns, name), tuple)
    ]
    assert len(specs) >= 9
    for spec in specs:
        headers = [column.header for column in spec]
        assert all(headers) and len(headers) == len(set(headers)), headers


def test_file_responses_name_the_file_and_carry_the_paging() -> None:
    rows = day_rows()
    headers = paging_headers(total=7, next_offset=2)
    assert headers == {"X-Total-Count": "7", "X-Next-Offset": "2"}
    assert paging_headers(total=2, next_offset=None) == {"X-Total-Count": "2"}

    async def both() -> tuple[Any, Any]:
        spec = export_columns.EMPLOYEE_DAYS
        as_csv = await file_response(
            "csv", rows, spec, filename="hari kerja/2026", sheet="x", headers=headers
        )
        as_xlsx = await file_response("xlsx", rows, spec, filename="hari-kerja", sheet="x")
        return as_csv, as_xlsx

    as_csv, as_xlsx = asyncio.run(both())
    assert as_csv.media_type == CSV_MEDIA_TYPE
    assert as_csv.headers["content-disposition"] == 'attachment; filename="hari-kerja-2026.csv"'
    assert as_csv.headers["x-total-count"] == "7"
    assert len(read_csv(as_csv.body)) == 3
    assert as_xlsx.media_type == XLSX_MEDIA_TYPE
    assert as_xlsx.headers["content-disposition"].endswith('filename="hari-kerja.xlsx"')
    assert len(read_xlsx(as_xlsx.body)[1]) == 3
