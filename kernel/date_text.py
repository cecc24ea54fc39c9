"""Dates, weeks and shares written for people, in Bahasa Indonesia or English."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

__all__ = [
    "Lang",
    "format_date",
    "format_dates",
    "format_share",
    "format_week",
    "weekday_name",
]

Lang = Literal["id", "en"]
"""Language of a user-facing text: ``id`` Bahasa Indonesia, ``en`` English."""

_MONTHS: dict[Lang, tuple[str, ...]] = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

_WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def weekday_name(day: date, lang: Lang) -> str:
    """``Senin`` / ``Monday`` ... for ``day``."""
    return _WEEKDAYS[lang][day.weekday()]


def format_date(day: date, lang: Lang, *, weekday: bool = False) -> str:
    """``29 Desember 2025`` / ``29 December 2025``; with ``weekday``: ``Senin, 29 ...``."""
    text = f"{day.day} {_MONTHS[lang][day.month - 1]} {day.year}"
    return f"{weekday_name(day, lang)}, {text}" if weekday else text


def format_dates(days: Iterable[date], lang: Lang) -> str:
    """Several dates joined with commas, in ascending order."""
    return ", ".join(format_date(day, lang) for day in sorted(days))


def format_week(week: tuple[int, int], lang: Lang) -> str:
    """An ISO week with its Monday-Sunday span, e.g. ``minggu 2026-W01 (29 Desember ...)``."""
    year, number = week
    monday = date.fromisocalendar(year, number, 1)
    sunday = monday + timedelta(days=6)
    if lang == "id":
        span = f"{format_date(monday, 'id')} s.d. {format_date(sunday, 'id')}"
        return f"minggu {year}-W{number:02d} ({span})"
    span = f"{format_date(monday, 'en')} to {format_date(sunday, 'en')}"
    return f"ISO week {year}-W{number:02d} ({span})"


def format_share(share: float, lang: Lang) -> str:
    """A share 0-1 as a percentage: ``0.2`` -> ``20%``, ``0.125`` -> ``12,5%`` / ``12.5%``."""
    percent = f"{float(Decimal(str(share)) * 100):g}"
    return f"{percent.replace('.', ',') if lang == 'id' else percent}%"
