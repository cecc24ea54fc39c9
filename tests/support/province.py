"""A small synthetic province for tests: unique valid NIPs, roster CSV, policy versions.

Every call makes new NIPs and OPD ids, so tests sharing one broker never see each other's
employees.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from kernel.holidays import FIRST_YEAR, national_days_in
from services.runtime.edge.identity import Role
from tests.support.tokens import bearer

HEADER = (
    "nip,nama,opd,unit_kerja,jabatan,kategori_jabatan,nip_atasan,jenis_pegawai,tmt,"
    "akhir_orientasi,lat_kantor,lon_kantor,alamat_kantor"
)
ROSTER_HEADER = HEADER + ",heads_opd"
"""The columns of :meth:`Opd.csv`: the roster names each OPD's head (``heads_opd``)."""
ADMIN_NIP = "198001012005011001"
NATIONAL_DAYS = sorted(
    d.isoformat() for d in national_days_in(range(FIRST_YEAR, date.today().year + 2))
)
"""Declared working days by test policies: tests pick days weeks ahead and expect every
weekday to be a working day, whatever the national calendar says."""

_rng = random.Random(uuid.uuid4().int)
_used: set[str] = set()


def new_nip() -> str:
    """A plausible NIP (birth 1975-1995, appointed at 25, valid gender and sequence)."""
    while True:
        birth = date(_rng.randint(1975, 1995), _rng.randint(1, 12), _rng.randint(1, 28))
        nip = (
            f"{birth:%Y%m%d}{birth.year + 25}{_rng.randint(1, 12):02d}"
            f"{_rng.randint(1, 2)}{_rng.randint(1, 999):03d}"
        )
        if nip not in _used:
            _used.add(nip)
            return nip


@dataclass
class Unit:
    unit_id: str
    supervisor: str
    staff: list[str]


@dataclass
class Opd:
    opd_id: str
    head: str
    units: list[Unit] = field(default_factory=list)

    def csv(self) -> bytes:
        """The roster in the columns of :data:`ROSTER_HEADER`; the head heads the OPD."""
        rows = [
            f"{self.head},Kepala {self.opd_id},{self.opd_id},pimpinan,Kepala Dinas,administrasi,,"
            f"PNS,2000-03-01,,-6.18,106.82,Balai Kota,{self.opd_id}"
        ]
        for unit in self.units:
            rows.append(
                f"{unit.supervisor},Kabid {unit.unit_id},{self.opd_id},{unit.unit_id},"
                f"Kepala Bidang,administrasi,{self.head},PNS,2005-03-01,,-6.18,106.82,Balai Kota,"
            )
            for i, nip in enumerate(unit.staff):
                rows.append(
                    f"{nip},Staf {i} {unit.unit_id},{self.opd_id},{unit.unit_id},Analis,"
                    f"administrasi,{unit.supervisor},PNS,2015-03-01,,-6.18,106.82,Balai Kota,"
                )
        return ("\n".join([ROSTER_HEADER, *rows]) + "\n").encode()


def make_opd(units: dict[str, int]) -> Opd:
    """An OPD with a head and, per unit, a supervisor and ``n`` staff."""
    opd = Opd(opd_id=f"opd-{uuid.uuid4().hex[:8]}", head=new_nip())
    for name, staff in units.items():
        opd.units.append(Unit(name, new_nip(), [new_nip() for _ in range(staff)]))
    return opd


def admin() -> dict[str, str]:
    return bearer(Role.ADMIN_BKD, ADMIN_NIP, None)


def asn(nip: str, opd: Opd) -> dict[str, str]:
    return bearer(Role.ASN, nip, opd.opd_id)


def import_roster(base_url: str, opd: Opd) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/roster/imports?format=csv", content=opd.csv(), headers=admin(), timeout=120
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["projected"] is True
    return body


def publish_policy(base_url: str, opd: Opd, version: int = 1, **settings: Any) -> dict[str, Any]:
    """Publish a version effective today with WFA on and every weekday a working day (the
    national calendar set aside), overridden by ``settings``."""
    body = {
        "version": version,
        "effective_from": wib_today().isoformat(),
        "note": "kebijakan uji",
        "settings": {
            "wfa_enabled": True,
            "holidays": [],
            "joint_leave": [],
            "working_days": NATIONAL_DAYS,
            **settings,
        },
    }
    response = httpx.post(
        f"{base_url}/policies/{opd.opd_id}/versions", json=body, headers=admin(), timeout=60
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def wib_today() -> date:
    """Today in Jakarta (UTC+7), the day policies and decisions are judged by."""
    return (datetime.now(UTC) + timedelta(hours=7)).date()


def next_weekdays(count: int, *, after: date | None = None, skip_weeks: int = 1) -> list[date]:
    """``count`` Monday-Friday days starting from the Monday ``skip_weeks`` weeks ahead."""
    start = after or wib_today()
    monday = start + timedelta(days=7 * skip_weeks - start.weekday())
    days: list[date] = []
    day = monday
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def request_body(dates: list[date], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dates": [d.isoformat() for d in dates],
        "location": {"lat": -6.2, "lon": 106.8, "address": "Jl. Kebon Sirih 1, Jakarta"},
        "reason": "Menyusun laporan evaluasi aplikasi",
        "work_plan": [{"description": "Draf laporan evaluasi", "target": 1, "unit": "dokumen"}],
    }
    body.update(overrides)
    return body
