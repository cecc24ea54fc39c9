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
        # --- the routes' refusals -----------------------------------------------------------------
        "log_empty": (
            "Belum ada blok yang disegel.",
            "No block has been sealed yet.",
        ),
        "event_not_found": (
            "Peristiwa {event_id} tidak ada di arsip yang dapat Anda baca.",
            "Event {event_id} is not in the archive you may read.",
        ),
        "event_not_sealed": (
            "Peristiwa {event_id} belum disegel pada ukuran log ini; coba lagi sebentar lagi.",
            "Event {event_id} is not sealed in this size of the log yet; try again shortly.",
        ),
        "checkpoint_not_found": (
            "Tidak ada checkpoint bertanda tangan dengan ukuran log {size}.",
            "No signed checkpoint has a log size of {size}.",
        ),
        "sizes_out_of_order": (
            "Ukuran pertama harus tidak lebih besar dari ukuran kedua.",
            "The first size must not exceed the second.",
        ),
        "event_not_found.event": (
            "Peristiwa {event_id} tidak ada di arsip.",
            "Event {event_id} is not in the archive.",
        ),
        "history_too_large": (
            "Riwayat ini memuat lebih dari {limit:,} peristiwa; pilih waktu yang lebih awal atau "
            "gunakan ekspor jejak audit.",
            "This history holds more than {limit:,} events; choose an earlier time or use the "
            "audit trail export.",
        ),
        "invalid_instant": (
            "Waktu '{at}' bukan waktu ISO 8601 antara tahun 1900 dan 2100, mis. "
            "2026-03-02T09:00:00+07:00.",
            "The time '{at}' is not an ISO 8601 instant between 1900 and 2100, e.g. "
            "2026-03-02T09:00:00+07:00.",
        ),
        "naive_instant": (
            "Waktu '{at}' tidak memuat zona waktu; tulis dengan offset, mis. "
            "2026-03-02T09:00:00+07:00 (WIB) atau akhiran Z (UTC).",
            "The time '{at}' has no UTC offset; give one, e.g. 2026-03-02T09:00:00+07:00 (WIB) or "
            "a Z suffix (UTC).",
        ),
        # --- whose history a reader may read -------------------------------------------------
        "time_travel_forbidden": (
            "Anda tidak berwenang membaca riwayat {what}. Auditor dan BKD dapat membaca semua; "
            "pegawai hanya riwayatnya sendiri; kepala OPD hanya OPD-nya.",
            "You may not read the history of {what}. Auditors and BKD read any; an employee "
            "only their own; the head of an OPD only their OPD.",
        ),
        "history_of.employee": ("pegawai {nip}", "employee {nip}"),
        "history_of.opd": ("OPD {opd_id}", "OPD {opd_id}"),
    },
)
