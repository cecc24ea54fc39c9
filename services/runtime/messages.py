"""Every bilingual text the shared runtime answers with, by code: Bahasa Indonesia, then English.

The edge's own refusals (reading the request, authentication, the caller's scope, idempotency
keys, operations routes) and its failures (the broker away, an incident). Templates take
:meth:`str.format` parameters, the same in both languages (see :mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "runtime",
    {
        # --- HTTP itself ---------------------------------------------------------------------
        "bad_request": ("Permintaan tidak dapat dibaca.", "The request could not be read."),
        "not_found": ("Sumber daya tidak ditemukan.", "Resource not found."),
        "method_not_allowed": ("Metode tidak diizinkan.", "Method not allowed."),
        "body_too_large": ("Isi permintaan terlalu besar.", "The request body is too large."),
        "body_too_large.limit": (
            "Isi permintaan terlalu besar. Batasnya {limit:,} bita.",
            "The request body is too large. The limit is {limit:,} bytes.",
        ),
        "invalid_request": (
            "Permintaan tidak valid; periksa kolom yang disebutkan.",
            "The request is invalid; check the fields listed.",
        ),
        "kafka_unavailable": (
            "Layanan sementara tidak dapat mencatat; tidak ada yang tercatat. Coba lagi dalam "
            "{retry_after_s} detik.",
            "The service cannot record right now; nothing was recorded. Try again in "
            "{retry_after_s} seconds.",
        ),
        "internal_error": (
            "Terjadi kesalahan di server. Coba lagi nanti; bila berulang, sampaikan kode "
            "insiden {incident} kepada pengelola.",
            "Something went wrong on the server. Try again later; if it happens again, give "
            "the operators incident code {incident}.",
        ),
        # --- who is calling ---------------------------------------------------------------
        "unauthenticated": (
            "Token bearer diperlukan pada header Authorization.",
            "A bearer token is required in the Authorization header.",
        ),
        "invalid_token": (
            "Token tidak valid atau kedaluwarsa.",
            "The token is invalid or expired.",
        ),
        "identity_provider_unavailable": (
            "Penyedia identitas (SSO) sementara tidak dapat dihubungi untuk memeriksa token; "
            "coba lagi dalam {retry_after_s} detik.",
            "The identity provider (SSO) cannot be reached to check the token right now; try "
            "again in {retry_after_s} seconds.",
        ),
        "rate_limited": (
            "Terlalu banyak permintaan ({family}); coba lagi dalam {retry_after_s} detik.",
            "Too many requests ({family}); try again in {retry_after_s} seconds.",
        ),
        "forbidden_role": (
            "Peran '{role}' tidak berwenang; diperlukan salah satu: {allowed}.",
            "Role '{role}' is not allowed; one of these is required: {allowed}.",
        ),
        "missing_opd": (
            "Token tidak memuat OPD pemohon.",
            "The token does not carry the caller's OPD.",
        ),
        "employee_not_on_roster": (
            "NIP {nip} belum terdaftar pada data pegawai; hubungi BKD/BKPSDM.",
            "NIP {nip} is not on the roster yet; contact BKD/BKPSDM.",
        ),
        "opd_mismatch.head": (
            "Token untuk kepala OPD {token_opd}, tetapi data pegawai mencatat Anda sebagai "
            "kepala OPD {roster_opd}.",
            "The token is for the head of OPD {token_opd}, but the roster records you as the "
            "head of OPD {roster_opd}.",
        ),
        "opd_mismatch": (
            "Token untuk OPD {token_opd}, tetapi data pegawai mencatat OPD {roster_opd}.",
            "The token is for OPD {token_opd}, but the roster records OPD {roster_opd}.",
        ),
        "role_not_on_roster.head": (
            "Token menyatakan Anda kepala OPD, tetapi data pegawai tidak mencatat Anda sebagai "
            "kepala (atau Plt/Plh) OPD mana pun.",
            "The token says you head an OPD, but the roster names you head (or Plt/Plh) of no OPD.",
        ),
        "role_not_on_roster": (
            "Token menyatakan Anda atasan, tetapi data pegawai tidak mencatat pegawai yang atasan "
            "langsungnya Anda.",
            "The token says you are a supervisor, but the roster records no one whose supervisor "
            "of record you are.",
        ),
        "roster_unavailable": (
            "Data pegawai belum dapat dipastikan terkini; coba lagi sebentar lagi.",
            "The roster cannot be confirmed up to date right now; try again shortly.",
        ),
        # --- idempotency keys ----------------------------------------------------------------
        "idempotency_key_reused": (
            "Idempotency-Key ini sudah dipakai untuk permintaan lain.",
            "This Idempotency-Key was already used for a different request.",
        ),
        "invalid_idempotency_key": (
            "Idempotency-Key harus 1–{max_length} karakter ASCII yang terlihat.",
            "Idempotency-Key must be 1–{max_length} printable ASCII characters.",
        ),
        # --- operations routes ---------------------------------------------------------------
        "unknown_projection": (
            "Tabel proyeksi '{table}' tidak ada pada layanan ini.",
            "There is no projection table '{table}' in this service.",
        ),
        # --- personal data and the access log ------------------------------------------------
        "reader_without_nip": (
            "Data pribadi pegawai hanya dapat dibaca dengan token yang memuat NIP pembaca, "
            "yang dicatat dalam log akses.",
            "An employee's personal data can be read only with a token naming the reader's "
            "NIP, which the access log records.",
        ),
    },
)
