"""Versioned WFA policy of an OPD: what BKD admins configure, per OPD, over time.

Permen PANRB 4/2025 makes flexible work optional and "not a right", so a policy starts with
WFA off (:func:`default_policy`). Each change is a new :class:`OpdPolicy` version with the day
it takes effect; :meth:`PolicyHistory.in_force_on` picks the version that decides a given day,
so every decision can be replayed under the rules that applied at the time.

Non-working days are the national calendar (:mod:`kernel.holidays`: libur nasional and the
SKB 3 Menteri's cuti bersama) plus the policy's own ``holidays`` and ``joint_leave``, minus the
national days the policy declares ``working_days``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from math import floor
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.holidays import CUTI_BERSAMA, NATIONAL_HOLIDAYS
from kernel.positions import (
    ADMINISTRATIVE_CATEGORIES,
    NEVER_ELIGIBLE_CATEGORIES,
)
from kernel.work_calendar import (
    CUTI_BERSAMA_2025,
    LEBARAN_2025,
    NATARU_2025,
    NATIONAL_HOLIDAYS_2025,
    STATUTORY_WEEKLY_CAP_DAYS,
    DateRange,
    SpecialWindow,
    is_weekend,
)
from kernel.working_time import (
    REGULAR_WORKING_TIME,
    TimeZoneCode,
    WorkingTime,
)
from schemas.events import NonBlankStr
from schemas.limits import MAX_POLICY_SETTINGS_BYTES, ContractDate, Identifier, json_size

__all__ = [
    "CUTI_BERSAMA_2025",
    "DEFAULT_MAX_AWAY_SHARE",
    "LEBARAN_2025",
    "MAX_CALENDAR_DAYS",
    "MAX_WEEKLY_CAP_DAYS",
    "MAX_WINDOWS",
    "NATARU_2025",
    "NATIONAL_HOLIDAYS_2025",
    "DateRange",
    "NonWorkingReason",
    "OpdPolicy",
    "PolicyHistory",
    "PolicySettings",
    "SpecialWindow",
    "WorkingTime",
    "allowed_away",
    "default_policy",
]

MAX_WEEKLY_CAP_DAYS: Final = STATUTORY_WEEKLY_CAP_DAYS
"""Permen PANRB 4/2025 art. 13(1): location flexibility on at most 2 working days a week."""

DEFAULT_MAX_AWAY_SHARE: Final = 0.2
"""Share of a work unit that may be away on one day unless the OPD sets another (Banten: 20%)."""

MAX_WINDOWS: Final = 24
"""Special windows one policy version may set (a year has a handful of circulars)."""

MAX_CALENDAR_DAYS: Final = 366
"""Days each of the policy's own holiday, joint-leave and working-day lists may name."""

NonWorkingReason = Literal["weekend", "holiday", "joint_leave"]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

_IDENTITY_FIELDS: Final = frozenset({"opd_id", "version", "effective_from"})
"""Fields of :class:`OpdPolicy` that say which version it is, not what it says."""


def allowed_away(share: float, unit_size: int) -> int:
    """How many staff of a unit of ``unit_size`` may be away: ``floor(share * size)``, >= 0.

    Computed in decimal so that e.g. 29% of 100 is 29, not 28 through float rounding.
    """
    return max(0, floor(Decimal(str(share)) * unit_size))


class PolicySettings(BaseModel):
    """What one version of an OPD's WFA policy says (without which OPD, version and day)."""

    model_config = _FROZEN

    wfa_enabled: bool = Field(
        default=False, description="WFA is optional for an OPD and not a right; off by default."
    )
    weekly_cap_days: int = Field(
        default=MAX_WEEKLY_CAP_DAYS,
        ge=1,
        le=MAX_WEEKLY_CAP_DAYS,
        description="WFA days allowed per ISO week (art. 13(1): at most 2).",
    )
    eligible_categories: frozenset[Identifier] = Field(
        default=ADMINISTRATIVE_CATEGORIES,
        description="Position categories the task mapping found fit for WFA.",
    )
    cap_exempt_categories: frozenset[Identifier] = Field(
        default=frozenset(),
        description='Categories exempt from the weekly cap, e.g. "tugas_luar" (field duty).',
    )
    max_away_share: float = Field(
        default=DEFAULT_MAX_AWAY_SHARE,
        ge=0,
        le=1,
        description="Share of a work unit that may be away on one day.",
    )
    windows: tuple[SpecialWindow, ...] = Field(
        default=(),
        max_length=MAX_WINDOWS,
        description="Special windows set by circular (Nataru, Lebaran, ...).",
    )
    window_only: bool = Field(
        default=False, description="When true, WFA is allowed only on window days."
    )
    holidays: frozenset[ContractDate] = Field(
        default=frozenset(),
        max_length=MAX_CALENDAR_DAYS,
        description=(
            "Holidays beyond the national calendar (libur nasional of the SKB 3 Menteri, "
            "always applied), e.g. a regional holiday."
        ),
    )
    joint_leave: frozenset[ContractDate] = Field(
        default=frozenset(),
        max_length=MAX_CALENDAR_DAYS,
        description="Joint leave days (cuti bersama) beyond the national calendar's.",
    )
    working_days: frozenset[ContractDate] = Field(
        default=frozenset(),
        max_length=MAX_CALENDAR_DAYS,
        description=(
            "Days of the national calendar (holiday or cuti bersama) that this OPD declares "
            "working days."
        ),
    )
    essential_units: frozenset[Identifier] = Field(
        default=frozenset(),
        description="Work units that stay on site on window days (health, transport, security).",
    )
    timezone: TimeZoneCode = Field(default="WIB", description="Local time zone of the OPD.")
    working_time: WorkingTime = Field(
        default=REGULAR_WORKING_TIME, description="Working-time profile (Perpres 21/2023)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> PolicySettings:
        forbidden = self.eligible_categories & NEVER_ELIGIBLE_CATEGORIES
        if forbidden:
            raise ValueError(
                f"categories {sorted(forbidden)} can never be eligible for WFA / "
                "kategori ini tidak pernah dapat WFA"
            )
        names = [window.name for window in self.windows]
        if len(set(names)) != len(names):
            raise ValueError("window names must be unique / nama jendela tidak boleh berulang")
        both = self.working_days & (self.holidays | self.joint_leave)
        if both:
            raise ValueError(
                f"days {sorted(d.isoformat() for d in both)} are listed both as working days "
                "and as holidays / hari ini tercantum sebagai hari kerja dan hari libur"
            )
        seen: dict[date, str] = {}
        for window in self.windows:
            for day in window.days():
                if day in seen:
                    raise ValueError(
                        f"windows {seen[day]!r} and {window.name!r} overlap on {day.isoformat()}"
                    )
                seen[day] = window.name
        return self

    @model_validator(mode="after")
    def _fits_the_published_document(self) -> PolicySettings:
        # the settings travel in OpdPolicyPublished.settings, a document bounded in bytes
        size = json_size(self.model_dump(mode="json", exclude=set(_IDENTITY_FIELDS)))
        if size > MAX_POLICY_SETTINGS_BYTES:
            raise ValueError(
                f"the settings are {size} bytes as JSON; at most {MAX_POLICY_SETTINGS_BYTES} "
                f"allowed / pengaturan berukuran {size} byte sebagai JSON; paling besar "
                f"{MAX_POLICY_SETTINGS_BYTES} byte"
            )
        return self

    def non_working_reason(self, day: date) -> NonWorkingReason | None:
        """Why ``day`` is not a working day, or None if it is one."""
        if is_weekend(day):
            return "weekend"
        if day in self.holidays:
            return "holiday"
        if day in self.joint_leave:
            return "joint_leave"
        if day in self.working_days:
            return None
        if day in NATIONAL_HOLIDAYS:
            return "holiday"
        if day in CUTI_BERSAMA:
            return "joint_leave"
        return None

    def weekly_cap_for(self, days: Iterable[date]) -> tuple[int, SpecialWindow | None]:
        """The weekly cap for requested ``days`` of one ISO week, and the window setting it.

        When every one of the days lies in a window with its own cap, the smallest such cap
        applies (a window may allow more, as Nataru 2025 did, or less); otherwise the OPD's.
        """
        windows = [self.window_on(day) for day in days]
        capped = [w for w in windows if w is not None and w.weekly_cap_days is not None]
        if not windows or len(capped) != len(windows):
            return self.weekly_cap_days, None
        window = min(capped, key=lambda w: w.weekly_cap_days or 0)
        return window.weekly_cap_days or self.weekly_cap_days, window

    def window_on(self, day: date) -> SpecialWindow | None:
        """The special window listing ``day``, if any (windows never overlap)."""
        return next((window for window in self.windows if day in window), None)

    def restricting_window(self, day: date) -> SpecialWindow | None:
        """A ``requires_window`` window whose span holds ``day`` but which does not list it."""
        return next(
            (
                window
                for window in self.windows
                if window.requires_window and window.spans(day) and day not in window
            ),
            None,
        )

    def away_share_on(self, day: date) -> float:
        """Share of a unit that may be away on ``day``: the window's override, else the OPD's."""
        window = self.window_on(day)
        if window is not None and window.max_away_share is not None:
            return window.max_away_share
        return self.max_away_share

    def is_cap_exempt(self, category: str) -> bool:
        return category in self.cap_exempt_categories


class OpdPolicy(PolicySettings):
    """One version of an OPD's WFA policy."""

    opd_id: NonBlankStr = Field(description="The OPD this policy governs.")
    version: int = Field(ge=1, description="Version number; higher wins from its effective day.")
    effective_from: date = Field(description="First day this version decides.")

    @classmethod
    def from_settings(
        cls, opd_id: str, version: int, effective_from: date, settings: dict[str, Any]
    ) -> OpdPolicy:
        """A version from its published settings (raises ``ValidationError`` if invalid)."""
        stray = _IDENTITY_FIELDS & settings.keys()
        if stray:
            raise ValueError(f"settings must not carry {sorted(stray)}")
        return cls.model_validate(
            {**settings, "opd_id": opd_id, "version": version, "effective_from": effective_from}
        )

    def settings(self) -> dict[str, Any]:
        """Every setting as JSON, sets sorted, for ``OpdPolicyPublished.settings``."""
        dumped = self.model_dump(mode="json", exclude=set(_IDENTITY_FIELDS))
        return {
            key: sorted(value) if isinstance(getattr(self, key), frozenset) else value
            for key, value in dumped.items()
        }


class PolicyHistory(BaseModel):
    """All versions of one OPD's policy."""

    model_config = _FROZEN

    opd_id: NonBlankStr = Field(description="The OPD whose policy versions these are.")
    policies: tuple[OpdPolicy, ...] = Field(default=(), description="Versions, in any order.")

    @model_validator(mode="after")
    def _one_opd_unique_versions(self) -> PolicyHistory:
        versions = [policy.version for policy in self.policies]
        if len(set(versions)) != len(versions):
            raise ValueError("policy versions must be unique / versi kebijakan tidak boleh sama")
        for policy in self.policies:
            if policy.opd_id != self.opd_id:
                raise ValueError(
                    f"policy of OPD {policy.opd_id!r} in the history of {self.opd_id!r}"
                )
        return self

    def in_force_on(self, day: date) -> OpdPolicy | None:
        """The highest version whose ``effective_from`` is on or before ``day``."""
        candidates = [policy for policy in self.policies if policy.effective_from <= day]
        return max(candidates, key=lambda policy: policy.version, default=None)

    @property
    def latest(self) -> OpdPolicy | None:
        """The highest version, whatever its effective day."""
        return max(self.policies, key=lambda policy: policy.version, default=None)

    def with_policy(self, policy: OpdPolicy) -> PolicyHistory:
        """A new history with ``policy`` added (validated like any other)."""
        return PolicyHistory(opd_id=self.opd_id, policies=(*self.policies, policy))


def default_policy(opd_id: str, *, effective_from: date = date.min) -> OpdPolicy:
    """Version 1 of a new OPD's policy: WFA off, the statutory defaults, the known windows."""
    return OpdPolicy(
        opd_id=opd_id,
        version=1,
        effective_from=effective_from,
        windows=(NATARU_2025, LEBARAN_2025),
    )
