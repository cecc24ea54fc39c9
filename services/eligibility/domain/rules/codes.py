"""The eligibility rules' stable codes, their order in every trace, and their legal basis."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["LEGAL_BASIS", "NEW_HIRE_YEARS", "RULE_ORDER", "RuleCode"]

NEW_HIRE_YEARS: Final = 1
"""Without a recorded orientation end, an ASN counts as newly appointed for this many years."""


class RuleCode(StrEnum):
    """Stable codes of the eligibility rules, in evaluation order."""

    POLICY_IN_FORCE = "POLICY_IN_FORCE"
    WFA_ENABLED = "WFA_ENABLED"
    POSITION_ELIGIBLE = "POSITION_ELIGIBLE"
    NOT_NEW_HIRE = "NOT_NEW_HIRE"
    NO_SANCTION = "NO_SANCTION"
    SUPERVISOR_ASSIGNED = "SUPERVISOR_ASSIGNED"
    DATE_NOT_PAST = "DATE_NOT_PAST"
    WORKING_DAY = "WORKING_DAY"
    WEEKLY_CAP = "WEEKLY_CAP"
    UNIT_AWAY_SHARE = "UNIT_AWAY_SHARE"
    WITHIN_WINDOW = "WITHIN_WINDOW"
    ESSENTIAL_UNIT_WINDOW = "ESSENTIAL_UNIT_WINDOW"


RULE_ORDER: Final[tuple[RuleCode, ...]] = tuple(RuleCode)
"""The order of every decision's trace."""

_PERMEN = "Permen PANRB No. 4/2025"

LEGAL_BASIS: Final[dict[RuleCode, str]] = {
    RuleCode.POLICY_IN_FORCE: f"{_PERMEN}: kebijakan fleksibilitas kerja ditetapkan per instansi",
    RuleCode.WFA_ENABLED: f"{_PERMEN}: fleksibilitas kerja bersifat opsional, bukan hak",
    RuleCode.POSITION_ELIGIBLE: (
        f"{_PERMEN}: pemetaan tugas jabatan (pekerjaan administratif berbasis TI, "
        "minim tatap muka, tanpa pengawasan terus-menerus)"
    ),
    RuleCode.NOT_NEW_HIRE: (
        f"{_PERMEN}: ASN yang baru diangkat atau masih dalam masa orientasi (CPNS) bekerja "
        "di kantor sampai orientasi selesai"
    ),
    RuleCode.NO_SANCTION: f"PP No. 94/2021 tentang Disiplin PNS; {_PERMEN}",
    RuleCode.SUPERVISOR_ASSIGNED: f"{_PERMEN}: persetujuan atasan langsung",
    RuleCode.DATE_NOT_PAST: f"{_PERMEN}: persetujuan atasan langsung sebelum pelaksanaan",
    RuleCode.WORKING_DAY: (
        "Perpres No. 21/2023 (hari kerja Senin-Jumat); ketetapan libur nasional dan cuti bersama"
    ),
    RuleCode.WEEKLY_CAP: f"{_PERMEN} Pasal 13 ayat (1)",
    RuleCode.UNIT_AWAY_SHARE: (
        f"Kelangsungan layanan publik ({_PERMEN}); batas persentase ditetapkan daerah"
    ),
    RuleCode.WITHIN_WINDOW: "Kebijakan WFA OPD; jendela khusus menurut surat edaran MenPANRB",
    RuleCode.ESSENTIAL_UNIT_WINDOW: (
        "Layanan esensial (kesehatan, transportasi, keamanan) tetap di kantor selama jendela "
        "khusus menurut surat edaran MenPANRB"
    ),
}
"""Legal basis of each rule; window rules append the circulars of the windows involved."""
