"""Who plays each caller of the role x route matrix: a roster of two OPDs, and tokens.

Ours: the head (named by the roster's ``heads_opd`` / ``head_capacity`` columns); a unit whose
supervisor has the subject ASN and a colleague under them; a second unit whose supervisor has
staff that play the ASN with a head's token, the ASN with a supervisor's token, and an
employee who receives the sanctions of the sanction routes. Theirs: its head, a supervisor and
one employee. Every call makes new NIPs and OPD ids, so tests sharing a broker never meet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from services.runtime.edge.identity import Principal, Role, mint_token
from services.runtime.settings import DEV_JWT_SECRET
from tests.support.province import ADMIN_NIP, HEADER, new_nip
from tests.support.route_matrix import Caller

APPLICATION = "system:kepegawaian-app"
"""The NIP claim of an application's token (another app integrating through the API)."""

OUR_UNIT = "bidang-data"
SECOND_UNIT = "bidang-umum"
THEIR_UNIT = "bidang-layanan"


@dataclass(frozen=True)
class People:
    """Everyone on the seeded roster, and the two OPDs."""

    opd: str
    other_opd: str
    head: str
    supervisor: str
    subject: str
    colleague: str
    other_supervisor: str
    asn_as_head: str
    asn_as_supervisor: str
    sanctioned: str
    other_head: str
    their_supervisor: str
    their_staff: str
    admin: str = ADMIN_NIP
    auditor: str = field(default_factory=new_nip)
    ops: str = field(default_factory=new_nip)

    @classmethod
    def new(cls) -> People:
        suffix = uuid.uuid4().hex[:8]
        return cls(
            opd=f"opd-matriks-{suffix}",
            other_opd=f"opd-lain-{suffix}",
            **{name: new_nip() for name in _PERSONS},
        )

    def on_duty(self) -> list[str]:
        """The NIPs that record presence from a registered device."""
        return [getattr(self, name) for name in _PERSONS]

    def roster_csv(self) -> bytes:
        """Both OPDs, with the heads named by ``heads_opd`` and ``head_capacity``."""

        def row(nip: str, opd: str, unit: str, position: str, boss: str, heads: str = "") -> str:
            capacity = "kepala" if heads else ""
            return (
                f"{nip},Pegawai {nip[-4:]},{opd},{unit},{position},administrasi,{boss},PNS,"
                f"2010-03-01,,-6.18,106.82,Balai Kota,{heads},{capacity}"
            )

        rows = [
            row(self.head, self.opd, "pimpinan", "Kepala Dinas", "", heads=self.opd),
            row(self.supervisor, self.opd, OUR_UNIT, "Kepala Bidang", self.head),
            row(self.subject, self.opd, OUR_UNIT, "Analis", self.supervisor),
            row(self.colleague, self.opd, OUR_UNIT, "Analis", self.supervisor),
            row(self.other_supervisor, self.opd, SECOND_UNIT, "Kepala Bidang", self.head),
            row(self.asn_as_head, self.opd, SECOND_UNIT, "Analis", self.other_supervisor),
            row(self.asn_as_supervisor, self.opd, SECOND_UNIT, "Analis", self.other_supervisor),
            row(self.sanctioned, self.opd, SECOND_UNIT, "Analis", self.other_supervisor),
            row(self.other_head, self.other_opd, "pimpinan", "Kepala Dinas", "", self.other_opd),
            row(
                self.their_supervisor, self.other_opd, THEIR_UNIT, "Kepala Bidang", self.other_head
            ),
            row(self.their_staff, self.other_opd, THEIR_UNIT, "Analis", self.their_supervisor),
        ]
        header = HEADER + ",heads_opd,head_capacity"
        return ("\n".join([header, *rows]) + "\n").encode()

    def principal(self, caller: Caller) -> Principal | None:
        """The claims of ``caller``'s token (None: no token at all)."""
        claims: dict[Caller, tuple[str, Role, str | None]] = {
            Caller.SELF: (self.subject, Role.ASN, self.opd),
            Caller.COLLEAGUE: (self.colleague, Role.ASN, self.opd),
            Caller.SUPERVISOR: (self.supervisor, Role.ATASAN, self.opd),
            Caller.OTHER_SUPERVISOR: (self.other_supervisor, Role.ATASAN, self.opd),
            Caller.HEAD: (self.head, Role.KEPALA_OPD, self.opd),
            Caller.OTHER_HEAD: (self.other_head, Role.KEPALA_OPD, self.other_opd),
            Caller.OTHER_HEAD_AS_OURS: (self.other_head, Role.KEPALA_OPD, self.opd),
            Caller.ASN_AS_HEAD: (self.asn_as_head, Role.KEPALA_OPD, self.opd),
            Caller.ASN_AS_SUPERVISOR: (self.asn_as_supervisor, Role.ATASAN, self.opd),
            Caller.ADMIN_BKD: (self.admin, Role.ADMIN_BKD, None),
            Caller.AUDITOR: (self.auditor, Role.AUDITOR, None),
            Caller.OPS: (self.ops, Role.OPS, None),
            Caller.APPLICATION: (APPLICATION, Role.SYSTEM, None),
        }
        if caller is Caller.ANONYMOUS:
            return None
        nip, role, opd = claims[caller]
        return Principal(nip=nip, role=role, opd_id=opd)

    def headers(self, caller: Caller) -> dict[str, str]:
        principal = self.principal(caller)
        if principal is None:
            return {}
        token = mint_token(principal, DEV_JWT_SECRET, issuer="wfa-platform")
        return {"Authorization": f"Bearer {token}"}

    def own(self, role: Role, nip: str, opd: str | None) -> dict[str, str]:
        """A token with the claims the roster agrees with, for seeding."""
        token = mint_token(
            Principal(nip=nip, role=role, opd_id=opd), DEV_JWT_SECRET, issuer="wfa-platform"
        )
        return {"Authorization": f"Bearer {token}"}


_PERSONS = (
    "head", "supervisor", "subject", "colleague", "other_supervisor", "asn_as_head",
    "asn_as_supervisor", "sanctioned", "other_head", "their_supervisor", "their_staff",
)  # fmt: skip
