"""Every bilingual text of the audit service, by code: Bahasa Indonesia, then English.

Templates take :meth:`str.format` parameters, the same in both languages (see
:mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "audit",
    {
        # --- reading the trail and the access log ------------------------------------------
        "invalid_period": (
            "'{field}' harus berupa tanggal (YYYY-MM-DD) atau waktu ISO 8601 antara {earliest} "
            "dan {latest}.",
            "'{field}' must be a date (YYYY-MM-DD) or an ISO 8601 date-time between {earliest} "
            "and {latest}.",
        ),
        "invalid_period.order": ("'to' harus sesudah 'from'.", "'to' must come after 'from'."),
        "invalid_cursor": (
            "Nilai 'after' bukan penanda halaman yang sah; pakai nilai 'next' halaman sebelumnya.",
            "'after' is not a valid page marker; use the previous page's 'next' value.",
        ),
        "unknown_event_type": (
            "Jenis peristiwa '{event_type}' tidak dikenal.",
            "Event type '{event_type}' is not known.",
        ),
        "trail_scope": (
            "Peran ini hanya boleh membaca jejak miliknya sendiri (filter '{field}' tidak "
            "diizinkan).",
            "This role may read only its own trail (the '{field}' filter is not allowed).",
        ),
        "access_log_scope": (
            "Anda hanya boleh membaca catatan akses atas data Anda sendiri.",
            "You may read only the access log of your own data.",
        ),
    },
)
