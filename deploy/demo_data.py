"""Load a small demo province and print where to look.

Publishes the roster of three OPDs as EmployeeRegistered events, then drives the public HTTP
APIs the way the apps would: WFA requests and check-ins. Safe to run again: requests carry
Idempotency-Keys and the roster is loaded only once per data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from schemas import new_event
from schemas.events import EmployeeRegistered, GeoPoint
from services.runtime.identity import Principal, Role, mint_token
from services.runtime.kafka import EventPublisher
from services.runtime.settings import Settings

OFFICES = {
    "dinas-kominfo": GeoPoint(
        lat=-6.1819, lon=106.8283, address="Balai Kota, Jl. Medan Merdeka Selatan 8-9"
    ),
    "bappeda": GeoPoint(lat=-6.1818, lon=106.8290, address="Balai Kota Blok G"),
    "rsud-tarakan": GeoPoint(lat=-6.1700, lon=106.8110, address="Jl. Kyai Caringin 7"),
}

# (nip, name, opd, unit, position, category, supervisor)
# the first policy version of each OPD (WFA is optional per OPD; the hospital keeps it off)
POLICIES: dict[str, dict[str, object]] = {
    "dinas-kominfo": {"wfa_enabled": True, "max_away_share": 0.5},
    "bappeda": {"wfa_enabled": True, "max_away_share": 0.5},
    "rsud-tarakan": {"wfa_enabled": False},
}

ROSTER = [
    (
        "197001011995031003",
        "Hendra Wijaya",
        "dinas-kominfo",
        "sekretariat",
        "Kepala Dinas",
        "administrasi",
        None,
    ),
    (
        "198203142006042001",
        "Sri Lestari",
        "dinas-kominfo",
        "bidang-aplikasi",
        "Kepala Bidang Aplikasi",
        "administrasi",
        "197001011995031003",
    ),
    (
        "199001012015031001",
        "Andi Pratama",
        "dinas-kominfo",
        "bidang-aplikasi",
        "Pranata Komputer",
        "administrasi",
        "198203142006042001",
    ),
    (
        "199205172019032002",
        "Dewi Anggraini",
        "dinas-kominfo",
        "bidang-aplikasi",
        "Analis Data",
        "administrasi",
        "198203142006042001",
    ),
    (
        "199511232020121005",
        "Rizky Maulana",
        "dinas-kominfo",
        "bidang-aplikasi",
        "Pranata Komputer",
        "administrasi",
        "198203142006042001",
    ),
    (
        "197508122000031002",
        "Bambang Susilo",
        "bappeda",
        "sekretariat",
        "Kepala Bappeda",
        "administrasi",
        None,
    ),
    (
        "198811022012012003",
        "Rina Marlina",
        "bappeda",
        "bidang-perencanaan",
        "Perencana Ahli Muda",
        "administrasi",
        "197508122000031002",
    ),
    (
        "199303092018011004",
        "Fajar Nugroho",
        "bappeda",
        "bidang-litbang",
        "Peneliti",
        "administrasi",
        "197508122000031002",
    ),
    (
        "197812252003122001",
        "dr. Maya Sari",
        "rsud-tarakan",
        "pelayanan-medis",
        "Dokter Ahli Madya",
        "dokter",
        None,
    ),
    (
        "198906142014031006",
        "dr. Yoga Saputra",
        "rsud-tarakan",
        "pelayanan-medis",
        "Dokter Ahli Muda",
        "dokter",
        "197812252003122001",
    ),
]


def token(nip: str, role: Role, opd: str | None, secret: str, issuer: str) -> str:
    return mint_token(Principal(nip=nip, role=role, opd_id=opd), secret, issuer=issuer)


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    sys.stdout.write(f"\r  {label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stdout.write("\n")
    sys.stdout.flush()


async def publish_roster(settings: Settings) -> None:
    publisher = EventPublisher(settings.kafka_servers, "demo-loader")
    await publisher.start()
    try:
        for i, (nip, name, opd, unit, position, category, supervisor) in enumerate(ROSTER, 1):
            payload = EmployeeRegistered(
                nip=nip,
                name=name,
                opd_id=opd,
                work_unit_id=unit,
                position=position,
                position_category=category,
                supervisor_nip=supervisor,
                employment_type="PNS",
                appointment_date=date(int(nip[8:12]), int(nip[12:14]), 1),
                orientation_end_date=None,
                home_location=None,
                office_location=OFFICES[opd],
            )
            await publisher.publish(
                new_event(payload, actor="system:demo-loader", subject=nip, opd_id=opd)
            )
            progress("roster (EmployeeRegistered)", i, len(ROSTER))
    finally:
        await publisher.stop()


def next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the demo province")
    for svc, port in (
        ("eligibility", 8001),
        ("attendance", 8002),
        ("reporting", 8003),
        ("audit", 8004),
    ):
        parser.add_argument(f"--{svc}", default=f"http://127.0.0.1:{port}")
    args = parser.parse_args()
    settings = Settings()
    secret, issuer = settings.jwt_secret.get_secret_value(), settings.jwt_issuer
    marker = Path(os.environ.get("WFA_DATA_DIR", "var/data")) / ".demo-roster-loaded"

    print("Loading the demo province (3 OPD, 10 ASN):")
    if marker.exists():
        print("  roster already loaded")
    else:
        asyncio.run(publish_roster(settings))
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()

    admin_nip = "198001012005011001"
    admin = token(admin_nip, Role.ADMIN_BKD, None, secret, issuer)
    auditor = token("198505052010012002", Role.AUDITOR, None, secret, issuer)
    as_admin = {"Authorization": f"Bearer {admin}"}
    today_wib = (datetime.now(UTC) + timedelta(hours=7)).date()
    monday = next_weekday(today_wib, 0)
    staff = [r for r in ROSTER if r[6] is not None and r[5] == "administrasi"]
    with httpx.Client(timeout=30) as client:
        for opd_id, settings_body in POLICIES.items():
            versions = client.get(f"{args.eligibility}/policies/{opd_id}", headers=as_admin)
            versions.raise_for_status()
            if versions.json()["versions"]:
                continue
            client.post(
                f"{args.eligibility}/policies/{opd_id}/versions",
                json={
                    "version": 1,
                    "effective_from": today_wib.isoformat(),
                    "note": "Kebijakan WFA awal (demo)",
                    "settings": settings_body,
                },
                headers=as_admin,
            ).raise_for_status()
        listed = ", ".join(f"{k} (WFA {v['wfa_enabled']})" for k, v in POLICIES.items())
        print(f"  policies: {listed}")
        decided: list[tuple[str, str, str]] = []
        for i, (nip, _, opd, *_rest) in enumerate(staff, 1):
            headers = {
                "Authorization": f"Bearer {token(nip, Role.ASN, opd, secret, issuer)}",
                "Idempotency-Key": f"demo-wfa-{nip}-{monday.isoformat()}",
            }
            body = {
                "dates": [
                    (monday + timedelta(days=1)).isoformat(),
                    (monday + timedelta(days=3)).isoformat(),
                ],
                "location": {"lat": -6.2615, "lon": 106.7837, "address": "Rumah, Jakarta Selatan"},
                "reason": "Menyelesaikan dokumen perencanaan dan analisis data",
                "work_plan": [
                    {"description": "Dokumen analisis selesai", "target": 2, "unit": "dokumen"}
                ],
            }
            answer = client.post(f"{args.eligibility}/wfa/requests", json=body, headers=headers)
            answer.raise_for_status()
            decided.append((nip, answer.json()["request_id"], answer.json()["status"]))
            check_in = {
                "location": {"lat": -6.2615, "lon": 106.7837},
                "accuracy_m": 15,
                "mode": "wfa",
            }
            client.post(
                f"{args.attendance}/attendance/check-ins",
                json=check_in,
                headers={**headers, "Idempotency-Key": f"demo-in-{nip}-{date.today()}"},
            ).raise_for_status()
            progress("WFA requests + check-ins", i, len(staff))
        for nip, request_id, status in decided:
            print(f"  {nip}: {request_id} -> {status}")

        deadline = time.monotonic() + 60
        count = 0
        while time.monotonic() < deadline:
            count = client.get(
                f"{args.reporting}/reports/requests", headers={"Authorization": f"Bearer {admin}"}
            ).json()["count"]
            if count >= len(staff):
                break
            time.sleep(0.5)
        print(f"  reporting shows {count} WFA requests")

    simulation = json.dumps(
        {
            "period_from": monday.isoformat(),
            "period_to": (monday + timedelta(days=4)).isoformat(),
            "settings": {"wfa_enabled": True, "max_away_share": 0.1},
        }
    )
    print(f"""
The platform is up.
  Eligibility  {args.eligibility}/docs
  Attendance   {args.attendance}/docs
  Reporting    {args.reporting}/docs
  Audit        {args.audit}/docs

Try it (tokens valid 12 hours; mint more with .venv/bin/wfa-token --help):
  export ADMIN={admin}
  export AUDITOR={auditor}
  curl -s -H "Authorization: Bearer $ADMIN" {args.reporting}/reports/requests
  curl -s -H "Authorization: Bearer $ADMIN" {args.eligibility}/policies/dinas-kominfo
  curl -s -H "Authorization: Bearer $ADMIN" {args.eligibility}/wfa/requests/{decided[0][1]}
  # what if dinas-kominfo allowed only 10% of a unit away?
  curl -s -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \\
    -d '{simulation}' \\
    {args.eligibility}/policies/dinas-kominfo/simulations
  curl -s -H "Authorization: Bearer $AUDITOR" "{args.audit}/audit/events?limit=5"
Stop everything with: make down
""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
