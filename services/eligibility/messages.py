"""Every bilingual text of the eligibility service, by code: Bahasa Indonesia, then English.

Rule texts are keyed ``<RULE CODE>.<case>`` (the rule code is what a decision's trace carries);
refusals by the code the error body or the ``WfaActionRefused`` event carries. Templates take
:meth:`str.format` parameters, the same in both languages (see :mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "eligibility",
    {
        # --- the rules' texts (trace messages) -------------------------------------------
        "since.start": ("sejak awal", "from the start"),
        "since.day": ("sejak {day}", "from {day}"),
        "POLICY_IN_FORCE.none": (
            "Belum ada kebijakan WFA yang ditetapkan untuk OPD {opd}.",
            "No WFA policy has been set for OPD {opd}.",
        ),
        "POLICY_IN_FORCE.other_opd": (
            "Kebijakan yang diberikan milik OPD {policy_opd}, bukan OPD pemohon ({opd}).",
            "The policy given belongs to OPD {policy_opd}, not the requester's OPD ({opd}).",
        ),
        "POLICY_IN_FORCE.applies": (
            "Kebijakan WFA OPD {opd} versi {version} (berlaku {since}) berlaku untuk semua "
            "tanggal yang diminta.",
            "WFA policy version {version} of OPD {opd} (in force {since}) applies to every "
            "requested day.",
        ),
        "POLICY_IN_FORCE.not_yet": (
            "Kebijakan versi {version} baru berlaku {since}; tanggal {days} sebelum itu.",
            "Policy version {version} is only in force {since}; {days} is before that.",
        ),
        "POLICY_IN_FORCE.uncovered": (
            "Belum ada kebijakan WFA OPD {opd} yang berlaku pada {days}.",
            "No WFA policy of OPD {opd} is in force on {days}.",
        ),
        "POLICY_IN_FORCE.version_days": ("versi {version}: {days}", "version {version}: {days}"),
        "POLICY_IN_FORCE.versions": (
            "Tanggal yang diminta diatur oleh lebih dari satu versi kebijakan ({parts}); "
            "ajukan terpisah untuk tiap versi.",
            "The requested days fall under more than one policy version ({parts}); "
            "request them separately.",
        ),
        "WFA_ENABLED.no_policy": (
            "WFA tidak aktif: OPD {opd} belum menetapkan kebijakan WFA. Fleksibilitas lokasi "
            "kerja bersifat opsional, bukan hak.",
            "WFA is off: OPD {opd} has not set a WFA policy. Flexible work location is "
            "optional, not a right.",
        ),
        "WFA_ENABLED.off": (
            "OPD {opd} tidak mengaktifkan WFA (kebijakan versi {version}). Fleksibilitas "
            "lokasi kerja bersifat opsional, bukan hak.",
            "OPD {opd} has WFA turned off (policy version {version}). Flexible work location "
            "is optional, not a right.",
        ),
        "WFA_ENABLED.on": (
            "OPD {opd} mengaktifkan WFA (kebijakan versi {version}).",
            "OPD {opd} has WFA turned on (policy version {version}).",
        ),
        "POSITION_ELIGIBLE.never": (
            "Kategori jabatan '{category}' ({reason}) tidak dapat WFA: tugasnya memerlukan "
            "kehadiran fisik, layanan tatap muka atau peralatan khusus.",
            "Position category '{category}' ({reason}) cannot work from anywhere: its tasks "
            "need physical presence, face-to-face service or special equipment.",
        ),
        "POSITION_ELIGIBLE.not_mapped": (
            "Kategori jabatan '{category}' tidak termasuk kategori yang dapat WFA menurut "
            "pemetaan tugas OPD ({allowed}).",
            "Position category '{category}' is not among the categories the OPD's task "
            "mapping allows to work from anywhere ({allowed}).",
        ),
        "POSITION_ELIGIBLE.mapped": (
            "Kategori jabatan '{category}' dapat WFA menurut pemetaan tugas OPD.",
            "Position category '{category}' may work from anywhere under the OPD's task mapping.",
        ),
        "NOT_NEW_HIRE.in_orientation": (
            "Masih dalam masa orientasi CPNS sampai {end}; WFA dapat diajukan mulai "
            "{first_free}. Tanggal terdampak: {days}.",
            "Still in CPNS orientation until {end}; WFA may be requested from {first_free}. "
            "Days affected: {days}.",
        ),
        "NOT_NEW_HIRE.orientation_ended": (
            "Masa orientasi selesai pada {end}.",
            "Orientation ended on {end}.",
        ),
        "NOT_NEW_HIRE.new": (
            "Baru diangkat pada {appointed} (kurang dari {years} tahun); ASN baru bekerja di "
            "kantor sampai {settled}. Tanggal terdampak: {days}.",
            "Newly appointed on {appointed} (less than {years} year); new ASN work from the "
            "office until {settled}. Days affected: {days}.",
        ),
        "NOT_NEW_HIRE.settled": (
            "Diangkat pada {appointed}, lebih dari {years} tahun sebelum tanggal yang diminta.",
            "Appointed on {appointed}, at least {years} year before the requested days.",
        ),
        "NO_SANCTION.span_open": ("{start} s.d. tanpa batas akhir", "{start}, open-ended"),
        "NO_SANCTION.span": ("{start} s.d. {end}", "{start} to {end}"),
        "NO_SANCTION.covers": ("hukuman {span} mencakup {days}", "sanction {span} covers {days}"),
        "NO_SANCTION.under": (
            "Sedang menjalani hukuman disiplin ({sanctions}); WFA baru dapat diajukan setelah "
            "hukuman berakhir.",
            "Under a disciplinary sanction ({sanctions}); WFA may be requested once the "
            "sanction ends.",
        ),
        "NO_SANCTION.none": (
            "Tidak ada hukuman disiplin yang berlaku pada tanggal yang diminta.",
            "No disciplinary sanction is in force on the requested days.",
        ),
        "SUPERVISOR_ASSIGNED.none": (
            "Atasan langsung belum tercatat di data kepegawaian; permohonan WFA memerlukan "
            "persetujuan atasan langsung.",
            "No direct supervisor is recorded in the roster; a WFA request needs the direct "
            "supervisor's approval.",
        ),
        "SUPERVISOR_ASSIGNED.self": (
            "Atasan langsung yang tercatat adalah pemohon sendiri; permohonan tidak dapat "
            "disetujui sendiri.",
            "The recorded direct supervisor is the requester; a request cannot be self-approved.",
        ),
        "SUPERVISOR_ASSIGNED.recorded": (
            "Atasan langsung (NIP {supervisor}) tercatat dan akan memutuskan permohonan.",
            "The direct supervisor (NIP {supervisor}) is recorded and will decide the request.",
        ),
        "DATE_NOT_PAST.past": (
            "Tanggal {days} sudah lewat (hari ini {today}); WFA diajukan dan disetujui sebelum "
            "dilaksanakan.",
            "{days} is already past (today is {today}); WFA is requested and approved before "
            "it happens.",
        ),
        "DATE_NOT_PAST.ok": (
            "Semua tanggal pada atau setelah hari ini ({today}).",
            "Every day is today ({today}) or later.",
        ),
        "WORKING_DAY.weekend": ("akhir pekan ({weekday})", "a weekend day ({weekday})"),
        "WORKING_DAY.holiday": ("hari libur nasional", "a national holiday"),
        "WORKING_DAY.joint_leave": ("cuti bersama", "joint leave (cuti bersama)"),
        "WORKING_DAY.day_is": ("{day} adalah {label}", "{day} is {label}"),
        "WORKING_DAY.closed": (
            "Bukan hari kerja: {days}. WFA hanya untuk hari kerja.",
            "Not a working day: {days}. WFA is for working days only.",
        ),
        "WORKING_DAY.ok": (
            "Semua tanggal adalah hari kerja (Senin-Jumat, bukan libur nasional atau cuti "
            "bersama): {days}.",
            "Every day is a working day (Monday-Friday, no holiday or joint leave): {days}.",
        ),
        "WEEKLY_CAP.exempt": (
            "Kategori jabatan '{category}' dikecualikan dari batas {cap} hari WFA per minggu "
            "(tugas di luar kantor atau kondisi khusus).",
            "Position category '{category}' is exempt from the cap of {cap} WFA days a week "
            "(duties outside the office or special conditions).",
        ),
        "WEEKLY_CAP.window_cap": (
            " (batas {cap} hari jendela {window})",
            " ({window} window cap {cap})",
        ),
        "WEEKLY_CAP.week_over": (
            "{week}{window_cap}: sudah {held} hari, diminta {asked} hari, total {total}",
            "{week}{window_cap}: {held} held, {asked} requested, total {total}",
        ),
        "WEEKLY_CAP.week_ok": (
            "{week}{window_cap}: {held} + {asked} = {total}",
            "{week}{window_cap}: {held} + {asked} = {total}",
        ),
        "WEEKLY_CAP.over": (
            "Melebihi batas {cap} hari WFA per minggu: {weeks}.",
            "Exceeds the cap of {cap} WFA days a week: {weeks}.",
        ),
        "WEEKLY_CAP.within": (
            "Dalam batas {cap} hari WFA per minggu: {weeks}.",
            "Within the cap of {cap} WFA days a week: {weeks}.",
        ),
        "UNIT_AWAY_SHARE.window": (" (jendela {window})", " ({window} window)"),
        "UNIT_AWAY_SHARE.day": (
            "{day}: {away} dari {size} pegawai sudah WFA, batas {share}{source} = {allowed} orang",
            "{day}: {away} of {size} staff already away, limit {share}{source} = {allowed}",
        ),
        "UNIT_AWAY_SHARE.day_over": (
            "{day}, permohonan ini menjadi orang ke-{number}",
            "{day}, this request would be number {number}",
        ),
        "UNIT_AWAY_SHARE.full": (
            "Kuota pegawai unit {unit} yang boleh WFA sudah penuh demi kelangsungan layanan "
            "publik: {days}.",
            "The share of unit {unit} that may be away is full, to keep public services "
            "running: {days}.",
        ),
        "UNIT_AWAY_SHARE.room": (
            "Masih ada kuota WFA di unit {unit}: {days}.",
            "Unit {unit} still has room for WFA: {days}.",
        ),
        "WITHIN_WINDOW.outside_every": (
            "kebijakan OPD hanya mengizinkan WFA pada jendela khusus, sedangkan {days} di luar "
            "jendela",
            "the OPD allows WFA only in special windows and {days} is outside every window",
        ),
        "WITHIN_WINDOW.between": (
            "{day} berada dalam rentang jendela {window} tetapi bukan hari yang ditetapkan "
            "({window_days})",
            "{day} is within the span of the {window} window but not one of its days "
            "({window_days})",
        ),
        "WITHIN_WINDOW.outside": (
            "Di luar jendela WFA: {parts}.",
            "Outside the WFA windows: {parts}.",
        ),
        "WITHIN_WINDOW.window_day": ("{day} ({window})", "{day} ({window})"),
        "WITHIN_WINDOW.inside": (
            "Semua tanggal berada dalam jendela khusus: {days}.",
            "Every day is inside a special window: {days}.",
        ),
        "WITHIN_WINDOW.unrestricted": (
            "Kebijakan OPD tidak membatasi WFA hanya pada jendela khusus, dan tidak ada tanggal "
            "di sela jendela yang mensyaratkannya.",
            "The OPD does not restrict WFA to special windows, and no day falls between the "
            "days of a window that requires it.",
        ),
        "ESSENTIAL_UNIT_WINDOW.not_essential": (
            "Unit kerja {unit} bukan unit layanan esensial.",
            "Work unit {unit} is not an essential-service unit.",
        ),
        "ESSENTIAL_UNIT_WINDOW.in_window": (
            "Unit kerja {unit} adalah layanan esensial (kesehatan, transportasi, keamanan) yang "
            "tetap bekerja di kantor selama jendela khusus: {days}.",
            "Work unit {unit} is an essential service (health, transport, security) and stays "
            "on site during special windows: {days}.",
        ),
        "ESSENTIAL_UNIT_WINDOW.no_window_day": (
            "Unit kerja {unit} adalah layanan esensial, tetapi tidak ada tanggal yang diminta "
            "dalam jendela khusus.",
            "Work unit {unit} is an essential service, but no requested day is in a special "
            "window.",
        ),
        # --- a decision told to the ASN ---------------------------------------------------
        "explain.passed": (
            "[LULUS] {code}: {message} (Dasar hukum: {basis})",
            "[PASS] {code}: {message} (Legal basis: {basis})",
        ),
        "explain.failed": (
            "[GAGAL] {code}: {message} (Dasar hukum: {basis})",
            "[FAIL] {code}: {message} (Legal basis: {basis})",
        ),
        "summary.eligible": (
            "Permohonan WFA memenuhi syarat (kebijakan versi {version}).",
            "The WFA request is eligible (policy version {version}).",
        ),
        "summary.not_eligible": (
            "Permohonan WFA tidak memenuhi syarat: {codes}.",
            "The WFA request is not eligible: {codes}.",
        ),
        # --- the request workflow's refusals (error body and WfaActionRefused) ---------
        "status.submitted": ("belum diputuskan", "not decided yet"),
        "status.pending": ("menunggu persetujuan", "awaiting approval"),
        "status.not_eligible": ("tidak memenuhi syarat", "not eligible"),
        "status.approved": ("sudah disetujui", "already approved"),
        "status.rejected": ("sudah ditolak", "already rejected"),
        "status.cancelled": ("sudah dibatalkan", "already cancelled"),
        "status.refused": ("ditolak sistem saat diajukan", "refused by the system when submitted"),
        "verb.approve": ("disetujui", "approved"),
        "verb.reject": ("ditolak", "rejected"),
        "supervisor.none_recorded": ("belum tercatat", "none recorded"),
        "not_supervisor_of_record": (
            "Hanya atasan langsung yang tercatat ({supervisor}) yang dapat memutuskan "
            "permohonan {request_id}.",
            "Only the supervisor of record ({supervisor}) may decide request {request_id}.",
        ),
        "request_not_pending": (
            "Permohonan {request_id} {status}, sehingga tidak dapat {verb}.",
            "Request {request_id} is {status}, so it cannot be {verb}.",
        ),
        "request_not_cancellable": (
            "Permohonan {request_id} {status}, sehingga tidak dapat dibatalkan.",
            "Request {request_id} is {status}, so it cannot be cancelled.",
        ),
        "request_expired": (
            "Hari pertama permohonan {request_id} ({first_day}) sudah lewat; persetujuan "
            "diberikan sebelum pelaksanaan.",
            "The first day of request {request_id} ({first_day}) has passed; approval is given "
            "before the day.",
        ),
        "not_requester": (
            "Hanya pemohon ({requester}) yang dapat membatalkan permohonan {request_id}.",
            "Only the requester ({requester}) may cancel request {request_id}.",
        ),
        "too_late_to_cancel": (
            "Permohonan {request_id} hanya dapat dibatalkan sebelum hari pertamanya ({first_day}).",
            "Request {request_id} can only be cancelled before its first day ({first_day}).",
        ),
        # --- the routes' refusals -----------------------------------------------------------------
        "named_official_required": (
            "Kebijakan harus ditetapkan oleh pejabat dengan NIP, bukan akun sistem.",
            "A policy must be published by a named official with a NIP, not a system account.",
        ),
        "retroactive_policy": (
            "Tanggal berlaku {effective_from} sudah lewat; kebijakan tidak berlaku surut.",
            "Effective date {effective_from} has passed; policies are not retroactive.",
        ),
        "other_opd": (
            "Kepala OPD hanya dapat mensimulasikan kebijakan OPD-nya sendiri ({own}).",
            "An OPD head may only simulate the policy of their own OPD ({own}).",
        ),
        "policy_version_conflict": (
            "Versi berikutnya untuk OPD {opd_id} adalah {expected}, bukan {version}.",
            "The next version for OPD {opd_id} is {expected}, not {version}.",
        ),
        "other_opd.own_opd": (
            "Kepala OPD hanya dapat mengakses kajian kesiapan OPD-nya sendiri ({own}).",
            "An OPD head may only access the readiness study of their own OPD ({own}).",
        ),
        "unknown_opd": (
            "OPD {opd_id} tidak dikenal: belum ada data pegawai maupun kebijakan WFA.",
            "Unknown OPD {opd_id}: it has neither a roster nor a WFA policy.",
        ),
        "named_official_required.assess_readiness": (
            "Penilaian kesiapan harus dicatat oleh pejabat dengan NIP, bukan akun sistem.",
            "A readiness assessment must be recorded by a named official with a NIP, not a system "
            "account.",
        ),
        "unknown_work_unit": (
            "Unit kerja {unit} tidak ada dalam data pegawai OPD {opd_id}.",
            "Work unit {unit} is not on the roster of OPD {opd_id}.",
        ),
        "future_assessment": (
            "Tanggal penilaian {assessed_on} belum tiba.",
            "The assessment date {assessed_on} is in the future.",
        ),
        "sanction_dates": (
            "Tanggal akhir hukuman tidak boleh sebelum tanggal mulai.",
            "A sanction must not end before it starts.",
        ),
        "employee_not_on_roster": (
            "NIP {nip} tidak terdaftar pada data pegawai.",
            "NIP {nip} is not on the roster.",
        ),
        "sanction_not_found": (
            "Hukuman disiplin {sanction_id} tidak ditemukan.",
            "Sanction {sanction_id} was not found.",
        ),
        "request_not_found": (
            "Permohonan {request_id} tidak ditemukan.",
            "Request {request_id} was not found.",
        ),
        "work_unit_mismatch": (
            "Unit kerja {work_unit_id} tidak sesuai data pegawai ({unit}).",
            "Work unit {work_unit_id} does not match the roster ({unit}).",
        ),
        "reason_required": (
            "Alasan penolakan wajib diisi (minimal 3 karakter).",
            "A reason for the rejection is required (at least 3 characters).",
        ),
        # --- a request the system refused when submitted -----------------------------------
        "request_refused": (
            "Permohonan {request_id} ditolak sistem saat diajukan ({refusal_code}); tidak ada "
            "yang dapat {action}.",
            "Request {request_id} was refused when submitted ({refusal_code}); there is nothing "
            "to {action}.",
        ),
        "nothing_to.approve": ("disetujui", "approve"),
        "nothing_to.reject": ("ditolak", "reject"),
        "nothing_to.cancel": ("dibatalkan", "cancel"),
        # --- the roster: NIPs, files and rows -----------------------------------------------------
        "NIP_FORMAT": (
            "NIP harus terdiri atas tepat 18 angka (0-9).",
            "A NIP must be exactly 18 digits (0-9).",
        ),
        "NIP_BIRTH_YEAR_TOO_EARLY": (
            "Tahun lahir pada NIP ({birth_year}) sebelum {earliest_birth_year}.",
            "The birth year in the NIP ({birth_year}) is before {earliest_birth_year}.",
        ),
        "NIP_TOO_YOUNG": (
            "Menurut tanggal lahir pada NIP ({birth}), pemegang NIP belum berusia {adult_age} "
            "tahun pada {today}.",
            "By the birth date in the NIP ({birth}), its holder is not yet {adult_age} on {today}.",
        ),
        "NIP_GENDER_INVALID": (
            "Digit jenis kelamin pada NIP harus 1 (laki-laki) atau 2 (perempuan), bukan "
            "{gender_digit}.",
            "The gender digit of a NIP must be 1 (male) or 2 (female), not {gender_digit}.",
        ),
        "NIP_SEQUENCE_INVALID": (
            "Nomor urut pada NIP (3 angka terakhir) tidak boleh 000.",
            "The sequence number of a NIP (last 3 digits) must not be 000.",
        ),
        "NIP_APPOINTMENT_MONTH_INVALID": (
            "Bulan TMT pengangkatan pada NIP ({digits}) harus 01-12.",
            "The appointment (TMT) month in the NIP ({digits}) must be 01-12.",
        ),
        "NIP_APPOINTMENT_BEFORE_ADULT": (
            "TMT pengangkatan pada NIP ({year}-{month:02d}) sebelum pemegang NIP berusia "
            "{adult_age} tahun ({adult_on}).",
            "The appointment (TMT) in the NIP ({year}-{month:02d}) is before its holder turned "
            "{adult_age} ({adult_on}).",
        ),
        "NIP_APPOINTMENT_IN_FUTURE": (
            "TMT pengangkatan pada NIP ({year}-{month:02d}) melewati bulan berjalan "
            "({today_year}-{today_month:02d}).",
            "The appointment (TMT) in the NIP ({year}-{month:02d}) is after the current month "
            "({today_year}-{today_month:02d}).",
        ),
        "NIP_BIRTH_DATE_INVALID": (
            "Tanggal lahir pada NIP ({digits}) bukan tanggal yang valid (format YYYYMMDD).",
            "The birth date in the NIP ({digits}) is not a valid date (format YYYYMMDD).",
        ),
        "SELF_SUPERVISOR": (
            "ASN tidak dapat menjadi atasannya sendiri.",
            "An ASN cannot be their own supervisor.",
        ),
        "roster_unreadable.field_too_long": (
            "Baris {line} berkas CSV memuat kolom lebih dari {limit} karakter; tidak ada kolom "
            "roster sepanjang itu. Periksa tanda kutip yang tidak ditutup.",
            "Line {line} of the CSV has a field over {limit} characters; no roster column is that "
            "long. Look for an unclosed quote.",
        ),
        "roster_unreadable.csv_error": (
            "Baris {line} berkas CSV tidak dapat dibaca ({error}).",
            "Line {line} of the CSV cannot be read ({error}).",
        ),
        "roster_unreadable.not_utf8": (
            "Berkas harus berenkode UTF-8.",
            "The file must be UTF-8.",
        ),
        "roster_unreadable.no_header": (
            "Berkas CSV tidak memiliki baris judul.",
            "The CSV has no header.",
        ),
        "roster_unreadable.too_many_rows": (
            "Berkas melebihi {max_rows} baris.",
            "The file has more than {max_rows} rows.",
        ),
        "roster_unreadable.no_rows": (
            "Berkas tidak memuat satu baris data pun.",
            "The file has no rows.",
        ),
        "roster_row.not_json": (
            "Baris bukan objek JSON yang valid.",
            "The line is not a valid JSON object.",
        ),
        "roster_row.invalid_data": (
            "Data tidak valid: {detail}",
            "Invalid data: {detail}",
        ),
        "roster_row.duplicate_nip": (
            "NIP ganda; sudah ada di baris {line}.",
            "Duplicate NIP; already on line {line}.",
        ),
        "roster_rows_rejected": (
            "{rejected} dari {rows} baris ditolak; tidak ada data yang diterapkan. Rincian memuat "
            "{listed} baris ditolak pertama.",
            "{rejected} of {rows} rows were rejected; nothing was applied. The details list the "
            "first {listed} rejected rows.",
        ),
        "roster_rows_rejected.some_listed": (
            "{rejected} dari {rows} baris ditolak; tidak ada data yang diterapkan. Rincian memuat "
            "{listed} baris ditolak pertama; {more} baris ditolak lainnya tidak dicantumkan "
            "(perbaiki lalu impor lagi).",
            "{rejected} of {rows} rows were rejected; nothing was applied. The details list the "
            "first {listed} rejected rows; {more} more rejected rows are not listed (fix these, "
            "then import again).",
        ),
        # --- simulating a proposed policy over past requests -----------------------------
        "simulation.skip.employee_not_on_roster": (
            "pegawai tidak ada di data kepegawaian",
            "employee not on roster",
        ),
        "simulation.skip.other_opd": ("pegawai OPD lain", "employee of another OPD"),
        "simulation.skip.no_recorded_decision": (
            "tanpa keputusan tercatat",
            "no recorded decision",
        ),
        "simulation.skip.no_dates": ("tanpa tanggal", "no requested day"),
        "simulation.skip_count": ("{label}: {count}", "{label}: {count}"),
        "simulation.eligible": ("layak", "eligible"),
        "simulation.not_eligible": ("tidak layak", "not eligible"),
        "simulation.failing": ("{verdict} ({codes})", "{verdict} ({codes})"),
        "simulation.rule": ("{code} ({message})", "{code} ({message})"),
        "simulation.now_eligible": (
            "Permohonan {request_id} (NIP {nip}, {days}) sebelumnya {was}, menurut kebijakan "
            "usulan versi {version} menjadi layak; kini lulus: {detail}.",
            "Request {request_id} (NIP {nip}, {days}) was {was}; under proposed policy version "
            "{version} it becomes eligible; now passing: {detail}.",
        ),
        "simulation.now_eligible.no_detail": (
            "Permohonan {request_id} (NIP {nip}, {days}) sebelumnya {was}, menurut kebijakan "
            "usulan versi {version} menjadi layak.",
            "Request {request_id} (NIP {nip}, {days}) was {was}; under proposed policy version "
            "{version} it becomes eligible.",
        ),
        "simulation.now_not_eligible": (
            "Permohonan {request_id} (NIP {nip}, {days}) sebelumnya {was}, menurut kebijakan "
            "usulan versi {version} menjadi tidak layak: {detail}.",
            "Request {request_id} (NIP {nip}, {days}) was {was}; under proposed policy version "
            "{version} it becomes not eligible: {detail}.",
        ),
        "simulation.summary": (
            "Kebijakan usulan OPD {opd_id} versi {version}: dari {replayed} permohonan, {changed} "
            "keputusan berubah: {newly_eligible} menjadi layak, {newly_ineligible} menjadi tidak "
            "layak.",
            "Proposed policy version {version} of OPD {opd_id}: of {replayed} requests, {changed} "
            "decisions change: {newly_eligible} become eligible, {newly_ineligible} become not "
            "eligible.",
        ),
        "simulation.summary.skipped": (
            " {skipped} permohonan tidak diputar ulang ({reasons}).",
            " {skipped} requests were not replayed ({reasons}).",
        ),
        # --- the decider's refusals ---------------------------------------------------------------
        "employee_not_on_roster.submit": (
            "NIP {nip} tidak terdaftar pada data pegawai.",
            "NIP {nip} is not on the roster.",
        ),
        "work_unit_changed": (
            "Unit kerja pemohon berubah menjadi {opd_id}/{work_unit_id}; ajukan ulang.",
            "The requester's work unit changed to {opd_id}/{work_unit_id}; submit again.",
        ),
        "request_not_found.act": (
            "Permohonan {request_id} tidak ditemukan.",
            "Request {request_id} was not found.",
        ),
        "command.submit": (
            "Pengajuan",
            "The submission of",
        ),
        "command.approve": (
            "Persetujuan",
            "The approval of",
        ),
        "command.reject": (
            "Penolakan",
            "The rejection of",
        ),
        "command.cancel": (
            "Pembatalan",
            "The cancellation of",
        ),
        "command.other": (
            "Perintah",
            "The command on",
        ),
        "command_on_request": (
            "{action} permohonan {request_id}",
            "{action} request {request_id}",
        ),
        "invalid_command": (
            "{command} tidak valid (di luar batas data yang diterima) sehingga tidak dapat "
            "diproses; tidak ada yang diterapkan.",
            "{command} is invalid (beyond the bounds of accepted data) and could not be "
            "processed; nothing was applied.",
        ),
        "outcome_too_large": (
            "{command} tidak dapat dicatat karena hasilnya melebihi batas ukuran pesan; tidak ada "
            "yang diterapkan. Perpendek alasan atau rencana kerja lalu ajukan ulang.",
            "{command} could not be recorded because its outcome exceeds the message size limit; "
            "nothing was applied. Shorten the reason or the work plan and try again.",
        ),
        "invalid_outcome": (
            "{command} menghasilkan data yang tidak valid sehingga tidak dapat dicatat; tidak ada "
            "yang diterapkan. Periksa isian lalu ajukan ulang.",
            "{command} produced invalid data and could not be recorded; nothing was applied. "
            "Check the input and try again.",
        ),
        "internal_error": (
            "{command} tidak dapat diproses karena kesalahan internal ({error_type}); tidak ada "
            "yang diterapkan. Hubungi admin BKD/BKPSDM jika terulang.",
            "{command} could not be processed because of an internal error ({error_type}); "
            "nothing was applied. Contact the BKD/BKPSDM admin if it happens again.",
        ),
    },
)
