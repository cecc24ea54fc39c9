"""Put crafted events straight onto the topics of the real broker, as the services would."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from schemas import Envelope
from services.runtime.kafka.broker import EventPublisher
from tests.support.infra import SEED_TIMEOUT_S


async def publish(
    bootstrap: str, events: Sequence[Envelope], *, client_name: str, times: int = 1
) -> None:
    """Publish ``events`` in order, ``times`` over (more than once: a replay)."""
    publisher = EventPublisher(
        [bootstrap],
        f"test-{client_name}-{uuid.uuid4().hex[:6]}",
        publish_timeout_s=SEED_TIMEOUT_S,
    )
    await publisher.start()
    try:
        for _ in range(times):
            await publisher.publish_many(events)
    finally:
        await publisher.stop()
