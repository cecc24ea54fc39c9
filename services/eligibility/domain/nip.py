"""NIP (Nomor Induk Pegawai) plausibility checks: pure, no I/O, no clock reads.

An 18-digit NIP of a PNS encodes::

    YYYYMMDD  YYYYMM  G  NNN
    birth     TMT     |  sequence (001-999)
    date      CPNS    gender: 1 = male (L, laki-laki), 2 = female (P, perempuan)

``schemas.events.Nip`` only checks the shape (18 ASCII digits); :func:`parse_nip` also checks
that the embedded dates are possible and consistent with ``today``:

=================================  ===================================================
code                               refused when
=================================  ===================================================
``NIP_FORMAT``                     not exactly 18 ASCII digits
``NIP_BIRTH_DATE_INVALID``         the first 8 digits are not a calendar date
``NIP_BIRTH_YEAR_TOO_EARLY``       born before 1940
``NIP_TOO_YOUNG``                  younger than 18 on ``today`` (or born in the future)
``NIP_APPOINTMENT_MONTH_INVALID``  appointment (TMT) month is not 01-12
``NIP_APPOINTMENT_BEFORE_ADULT``   appointment month ends before the 18th birthday
``NIP_APPOINTMENT_IN_FUTURE``      appointment month is after the month of ``today``
``NIP_GENDER_INVALID``             gender digit is not 1 or 2
``NIP_SEQUENCE_INVALID``           sequence is 000
=================================  ===================================================

Checks run in the order of the table and the first failure is raised. Someone born on
29 February turns 18 on 1 March in a non-leap year (the conservative reading).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.refusal import RefusalKind
from kernel.work_calendar import add_years
from services.eligibility.messages import MESSAGES

__all__ = [
    "ADULT_AGE",
    "EARLIEST_BIRTH_YEAR",
    "NipInfo",
    "age_on",
    "parse_nip",
]

ADULT_AGE = 18
"""Minimum age of an ASN, in years, on the day of appointment and today."""

EARLIEST_BIRTH_YEAR = 1940
"""Birth years before this are treated as data errors."""

_NIP_RE = re.compile(r"[0-9]{18}")


class NipInfo(BaseModel):
    """What a valid NIP says about its holder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    birth_date: date = Field(description="Date of birth (digits 1-8).")
    appointment_month: tuple[int, int] = Field(
        description="(year, month) of the CPNS appointment, TMT (digits 9-14)."
    )
    gender: Literal["L", "P"] = Field(description="L = laki-laki (male), P = perempuan (female).")
    sequence: int = Field(ge=1, le=999, description="Sequence number (digits 16-18).")


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day`` (negative if ``day`` is before the birth)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def parse_nip(nip: str, *, today: date) -> NipInfo:
    """Decode ``nip`` and check it is plausible on ``today``; raise an invalid
    :class:`~kernel.refusal.Refusal` (code ``NIP_...``) if not."""
    if not isinstance(nip, str) or _NIP_RE.fullmatch(nip) is None:
        raise MESSAGES.refusal(RefusalKind.INVALID, "NIP_FORMAT")
    birth = _birth_date(nip[0:8])
    if birth.year < EARLIEST_BIRTH_YEAR:
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "NIP_BIRTH_YEAR_TOO_EARLY",
            birth_year=birth.year,
            earliest_birth_year=EARLIEST_BIRTH_YEAR,
        )
    if age_on(birth, today) < ADULT_AGE:
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "NIP_TOO_YOUNG",
            birth=birth.isoformat(),
            adult_age=ADULT_AGE,
            today=today.isoformat(),
        )
    appointment = _appointment_month(nip[8:14], birth, today)
    gender_digit = nip[14]
    if gender_digit not in ("1", "2"):
        raise MESSAGES.refusal(RefusalKind.INVALID, "NIP_GENDER_INVALID", gender_digit=gender_digit)
    sequence = int(nip[15:18])
    if sequence == 0:
        raise MESSAGES.refusal(RefusalKind.INVALID, "NIP_SEQUENCE_INVALID")
    return NipInfo(
        birth_date=birth,
        appointment_month=appointment,
        gender="L" if gender_digit == "1" else "P",
        sequence=sequence,
    )


def _birth_date(digits: str) -> date:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise MESSAGES.refusal(
            RefusalKind.INVALID, "NIP_BIRTH_DATE_INVALID", digits=digits
        ) from None


def _appointment_month(digits: str, birth: date, today: date) -> tuple[int, int]:
    year, month = int(digits[0:4]), int(digits[4:6])
    if not 1 <= month <= 12:
        raise MESSAGES.refusal(RefusalKind.INVALID, "NIP_APPOINTMENT_MONTH_INVALID", digits=digits)
    adult_on = add_years(birth, ADULT_AGE)
    if (year, month) < (adult_on.year, adult_on.month):
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "NIP_APPOINTMENT_BEFORE_ADULT",
            year=year,
            month=month,
            adult_age=ADULT_AGE,
            adult_on=adult_on.isoformat(),
        )
    if (year, month) > (today.year, today.month):
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "NIP_APPOINTMENT_IN_FUTURE",
            year=year,
            month=month,
            today_year=today.year,
            today_month=today.month,
        )
    return year, month
