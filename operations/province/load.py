"""Drive the public APIs with a generated province at a given rate: the morning peak.

Each ASN of the province checks in once through ``POST /attendance/check-ins``, with a bearer
token signed with the platform's secret (as the apps' login would give), from the device the
prologue registered, at the office (a small GPS jitter), ``rate`` check-ins a second. The
people, their devices, the roster and the policies must be on the log first: the CLI writes
the province's prologue in bulk before it starts (``--no-setup`` skips that).

The answers are counted by status, with the latency of each call (p50, p95, p99).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from operations.province.model import Person, ProvinceConfig, iter_opds
from operations.province.plans import jitter
from services.runtime.edge.identity import Principal, Role, mint_token

__all__ = ["LoadReport", "drive_check_ins", "people_of", "roles_of", "token_for", "wait_ready"]


@dataclass
class LoadReport:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def calls(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def people_of(config: ProvinceConfig) -> Iterator[Person]:
    for opd in iter_opds(config):
        yield from opd.people


def roles_of(people: list[Person]) -> dict[str, Role]:
    """Each person's role as the roster shows it: the head of an OPD, the supervisor of
    record of someone, or an ASN (a token claiming more is refused)."""
    supervisors = {p.supervisor for p in people if p.supervisor is not None}
    return {
        p.nip: Role.KEPALA_OPD
        if p.head_capacity is not None
        else Role.ATASAN
        if p.nip in supervisors
        else Role.ASN
        for p in people
    }


def token_for(p: Person, role: Role, secret: str, issuer: str) -> str:
    return mint_token(Principal(nip=p.nip, role=role, opd_id=p.opd_id), secret, issuer=issuer)


def check_in_body(p: Person, now: datetime, n: int) -> dict[str, Any]:
    lat, lon = jitter(p.office, 60.0, p.nip, now.date(), "load", n)
    return {
        "location": {"lat": lat, "lon": lon},
        "accuracy_m": 12,
        "device_id": p.device_id,
        "device_seq": int(now.timestamp() * 1000) // 10,
        "at": now.isoformat(),
        "recorded_offline": False,
        "mode": "office",
    }


async def wait_ready(url: str, timeout_s: float = 120.0) -> None:
    """Wait for ``url``/ready to answer 200."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            try:
                if (await client.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}/ready did not answer 200 within {timeout_s:.0f}s")
            await asyncio.sleep(1.0)


async def drive_check_ins(
    people: list[Person],
    attendance_url: str,
    *,
    rate: float,
    secret: str,
    issuer: str,
    concurrency: int = 200,
    on_call: Callable[[], Any] | None = None,
    warm_up_s: float = 120.0,
) -> LoadReport:
    """Every person checks in once, ``rate`` calls a second (open loop: calls start on
    schedule whatever the answers take, at most ``concurrency`` at once).

    The first person's check-in is retried first until it is recorded (the service may still
    be reading the roster and devices the prologue wrote), within ``warm_up_s``.
    """
    report = LoadReport()
    if not people:
        return report
    roles = roles_of(people)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=attendance_url, timeout=30, limits=limits) as client:
        first = people[0]
        await _warm_up(client, token_for(first, roles[first.nip], secret, issuer), first, warm_up_s)
        gate = asyncio.Semaphore(concurrency)
        tasks: list[asyncio.Task[None]] = []
        started = time.perf_counter()

        async def one(n: int, p: Person) -> None:
            async with gate:
                token = token_for(p, roles[p.nip], secret, issuer)
                headers = {"Authorization": f"Bearer {token}"}
                body = check_in_body(p, datetime.now(UTC), n)
                t0 = time.perf_counter()
                try:
                    answer = await client.post("/attendance/check-ins", json=body, headers=headers)
                except httpx.HTTPError as exc:
                    report.errors[type(exc).__name__] += 1
                else:
                    report.statuses[answer.status_code] += 1
                    report.latencies_ms.append((time.perf_counter() - t0) * 1000)
                if on_call is not None:
                    on_call()

        for n, p in enumerate(people[1:], start=1):
            due = started + (n - 1) / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, p)))
        await asyncio.gather(*tasks)
        report.seconds = time.perf_counter() - started
    return report


async def _warm_up(client: httpx.AsyncClient, token: str, p: Person, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    headers = {"Authorization": f"Bearer {token}"}
    last = ""
    while time.monotonic() < deadline:
        body = check_in_body(p, datetime.now(UTC), 0)
        try:
            answer = await client.post("/attendance/check-ins", json=body, headers=headers)
        except httpx.HTTPError as exc:
            last = repr(exc)
        else:
            if answer.status_code == 201:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        await asyncio.sleep(1.0)
    raise TimeoutError(f"no check-in recorded within {timeout_s:.0f}s; last answer: {last}")
