"""Every bilingual text of the detector service, by code: Bahasa Indonesia, then English.

Templates take :meth:`str.format` parameters, the same in both languages (see
:mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "detector",
    {
        # --- anomalies the stream finds (AttendanceAnomalyDetected) -------------------------------
        "anomaly.shared_coordinates": (
            "Koordinat yang persis sama dipakai oleh {count} ASN berbeda pada {day} (indikasi GPS "
            "palsu bersama).",
            "The exact same coordinates were used by {count} different ASN on {day} (a shared "
            "fake-GPS pattern).",
        ),
        "anomaly.mock_location": (
            "Perangkat melaporkan lokasi palsu (mock location) pada {at:%Y-%m-%d %H:%M} UTC.",
            "The device reported a mocked (fake) location at {at:%Y-%m-%d %H:%M} UTC.",
        ),
        "anomaly.impossible_travel": (
            "Perpindahan mustahil: {km:.1f} km dalam {minutes:.1f} menit ({speed:.0f} km/jam; "
            "batas {limit_kmh:.0f} km/jam).",
            "Impossible travel: {km:.1f} km in {minutes:.1f} minutes ({speed:.0f} km/h; limit "
            "{limit_kmh:.0f} km/h).",
        ),
        "anomaly.static_coordinates": (
            "Koordinat tidak bergerak sama sekali: {points} titik selama {hours:.1f} jam pada "
            "{day} (indikasi GPS palsu statis).",
            "Coordinates never moved: {points} points over {hours:.1f} hours on {day} (a static "
            "fake-GPS pattern).",
        ),
        "anomaly.late_check_in": (
            "Check-in pertama pada {day} terlambat {minutes} menit dari jam mulai kerja "
            "({timezone}; toleransi {grace_minutes} menit).",
            "The first check-in on {day} was {minutes} minutes after the start of work "
            "({timezone}; grace {grace_minutes} minutes).",
        ),
        "anomaly.missing_check_out": (
            "Tidak ada check-out untuk hari kerja {key}: check-in tercatat, tetapi hari itu "
            "berakhir ({timezone}) tanpa check-out.",
            "No check-out for the work day {key}: a check-in was recorded, but the day ended "
            "({timezone}) without a check-out.",
        ),
        "anomaly.sequence_tampering.repeated_seq": (
            "Nomor urut perangkat {seq} dipakai ulang dengan waktu berbeda ({minutes} menit "
            "selisih).",
            "Device sequence number {seq} was reused with a different time ({minutes} minutes "
            "apart).",
        ),
        "anomaly.sequence_tampering.backstep": (
            "Nomor urut perangkat naik ({earlier} lalu {later}) tetapi waktunya mundur {minutes} "
            "menit (indikasi jam perangkat dimanipulasi).",
            "The device sequence went up ({earlier} then {later}) but its time went back "
            "{minutes} minutes (a sign of a tampered device clock).",
        ),
    },
)
