"""The demo province's cast, shared by the demo loader's parts (run by ``make demo``).

Its OPDs and their policies, the roster (who supervises whom), the BKD admin and auditor, the
API client that calls the services with tokens minted for these people, and the printing
helpers. ``deploy/demo_data.py`` loads the province; ``deploy/demo_readiness.py`` and
``deploy/demo_reports.py`` add the readiness study and the daily reports; all three import
this module and none imports another's caller.
"""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from kernel.date_text import format_date
from services.runtime.edge.identity import Principal, Role, mint_token
from services.runtime.settings import Settings

# -- the province -----------------------------------------------------------------------------

OFFICES = {
    "dinas-kominfo": (-6.1819, 106.8283, "Balai Kota, Jl. Medan Merdeka Selatan 8-9"),
    "bappeda": (-6.1818, 106.8290, "Balai Kota Blok G"),
    "rsud-tarakan": (-6.1700, 106.8110, "Jl. Kyai Caringin 7"),
}

POLICIES: dict[str, dict[str, Any]] = {
    "dinas-kominfo": {"wfa_enabled": True, "weekly_cap_days": 2, "max_away_share": 0.5},
    "bappeda": {"wfa_enabled": True, "weekly_cap_days": 2, "max_away_share": 0.25},
    # WFA is optional for an OPD and not a right: the hospital keeps it off (the share is the
    # one it would allow if it turned WFA on)
    "rsud-tarakan": {"wfa_enabled": False, "max_away_share": 0.5},
}


@dataclass(frozen=True)
class Person:
    nip: str
    name: str
    opd: str
    unit: str
    position: str
    category: str
    supervisor: str | None  # NIP of the direct supervisor (atasan langsung)
    head: bool = False  # head of the OPD (kepala OPD), as the roster names them


HENDRA, NUR, SRI = "197001011995031003", "197605102001122002", "198203142006042001"
ANDI, DEWI, RIZKY = "199001012015031001", "199205172019032002", "199511232020121005"
BAMBANG, YULI, RINA = "197508122000031002", "198004042005012003", "198811022012012003"
FAJAR, AGUS, DIMAS = "199303092018011004", "199407152019031007", "199612012021021002"
MAYA, AHMAD, YOGA, LINA, BAYU, CITRA = (
    "197812252003122001",
    "198302112008011005",
    "198906142014031006",
    "199108082016042004",
    "198507142010011011",
    "199002202015042003",
)
TEGUH, PUTRI, WAHYU, SARI, EKO, INDAH = (
    "198707072010011008",
    "199302022018012006",
    "199104042017011009",
    "199406062019022004",
    "199008082016011010",
    "199511112020122007",
)

ROSTER = [
    Person(HENDRA, "Hendra Wijaya", "dinas-kominfo", "sekretariat", "Kepala Dinas",
           "administrasi", None, head=True),
    Person(NUR, "Nur Aini", "dinas-kominfo", "sekretariat", "Sekretaris Dinas",
           "administrasi", HENDRA),
    Person(SRI, "Sri Lestari", "dinas-kominfo", "bidang-aplikasi", "Kepala Bidang Aplikasi",
           "administrasi", HENDRA),
    Person(ANDI, "Andi Pratama", "dinas-kominfo", "bidang-aplikasi", "Pranata Komputer",
           "administrasi", SRI),
    Person(DEWI, "Dewi Anggraini", "dinas-kominfo", "bidang-aplikasi", "Analis Data",
           "analis_data", SRI),
    Person(RIZKY, "Rizky Maulana", "dinas-kominfo", "bidang-aplikasi", "Pranata Komputer",
           "administrasi", SRI),
    Person(BAMBANG, "Bambang Susilo", "bappeda", "sekretariat", "Kepala Bappeda",
           "administrasi", None, head=True),
    Person(YULI, "Yuliana Putri", "bappeda", "sekretariat", "Sekretaris Bappeda",
           "administrasi", BAMBANG),
    Person(RINA, "Rina Marlina", "bappeda", "bidang-perencanaan", "Kepala Bidang Perencanaan",
           "perencanaan", BAMBANG),
    Person(FAJAR, "Fajar Nugroho", "bappeda", "bidang-perencanaan", "Perencana Ahli Pertama",
           "perencanaan", RINA),
    Person(AGUS, "Agus Setiawan", "bappeda", "bidang-perencanaan", "Analis Kebijakan",
           "perencanaan", RINA),
    Person(DIMAS, "Dimas Prasetyo", "bappeda", "bidang-perencanaan", "Perencana Ahli Muda",
           "perencanaan", RINA),
    Person(MAYA, "dr. Maya Sari", "rsud-tarakan", "direksi", "Direktur RSUD",
           "administrasi", None, head=True),
    Person(AHMAD, "Ahmad Fauzi", "rsud-tarakan", "direksi", "Kepala Bagian Tata Usaha",
           "administrasi", MAYA),
    Person(YOGA, "dr. Yoga Saputra", "rsud-tarakan", "pelayanan-medis", "Dokter Ahli Muda",
           "dokter", MAYA),
    Person(LINA, "dr. Lina Kartika", "rsud-tarakan", "pelayanan-medis", "Dokter Ahli Pertama",
           "dokter", MAYA),
    Person(BAYU, "dr. Bayu Firmansyah", "rsud-tarakan", "pelayanan-medis", "Dokter Umum",
           "dokter", MAYA),
    Person(CITRA, "dr. Citra Maharani", "rsud-tarakan", "pelayanan-medis", "Dokter Spesialis Anak",
           "dokter", MAYA),
    Person(TEGUH, "Teguh Santoso", "dinas-kominfo", "bidang-statistik", "Kepala Bidang Statistik",
           "administrasi", HENDRA),
    Person(PUTRI, "Putri Handayani", "dinas-kominfo", "bidang-statistik", "Statistisi Ahli Pertama",
           "administrasi", TEGUH),
    Person(WAHYU, "Wahyu Hidayat", "dinas-kominfo", "bidang-statistik", "Statistisi",
           "administrasi", TEGUH),
    Person(SARI, "Sari Wulandari", "dinas-kominfo", "bidang-statistik", "Pranata Komputer",
           "administrasi", TEGUH),
    Person(EKO, "Eko Prasetyo", "dinas-kominfo", "bidang-statistik", "Statistisi Ahli Muda",
           "administrasi", TEGUH),
    Person(INDAH, "Indah Permata", "dinas-kominfo", "bidang-statistik", "Analis Data",
           "administrasi", TEGUH),
]  # fmt: skip
PEOPLE = {p.nip: p for p in ROSTER}

ADMIN_NIP = "198001012005011001"  # the BKD admin who loads the province
AUDITOR_NIP = "198505052010012002"  # an Inspektorat auditor

HOME_AT = (-6.2615, 106.7837)
HOME = {"lat": HOME_AT[0], "lon": HOME_AT[1], "address": "Rumah, Jakarta Selatan"}
WORK_PLAN = [{"description": "Dokumen analisis selesai", "target": 2, "unit": "dokumen"}]
WIDTH = 100


def roster_jsonl() -> bytes:
    """The roster as a SIMPEG/SIASN-style JSON Lines export."""
    lines = []
    for p in ROSTER:
        lat, lon, address = OFFICES[p.opd]
        row = {
            "nip": p.nip,
            "name": p.name,
            "opd_id": p.opd,
            "work_unit_id": p.unit,
            "position": p.position,
            "position_category": p.category,
            "supervisor_nip": p.supervisor,
            "heads_opd": p.opd if p.head else None,  # the roster names each OPD's head
            "employment_type": "PNS",
            "appointment_date": f"{p.nip[8:12]}-{p.nip[12:14]}-01",
            "office_lat": lat,
            "office_lon": lon,
            "office_address": address,
        }
        lines.append(json.dumps(row))
    return ("\n".join(lines) + "\n").encode()


# -- HTTP -------------------------------------------------------------------------------------


class DemoFailed(Exception):
    """A step answered something the demo cannot go on from."""


class Api:
    """The four services, called with bearer tokens minted for the demo's people."""

    def __init__(self, urls: dict[str, str], settings: Settings) -> None:
        self.urls = urls
        self.secret = settings.jwt_secret.get_secret_value()
        self.issuer = settings.jwt_issuer
        self.client = httpx.Client(timeout=60)

    def token(self, nip: str, role: Role, opd: str | None) -> str:
        principal = Principal(nip=nip, role=role, opd_id=opd)
        return mint_token(principal, self.secret, issuer=self.issuer)

    def as_person(self, nip: str) -> str:
        p = PEOPLE[nip]
        supervises = any(other.supervisor == nip for other in ROSTER)
        role = Role.KEPALA_OPD if p.head else Role.ATASAN if supervises else Role.ASN
        return self.token(nip, role, p.opd)

    def call(
        self,
        method: str,
        service: str,
        path: str,
        token: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        key: str | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
    ) -> httpx.Response:
        """One call, retried while the service answers 503 (not ready, Kafka away)."""
        headers = {"Authorization": f"Bearer {token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + 90
        while True:
            answer = self.client.request(
                method,
                f"{self.urls[service]}{path}",
                json=body,
                content=content,
                headers=headers,
            )
            if answer.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        if answer.status_code not in ok:
            raise DemoFailed(
                f"{method} {service}{path} answered {answer.status_code}: {answer.text}"
            )
        return answer

    def decided(self, answer: httpx.Response, token: str) -> dict[str, Any]:
        """The request with its decision, polling while the decider is still at work."""
        data: dict[str, Any] = answer.json()
        deadline = time.monotonic() + 60
        while data.get("decision") is None and time.monotonic() < deadline:
            time.sleep(0.5)
            data = self.call("GET", "eligibility", data["links"]["self"], token).json()
        if data.get("decision") is None:
            raise DemoFailed(f"no decision for {data.get('request_id')} after 60 s")
        return data


# -- printing ---------------------------------------------------------------------------------


def say(text: str = "", indent: int = 0) -> None:
    prefix = " " * indent
    if not text:
        print()
        return
    print(
        textwrap.fill(
            text,
            WIDTH,
            initial_indent=prefix,
            subsequent_indent=prefix + "  ",
            break_on_hyphens=False,
        )
    )


def heading(text: str) -> None:
    print()
    print(textwrap.fill(f"== {text}", WIDTH, subsequent_indent="   ", break_on_hyphens=False))


def day_id(day: date) -> str:
    return format_date(day, "id", weekday=True)


def day_en(day: date) -> str:
    return format_date(day, "en", weekday=True)


def show_decision(who: str, data: dict[str, Any]) -> None:
    """Status, the one-line summary in both languages and each failing rule's explanation."""
    say(f"{who:<16} -> {data['status']}", 2)
    say(data["summary"]["id"], 6)
    say(data["summary"]["en"], 6)
    for id_line, en_line in zip(data["explanation"]["id"], data["explanation"]["en"], strict=True):
        if id_line.startswith("[GAGAL]"):
            say(id_line, 6)
            say(en_line, 6)


def expect(data: dict[str, Any], failing: set[str]) -> None:
    """Stop unless exactly the rules ``failing`` failed (none: the request is eligible)."""
    decision = data["decision"]
    got = {rule["code"] for rule in decision["trace"] if not rule["passed"]}
    if got != failing:
        wanted = ", ".join(sorted(failing)) or "none (eligible)"
        raise DemoFailed(
            f"request {data['request_id']} failed rules {sorted(got) or 'none'}, expected "
            f"{wanted}: the decider is not applying the rules as it should; see "
            "var/log/eligibility.log"
        )


def show_refusal(answer: httpx.Response) -> None:
    error = answer.json()["error"]
    say(f"HTTP {answer.status_code} {error['code']}", 6)
    say(error["message_id"], 6)
    say(error["message_en"], 6)
