"""Position categories and the task mapping that decides who may work from anywhere.

Eligible: administrative work that can be done remotely with IT, with little face-to-face
contact and no continuous supervision (secretariat, planning, research and development,
writing reports, processing data). Never eligible, whatever an OPD configures: direct
face-to-face public service, field supervision, work that needs special equipment, and the
professions doctor, teacher, lecturer and firefighter.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ADMINISTRATIVE_CATEGORIES",
    "NEVER_ELIGIBLE_CATEGORIES",
    "never_eligible_reason",
]

ADMINISTRATIVE_CATEGORIES: Final[frozenset[str]] = frozenset(
    {"administrasi", "perencanaan", "litbang", "analis_data", "pelaporan"}
)
"""Default eligible categories: administration, planning, R&D, data analysis, reporting."""

_NEVER_ELIGIBLE: Final[dict[str, tuple[str, str]]] = {
    "dokter": ("profesi dokter", "the medical profession (doctor)"),
    "guru": ("profesi guru", "the teaching profession (teacher)"),
    "dosen": ("profesi dosen", "the lecturing profession (lecturer)"),
    "damkar": ("pemadam kebakaran (damkar)", "firefighting (damkar)"),
    "layanan_tatap_muka": ("layanan publik tatap muka", "face-to-face public service"),
    "pengawasan_lapangan": ("pengawasan lapangan", "field supervision"),
    "peralatan_khusus": ("pekerjaan dengan peralatan khusus", "work needing special equipment"),
}

NEVER_ELIGIBLE_CATEGORIES: Final[frozenset[str]] = frozenset(_NEVER_ELIGIBLE)
"""Categories an OPD policy can never make eligible."""


def never_eligible_reason(category: str) -> tuple[str, str] | None:
    """``(Indonesian, English)`` description of why ``category`` is never eligible, or None."""
    return _NEVER_ELIGIBLE.get(category)
