"""Topics that hold precise positions (UU PDP): created with the location retention.

``wfa.locations.v1`` (the contract's ``RESTRICTED_TOPICS``) and a service's internal topics
holding positions (repartition topics, changelogs of tables keyed by or holding coordinates)
keep records only for ``LOCATION_RETENTION_DAYS``: ``retention.ms`` is the retention, and
``segment.ms`` is at most one day (never more than the retention), because Kafka deletes whole
closed segments only: a segment still open would keep its oldest record past the retention.
Changelogs stay compacted and are deleted by age too (``cleanup.policy=compact,delete``).

A restricted topic that already exists and keeps records forever (created before it was
restricted) is given the retention at boot; a retention set on it in any other way is left
as it is (change it with ``kafka-configs.sh``), so services booted with different settings
never undo one another.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from services.runtime.kafka.security import client_security
from services.runtime.settings import Settings

log = logging.getLogger(__name__)

DAY_MS = 86_400_000


def restricted_config(settings: Settings, *, compacted: bool = False) -> dict[str, str]:
    """Topic config of a restricted topic under ``settings.location_retention_ms``."""
    retention = settings.location_retention_ms
    return {
        "cleanup.policy": "compact,delete" if compacted else "delete",
        "retention.ms": str(retention),
        "retention.bytes": "-1",
        "segment.ms": str(max(1, min(DAY_MS, retention))),
    }


async def restrict_existing(bootstrap: list[str], configs: Mapping[str, dict[str, str]]) -> None:
    """Give ``configs`` to those of the named topics that exist and keep records forever."""
    if not configs:
        return
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **client_security()
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        names = [name for name in configs if name in existing]
        if not names:
            return
        responses = await admin.describe_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, name, {"retention.ms": None})
                for name in names
            ]
        )
        forever: list[str] = []
        for response in responses:
            for resource in response.resources:
                name, entries = resource[3], resource[4]
                retention = next((e[1] for e in entries if e[0] == "retention.ms"), None)
                if retention is not None and int(retention) < 0:
                    forever.append(name)
        if forever:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name, configs[name]) for name in forever]
            )
            log.info("restricted topics given the location retention: %s", forever)
    finally:
        await admin.close()
