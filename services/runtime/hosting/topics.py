"""The topics a service declares before it starts anything that reads or writes them.

Every topic the service needs: the contract's, the service's own, its idempotency ledger, and
the changelog of every faust table with the partition count of its source (broker-side
auto-creation is off: a topic created by accident would have the wrong partition count and
the tables would hold nothing). Topics that hold precise positions (the contract's
``RESTRICTED_TOPICS`` and the service's ``restricted_topics``) keep records only for
``LOCATION_RETENTION_DAYS`` (:mod:`services.runtime.kafka.restricted_topics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from schemas.topics import DEFAULT_PARTITIONS, RESTRICTED_TOPICS, TOPICS, TopicSpec
from services.runtime.edge.idempotency import ledger_topic
from services.runtime.hosting.definition import ServiceDefinition
from services.runtime.kafka.broker import ensure_topics, topic_partitions
from services.runtime.kafka.restricted_topics import restrict_existing, restricted_config
from services.runtime.settings import Settings


class StateTopicMismatch(RuntimeError):
    """A table's changelog cannot hold the table's state; retrying will not help."""


def faust_needed(app: faust.App) -> bool:
    """Whether the service runs a faust worker: it has agents or tables."""
    return bool(app.agents) or bool(app.tables)


def _faust_topics(
    app: faust.App, settings: Settings, restricted: frozenset[str] = frozenset()
) -> tuple[list[TopicSpec], dict[str, Any]]:
    """The changelog topic of every table, compacted, with its source's partition count.

    A changelog named in ``restricted`` (its table holds positions) is also deleted by age,
    with the location retention.
    """
    specs: list[TopicSpec] = []
    partitions: dict[str, int] = {}
    configs: dict[str, dict[str, str]] = {}
    for table in app.tables.values():
        name = table.changelog_topic.get_topic_name()
        specs.append(TopicSpec(name=name, description=f"changelog of {table.name}", key="key"))
        partitions[name] = table.partitions or settings.topic_partitions
        configs[name] = (
            restricted_config(settings, compacted=True)
            if name in restricted
            else {"cleanup.policy": "compact"}
        )
    return specs, {"partitions_of": partitions, "configs": configs}


def _restricted_configs(
    specs: Sequence[TopicSpec], restricted: frozenset[str], settings: Settings
) -> dict[str, dict[str, str]]:
    """The config of every restricted topic among ``specs``."""
    return {
        spec.name: restricted_config(settings)
        for spec in specs
        if spec.name in RESTRICTED_TOPICS or spec.name in restricted
    }


async def _check_table_partitions(settings: Settings, expected: dict[str, int]) -> None:
    """Every changelog is complete and has its source's partition count, or boot stops.

    A changelog with another count (created by hand, or by a broker that auto-creates
    topics) would make every table write fail: the service would decide without holding
    anything. It is refused loudly instead, with what to do about it.
    """
    actual = await topic_partitions(settings.kafka_servers, list(expected))
    wrong = {name: (actual.get(name), n) for name, n in expected.items() if actual.get(name) != n}
    if wrong:
        details = "; ".join(
            f"{name} has {got} partitions, needs {n}" for name, (got, n) in wrong.items()
        )
        raise StateTopicMismatch(
            f"state topics with the wrong partition count ({details}). They hold no state a "
            "decision can rely on: delete them (they are rebuilt from the commands) or set "
            "TOPIC_PARTITIONS to match."
        )


class TopicDeclaration:
    """What one service declares on the broker, worked out once before the first attempt."""

    def __init__(
        self, definition: ServiceDefinition, settings: Settings, faust_app: faust.App | None
    ) -> None:
        """``faust_app``: the service's faust app once finalized, when it runs one."""
        self.settings = settings
        self.ledger_spec, self.ledger_config = ledger_topic(
            settings.idempotency_topic, settings.idempotency_retention_h
        )
        self.restricted = frozenset(definition.restricted_topics(settings))
        self.table_specs, self.table_options = (
            _faust_topics(faust_app, settings, self.restricted) if faust_app else ([], {})
        )
        self.event_specs = (*TOPICS, *definition.topics(settings), self.ledger_spec)
        self.event_configs = _restricted_configs(self.event_specs, self.restricted, settings)

    async def declare(self) -> None:
        """Create what is missing, check the changelogs, restrict what holds positions."""
        settings = self.settings
        await ensure_topics(
            settings.kafka_servers,
            self.event_specs,
            partitions=settings.topic_partitions,
            replication=settings.topic_replication,
            configs={**self.event_configs, self.ledger_spec.name: self.ledger_config},
            # a contract topic with a partition count of its own keeps it (geofences: 1)
            partitions_of={
                spec.name: spec.partitions
                for spec in TOPICS
                if spec.partitions != DEFAULT_PARTITIONS
            },
        )
        if self.table_specs:
            await ensure_topics(
                settings.kafka_servers,
                self.table_specs,
                partitions=settings.topic_partitions,
                replication=settings.topic_replication,
                **self.table_options,
            )
            await _check_table_partitions(settings, self.table_options["partitions_of"])
        await restrict_existing(
            settings.kafka_servers,
            {
                **self.event_configs,
                **{
                    name: config
                    for name, config in self.table_options.get("configs", {}).items()
                    if name in self.restricted
                },
            },
        )
