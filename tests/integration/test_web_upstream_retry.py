"""The gateway sends a repeatable request once more when the service drops the connection
before answering (a pooled keep-alive connection closed at that very moment), and never a
write that could be recorded twice. Against a real TCP server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.runtime.edge.errors import ApiError
from services.web.upstream import make_client, open_upstream

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"


class DroppingServer:
    """Closes the first ``drops`` connections after reading the request head; answers 200 on
    the others. Counts the requests it read."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests = 0
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.requests += 1
        if self.drops > 0:
            self.drops -= 1
        else:
            writer.write(ANSWER)
            await writer.drain()
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[DroppingServer]:
    dropping = DroppingServer(drops=1)
    listener = await asyncio.start_server(dropping.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    dropping.url = f"http://127.0.0.1:{port}/reporting/opds"
    async with listener:
        yield dropping


async def test_a_read_is_sent_again_when_the_connection_drops(server: DroppingServer) -> None:
    async with make_client(5.0) as client:
        answer = await open_upstream(client, "reporting", client.build_request("GET", server.url))
        assert answer.status_code == 200 and await answer.aread() == b"ok"
        await answer.aclose()
    assert server.requests == 2


async def test_a_keyed_write_is_sent_again(server: DroppingServer) -> None:
    async with make_client(5.0) as client:
        request = client.build_request(
            "POST", server.url, content=b"{}", headers={"Idempotency-Key": "k-1"}
        )
        answer = await open_upstream(client, "reporting", request)
        assert answer.status_code == 200
        await answer.aclose()
    assert server.requests == 2


async def test_a_write_without_a_key_is_not_repeated(server: DroppingServer) -> None:
    async with make_client(5.0) as client:
        request = client.build_request("POST", server.url, content=b"{}")
        with pytest.raises(ApiError) as refused:
            await open_upstream(client, "reporting", request)
    assert refused.value.status == 502 and refused.value.code == "upstream_failed"
    assert server.requests == 1
