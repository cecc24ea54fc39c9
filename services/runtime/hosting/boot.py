"""The faust app every service process makes from its settings."""

from __future__ import annotations

import faust

from services.runtime.settings import Settings


def make_faust_app(settings: Settings) -> faust.App:
    brokers = ";".join(f"kafka://{server}" for server in settings.kafka_servers)
    datadir = settings.service_data_dir / "faust"
    return faust.App(
        settings.group_id,
        broker=brokers,
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        producer_acks=-1,
        stream_wait_empty=False,
    )
