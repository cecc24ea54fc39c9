"""Every bilingual text of the attendance service, by code: Bahasa Indonesia, then English.

Templates take :meth:`str.format` parameters, the same in both languages (see
:mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "attendance",
    {
        # --- the device time of a presence signal ---------------------------------------
        "presence_time_in_future": (
            "Waktu presensi {minutes} menit di masa depan; periksa jam perangkat (toleransi "
            "{tolerance_s:g} detik).",
            "The presence time is {minutes} minutes in the future; check the device clock "
            "(tolerance {tolerance_s:g} seconds).",
        ),
        "offline_record_too_old": (
            "Presensi luring ini tercatat {age_h:.1f} jam lalu; batas sinkronisasi adalah "
            "{tolerance_h:g} jam. Hubungi atasan untuk koreksi presensi.",
            "This offline record is {age_h:.1f} hours old; records are accepted up to "
            "{tolerance_h:g} hours after they were made. Ask your supervisor to correct the "
            "attendance.",
        ),
    },
)
