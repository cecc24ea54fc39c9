"""Session-wide real infrastructure. Unit tests never touch these fixtures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from schemas.topics import DEFAULT_PARTITIONS, TOPICS
from services.runtime.kafka.broker import ensure_topics
from tests.support.bytecode import cache_bytecode
from tests.support.http_client import share_default_ssl_context
from tests.support.infra import kafka_broker
from tests.support.parallel import longest_first, unit_scheduler
from tests.support.processes import (
    PLATFORM,
    PLATFORM_ENV,
    ServiceProcess,
    SharedPlatform,
    leaked_secrets,
    running_services,
)

# Property tests judge what is generated, not how fast: on a loaded machine (two suites on two
# cores) generating an input or running one example may take seconds.
settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("suite")

cache_bytecode()
share_default_ssl_context()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    longest_first(items)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return unit_scheduler(config, log)


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_service_log() -> Iterator[None]:
    """At the end of the session, every log of every service process it started is searched
    for the secrets that service was given (JWT secret, signing keys, passwords): none may
    appear in any of them."""
    yield
    leaks = leaked_secrets()
    assert not leaks, f"secrets in service logs: {leaks}"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A real broker with the contract's topics declared, as every service declares them at
    boot: a test may publish events before it starts the services that read them (the broker
    never creates topics by itself)."""
    with kafka_broker() as bootstrap:
        asyncio.run(
            ensure_topics(
                [bootstrap],
                TOPICS,
                partitions=DEFAULT_PARTITIONS,
                replication=1,
                partitions_of={s.name: s.partitions for s in TOPICS},
            )
        )
        yield bootstrap


@pytest.fixture(scope="session")
def shared_platform(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedPlatform]:
    """One platform (eligibility, attendance, reporting, audit) for every module that runs
    with default settings, started on first use and kept for the session: each start reads
    the whole shared log, so a module that needs these services uses them rather than its own
    processes, and isolates its tests by data (its own OPD ids and NIPs)."""
    suffix = uuid.uuid4().hex[:8]
    with running_services(
        kafka_bootstrap,
        tmp_path_factory.mktemp("platform"),
        names=PLATFORM,
        group_suffix=suffix,
        extra_env=PLATFORM_ENV,
    ) as procs:
        yield SharedPlatform(procs, suffix, kafka_bootstrap)


@pytest.fixture(scope="session")
def audit_service(shared_platform: SharedPlatform) -> ServiceProcess:
    """The session's audit service: it archives the whole log once, then keeps up. Blocks are
    sealed half a second after their first event."""
    return shared_platform["audit"]
