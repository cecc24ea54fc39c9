"""Roster import over HTTP on a real broker: all or nothing, and idempotent."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from services.runtime.edge.identity import Role
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import new_nip
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

HEADER = (
    "nip,nama,opd,unit_kerja,jabatan,kategori_jabatan,nip_atasan,jenis_pegawai,tmt,"
    "akhir_orientasi,lat_kantor,lon_kantor,alamat_kantor"
)


def _csv(opd: str, rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


_STAFF: dict[str, tuple[str, str, str]] = {}


def _nips(opd: str) -> tuple[str, str, str]:
    """The head and two staff of ``opd``: new NIPs per OPD, so runs sharing a broker never
    find each other's employees already registered."""
    if opd not in _STAFF:
        _STAFF[opd] = (new_nip(), new_nip(), new_nip())
    return _STAFF[opd]


def _rows(opd: str) -> list[str]:
    head, andi, dewi = _nips(opd)
    return [
        f"{head},Hendra Wijaya,{opd},sekretariat,Kepala Dinas,administrasi,,PNS,"
        "1995-03-01,,-6.18,106.82,Balai Kota",
        f"{andi},Andi Pratama,{opd},bidang-aplikasi,Pranata Komputer,administrasi,"
        f"{head},PNS,2015-03-01,,-6.18,106.82,Balai Kota",
        f"{dewi},Dewi Anggraini,{opd},bidang-aplikasi,Analis Data,administrasi,"
        f"{head},PNS,2019-03-01,,-6.18,106.82,Balai Kota",
    ]


@pytest.fixture(scope="module")
def eligibility(shared_platform: SharedPlatform) -> ServiceProcess:
    return shared_platform["eligibility"]


def test_importing_the_same_roster_twice_changes_nothing(eligibility: ServiceProcess) -> None:
    opd = f"opd-{uuid.uuid4().hex[:6]}"
    admin = bearer(Role.ADMIN_BKD, "198001012005011001", None)
    url = f"{eligibility.url}/roster/imports?format=csv"
    first = httpx.post(url, content=_csv(opd, _rows(opd)), headers=admin, timeout=60)
    assert first.status_code == 200, first.text
    assert first.json()["registered"] == 3 and first.json()["projected"] is True
    second = httpx.post(url, content=_csv(opd, _rows(opd)), headers=admin, timeout=60)
    assert second.status_code == 200, second.text
    assert (second.json()["registered"], second.json()["updated"], second.json()["unchanged"]) == (
        0,
        0,
        3,
    )

    changed = _rows(opd)
    changed[2] = changed[2].replace("Analis Data", "Analis Data Ahli Muda")
    third = httpx.post(url, content=_csv(opd, changed), headers=admin, timeout=60)
    assert (third.json()["registered"], third.json()["updated"]) == (0, 1)


def test_a_rejected_row_applies_nothing_and_is_reported(eligibility: ServiceProcess) -> None:
    opd = f"opd-{uuid.uuid4().hex[:6]}"
    admin = bearer(Role.ADMIN_BKD, "198001012005011001", None)
    rows = _rows(opd)
    rows.append(f"199013452015031001,Salah Tanggal,{opd},x,Staf,administrasi,,PNS,2015-03-01,,,,")
    url = f"{eligibility.url}/roster/imports?format=csv"
    refused = httpx.post(url, content=_csv(opd, rows), headers=admin, timeout=60)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "roster_rows_rejected"
    assert error["message_id"].startswith("1 dari 4 baris ditolak")
    assert error["message_en"].startswith("1 of 4 rows were rejected")
    (report,) = error["details"]  # the rejected row only
    assert report["accepted"] is False and report["nip"] == "199013452015031001"
    assert report["line"] == 5 and report["reason_id"] and report["reason_en"]
    # nothing was applied: the valid rows alone still change all three (new OPD)
    ok = httpx.post(url, content=_csv(opd, rows[:3]), headers=admin, timeout=60)
    assert ok.json()["unchanged"] == 0
    assert ok.json()["registered"] + ok.json()["updated"] == 3


def test_only_admins_import(eligibility: ServiceProcess) -> None:
    asn = bearer(Role.ASN, "199001012015031001")
    refused = httpx.post(f"{eligibility.url}/roster/imports", content=b"nip\n", headers=asn)
    assert refused.status_code == 403


def test_a_large_import_does_not_stall_the_other_routes(eligibility: ServiceProcess) -> None:
    """A 20 MB CSV (164k rows, every copy after the first refused as a duplicate NIP) is parsed
    and checked for several seconds; meanwhile the event loop must keep answering reads."""
    opd = f"opd-{uuid.uuid4().hex[:6]}"
    admin = bearer(Role.ADMIN_BKD, "198001012005011001", None)
    row = _rows(opd)[1]
    copies = 20_000_000 // (len(row) + 1)
    content = _csv(opd, [row] * copies)
    assert len(content) >= 20_000_000
    imported: dict[str, object] = {}

    def run_import() -> None:
        started = time.monotonic()
        imported["response"] = httpx.post(
            f"{eligibility.url}/roster/imports?format=csv",
            content=content,
            headers=admin,
            timeout=300,
        )
        imported["seconds"] = time.monotonic() - started

    importer = threading.Thread(target=run_import)
    importer.start()
    time.sleep(1.0)  # the upload is over; parsing has begun
    assert importer.is_alive()
    started = time.monotonic()
    read = httpx.get(f"{eligibility.url}/policies/{opd}", headers=admin, timeout=300)
    read_seconds = time.monotonic() - started
    read_done_while_importing = importer.is_alive()
    importer.join(timeout=300)

    assert read.status_code == 200, read.text
    assert read_done_while_importing, "the read waited for the import to finish"
    response = imported["response"]
    assert isinstance(response, httpx.Response) and response.status_code == 422
    # the refusal counts every rejected row and lists the first hundred: a small body
    assert len(response.content) < 64 * 1024, f"{len(response.content):,} bytes"
    error = response.json()["error"]
    assert error["code"] == "roster_rows_rejected"
    assert [r["line"] for r in error["details"]] == list(range(3, 103))  # line 2 is accepted
    assert all("NIP" in r["reason_en"] for r in error["details"])
    rejected, more = copies - 1, copies - 101
    assert error["message_id"].startswith(f"{rejected} dari {copies} baris ditolak")
    assert error["message_en"].startswith(f"{rejected} of {copies} rows were rejected")
    assert f"{more} baris ditolak lainnya tidak dicantumkan" in error["message_id"]
    assert f"{more} more rejected rows are not listed" in error["message_en"]
    seconds = imported["seconds"]
    assert isinstance(seconds, float) and read_seconds < seconds / 2
