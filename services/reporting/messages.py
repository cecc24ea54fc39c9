"""Every bilingual text of the reporting service, by code: Bahasa Indonesia, then English.

Templates take :meth:`str.format` parameters, the same in both languages (see
:mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "reporting",
    {
        # --- daily reports: submitting ---------------------------------------------------
        "no_wfa_plan": (
            "Tidak ada permohonan WFA yang disetujui untuk hari itu, sehingga keluaran tidak "
            "dapat dikaitkan dengan target rencana kerja; gunakan target bebas.",
            "No approved WFA request covers that day, so an output cannot be linked to a work "
            "plan target; use a free target instead.",
        ),
        "unknown_plan_target": (
            "Rencana kerja permohonan {request_id} hanya memuat {count} target (indeks 0–{last}).",
            "The work plan of request {request_id} has only {count} targets (index 0–{last}).",
        ),
        "duplicate_plan_target": (
            "Target rencana kerja {index} sudah dilaporkan pada keluaran {output}.",
            "Work plan target {index} is already reported by output {output}.",
        ),
        "plan_target_mismatch": (
            "Target keluaran {output} ({target:g}) berbeda dengan rencana kerja ({plan:g} "
            "{unit}); kosongkan target agar diambil dari rencana.",
            "The target of output {output} ({target:g}) differs from the work plan ({plan:g} "
            "{unit}); leave it empty to take the plan's.",
        ),
        "plan_unit_mismatch": (
            "Satuan keluaran {output} ({unit}) berbeda dengan satuan target rencana kerja "
            "({plan_unit}).",
            "The unit of output {output} ({unit}) differs from the work plan target's "
            "({plan_unit}).",
        ),
        "report_for_future_day": (
            "Laporan harian untuk {work_date} belum dapat dibuat: hari itu belum tiba (hari "
            "ini {today}).",
            "The daily report for {work_date} cannot be made yet: that day has not come "
            "(today is {today}).",
        ),
        "report_pending_review": (
            "Laporan {report_id} revisi {revision} masih menunggu pemeriksaan atasan; laporan "
            "dapat diajukan lagi setelah dikembalikan.",
            "Report {report_id} revision {revision} is awaiting the supervisor's review; it "
            "can be submitted again once returned.",
        ),
        "report_already_accepted": (
            "Laporan {report_id} sudah diterima atasan dan tidak dapat diubah.",
            "Report {report_id} was already accepted and cannot be changed.",
        ),
        "report_too_late": (
            "Batas waktu laporan harian untuk {work_date} sudah lewat: paling lambat "
            "{deadline_days} hari setelah {start} ({last}).",
            "The deadline for the daily report of {work_date} has passed: at most "
            "{deadline_days} days after {start} ({last}).",
        ),
        # --- daily reports: reviewing ----------------------------------------------------
        "supervisor.none_recorded": ("belum tercatat", "none recorded"),
        "not_supervisor_of_record": (
            "Hanya atasan langsung yang tercatat ({supervisor}) yang dapat memeriksa laporan "
            "{report_id}.",
            "Only the supervisor of record ({supervisor}) may review report {report_id}.",
        ),
        "note_required": (
            "Laporan yang dikembalikan harus disertai catatan tentang apa yang perlu diperbaiki.",
            "A returned report needs a note saying what to correct.",
        ),
        "stale_revision": (
            "Revisi {revision} bukan revisi terakhir laporan {report_id} (revisi terakhir "
            "{latest}).",
            "Revision {revision} is not the latest of report {report_id} (the latest is {latest}).",
        ),
        "verdict.accepted": ("diterima", "accepted"),
        "verdict.returned": ("dikembalikan", "returned"),
        "report_already_reviewed": (
            "Revisi {revision} laporan {report_id} sudah diperiksa ({verdict}).",
            "Revision {revision} of report {report_id} was already {verdict}.",
        ),
        "review_window_closed": (
            "Laporan {report_id} ({day}) sudah lebih dari {memory_days} hari; pemeriksaan "
            "tidak dapat dicatat lagi.",
            "Report {report_id} ({day}) is more than {memory_days} days old; a review can no "
            "longer be recorded.",
        ),
        # --- the routes' refusals -----------------------------------------------------------------
        "invalid_period": (
            "date_from tidak boleh setelah date_to.",
            "date_from must not be after date_to.",
        ),
        "period_too_long": (
            "Periode paling panjang {max_public_days} hari.",
            "A period spans at most {max_public_days} days.",
        ),
        "report_not_found": (
            "Laporan harian {what} tidak ditemukan.",
            "Daily report {what} was not found.",
        ),
        "reports_unavailable": (
            "Data laporan belum dapat dipastikan terkini; tidak ada yang tercatat. Coba lagi "
            "sebentar lagi.",
            "The reports cannot be confirmed up to date right now; nothing was recorded. Try "
            "again shortly.",
        ),
        "not_your_report": (
            "Laporan harian hanya dapat dibuat oleh pegawai itu sendiri.",
            "A daily report can only be made by the employee themselves.",
        ),
        "report_archived": (
            "Laporan harian {work_date} sudah diarsipkan; lihat /reporting/employees/{nip}/days.",
            "The daily report of {work_date} is archived; see /reporting/employees/{nip}/days.",
        ),
        "reports_unavailable.reviews": (
            "Data laporan belum dapat dipastikan terkini; coba lagi sebentar lagi.",
            "The reports cannot be confirmed up to date right now; try again shortly.",
        ),
        "invalid_month": (
            "Bulan harus berformat YYYY-MM (tahun 1970-2099), misalnya 2026-03.",
            "The month must be YYYY-MM (years 1970-2099), e.g. 2026-03.",
        ),
        "invalid_period.checked_period": (
            "Tanggal harus antara {first_date} dan {last_date}.",
            "Dates must be between {first_date} and {last_date}.",
        ),
        "period_too_long.checked_period": (
            "Periode paling panjang {max_period_days} hari; bagi menjadi beberapa periode.",
            "A period spans at most {max_period_days} days; split it into several.",
        ),
        "page_too_large": (
            "Halaman JSON paling banyak {max_page} baris; gunakan offset, atau format=csv atau "
            "xlsx.",
            "A JSON page holds at most {max_page} items; use offset, or format=csv or xlsx.",
        ),
        "opd_required": (
            "Sebutkan OPD yang ingin dilihat (parameter opd_id).",
            "Name the OPD to look at (the opd_id parameter).",
        ),
        # --- what a reader may see ----------------------------------------------------------
        "outside_scope": (
            "Anda hanya dapat melihat data {what}.",
            "You may only see data of {what}.",
        ),
        "scope.own": ("Anda sendiri", "your own"),
        "scope.own_opd": ("OPD Anda sendiri", "your own OPD"),
        "scope.supervised": (
            "Anda sendiri dan pegawai yang Anda bawahi",
            "yourself and those you supervise",
        ),
        "scope.opd_employees": ("pegawai di OPD Anda", "employees of your OPD"),
        "scope.opd_aggregates": (
            "pegawai dalam cakupan Anda; ringkasan OPD hanya untuk kepala OPD, BKD, auditor dan "
            "ops",
            "employees in your scope; OPD aggregates are for the head of the OPD, BKD, auditors "
            "and ops",
        ),
        "no_data": ("Belum ada data {what}.", "No {what} is recorded."),
        "no_data.employee_month": ("bulan ini untuk pegawai ini", "month for this employee"),
        "no_data.opd_month": ("OPD pada bulan ini", "month for this OPD"),
        # --- the head's scorecard --------------------------------------------------------------
        "grade.A": ("Sangat baik", "Very good"),
        "grade.B": ("Baik", "Good"),
        "grade.C": ("Cukup", "Fair"),
        "grade.D": ("Kurang", "Poor"),
        "scorecard.attendance": ("Tingkat kehadiran", "Attendance rate"),
        "scorecard.punctuality": ("Ketepatan waktu masuk", "Punctuality"),
        "scorecard.daily_reports": ("Laporan harian disampaikan", "Daily reports"),
        "scorecard.reports_accepted": ("Laporan harian diterima atasan", "Daily reports accepted"),
        "scorecard.output_achievement": ("Capaian target output", "Output target achievement"),
        "scorecard.wfa_within_weekly_cap": (
            "Hari WFA dalam batas mingguan",
            "WFA days within the weekly cap",
        ),
        "scorecard.wfa_approved": ("Hari WFA dengan persetujuan", "WFA days approved"),
        "scorecard.violations": (
            "Pelanggaran per 100 hari-pegawai",
            "Violations per 100 staff-days",
        ),
        "scorecard.away_share_within_cap": (
            "Porsi pegawai WFA terhadap batas OPD",
            "Share of staff away against the OPD's cap",
        ),
        # --- the public page ------------------------------------------------------------------
        "public_note": (
            "Data agregat per OPD. OPD dengan kurang dari {k} ASN disembunyikan seluruhnya, dan "
            "setiap angka yang mewakili kurang dari {k} orang dikosongkan, agar tidak ada pegawai "
            "yang dapat dikenali. Total provinsi hanya menjumlahkan angka yang ditampilkan. Tidak "
            "ada NIP, nama, atau lokasi yang dipublikasikan.",
            "Aggregates per OPD. OPDs with fewer than {k} civil servants are hidden entirely, and "
            "any figure resting on fewer than {k} people is left empty, so that no employee can be "
            "identified. Province totals add up the figures shown only. No NIP, name or location "
            "is published.",
        ),
        # --- WFA against the office ------------------------------------------------------------
        "productivity.insufficient_data": (
            "Belum cukup data: perbandingan memerlukan hari WFA dan hari kerja di kantor.",
            "Not enough data: the comparison needs both WFA days and office days.",
        ),
        "productivity.no_gap": (
            "Tidak ada kesenjangan produktivitas antara hari WFA dan hari di kantor.",
            "No productivity gap between WFA days and office days.",
        ),
        "productivity.wfa_behind": (
            "Output pada hari WFA lebih rendah daripada di kantor: perlu ditinjau.",
            "Output on WFA days is lower than at the office: to be reviewed.",
        ),
        "productivity.wfa_ahead": (
            "Output pada hari WFA lebih tinggi daripada di kantor.",
            "Output on WFA days is higher than at the office.",
        ),
    },
)
