"""The demo's readiness assessments, the readiness inputs of each OPD, and the demo personas.

Part of ``deploy/demo_data.py`` (run by ``make demo``):

- BKD records an infrastructure and connectivity assessment per OPD, so that the readiness
  study has one OPD of each outcome: dinas-kominfo ready (85% of staff with a work device and
  e-office/VPN access, 80% with a connection fit for video calls), bappeda borderline (70, 55)
  and rsud-tarakan not ready (40, 35, and mostly doctors, whom WFA never covers);
- at the end, each OPD's readiness inputs are shown: the share of positions eligible under
  the task mapping, the assessment, and the what-if of WFA on at 2 days a week;
- the personas of the web app's one-click demo login are written to a JSON file
  (``var/demo/personas.json`` by default), for development and tests only.

Safe to run again: an OPD whose current assessment already has the demo's scores is left as
it is, and every assessment carries an Idempotency-Key.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from demo_cast import (
    ADMIN_NIP,
    ANDI,
    AUDITOR_NIP,
    BAMBANG,
    HENDRA,
    MAYA,
    PEOPLE,
    SRI,
    Api,
    heading,
    say,
)

OPD_NAMES = {"dinas-kominfo": "Dinas Kominfo", "bappeda": "Bappeda", "rsud-tarakan": "RSUD Tarakan"}

ASSESSMENTS: dict[str, tuple[int, int, str]] = {
    "dinas-kominfo": (
        85,
        80,
        "Survei BKD: hampir semua pegawai memiliki laptop dinas dan akses VPN e-office.",
    ),
    "bappeda": (
        70,
        55,
        "Survei BKD: sebagian pegawai belum memiliki koneksi rumah yang cukup untuk rapat video.",
    ),
    "rsud-tarakan": (
        40,
        35,
        "Survei BKD: perangkat kerja dan VPN terbatas pada bagian tata usaha; layanan medis "
        "tatap muka.",
    ),
}
"""OPD -> (infrastructure score, connectivity score, note): the whole OPD's assessment."""


def record_assessments(api: Api, admin: str, today: date) -> None:
    """Each OPD's assessment, unless its current one already has the demo's scores."""
    for opd, (infrastructure, connectivity, note) in ASSESSMENTS.items():
        inputs = api.call("GET", "eligibility", f"/policies/{opd}/readiness", admin).json()
        current = next((a for a in inputs["assessments"] if a["work_unit_id"] is None), None)
        scores = (infrastructure, connectivity)
        if (
            current is not None
            and (
                current["infrastructure_score"],
                current["connectivity_score"],
            )
            == scores
        ):
            say(f"readiness {opd}: already assessed on {current['assessed_on']}", 2)
            continue
        body = {"infrastructure_score": infrastructure, "connectivity_score": connectivity}
        api.call(
            "POST",
            "eligibility",
            f"/policies/{opd}/readiness",
            admin,
            body={**body, "note": note},
            key=f"demo-readiness-{opd}-{today.isoformat()}",
        )
        say(
            f"readiness {opd}: infrastructure {infrastructure}%, connectivity {connectivity}% "
            "recorded",
            2,
        )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def show_readiness(api: Api, admin: str) -> None:
    """Each OPD's readiness inputs as eligibility answers them."""
    heading(
        "10. Kajian kesiapan / Readiness study inputs: jabatan yang memenuhi syarat, "
        "infrastruktur, simulasi WFA aktif 2 hari/minggu / eligible positions, infrastructure, "
        "what-if of WFA on at 2 days a week"
    )
    for opd in ASSESSMENTS:
        inputs = api.call("GET", "eligibility", f"/policies/{opd}/readiness", admin).json()
        positions = inputs["positions"]
        whole = next((a for a in inputs["assessments"] if a["work_unit_id"] is None), None)
        never = [
            f"{row['category']} {row['count']}"
            for row in positions["by_category"]
            if not row["eligible"]
        ]
        say(
            f"{opd}: {positions['eligible']} dari / of {positions['total']} jabatan memenuhi "
            f"syarat / positions eligible ({_pct(positions['eligible_share'])})"
            + (f"; tidak / not: {', '.join(never)}" if never else ""),
            2,
        )
        if whole is not None:
            say(
                f"infrastruktur / infrastructure {whole['infrastructure_score']}%, "
                f"konektivitas / connectivity {whole['connectivity_score']}% "
                f"({whole['assessed_on']})",
                4,
            )
        what_if = inputs["what_if"]
        say(
            f"simulasi / what-if ({what_if['period_from']} - {what_if['period_to']}): "
            f"{what_if['requests']} permohonan / requests, layak sekarang / eligible now "
            f"{what_if['eligible_now']}, dengan WFA aktif / with WFA on "
            f"{what_if['eligible_under']}",
            4,
        )


def _persona(
    key: str, role: str, nip: str, opd: str | None, name: str, label_id: str, label_en: str
) -> dict[str, Any]:
    return {
        "key": key,
        "role": role,
        "nip": nip,
        "opd_id": opd,
        "name": name,
        "label_id": label_id,
        "label_en": label_en,
    }


def _staff(key: str, role: str, nip: str, title_id: str, title_en: str) -> dict[str, Any]:
    person = PEOPLE[nip]
    where = OPD_NAMES[person.opd]
    return _persona(
        key,
        role,
        nip,
        person.opd,
        person.name,
        f"{title_id} — {person.name} ({where})",
        f"{title_en} — {person.name} ({where})",
    )


def personas() -> list[dict[str, Any]]:
    """The people of the demo a developer can sign in as with one click."""
    return [
        _staff("asn", "asn", ANDI, "ASN", "Civil servant"),
        _staff("atasan", "atasan", SRI, "Atasan bidang-aplikasi", "Supervisor, bidang-aplikasi"),
        _staff("kepala_opd", "kepala_opd", HENDRA, "Kepala OPD", "Head of OPD"),
        _staff("kepala_bappeda", "kepala_opd", BAMBANG, "Kepala OPD", "Head of OPD"),
        _staff("kepala_rsud", "kepala_opd", MAYA, "Kepala OPD", "Head of OPD"),
        _persona(
            "admin_bkd",
            "admin_bkd",
            ADMIN_NIP,
            None,
            "Admin BKD",
            "Admin BKD — kebijakan, data pegawai, kajian kesiapan",
            "BKD admin — policies, roster, readiness studies",
        ),
        _persona(
            "auditor",
            "auditor",
            AUDITOR_NIP,
            None,
            "Auditor Inspektorat",
            "Auditor — Inspektorat (jejak audit)",
            "Auditor — Inspectorate (audit trail)",
        ),
    ]


def write_personas(path: Path) -> None:
    """Write the personas file the web service's demo login reads (WEB_DEMO_PERSONAS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"personas": personas()}, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
