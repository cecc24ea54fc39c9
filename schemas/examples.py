"""One valid, fixed example of every event: for the AsyncAPI document, docs and tests.

The values are deterministic (fixed ids and timestamps) so that generated documents do not
change between runs. Times are in WIB (UTC+07:00) to show that offsets are preserved.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from schemas.envelope import Envelope, new_event
from schemas.events import (
    EVENT_TYPES,
    AttendanceAnomalyDetected,
    CheckedIn,
    CheckedOut,
    CircleShape,
    DailyReportReviewed,
    DailyReportSubmitted,
    DeviceRegistered,
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EligibilityDecision,
    EmployeeRegistered,
    EmployeeUpdated,
    EventPayload,
    GeofenceRetired,
    GeofenceSet,
    GeoPoint,
    HeartbeatReceived,
    LocationPinged,
    LocationRecorded,
    MonthlySummaryPublished,
    OpdPolicyPublished,
    OpdReadinessAssessed,
    PersonalDataAccessed,
    PlaceAssessment,
    ReportAttachment,
    ReportOutput,
    RuleOutcome,
    SharedPlace,
    SubjectRead,
    WfaActionRefused,
    WfaApproved,
    WfaCancelled,
    WfaLocationDeclared,
    WfaRejected,
    WfaRequested,
    WorkTarget,
)

__all__ = [
    "EXAMPLE_NIP",
    "EXAMPLE_OPD_ID",
    "EXAMPLE_SUPERVISOR_NIP",
    "WIB",
    "example_envelope",
    "example_payloads",
]

WIB = timezone(timedelta(hours=7), "WIB")
"""Western Indonesia Time, UTC+07:00."""

EXAMPLE_NIP = "199001012020121001"
"""An employee born 1990-01-01, appointed December 2020, male, sequence 001."""

EXAMPLE_SUPERVISOR_NIP = "197805152005011002"
"""Their supervisor."""

EXAMPLE_OPD_ID = "3273-dinkes"
"""A regional agency id."""


def _id(tag: str, number: int) -> str:
    """A fixed, valid ULID whose tag letter hints at what it identifies."""
    return f"01KE{tag}{number:021d}"


_HOME = GeoPoint(lat=-6.9147, lon=107.6098, address="Jl. Merdeka No. 1, Bandung")
_OFFICE = GeoPoint(lat=-6.9025, lon=107.6187, address=None)
_WORK_DAY = date(2026, 1, 5)
_AT_HOME = PlaceAssessment(
    derived_mode="wfa",
    declared_mode="wfa",
    reference="wfa_location",
    reference_id="01JGZ3R0000000000000000001",
    inside=True,
    distance_band="within_100m",
    cell="-6.91,107.61",
)


def _employee_fields() -> dict[str, object]:
    return {
        "nip": EXAMPLE_NIP,
        "name": "Siti Rahmawati, S.Kom.",
        "opd_id": EXAMPLE_OPD_ID,
        "work_unit_id": "3273-dinkes-sekretariat",
        "position": "Pranata Komputer Ahli Pertama",
        "position_category": "administrasi",
        "supervisor_nip": EXAMPLE_SUPERVISOR_NIP,
        "employment_type": "PNS",
        "appointment_date": date(2020, 12, 1),
        "orientation_end_date": None,
        "home_location": _HOME,
        "office_location": _OFFICE,
    }


def example_payloads() -> dict[str, EventPayload]:
    """A new dict with one valid example payload per event type, in registry order."""
    examples: list[EventPayload] = [
        EmployeeRegistered.model_validate(_employee_fields()),
        EmployeeUpdated.model_validate(
            {
                **_employee_fields(),
                "position": "Pranata Komputer Ahli Muda",
                "heads_opd": EXAMPLE_OPD_ID,  # named acting head (Plt) of her own OPD
                "head_capacity": "plt",
            }
        ),
        DisciplinarySanctionImposed(
            sanction_id=_id("S", 1),
            nip=EXAMPLE_NIP,
            level="ringan",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 7, 31),
        ),
        DisciplinarySanctionLifted(
            sanction_id=_id("S", 1),
            nip=EXAMPLE_NIP,
            lifted_on=date(2026, 6, 1),
            reason="Keputusan banding administratif",
        ),
        WfaRequested(
            request_id=_id("R", 1),
            nip=EXAMPLE_NIP,
            work_unit_id="3273-dinkes-sekretariat",
            dates=[_WORK_DAY, date(2026, 1, 6)],
            place=SharedPlace.of(_HOME, location_id=_id("L", 9)),
            reason="Merawat orang tua yang sedang sakit",
            work_plan=[
                WorkTarget(description="Menyusun draf SOP layanan data", target=1, unit="dokumen"),
                WorkTarget(description="Memutakhirkan data pegawai", target=50, unit="data"),
            ],
            decision=EligibilityDecision(
                eligible=True,
                policy_version=1,
                trace=[
                    RuleOutcome(
                        code="position_category_allowed",
                        passed=True,
                        message_id="Kategori jabatan administrasi dapat melaksanakan WFA.",
                        message_en="Administrative positions may work from anywhere.",
                        legal_basis="Permen PANRB 4/2025",
                    )
                ],
            ),
        ),
        WfaApproved(
            request_id=_id("R", 1),
            nip=EXAMPLE_NIP,
            approver_nip=EXAMPLE_SUPERVISOR_NIP,
            reason="Disetujui",
        ),
        WfaRejected(
            request_id=_id("R", 1),
            nip=EXAMPLE_NIP,
            approver_nip=EXAMPLE_SUPERVISOR_NIP,
            reason="Ada rapat koordinasi tatap muka pada tanggal tersebut",
        ),
        WfaCancelled(
            request_id=_id("R", 1),
            nip=EXAMPLE_NIP,
            reason="Batal, bekerja dari kantor",
        ),
        OpdPolicyPublished(
            opd_id=EXAMPLE_OPD_ID,
            version=2,
            effective_from=date(2026, 1, 5),
            settings={
                "wfa_enabled": True,
                "weekly_cap_days": 2,
                "max_away_share": 0.2,
                "timezone": "WIB",
            },
            note="WFA dibuka untuk jabatan administrasi mulai Januari 2026",
        ),
        OpdReadinessAssessed(
            assessment_id=_id("A", 1),
            opd_id=EXAMPLE_OPD_ID,
            work_unit_id="bidang-data",
            infrastructure_score=85,
            connectivity_score=70,
            note="Survei perangkat dan koneksi; 3 pegawai belum memiliki akses VPN",
            assessed_on=date(2025, 12, 15),
        ),
        WfaActionRefused(
            request_id=_id("R", 1),
            nip=EXAMPLE_NIP,
            action="approve",
            code="request_not_pending",
            message_id="Permohonan sudah dibatalkan sebelum persetujuan diproses.",
            message_en="The request was cancelled before the approval was processed.",
        ),
        CheckedIn(
            checkin_id=_id("C", 1),
            nip=EXAMPLE_NIP,
            at=datetime(2026, 1, 5, 7, 28, 12, tzinfo=WIB),
            received_at=datetime(2026, 1, 5, 7, 28, 13, tzinfo=WIB),
            work_date=_WORK_DAY,
            timezone="WIB",
            working_day=True,
            place=_AT_HOME,
            accuracy_m=12.5,
            device_id="android-6f1c",
            device_seq=41,
            location_id=_id("L", 1),
            minutes_after_start=-2,
        ),
        CheckedOut(
            checkout_id=_id("C", 2),
            nip=EXAMPLE_NIP,
            at=datetime(2026, 1, 5, 16, 2, 40, tzinfo=WIB),
            received_at=datetime(2026, 1, 5, 16, 2, 41, tzinfo=WIB),
            work_date=_WORK_DAY,
            timezone="WIB",
            working_day=True,
            place=_AT_HOME,
            accuracy_m=9.0,
            device_id="android-6f1c",
            device_seq=44,
            location_id=_id("L", 2),
        ),
        LocationPinged(
            ping_id=_id("P", 1),
            nip=EXAMPLE_NIP,
            at=datetime(2026, 1, 5, 10, 0, 3, tzinfo=WIB),
            received_at=datetime(2026, 1, 5, 10, 0, 4, tzinfo=WIB),
            work_date=_WORK_DAY,
            timezone="WIB",
            working_day=True,
            place=_AT_HOME,
            accuracy_m=15.0,
            device_id="android-6f1c",
            device_seq=42,
            location_id=_id("L", 3),
        ),
        HeartbeatReceived(
            heartbeat_id=_id("H", 1),
            nip=EXAMPLE_NIP,
            at=datetime(2026, 1, 5, 10, 15, tzinfo=WIB),
            received_at=datetime(2026, 1, 5, 10, 15, 1, tzinfo=WIB),
            work_date=_WORK_DAY,
            timezone="WIB",
            working_day=True,
            device_id="android-6f1c",
            device_seq=43,
        ),
        AttendanceAnomalyDetected(
            anomaly_id=_id("A", 1),
            nip=EXAMPLE_NIP,
            kind="far_from_wfa_location",
            work_date=_WORK_DAY,
            at=datetime(2026, 1, 5, 7, 28, 12, tzinfo=WIB),
            detected_by="edge",
            evidence={"distance_m": 2350, "distance_band": "1km_5km"},
            thresholds={"wfa_radius_m": 500},
            source_event_ids=[_id("C", 1)],
            message_id="Presensi 2.350 m dari lokasi WFA yang disetujui (batas 500 m).",
            message_en="Checked in 2,350 m from the approved WFA location (limit 500 m).",
        ),
        LocationRecorded(
            location_id=_id("L", 1),
            nip=EXAMPLE_NIP,
            signal="check_in",
            source_event_id=_id("C", 1),
            at=datetime(2026, 1, 5, 7, 28, 12, tzinfo=WIB),
            received_at=datetime(2026, 1, 5, 7, 28, 13, tzinfo=WIB),
            work_date=_WORK_DAY,
            location=_HOME,
            accuracy_m=12.5,
            device_id="android-6f1c",
            device_seq=41,
        ),
        WfaLocationDeclared(
            location_id=_id("L", 9),
            request_id=_id("R", 1),
            nip=EXAMPLE_NIP,
            dates=[_WORK_DAY, date(2026, 1, 6)],
            location=_HOME,
        ),
        PersonalDataAccessed(
            access_id=_id("X", 1),
            reader_nip=EXAMPLE_SUPERVISOR_NIP,
            reader_role="atasan",
            subject_nip=EXAMPLE_NIP,
            subjects=[
                SubjectRead(nip=EXAMPLE_NIP, records=3, period_from=_WORK_DAY, period_to=_WORK_DAY)
            ],
            data_kind="precise_location",
            route="/attendance/locations/{nip}",
            purpose="Memeriksa anomali presensi",
            records=3,
            period_from=_WORK_DAY,
            period_to=_WORK_DAY,
        ),
        DeviceRegistered(
            registration_id=_id("G", 1),
            nip=EXAMPLE_NIP,
            device_id="android-6f1c",
            label="Samsung A15",
            platform="android",
            registered_by=EXAMPLE_NIP,
        ),
        GeofenceSet(
            geofence_id=_id("O", 1),
            opd_id=EXAMPLE_OPD_ID,
            name="Gedung Balai Kota Blok G",
            shape=CircleShape(center=_OFFICE, radius_m=150),
            set_by=EXAMPLE_SUPERVISOR_NIP,
        ),
        GeofenceRetired(
            geofence_id=_id("O", 1),
            opd_id=EXAMPLE_OPD_ID,
            reason="Kantor pindah gedung",
        ),
        DailyReportSubmitted(
            report_id=_id("D", 1),
            revision=2,
            nip=EXAMPLE_NIP,
            work_date=_WORK_DAY,
            mode="wfa",
            request_id=_id("R", 1),
            outputs=[
                ReportOutput(
                    description="Draf SOP layanan data",
                    quantity=1,
                    unit="dokumen",
                    target=2,
                    plan_target=0,
                ),
                ReportOutput(description="Data pegawai dimutakhirkan", quantity=42, unit="data"),
            ],
            attachments=[
                ReportAttachment(
                    name="draf-sop-layanan-data.pdf",
                    size_bytes=183_204,
                    sha256="9f2b5c1e0a7d4e3f8b6a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
                )
            ],
            notes="Sisa 8 data menunggu konfirmasi BKPSDM",
        ),
        DailyReportReviewed(
            report_id=_id("D", 1),
            revision=1,
            nip=EXAMPLE_NIP,
            work_date=_WORK_DAY,
            reviewer_nip=EXAMPLE_SUPERVISOR_NIP,
            verdict="returned",
            note="Lampirkan draf SOP yang dimaksud",
        ),
        MonthlySummaryPublished(
            nip=EXAMPLE_NIP,
            opd_id=EXAMPLE_OPD_ID,
            month="2026-01",
            working_days=21,
            days_present=20,
            days_wfa=6,
            days_wfo=14,
            wfa_days_over_cap=0,
            worked_minutes=8_940,
            expected_minutes=9_000,
            late_days=1,
            missing_check_out_days=0,
            reports_submitted=20,
            reports_accepted=19,
            outputs=47,
            output_achievement=0.93,
            anomalies=1,
            anomalies_by_kind={"late_check_in": 1},
            checksum="3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
        ),
    ]
    by_type = {example.event_type: example for example in examples}
    return {name: by_type[name] for name in EVENT_TYPES}


_EXAMPLE_ACTORS = {
    EmployeeRegistered.event_type: "system:roster-import",
    EmployeeUpdated.event_type: "system:roster-import",
    DisciplinarySanctionImposed.event_type: "system:roster-import",
    DisciplinarySanctionLifted.event_type: "system:roster-import",
    OpdPolicyPublished.event_type: EXAMPLE_SUPERVISOR_NIP,
    OpdReadinessAssessed.event_type: EXAMPLE_SUPERVISOR_NIP,
    WfaActionRefused.event_type: "system:eligibility-decider",
    GeofenceSet.event_type: EXAMPLE_SUPERVISOR_NIP,
    GeofenceRetired.event_type: EXAMPLE_SUPERVISOR_NIP,
    PersonalDataAccessed.event_type: EXAMPLE_SUPERVISOR_NIP,
    WfaApproved.event_type: EXAMPLE_SUPERVISOR_NIP,
    WfaRejected.event_type: EXAMPLE_SUPERVISOR_NIP,
    DailyReportReviewed.event_type: EXAMPLE_SUPERVISOR_NIP,
    MonthlySummaryPublished.event_type: "system:reporting",
}


def example_envelope(payload: EventPayload) -> Envelope:
    """Wrap an example payload in an envelope with fixed ids and timestamps."""
    index = list(EVENT_TYPES).index(payload.event_type) + 1
    occurred_at = datetime(2026, 1, 5, 7, 30, tzinfo=WIB)
    return new_event(
        payload,
        actor=_EXAMPLE_ACTORS.get(payload.event_type, EXAMPLE_NIP),
        subject=EXAMPLE_NIP,
        opd_id=EXAMPLE_OPD_ID,
        occurred_at=occurred_at,
        event_id=_id("E", index),
        correlation_id=_id("F", 1),
    ).model_copy(update={"recorded_at": occurred_at + timedelta(seconds=1)})
