"""The columns of each reporting export, with their headers in Bahasa Indonesia.

Each spec reads the flat rows its route builds (the JSON item, with nested rates spread into
it). Times are UTC: the derived tables do not keep an employee's time zone.
"""

from __future__ import annotations

from services.reporting.exports import (
    MODE_LABELS,
    REPORT_LABELS,
    UNIT_LABELS,
    Column,
    counted,
    joined,
    labelled,
    yes_no,
)

_RATE = "(0-1)"

EMPLOYEE_DAYS = (
    Column("nip", "NIP"),
    Column("name", "Nama"),
    Column("work_date", "Tanggal"),
    Column("opd_id", "OPD"),
    Column("work_unit_id", "Unit kerja"),
    Column("working_day", "Hari kerja", yes_no),
    Column("mode", "Mode kerja", labelled(MODE_LABELS)),
    Column("wfa_requested", "WFA diajukan", yes_no),
    Column("wfa_approved", "WFA disetujui", yes_no),
    Column("request_id", "ID permohonan WFA"),
    Column("check_in_at", "Jam masuk (UTC)"),
    Column("check_out_at", "Jam pulang (UTC)"),
    Column("minutes_after_start", "Menit setelah jam mulai kerja"),
    Column("late", "Terlambat", yes_no),
    Column("worked_minutes", "Menit kerja"),
    Column("expected_minutes", "Menit kerja wajib"),
    Column("signals", "Sinyal kehadiran"),
    Column("report_status", "Laporan", labelled(REPORT_LABELS)),
    Column("report_revision", "Revisi laporan"),
    Column("outputs", "Jumlah output"),
    Column("outputs_with_target", "Output bertarget"),
    Column("achievement", f"Capaian output {_RATE}"),
    Column("anomalies", "Anomali"),
    Column("violations", "Pelanggaran"),
    Column("anomaly_kinds", "Jenis anomali", joined),
)

EMPLOYEE_WEEKS = (
    Column("nip", "NIP"),
    Column("name", "Nama"),
    Column("week_start", "Minggu mulai (Senin)"),
    Column("opd_id", "OPD"),
    Column("wfa_days", "Hari WFA"),
    Column("wfa_cap", "Batas hari WFA per minggu"),
    Column("over_cap", "Hari WFA melebihi batas"),
    Column("office_days", "Hari di kantor"),
)

_EMPLOYEE_MONTH = (
    Column("nip", "NIP"),
    Column("name", "Nama"),
    Column("opd_id", "OPD"),
    Column("month", "Bulan"),
    Column("working_days", "Hari kerja tercatat"),
    Column("days_present", "Hari hadir"),
    Column("days_wfa", "Hari WFA"),
    Column("days_wfo", "Hari di kantor (WFO)"),
    Column("wfa_days_over_cap", "Hari WFA melebihi batas"),
    Column("worked_minutes", "Menit kerja"),
    Column("expected_minutes", "Menit kerja wajib"),
    Column("late_days", "Hari terlambat"),
    Column("missing_check_out_days", "Hari tanpa absen pulang"),
    Column("reports_submitted", "Laporan disampaikan"),
    Column("reports_accepted", "Laporan diterima"),
    Column("outputs", "Jumlah output"),
    Column("output_achievement", f"Capaian output {_RATE}"),
    Column("anomalies", "Anomali"),
    Column("anomalies_by_kind", "Anomali per jenis", counted),
)

EMPLOYEE_MONTH = (
    *_EMPLOYEE_MONTH,
    Column("outputs_wfa", "Output hari WFA"),
    Column("outputs_wfo", "Output hari di kantor"),
    Column("violations", "Pelanggaran"),
    Column("attendance_rate", f"Tingkat kehadiran {_RATE}"),
    Column("report_rate", f"Tingkat laporan {_RATE}"),
    Column("acceptance_rate", f"Tingkat penerimaan laporan {_RATE}"),
)

TPP = (
    *_EMPLOYEE_MONTH,
    Column("checksum", "Checksum (SHA-256)"),
    Column("published", "Sudah diterbitkan", yes_no),
)

_OPD_SUMS = (
    Column("headcount", "Jumlah pegawai"),
    Column("present", "Hadir (hari-pegawai)"),
    Column("wfa", "WFA (hari-pegawai)"),
    Column("wfo", "Di kantor (hari-pegawai)"),
    Column("wfa_unapproved", "WFA tanpa persetujuan"),
    Column("late", "Terlambat"),
    Column("missing_check_out", "Tanpa absen pulang"),
    Column("reports_submitted", "Laporan disampaikan"),
    Column("reports_accepted", "Laporan diterima"),
    Column("anomalies", "Anomali"),
    Column("violations", "Pelanggaran"),
    Column("outputs_wfa", "Output hari WFA"),
    Column("outputs_wfo", "Output hari di kantor"),
)

_OPD_RATES = (
    Column("share_away", f"Porsi pegawai WFA {_RATE}"),
    Column("attendance_rate", f"Tingkat kehadiran {_RATE}"),
    Column("late_rate", f"Tingkat keterlambatan {_RATE}"),
    Column("report_rate", f"Tingkat laporan {_RATE}"),
    Column("acceptance_rate", f"Tingkat penerimaan laporan {_RATE}"),
    Column("unapproved_wfa_share", f"Porsi WFA tanpa persetujuan {_RATE}"),
    Column("violations_per_100_staff_days", "Pelanggaran per 100 hari-pegawai"),
    Column("achievement_wfa", f"Capaian output WFA {_RATE}"),
    Column("achievement_wfo", f"Capaian output kantor {_RATE}"),
    Column("outputs_per_day_wfa", "Output per hari WFA"),
    Column("outputs_per_day_wfo", "Output per hari di kantor"),
)

OPD_DAYS = (
    Column("opd_id", "OPD"),
    Column("work_date", "Tanggal"),
    Column("recorded", "Pegawai tercatat"),
    *_OPD_SUMS,
    *_OPD_RATES,
)

OPD_MONTH = (
    Column("rank", "Peringkat"),
    Column("opd_id", "OPD"),
    Column("month", "Bulan"),
    Column("score", "Skor akuntabilitas (0-100)"),
    Column("grade_id", "Predikat"),
    Column("working_days", "Hari kerja tercatat"),
    Column("staff_days", "Hari-pegawai tercatat"),
    Column("wfa_days_over_cap", "Hari WFA melebihi batas"),
    *_OPD_SUMS,
    *_OPD_RATES,
)

PRODUCTIVITY = (
    Column("opd_id", "OPD"),
    Column("month", "Bulan"),
    Column("wfa_days", "Hari-pegawai WFA"),
    Column("wfa_outputs", "Output hari WFA"),
    Column("wfa_outputs_per_day", "Output per hari WFA"),
    Column("wfa_achievement", f"Capaian output WFA {_RATE}"),
    Column("wfo_days", "Hari-pegawai di kantor"),
    Column("wfo_outputs", "Output hari di kantor"),
    Column("wfo_outputs_per_day", "Output per hari di kantor"),
    Column("wfo_achievement", f"Capaian output kantor {_RATE}"),
    Column("outputs_per_day_gap", "Selisih output per hari (WFA - kantor)"),
    Column("outputs_per_day_ratio", "Rasio output per hari (WFA / kantor)"),
    Column("achievement_gap", "Selisih capaian (WFA - kantor)"),
    Column("message_id", "Kesimpulan"),
)

SCORECARD = (
    Column("opd_id", "OPD"),
    Column("month", "Bulan"),
    Column("head_nip", "NIP kepala OPD"),
    Column("head_name", "Nama kepala OPD"),
    Column("label_id", "Komponen"),
    Column("value", "Nilai"),
    Column("unit", "Satuan", labelled(UNIT_LABELS)),
    Column("score", "Skor (0-1)"),
    Column("weight", "Bobot"),
)

ANOMALIES = (
    Column("at", "Waktu (UTC)"),
    Column("work_date", "Tanggal"),
    Column("nip", "NIP"),
    Column("opd_id", "OPD"),
    Column("kind", "Jenis anomali"),
    Column("detected_by", "Dideteksi oleh"),
    Column("message_id", "Keterangan"),
    Column("anomaly_id", "ID anomali"),
)
