"""A light HTTP/1.1 load generator, run in its own process(es) so it does not share the server's
event loop: ``concurrency`` keep-alive connections, each sending requests one after another."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse


@dataclass
class LoadResult:
    count: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _request(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(
    url: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    unique_key: bool,
    warmup_until: float,
    stop_at: float,
    result: LoadResult,
) -> None:
    parsed = urlparse(url)
    host = f"{parsed.hostname}:{parsed.port}"
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    try:
        while (now := time.monotonic()) < stop_at:
            extra = {"Idempotency-Key": uuid.uuid4().hex} if unique_key else {}
            writer.write(_request(host, path, body, {**headers, **extra}))
            started = time.perf_counter()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if now < warmup_until:
                continue
            result.count += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status >= 300:
                result.errors += 1
            result.latencies_ms.append(elapsed_ms)
    finally:
        writer.close()


async def _load(
    url: str,
    path: str,
    body: bytes,
    headers: Sequence[dict[str, str]],
    unique_key: bool,
    warmup_s: float,
    seconds: float,
) -> LoadResult:
    result = LoadResult(seconds=seconds)
    warmup_until = time.monotonic() + warmup_s
    stop_at = warmup_until + seconds
    await asyncio.gather(
        *(
            _connection(url, path, body, h, unique_key, warmup_until, stop_at, result)
            for h in headers
        )
    )
    return result


def _worker(args: tuple[object, ...], queue: multiprocessing.Queue[LoadResult]) -> None:
    queue.put(asyncio.run(_load(*args)))  # type: ignore[arg-type]


def run_load(
    url: str,
    path: str,
    body: bytes,
    headers: Sequence[dict[str, str]],
    *,
    unique_key: bool = False,
    processes: int = 1,
    warmup_s: float = 2.0,
    seconds: float = 10.0,
) -> LoadResult:
    """One connection per entry of ``headers``, spread over ``processes`` processes."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[LoadResult] = context.Queue()
    workers = []
    for i in range(processes):
        share = list(headers[i::processes])
        args = (url, path, body, share, unique_key, warmup_s, seconds)
        worker = context.Process(target=_worker, args=(args, queue))
        worker.start()
        workers.append(worker)
    total = LoadResult(seconds=seconds)
    for _ in workers:
        part = queue.get(timeout=warmup_s + seconds + 120)
        total.count += part.count
        total.errors += part.errors
        total.latencies_ms += part.latencies_ms
        for status, n in part.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + n
    for worker in workers:
        worker.join(timeout=30)
    return total
