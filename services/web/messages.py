"""Every bilingual text the web gateway answers with, by code: Bahasa Indonesia, then English.

The gateway's own refusals (demo login, pages, the services behind it being away); the
browser's texts are in ``static/js/messages/``. Templates take :meth:`str.format` parameters,
the same in both languages (see :mod:`kernel.messages`).
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
    },
)
