"""Every bilingual text the web gateway answers with, by code: Bahasa Indonesia, then English.

The gateway's own refusals (demo login, pages, the services behind it being away) and the
texts of the readiness study (:mod:`services.web.domain.readiness`: its lines, its verdict and
the form it proposes); the browser's texts are in ``static/js/messages/``. Templates take
:meth:`str.format` parameters, the same in both languages (see :mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "web",
    {
        # --- the gateway's refusals ---------------------------------------------------------------
        "unknown_persona": (
            "Persona demo '{key}' tidak dikenal.",
            "Unknown demo persona '{key}'.",
        ),
        "demo_login_disabled": (
            "Login demo tidak tersedia di lingkungan produksi.",
            "Demo login is not available in production.",
        ),
        "demo_login_off": (
            "Login demo tidak aktif (aktifkan dengan WEB_DEMO_LOGIN=1 untuk demo).",
            "Demo login is off (turn it on with WEB_DEMO_LOGIN=1 for a demo).",
        ),
        "page_missing": (
            "Halaman login demo tidak ditemukan di server.",
            "The demo login page is missing on the server.",
        ),
        "invalid_persona": (
            "Persona demo '{persona_key}' tidak valid (NIP atau OPD).",
            "Demo persona '{persona_key}' is invalid (NIP or OPD).",
        ),
        "demo_login_sso": (
            "Login demo tidak tersedia karena masuk tunggal (SSO) dikonfigurasi: masuk lewat "
            "/auth/login.",
            "Demo login is not available while single sign-on is configured: sign in at "
            "/auth/login.",
        ),
        "sso_off": (
            "Masuk tunggal (SSO) tidak dikonfigurasi (OIDC_ISSUER dan WEB_OIDC_CLIENT_ID).",
            "Single sign-on is not configured (OIDC_ISSUER and WEB_OIDC_CLIENT_ID).",
        ),
        "sso_state_missing": (
            "Sesi masuk tidak ditemukan atau sudah kedaluwarsa. Mulai lagi dari halaman masuk.",
            "The sign-in session is missing or has expired. Start again from the sign-in page.",
        ),
        "sso_state_mismatch": (
            "Parameter state tidak cocok dengan sesi masuk ini; permintaan ditolak.",
            "The state parameter does not match this sign-in session; the request is refused.",
        ),
        "sso_code_missing": (
            "Penyedia identitas tidak mengirim kode otorisasi.",
            "The identity provider sent no authorization code.",
        ),
        "sso_refused": (
            "Penyedia identitas menolak proses masuk ({error}).",
            "The identity provider refused the sign-in ({error}).",
        ),
        "sso_exchange_failed": (
            "Kode otorisasi tidak dapat ditukar dengan token di penyedia identitas.",
            "The authorization code could not be exchanged for tokens at the identity provider.",
        ),
        "sso_token_refused": (
            "Token dari penyedia identitas tidak valid untuk platform ini.",
            "The identity provider's token is not valid for this platform.",
        ),
        "sso_provider_unavailable": (
            "Penyedia identitas sedang tidak dapat dihubungi. Coba lagi dalam {retry_after_s} "
            "detik.",
            "The identity provider cannot be reached right now. Try again in {retry_after_s} "
            "seconds.",
        ),
        "sso_page_title": (
            "Masuk… / Signing in…",
            "Signing in… / Masuk…",
        ),
        "not_found": (
            "Halaman tidak ditemukan.",
            "Page not found.",
        ),
        "web_assets_missing": (
            "Pustaka grafik belum terpasang di server: jalankan `make web-assets`.",
            "The chart library is not installed on the server: run `make web-assets`.",
        ),
        "upstream_unavailable": (
            "Layanan {service} sedang tidak dapat dihubungi; tidak ada yang tercatat. Coba lagi "
            "dalam {retry_after_s} detik.",
            "The {service} service cannot be reached right now; nothing was recorded. Try again "
            "in {retry_after_s} seconds.",
        ),
        "upstream_lost": (
            "Jawaban layanan {service} tidak diterima; permintaan mungkin sudah tercatat. Ulangi "
            "dengan Idempotency-Key yang sama.",
            "No answer came from the {service} service; the request may have been recorded. Retry "
            "with the same Idempotency-Key.",
        ),
        # --- the readiness study: what its lines measure (parameters of the texts below) --------
        "readiness.label.infrastructure": ("infrastruktur", "infrastructure"),
        "readiness.label.connectivity": ("konektivitas", "connectivity"),
        "readiness.label.attendance": (
            "kepatuhan kehadiran (hari dengan check-in)",
            "attendance (days checked in)",
        ),
        "readiness.label.reports": ("laporan harian yang dikirim", "daily reports submitted"),
        # --- the readiness study's lines ----------------------------------------------------------
        "readiness.eligible_positions.none": (
            "Belum ada data jabatan OPD ini untuk dipetakan tugasnya.",
            "No positions of this OPD are recorded for the task mapping.",
        ),
        "readiness.eligible_positions.met": (
            "{share} jabatan ({eligible}/{total}) sesuai untuk WFA menurut pemetaan tugas "
            "(minimal {minimum}).",
            "{share} of positions ({eligible}/{total}) suit WFA under the task mapping "
            "(at least {minimum}).",
        ),
        "readiness.eligible_positions.unmet": (
            "terlalu sedikit jabatan yang sesuai untuk WFA: {share} ({eligible}/{total}), "
            "minimal {minimum}.",
            "too few positions suit WFA: {share} ({eligible}/{total}), at least {minimum}.",
        ),
        "readiness.infrastructure_assessment.none": (
            "belum ada penilaian kesiapan infrastruktur dan konektivitas yang tercatat.",
            "no infrastructure and connectivity assessment is recorded.",
        ),
        "readiness.score.none": (
            "tidak ada penilaian {label} untuk unit kerja yang memiliki jabatan sesuai WFA.",
            "no {label} assessment covers the work units with positions suited to WFA.",
        ),
        "readiness.score.opd": (
            "Skor {label} OPD: {value} (minimal {threshold}).",
            "The OPD's {label} score: {value} (at least {threshold}).",
        ),
        "readiness.score.units": (
            "Skor {label} tertinggi di antara unit kerja: {value} (minimal {threshold}).",
            "Best {label} score among the work units: {value} (at least {threshold}).",
        ),
        "readiness.score.units_below": (
            "Skor {label} tertinggi di antara unit kerja: {value} (minimal {threshold}); di "
            "bawah ambang (dikecualikan): {below}.",
            "Best {label} score among the work units: {value} (at least {threshold}); below "
            "the threshold (left out): {below}.",
        ),
        "readiness.work_units": (
            "Unit kerja yang memenuhi kedua ambang dan memiliki jabatan sesuai WFA: "
            "{qualifying} dari {units} ({names}).",
            "Work units meeting both thresholds with positions suited to WFA: "
            "{qualifying} of {units} ({names}).",
        ),
        "readiness.history.none": (
            "Belum ada riwayat kehadiran dan laporan dalam {months} bulan terakhir; kepatuhan "
            "dipantau selama uji coba.",
            "No attendance or report history in the last {months} months; compliance is to be "
            "watched during a trial.",
        ),
        "readiness.rate.none": (
            "Belum ada data {label} untuk dinilai.",
            "No data on {label} to assess yet.",
        ),
        "readiness.rate.measured": (
            "{label}: {value} (minimal {threshold}).",
            "{label}: {value} (at least {threshold}).",
        ),
        "readiness.output.none": (
            "Belum ada perbandingan capaian output hari WFA dan hari di kantor.",
            "No comparison yet of output achievement on WFA days and office days.",
        ),
        "readiness.output.few": (
            "Capaian output hari WFA {wfa} dan hari di kantor {office} belum dapat "
            "dibandingkan: baru {samples} output bertarget (minimal {sample_min} di tiap sisi); "
            "dipantau selama uji coba.",
            "Output achievement on WFA days {wfa} and office days {office} cannot be compared "
            "yet: only {samples} outputs with a target (at least {sample_min} on each side); to "
            "be watched during a trial.",
        ),
        "readiness.output.compared": (
            "Capaian output hari WFA {wfa} terhadap hari di kantor {office} (minimal {minimum} "
            "dari capaian di kantor).",
            "Output achievement on WFA days {wfa} against office days {office} (at least "
            "{minimum} of the office's).",
        ),
        "readiness.policy.none": (
            "OPD ini belum menerbitkan kebijakan WFA; kajian ini menjadi dasar keputusannya.",
            "This OPD has published no WFA policy yet; this study informs that decision.",
        ),
        "readiness.policy.enabled": (
            "Kebijakan OPD (versi {version}) mengaktifkan WFA.",
            "The OPD's policy (version {version}) enables WFA.",
        ),
        "readiness.policy.off": (
            "Kebijakan OPD (versi {version}) tidak mengaktifkan WFA; kajian ini menjadi dasar "
            "untuk memutuskannya.",
            "The OPD's policy (version {version}) leaves WFA off; this study informs that "
            "decision.",
        ),
        # --- the readiness study's verdict ----------------------------------------------------
        "readiness.headline.not_yet": (
            "Belum, karena: {clauses}.",
            "Not yet, because: {clauses}.",
        ),
        "readiness.headline.feasible": (
            "Layak, dalam bentuk ini: WFA paling banyak {days} {day_unit} per minggu, paling "
            "banyak {share} staf unit kerja per hari, di {where}.",
            "Feasible, in this form: WFA on at most {days} {day_unit} a week, at most {share} "
            "of a work unit's staff away a day, in {where}.",
        ),
        "readiness.unit.day": ("hari", "day"),
        "readiness.unit.days": ("hari", "days"),
        "readiness.where.units": ("unit kerja {units}", "these work units: {units}"),
        "readiness.where.opd": ("seluruh OPD", "the whole OPD"),
        # --- the conditions of the form it proposes --------------------------------------------
        "readiness.condition.positions": (
            "Hanya jabatan yang sesuai menurut pemetaan tugas.",
            "Only positions the task mapping finds suitable.",
        ),
        "readiness.condition.positions_listed": (
            "Hanya jabatan yang sesuai menurut pemetaan tugas (kategori: {categories}).",
            "Only positions the task mapping finds suitable (categories: {categories}).",
        ),
        "readiness.condition.units_left_out": (
            "Unit kerja berikut tetap bekerja di kantor sampai skor infrastruktur dan "
            "konektivitasnya mencapai {threshold}: {units}.",
            "These work units stay at the office until their infrastructure and connectivity "
            "scores reach {threshold}: {units}.",
        ),
        "readiness.condition.reduced_cap": (
            "Paling banyak {reduced_days} hari per minggu sampai skor infrastruktur dan "
            "konektivitas mencapai {full_cap_score}; sesudahnya {cap_days} hari (Permen PANRB "
            "4/2025 pasal 13 ayat 1).",
            "At most {reduced_days} day a week until the infrastructure and connectivity scores "
            "reach {full_cap_score}; then {cap_days} days (Permen PANRB 4/2025 art. 13(1)).",
        ),
        "readiness.condition.trial": (
            "Mulai dengan uji coba {months} bulan, lalu tinjau kepatuhan kehadiran (minimal "
            "{attendance_min}) dan laporan harian (minimal {report_min}).",
            "Start with a {months}-month trial, then review attendance (at least "
            "{attendance_min}) and daily reports (at least {report_min}).",
        ),
        "readiness.condition.compare_output": (
            "Bandingkan capaian output hari WFA dengan hari di kantor selama uji coba (minimal "
            "{minimum} dari capaian di kantor).",
            "Compare output achievement on WFA days with office days during the trial (at "
            "least {minimum} of the office's).",
        ),
        "readiness.condition.publish_policy": (
            "Terbitkan kebijakan OPD yang mengaktifkan WFA dengan batas di atas.",
            "Publish an OPD policy that enables WFA within the limits above.",
        ),
        "readiness.condition.every_day": (
            "Setiap hari WFA: disetujui atasan langsung, check-in dan check-out berlokasi, dan "
            "laporan harian terhadap rencana kerja.",
            "Every WFA day: approved by the direct supervisor, located check-in and check-out, "
            "and a daily report against the work plan.",
        ),
    },
)
