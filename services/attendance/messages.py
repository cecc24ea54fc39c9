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
        # --- the routes' refusals -----------------------------------------------------------------
        "device_registration_forbidden": (
            "Anda tidak berwenang mendaftarkan perangkat untuk pegawai {nip}: hanya pegawai itu "
            "sendiri, kepala OPD-nya, atau admin BKD.",
            "You may not register a device for employee {nip}: only the employee, the head of "
            "their OPD, or admin_bkd may.",
        ),
        "devices_unavailable": (
            "Riwayat perangkat tidak dapat dibaca saat ini; coba lagi sebentar lagi.",
            "The device history cannot be read right now; try again shortly.",
        ),
        "device_registration_forbidden.registered_by": (
            "Pendaftaran perangkat harus dilakukan oleh pegawai dengan NIP.",
            "A device must be registered by a person with a NIP, not by an application.",
        ),
        "device_history_forbidden": (
            "Riwayat perangkat pegawai {nip} hanya dapat dilihat oleh pegawai itu, atasan "
            "langsungnya, kepala OPD-nya, dan admin BKD.",
            "The device history of employee {nip} is visible only to the employee, their "
            "supervisor of record, the head of their OPD, and admin_bkd.",
        ),
        "employee_not_found": (
            "NIP {nip} tidak ada pada data pegawai.",
            "NIP {nip} is not on the roster.",
        ),
        "geofences_unavailable": (
            "Data geofence tidak dapat dibaca saat ini; coba lagi sebentar lagi.",
            "Geofences cannot be read right now; try again shortly.",
        ),
        "forbidden_role": (
            "Geofence ditetapkan oleh admin BKD dengan NIP.",
            "Geofences are set by an admin_bkd official with a NIP.",
        ),
        "geofence_not_found": (
            "Geofence {geofence_id} tidak ditemukan atau sudah dicabut.",
            "Geofence {geofence_id} does not exist or was already retired.",
        ),
        "unknown_opd": (
            "OPD {opd_id} tidak ada pada data pegawai.",
            "OPD {opd_id} is not on the roster.",
        ),
        "unknown_work_unit": (
            "Unit kerja {work_unit_id} tidak ada di OPD {opd_id} pada data pegawai.",
            "Work unit {work_unit_id} is not in OPD {opd_id} on the roster.",
        ),
        "invalid_geofence": (
            "Poligon geofence tidak valid: minimal 3 titik berbeda, memiliki luas, dan "
            "sisi-sisinya tidak saling berpotongan.",
            "The geofence polygon is invalid: it needs at least 3 distinct points, an area, and "
            "edges that do not cross each other.",
        ),
        # each problem of a refused polygon: the 422's details, which are given in English
        "invalid_geofence.too_few_points": (
            "perlu minimal 3 titik berbeda",
            "needs at least 3 distinct points",
        ),
        "invalid_geofence.repeated_point": (
            "ada titik yang berulang berturut-turut",
            "consecutive points repeat",
        ),
        "invalid_geofence.edges_cross": (
            "sisi {first_edge} memotong sisi {second_edge}: poligon berpotongan dengan dirinya "
            "sendiri",
            "edge {first_edge} crosses edge {second_edge}: the polygon intersects itself",
        ),
        "invalid_geofence.no_area": (
            "titik-titik terletak pada satu garis: poligon tidak memiliki luas",
            "the points lie on one line: the polygon has no area",
        ),
        "invalid_geofence.not_valid": (
            "poligon tidak valid: {reason}",
            "the polygon is not valid: {reason}",
        ),
        "opd_mismatch": (
            "Anda hanya dapat melihat geofence OPD {own}.",
            "You may list only the geofences of OPD {own}.",
        ),
        "location_access_denied": (
            "Lokasi presisi pegawai {nip} hanya dapat dibaca oleh pegawai tersebut dan atasan "
            "langsungnya yang tercatat pada data pegawai.",
            "The precise locations of employee {nip} can be read only by the employee and their "
            "supervisor of record.",
        ),
        "locations_unavailable": (
            "Lokasi tidak dapat dibaca saat ini; coba lagi sebentar lagi.",
            "Locations cannot be read right now; try again shortly.",
        ),
        "attendance_facts_unavailable": (
            "Data perangkat belum dapat dipastikan terkini; coba lagi sebentar lagi.",
            "The device binding cannot be confirmed up to date right now; try again shortly.",
        ),
        "device_id_required": (
            "device_id wajib diisi: presensi hanya dari perangkat yang terdaftar.",
            "device_id is required: presence is accepted only from the registered device.",
        ),
        "device_not_registered": (
            "Belum ada perangkat terdaftar untuk akun ini; daftarkan perangkat melalui POST "
            "/attendance/devices.",
            "No device is registered for this account yet; register it at POST "
            "/attendance/devices.",
        ),
        "device_mismatch": (
            "Akun ini terikat pada perangkat lain; presensi hanya dari perangkat terdaftar. "
            "Penggantian perangkat dicatat melalui POST /attendance/devices.",
            "This account is bound to another device; presence is accepted only from the "
            "registered device. Replacing a device is recorded at POST /attendance/devices.",
        ),
        # --- anomalies seen on receipt (AttendanceAnomalyDetected) ---------------------------
        "anomaly.outside_geofence": (
            "Presensi pada hari kerja kantor dilakukan sekitar {metres} m di luar geofence kantor.",
            "Presence on an office day was recorded about {metres} m outside the office geofence.",
        ),
        "anomaly.far_from_wfa_location": (
            "Presensi WFA dilakukan sekitar {metres} m dari lokasi WFA yang disetujui (batas "
            "{radius_m:g} m).",
            "WFA presence was recorded about {metres} m from the approved WFA location (limit "
            "{radius_m:g} m).",
        ),
        "anomaly.remote_without_approval": (
            "Perangkat menyatakan WFA pada {day}, tetapi tidak ada pengajuan WFA yang disetujui "
            "untuk hari itu.",
            "The device declared WFA on {day}, but no WFA request is approved for that day.",
        ),
        "anomaly.mode_mismatch": (
            "Perangkat menyatakan bekerja di kantor pada {day}, padahal hari itu adalah hari WFA "
            "yang disetujui.",
            "The device declared office work on {day}, but the day is an approved WFA day.",
        ),
        "anomaly.clock_tampering.after_sent": (
            "waktu kejadian {seconds} detik setelah waktu kirim menurut perangkat",
            "the event time is {seconds} seconds after the device's sending time",
        ),
        "anomaly.clock_tampering.skew": (
            "jam perangkat berselisih {seconds} detik dari waktu terima server",
            "the device clock differs by {seconds} seconds from the server's receipt",
        ),
        "anomaly.clock_tampering": (
            "Jam perangkat tidak wajar: {detail} (toleransi {tolerance_s:g} detik).",
            "The device clock is implausible: {detail} (tolerance {tolerance_s:g} seconds).",
        ),
    },
)
