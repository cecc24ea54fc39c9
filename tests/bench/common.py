"""What every benchmark shares: figures measured beside a baseline, and synthetic events."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from schemas import new_event
from schemas.events import GeoPoint, SharedPlace, WfaRequested, WorkTarget

NIP = "199001012015031001"


@dataclass
class Measure:
    """One way of doing the work: a rate (median of its runs) and, for requests, latencies."""

    name: str
    rates: list[float]
    unit: str = "events/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    note: str = ""

    @property
    def rate(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0


@dataclass
class Figure:
    """A figure of ours beside another way of doing the same work, measured in the same run."""

    name: str
    ours: Measure
    baselines: list[Measure] = field(default_factory=list)
    target: str = ""

    def ratio(self, baseline: Measure) -> float:
        return self.ours.rate / baseline.rate if baseline.rate else float("nan")

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "ours": {**asdict(self.ours), "rate": self.ours.rate},
            "baselines": [
                {**asdict(b), "rate": b.rate, "ratio": self.ratio(b)} for b in self.baselines
            ],
        }


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median_of(runs: int, measure: Callable[[], float]) -> list[float]:
    return [measure() for _ in range(runs)]


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def requested_envelope(i: int, *, opd: str = "bench-opd", nip: str = NIP) -> Any:
    payload = WfaRequested(
        request_id=f"req-{i}",
        nip=nip,
        work_unit_id="sekretariat",
        dates=[date(2026, 12, 1)],
        place=SharedPlace.of(
            GeoPoint(lat=-6.2, lon=106.8, address="Jl. Medan Merdeka Selatan 8-9")
        ),
        reason="Menyusun laporan evaluasi",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )
    return new_event(payload, actor=nip, subject=nip, opd_id=opd)
