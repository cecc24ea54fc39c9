"""Session-wide real infrastructure. Unit tests never touch these fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.infra import kafka_broker


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    with kafka_broker() as bootstrap:
        yield bootstrap
