"""What a reader may see of the projections (a pure value; the roster decides it)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Which rows a reader may see and asked for ("" and None mean: any)."""

    opd_id: str = ""
    nip: str = ""
    nips: Collection[str] | None = None
    """When set, only rows of these NIPs."""

    def admits(self, nip: str) -> bool:
        """Whether rows of ``nip`` can be in this scope (the OPD is checked by the query)."""
        return (not self.nip or self.nip == nip) and (self.nips is None or nip in self.nips)

    def params(self) -> dict[str, object]:
        """The scope as the query parameters ``opd_id``, ``nip``, ``any_nip`` and ``nips``."""
        return {
            "opd_id": self.opd_id,
            "nip": self.nip,
            "any_nip": 1 if self.nips is None else 0,
            "nips": sorted(self.nips or ()),
        }
