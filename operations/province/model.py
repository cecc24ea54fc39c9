"""Who works in a generated province: OPDs, work units, people and their hierarchy. Pure.

Everything follows from :class:`ProvinceConfig` (the seed, the number of ASN and of OPDs and
the first day of the simulated period): the same configuration always gives the same people.
An OPD's people are built on their own (:func:`build_opd`), from the seed and the OPD's index,
so a caller can keep one OPD at a time in memory even at national size.

The OPDs are DKI Jakarta's (45 by default, sized like its e-Absensi roster: teachers make up
a large share, then health, the city administrations and the fire brigade); beyond the 45 the
catalogue repeats generic regional agencies. Each OPD has a head (an acting head, Plt, in some),
a secretariat and units whose kind decides the position categories of their staff, including
every category the eligibility rules never make eligible (teachers, doctors, lecturers,
firefighters, face-to-face service, field supervision, special equipment). Units of more than
a dozen people have section heads, so supervision is a chain: staff, section head, unit head,
head of the OPD. Some people are new hires (in orientation, or within a year of appointment),
some are under a disciplinary sanction, and a few are planted cheaters, one anomaly kind each.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Final, Literal, get_args

from kernel.positions import ADMINISTRATIVE_CATEGORIES, NEVER_ELIGIBLE_CATEGORIES
from kernel.working_time import TimeZoneCode
from schemas.events import AnomalyKind

__all__ = [
    "ANOMALY_KINDS",
    "DEFAULT_ASN",
    "DEFAULT_OPDS",
    "OPD_CATALOGUE",
    "Opd",
    "OpdSpec",
    "Person",
    "ProvinceConfig",
    "Sanction",
    "Unit",
    "build_opd",
    "opd_sizes",
    "opd_specs",
]

DEFAULT_ASN: Final = 62_000
"""About DKI Jakarta's ASN (68,485 were in its e-Absensi in January 2026)."""
DEFAULT_OPDS: Final = 45

ANOMALY_KINDS: Final[tuple[AnomalyKind, ...]] = get_args(AnomalyKind)
"""Every anomaly kind of the contract; each is planted on at least one cheater."""

SHARED_RING: Final = 3
"""People of one shared-coordinates ring (the detector's ``shared_min_people``)."""

UnitKind = Literal["admin", "service", "school", "clinic", "fire", "field", "works", "academy"]

#: position categories of each unit kind's staff, with their weights
_CATEGORY_MIX: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "admin": (
        ("administrasi", 45),
        ("perencanaan", 15),
        ("analis_data", 15),
        ("pelaporan", 15),
        ("litbang", 10),
    ),
    "service": (("layanan_tatap_muka", 75), ("administrasi", 20), ("analis_data", 5)),
    "school": (("guru", 90), ("administrasi", 10)),
    "clinic": (
        ("dokter", 25),
        ("layanan_tatap_muka", 50),
        ("peralatan_khusus", 15),
        ("administrasi", 10),
    ),
    "fire": (("damkar", 90), ("administrasi", 10)),
    "field": (("pengawasan_lapangan", 80), ("administrasi", 20)),
    "works": (("peralatan_khusus", 50), ("pengawasan_lapangan", 30), ("administrasi", 20)),
    "academy": (("dosen", 60), ("administrasi", 30), ("litbang", 10)),
}

#: unit kinds that stay on site on window days (health, transport, security)
ESSENTIAL_KINDS: Final = frozenset({"clinic", "fire", "field"})

_UNIT_NAMES: Final[dict[str, tuple[str, str]]] = {
    # kind: (id stem, name stem)
    "admin": ("bidang", "Bidang"),
    "service": ("pelayanan", "Unit Pelayanan"),
    "school": ("sekolah", "Sekolah"),
    "clinic": ("puskesmas", "Puskesmas"),
    "fire": ("pos-damkar", "Pos Pemadam Kebakaran"),
    "field": ("satgas", "Satuan Tugas Lapangan"),
    "works": ("uptd", "UPT Peralatan"),
    "academy": ("prodi", "Program Studi"),
}

_POSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "administrasi": ("Penata Kelola Administrasi", "Pengadministrasi Perkantoran", "Arsiparis"),
    "perencanaan": ("Perencana Ahli Pertama", "Perencana Ahli Muda"),
    "analis_data": ("Pranata Komputer Ahli Pertama", "Analis Data dan Informasi"),
    "pelaporan": ("Analis Laporan Keuangan", "Penyusun Laporan Kinerja"),
    "litbang": ("Peneliti Ahli Muda", "Analis Kebijakan Ahli Muda"),
    "guru": ("Guru Ahli Pertama", "Guru Ahli Muda", "Guru Ahli Madya"),
    "dokter": ("Dokter Ahli Pertama", "Dokter Ahli Muda", "Dokter Gigi Ahli Muda"),
    "dosen": ("Dosen Asisten Ahli", "Dosen Lektor"),
    "damkar": ("Analis Kebakaran Terampil", "Pemadam Kebakaran"),
    "layanan_tatap_muka": ("Petugas Pelayanan Publik", "Perawat Terampil", "Bidan Terampil"),
    "pengawasan_lapangan": ("Polisi Pamong Praja", "Pengawas Lapangan", "Penguji Kendaraan"),
    "peralatan_khusus": ("Operator Alat Berat", "Radiografer Terampil", "Teknisi Laboratorium"),
}

_GIVEN: Final = (
    "Agus", "Ahmad", "Andi", "Budi", "Citra", "Dewi", "Dimas", "Eko", "Fajar", "Fitri",
    "Hendra", "Indah", "Joko", "Kartika", "Lina", "Made", "Nur", "Putri", "Rina", "Rizky",
    "Sari", "Siti", "Sri", "Taufik", "Wahyu", "Wulan", "Yoga", "Yusuf", "Ayu", "Bambang",
)  # fmt: skip
_FAMILY: Final = (
    "Santoso", "Wijaya", "Hidayat", "Saputra", "Lestari", "Kusuma", "Nugroho", "Pratama",
    "Siregar", "Nasution", "Simanjuntak", "Setiawan", "Rahmawati", "Susanto", "Gunawan",
    "Halim", "Permana", "Syahputra", "Maharani", "Utami",
)  # fmt: skip
_DEGREE: Final[dict[str, str]] = {
    "guru": "S.Pd.",
    "dosen": "M.Pd.",
    "analis_data": "S.Kom.",
    "pelaporan": "S.E.",
    "perencanaan": "S.T.",
    "litbang": "M.Si.",
}

JAKARTA: Final = (-6.1754, 106.8272)
"""Balai Kota DKI Jakarta: the centre the offices are spread around."""
_CENTRES: Final[dict[str, tuple[float, float]]] = {
    "WIB": JAKARTA,
    "WITA": (-5.1477, 119.4327),  # Makassar
    "WIT": (-2.5337, 140.7181),  # Jayapura
}


@dataclass(frozen=True, slots=True)
class OpdSpec:
    """One OPD of the catalogue: id, name, how large it is and which units it has."""

    opd_id: str
    name: str
    weight: float
    """Relative size: the OPD's share of the province's ASN."""
    units: tuple[tuple[UnitKind, float], ...]
    """Kinds of its units (beside the secretariat) with their share of its staff."""
    wfa_enabled: bool = True
    timezone: TimeZoneCode = "WIB"


def _spec(
    opd_id: str,
    name: str,
    weight: float,
    units: tuple[tuple[UnitKind, float], ...] = (("admin", 1.0),),
    *,
    wfa: bool = True,
) -> OpdSpec:
    return OpdSpec(opd_id, name, weight, units, wfa)


OPD_CATALOGUE: Final[tuple[OpdSpec, ...]] = (
    _spec("dinas-pendidikan", "Dinas Pendidikan", 30.0, (("school", 0.93), ("admin", 0.07))),
    _spec("dinas-kesehatan", "Dinas Kesehatan", 9.0, (("clinic", 0.85), ("admin", 0.15))),
    _spec("rsud", "Rumah Sakit Umum Daerah", 5.0, (("clinic", 0.9), ("admin", 0.1)), wfa=False),
    _spec(
        "dinas-gulkarmat",
        "Dinas Penanggulangan Kebakaran dan Penyelamatan",
        4.5,
        (("fire", 0.9), ("admin", 0.1)),
        wfa=False,
    ),
    _spec("satpol-pp", "Satuan Polisi Pamong Praja", 4.0, (("field", 0.9), ("admin", 0.1))),
    _spec("dinas-perhubungan", "Dinas Perhubungan", 4.0, (("field", 0.7), ("admin", 0.3))),
    _spec("kota-jakarta-pusat", "Pemerintah Kota Administrasi Jakarta Pusat", 2.2,
          (("service", 0.6), ("admin", 0.4))),
    _spec("kota-jakarta-utara", "Pemerintah Kota Administrasi Jakarta Utara", 2.2,
          (("service", 0.6), ("admin", 0.4))),
    _spec("kota-jakarta-barat", "Pemerintah Kota Administrasi Jakarta Barat", 2.4,
          (("service", 0.6), ("admin", 0.4))),
    _spec("kota-jakarta-selatan", "Pemerintah Kota Administrasi Jakarta Selatan", 2.4,
          (("service", 0.6), ("admin", 0.4))),
    _spec("kota-jakarta-timur", "Pemerintah Kota Administrasi Jakarta Timur", 2.6,
          (("service", 0.6), ("admin", 0.4))),
    _spec("kab-kepulauan-seribu", "Pemerintah Kabupaten Administrasi Kepulauan Seribu", 0.6,
          (("service", 0.5), ("admin", 0.5))),
    _spec("dinas-bina-marga", "Dinas Bina Marga", 2.0, (("works", 0.6), ("admin", 0.4))),
    _spec("dinas-sda", "Dinas Sumber Daya Air", 2.2, (("works", 0.6), ("admin", 0.4))),
    _spec("dinas-lingkungan-hidup", "Dinas Lingkungan Hidup", 2.5,
          (("field", 0.5), ("works", 0.2), ("admin", 0.3))),
    _spec("dinas-dukcapil", "Dinas Kependudukan dan Pencatatan Sipil", 1.5,
          (("service", 0.7), ("admin", 0.3))),
    _spec("dpmptsp", "Dinas Penanaman Modal dan PTSP", 1.5, (("service", 0.6), ("admin", 0.4))),
    _spec("dinas-sosial", "Dinas Sosial", 1.4, (("service", 0.5), ("admin", 0.5))),
    _spec("bappeda", "Badan Perencanaan Pembangunan Daerah", 0.5),
    _spec("bpkd", "Badan Pengelola Keuangan Daerah", 0.8),
    _spec("bapenda", "Badan Pendapatan Daerah", 1.6, (("service", 0.4), ("admin", 0.6))),
    _spec("bkd", "Badan Kepegawaian Daerah", 0.5),
    _spec("inspektorat", "Inspektorat", 0.5),
    _spec("diskominfotik", "Dinas Komunikasi, Informatika dan Statistik", 0.6),
    _spec("sekretariat-daerah", "Sekretariat Daerah", 1.2),
    _spec("sekretariat-dprd", "Sekretariat DPRD", 0.5),
    _spec("bpsdm", "Badan Pengembangan Sumber Daya Manusia", 0.5,
          (("academy", 0.5), ("admin", 0.5))),
    _spec("bpbd", "Badan Penanggulangan Bencana Daerah", 0.5, (("field", 0.5), ("admin", 0.5))),
    _spec("kesbangpol", "Badan Kesatuan Bangsa dan Politik", 0.3),
    _spec("dinas-citata", "Dinas Cipta Karya, Tata Ruang dan Pertanahan", 1.0,
          (("field", 0.3), ("admin", 0.7))),
    _spec("dinas-perumahan", "Dinas Perumahan Rakyat dan Kawasan Permukiman", 0.7,
          (("field", 0.3), ("admin", 0.7))),
    _spec("dinas-pertamanan", "Dinas Pertamanan dan Hutan Kota", 1.2,
          (("works", 0.5), ("admin", 0.5))),
    _spec("dinas-kpkp", "Dinas Ketahanan Pangan, Kelautan dan Pertanian", 0.8,
          (("field", 0.4), ("admin", 0.6))),
    _spec("dinas-pariwisata", "Dinas Pariwisata dan Ekonomi Kreatif", 0.4),
    _spec("dinas-kebudayaan", "Dinas Kebudayaan", 0.5, (("service", 0.4), ("admin", 0.6))),
    _spec("dinas-ppkukm", "Dinas Perindustrian, Perdagangan, Koperasi dan UKM", 0.6),
    _spec("dinas-nakertransgi", "Dinas Tenaga Kerja, Transmigrasi dan Energi", 0.6,
          (("service", 0.3), ("admin", 0.7))),
    _spec("dinas-pora", "Dinas Pemuda dan Olahraga", 0.5, (("service", 0.4), ("admin", 0.6))),
    _spec("dinas-ppapp", "Dinas Pemberdayaan, Perlindungan Anak dan Pengendalian Penduduk", 0.5,
          (("service", 0.4), ("admin", 0.6))),
    _spec("dinas-pusip", "Dinas Perpustakaan dan Kearsipan", 0.4,
          (("service", 0.5), ("admin", 0.5))),
    _spec("bpad", "Badan Pengelola Aset Daerah", 0.4),
    _spec("bp-bumd", "Badan Pembinaan BUMD", 0.2),
    _spec("dinas-ketahanan-pangan", "Dinas Ketahanan Pangan", 0.3),
    _spec("biro-hukum", "Biro Hukum", 0.2),
    _spec("biro-umum", "Biro Umum dan Administrasi Sekretariat Daerah", 0.4),
)  # fmt: skip
"""DKI Jakarta's OPDs, largest first in practice: education, health, the cities, the fire
brigade. Teachers, doctors, firefighters and field staff make the excluded categories real."""

_GENERIC_UNITS: Final[tuple[tuple[tuple[UnitKind, float], ...], ...]] = (
    (("admin", 1.0),),
    (("school", 0.9), ("admin", 0.1)),
    (("clinic", 0.8), ("admin", 0.2)),
    (("service", 0.6), ("admin", 0.4)),
    (("field", 0.5), ("admin", 0.5)),
)
_ZONES: Final[tuple[TimeZoneCode, ...]] = ("WIB", "WIB", "WIB", "WITA", "WIT")


def opd_specs(count: int) -> list[OpdSpec]:
    """The first ``count`` OPDs: the DKI catalogue, then generic regional agencies."""
    if count < 1:
        raise ValueError("a province has at least one OPD")
    specs = list(OPD_CATALOGUE[:count])
    for n in range(len(specs), count):
        units = _GENERIC_UNITS[n % len(_GENERIC_UNITS)]
        specs.append(
            OpdSpec(
                opd_id=f"opd-{n + 1:04d}",
                name=f"Perangkat Daerah {n + 1}",
                weight=1.0 + (n % 7) * 0.5,
                units=units,
                timezone=_ZONES[(n // len(OPD_CATALOGUE)) % len(_ZONES)],
            )
        )
    return specs


def opd_sizes(asn: int, specs: list[OpdSpec]) -> list[int]:
    """ASN per OPD, proportional to the weights (largest remainder), at least 3 each."""
    if asn < 3 * len(specs):
        raise ValueError(f"{asn} ASN cannot staff {len(specs)} OPDs (at least 3 each)")
    total = sum(spec.weight for spec in specs)
    spare = asn - 3 * len(specs)
    exact = [spare * spec.weight / total for spec in specs]
    sizes = [3 + math.floor(x) for x in exact]
    order = sorted(range(len(specs)), key=lambda i: (-(exact[i] - math.floor(exact[i])), i))
    for i in order[: asn - sum(sizes)]:
        sizes[i] += 1
    return sizes


@dataclass(frozen=True)
class ProvinceConfig:
    """What a generated province is made of; the same config always gives the same province."""

    asn: int = DEFAULT_ASN
    opds: int = DEFAULT_OPDS
    seed: int = 20251229
    start: date = date(2025, 12, 1)
    """First day of the simulated period (appointments, sanctions are dated from it)."""
    admin_nip: str = "198001012005011001"
    """The BKD admin who publishes the policies, geofences and sanctions."""

    def specs(self) -> list[OpdSpec]:
        return opd_specs(self.opds)

    def sizes(self) -> list[int]:
        return opd_sizes(self.asn, self.specs())

    def first_index(self) -> list[int]:
        """The global index of each OPD's first person (NIPs are unique by global index)."""
        firsts, total = [], 0
        for size in self.sizes():
            firsts.append(total)
            total += size
        return firsts


@dataclass(frozen=True, slots=True)
class Sanction:
    sanction_id: str
    level: Literal["ringan", "sedang", "berat"]
    starts_on: date
    ends_on: date | None
    lifted_on: date | None
    """Lifted early on this day (a DisciplinarySanctionLifted), or None."""

    def covers(self, day: date) -> bool:
        if day < self.starts_on:
            return False
        if self.lifted_on is not None and day >= self.lifted_on:
            return False
        return self.ends_on is None or day <= self.ends_on


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    name: str
    kind: UnitKind
    office: tuple[float, float]
    size: int = 0

    @property
    def essential(self) -> bool:
        return self.kind in ESSENTIAL_KINDS


@dataclass(slots=True)
class Person:
    """One ASN as the roster records them, plus what the simulation decides about them."""

    nip: str
    name: str
    opd_id: str
    unit: Unit
    position: str
    category: str
    supervisor: str | None
    employment_type: Literal["PNS", "PPPK"]
    appointment_date: date
    orientation_end: date | None
    home: tuple[float, float]
    rank: Literal["kepala", "unit_head", "section_head", "staff"]
    head_capacity: Literal["kepala", "plt", "plh"] | None = None
    sanction: Sanction | None = None
    cheat: AnomalyKind | None = None
    ring: int | None = None
    """Shared-coordinates ring (people checking in on one exact coordinate), if any."""
    laptop: bool = False
    """Has a work device sending heartbeats."""
    wfa_affinity: float = 0.0
    """How likely the person asks for WFA in a week (0 for those who never do)."""
    promoted_on: date | None = None
    """An EmployeeUpdated (a new position title) on this day of the period, if any."""

    @property
    def device_id(self) -> str:
        return f"hp-{self.nip}"

    @property
    def office(self) -> tuple[float, float]:
        return self.unit.office

    def new_hire_on(self, day: date) -> bool:
        """Still in orientation, or within a year of appointment without a recorded end."""
        if self.orientation_end is not None:
            return day <= self.orientation_end
        return day < _add_year(self.appointment_date)

    def may_ask_wfa(self) -> bool:
        return self.category in ADMINISTRATIVE_CATEGORIES and self.supervisor is not None


@dataclass(slots=True)
class Opd:
    spec: OpdSpec
    index: int
    office: tuple[float, float]
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)

    @property
    def opd_id(self) -> str:
        return self.spec.opd_id

    @property
    def head(self) -> Person:
        return self.people[0]

    def essential_units(self) -> list[str]:
        return [unit.unit_id for unit in self.units if unit.essential]


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


_BIRTH_FIRST: Final = date(1966, 1, 1)
_BIRTH_DAYS: Final = 13_500  # to mid-2002
_BIRTH_STEP: Final = 7_919  # coprime with _BIRTH_DAYS: a permutation of the birth days


def make_nip(seed: int, index: int, appointment: date, female: bool) -> tuple[str, date]:
    """The NIP of the ``index``-th person of the province and their birth date.

    Unique per index for up to 13.5 million people: consecutive people are born on days far
    apart (``index * 7919`` modulo the 13,500 days of the range), and the sequence number
    counts how many times the range was gone round. The appointment month (TMT) is written
    as given; the caller keeps it after the 18th birthday.
    """
    sequence, step = divmod(index, _BIRTH_DAYS)
    offset = (step * _BIRTH_STEP + seed) % _BIRTH_DAYS
    birth = _BIRTH_FIRST + timedelta(days=offset)
    nip = f"{birth:%Y%m%d}{appointment:%Y%m}{2 if female else 1}{sequence + 1:03d}"
    return nip, birth


def _offset(centre: tuple[float, float], rng: random.Random, km: float) -> tuple[float, float]:
    """A point within about ``km`` of ``centre``."""
    angle = rng.random() * 2 * math.pi
    radius = km * math.sqrt(rng.random())
    return (
        round(centre[0] + radius * math.sin(angle) / 111.32, 6),
        round(centre[1] + radius * math.cos(angle) / 110.57, 6),
    )


def _pick(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in mix], weights=[w for _, w in mix])[0]


def _name(rng: random.Random, category: str, female: bool) -> str:
    given = rng.choice(_GIVEN)
    family = rng.choice(_FAMILY)
    if category == "dokter":
        return f"dr. {given} {family}"
    degree = _DEGREE.get(category)
    if degree is None:
        return f"{given} {family}"
    return f"{given} {family}, {degree}"


def _unit_plan(spec: OpdSpec, size: int) -> list[tuple[UnitKind, int]]:
    """The OPD's units as (kind, staff) after its head: a secretariat first, then the rest."""
    rest = size - 1
    if rest <= 0:
        return []
    secretariat = max(1, min(rest, round(rest * 0.05) or 1))
    units: list[tuple[UnitKind, int]] = [("admin", secretariat)]
    left = rest - secretariat
    for n, (kind, share) in enumerate(spec.units):
        staff = left if n == len(spec.units) - 1 else round((rest - secretariat) * share)
        staff = min(staff, left)
        left -= staff
        target = 30 if kind in ("school", "clinic", "fire") else 24
        while staff > 0:
            take = staff if staff < target * 1.5 else target
            units.append((kind, take))
            staff -= take
    return [(kind, staff) for kind, staff in units if staff > 0]


@lru_cache(maxsize=64)
def build_opd(config: ProvinceConfig, index: int) -> Opd:
    """The ``index``-th OPD of the province with its units and people, hierarchy included.

    Deterministic from the config and the index alone (each OPD has its own random stream).
    """
    spec = config.specs()[index]
    size = config.sizes()[index]
    first = config.first_index()[index]
    rng = _rng(config.seed, "opd", index)
    office = _offset(_CENTRES[spec.timezone], rng, 12.0)
    opd = Opd(spec=spec, index=index, office=office)
    start = config.start
    counters: dict[str, int] = {}

    def person(
        unit: Unit, category: str, position: str, supervisor: str | None, rank: str
    ) -> Person:
        n = first + len(opd.people)
        prng = _rng(config.seed, "person", n)
        female = prng.random() < 0.55
        new_hire = rank == "staff" and prng.random() < 0.03
        if new_hire:
            appointment = start - timedelta(days=prng.randint(20, 300))
            appointment = appointment.replace(day=1)
        else:
            appointment = date(prng.randint(1990, start.year - 2), prng.randint(1, 12), 1)
        nip, birth = make_nip(config.seed, n, appointment, female)
        earliest = date(birth.year + 19, birth.month, 1)
        if appointment < earliest:  # appointed at 19 at the earliest
            appointment = earliest if earliest <= start else start.replace(day=1)
            nip, birth = make_nip(config.seed, n, appointment, female)
        orientation: date | None = None
        if new_hire and prng.random() < 0.6:
            orientation = appointment + timedelta(days=prng.choice((90, 120, 180)))
        home = _offset(unit.office, prng, 15.0)
        p = Person(
            nip=nip,
            name=_name(prng, category, female),
            opd_id=spec.opd_id,
            unit=unit,
            position=position,
            category=category,
            supervisor=supervisor,
            employment_type="PPPK" if prng.random() < 0.15 else "PNS",
            appointment_date=appointment,
            orientation_end=orientation,
            home=home,
            rank=rank,  # type: ignore[arg-type]
        )
        p.laptop = category in ADMINISTRATIVE_CATEGORIES and prng.random() < 0.6
        if p.may_ask_wfa():
            p.wfa_affinity = prng.choice((0.0, 0.2, 0.4, 0.6, 0.8))
        if rank != "kepala" and prng.random() < 0.006:
            level = prng.choice(("ringan", "sedang", "berat"))
            starts = start - timedelta(days=prng.randint(10, 120))
            ends = None if prng.random() < 0.2 else start + timedelta(days=prng.randint(5, 200))
            lifted = start + timedelta(days=prng.randint(3, 20)) if prng.random() < 0.3 else None
            if lifted is not None and ends is not None and lifted > ends:
                lifted = None
            p.sanction = Sanction(f"sanksi-{nip}", level, starts, ends, lifted)  # type: ignore[arg-type]
        if prng.random() < 0.004:
            p.promoted_on = start + timedelta(days=prng.randint(0, 20))
        opd.people.append(p)
        return p

    # the head: an appointed head, or in every seventh OPD an acting head (Plt)
    head_unit = Unit("pimpinan", f"Pimpinan {spec.name}", "admin", office)
    opd.units.append(head_unit)
    head = person(head_unit, "administrasi", f"Kepala {spec.name}", None, "kepala")
    head.head_capacity = "plt" if index % 7 == 6 else "kepala"
    if head.head_capacity == "plt":
        head.position = f"Plt. Kepala {spec.name}"
    for kind, staff in _unit_plan(spec, size):
        stem, title = _UNIT_NAMES[kind]
        counters[kind] = counters.get(kind, 0) + 1
        n = counters[kind]
        if kind == "admin" and n == 1:
            unit_id, unit_name = "sekretariat", "Sekretariat"
        else:
            unit_id, unit_name = f"{stem}-{n:03d}", f"{title} {n}"
        here = office if kind == "admin" else _offset(office, rng, 8.0)
        unit = Unit(unit_id, unit_name, kind, here, staff)
        opd.units.append(unit)
        lead_title = "Sekretaris" if unit_id == "sekretariat" else f"Kepala {unit_name}"
        lead = person(unit, "administrasi", lead_title, head.nip, "unit_head")
        section: Person | None = None
        for k in range(staff - 1):
            if staff > 12 and k % 11 == 0:
                section = person(
                    unit, "administrasi", f"Kepala Seksi {k // 11 + 1}", lead.nip, "section_head"
                )
                continue
            category = _pick(rng, _CATEGORY_MIX[kind])
            position = rng.choice(_POSITIONS[category])
            person(unit, category, position, (section or lead).nip, "staff")
    _ensure_sanction(opd, config)
    _plant_cheaters(opd, config)
    return opd


def _ensure_sanction(opd: Opd, config: ProvinceConfig) -> None:
    """Every OPD of 20 people or more has someone under a sanction (PP 94/2021)."""
    staff = [p for p in opd.people if p.rank == "staff"]
    if len(opd.people) < 20 or not staff or any(p.sanction for p in opd.people):
        return
    p = staff[len(staff) // 2]
    starts = config.start - timedelta(days=30)
    p.sanction = Sanction(
        f"sanksi-{p.nip}", "sedang", starts, config.start + timedelta(days=90), None
    )


def _plant_cheaters(opd: Opd, config: ProvinceConfig) -> None:
    """About one person in 150 cheats, one anomaly kind each, the kinds in turn.

    Kinds that need an approved WFA day go to people who may ask for one; a shared ring is
    three people of one unit checking in on one exact coordinate.
    """
    rng = _rng(config.seed, "cheats", opd.index)
    staff = [p for p in opd.people if p.rank == "staff" and p.sanction is None]
    if not staff:
        return
    # every kind in each of the first three OPDs (so even a small province has them all),
    # then one cheater in 150 people
    wanted = max(len(ANOMALY_KINDS) if opd.index < 3 else 0, len(opd.people) // 150)
    if wanted == 0:
        return
    kinds = [ANOMALY_KINDS[(opd.index + n) % len(ANOMALY_KINDS)] for n in range(wanted)]
    wfa_kinds = {"far_from_wfa_location", "mode_mismatch", "static_coordinates"}
    askers = [
        p
        for p in staff
        if opd.spec.wfa_enabled and p.may_ask_wfa() and not p.new_hire_on(config.start)
    ]
    asking = {p.nip for p in askers}
    others = [p for p in staff if p.nip not in asking]
    rng.shuffle(askers)
    rng.shuffle(others)
    ring = 0
    for kind in kinds:
        if kind == "shared_coordinates":
            pool = askers + others
            members = [p for p in pool if p.cheat is None][:SHARED_RING]
            if len(members) < SHARED_RING:
                continue
            ring += 1
            for p in members:
                p.cheat, p.ring = kind, opd.index * 1000 + ring
            continue
        pool = askers if kind in wfa_kinds else others + askers
        chosen = next((p for p in pool if p.cheat is None), None)
        if chosen is None:
            continue
        chosen.cheat = kind
        if kind in wfa_kinds:
            chosen.wfa_affinity = 1.0


def iter_opds(config: ProvinceConfig) -> Iterator[Opd]:
    """Every OPD of the province, built one at a time."""
    for index in range(config.opds):
        yield build_opd(config, index)


assert {c for mix in _CATEGORY_MIX.values() for c, _ in mix} >= NEVER_ELIGIBLE_CATEGORIES
