"""The baseline for HTTP writes: a bare FastAPI app that sends the body to Kafka and answers.

``BENCH_KAFKA=0`` answers without Kafka. Run: ``uvicorn --factory tests.bench.bare_app:create_app``
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI, Request
from fastapi.responses import Response

TOPIC = "bench.bare.v1"


def create_app() -> FastAPI:
    use_kafka = os.environ.get("BENCH_KAFKA", "1") == "1"
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    state: dict[str, AIOKafkaProducer] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if use_kafka:
            producer = AIOKafkaProducer(
                bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
            )
            await producer.start()
            state["producer"] = producer
        try:
            yield
        finally:
            if use_kafka:
                await state["producer"].stop()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    # the attendance API's path too, so that one load driver calls either
    @app.post("/check-ins", status_code=201)
    @app.post("/attendance/check-ins", status_code=201)
    async def check_in(request: Request) -> Response:
        body = orjson.loads(await request.body())
        value = orjson.dumps(body)
        if use_kafka:
            future = await state["producer"].send(TOPIC, value=value, key=b"bench")
            await future
        return Response(orjson.dumps({"status": "recorded"}), 201, media_type="application/json")

    return app
