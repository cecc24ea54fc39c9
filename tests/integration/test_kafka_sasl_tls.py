"""The platform on a broker that speaks only SASL_SSL (SCRAM-SHA-256 over TLS).

One local broker for the module, started by ``KAFKA_SECURITY=sasl_ssl deploy/kafka/kafka.sh
start`` with the certificates and SCRAM users the project's own setup makes
(``deploy/kafka/tls.py``). A real service process connects with credentials from its settings
and gets ready (its faust app, projectors and replicas all read over SASL_SSL); the platform's
publisher writes an event and its log reader reads it back; a wrong password and a plaintext
client are refused; and none of the secrets given to the service (the Kafka password,
JWT_SECRET, the audit signing key) appears in its logs, in its answers or in the broker's logs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaError

from schemas import decode_event, to_record
from schemas.serialization import KafkaRecord
from services.audit.domain.checkpoint import generate_private_key_text
from services.runtime.edge.identity import Principal, mint_token
from services.runtime.kafka import security
from services.runtime.kafka.broker import EventPublisher
from services.runtime.kafka.log_reading import log_reader, partitions_of
from services.runtime.settings import Settings
from tests.support.infra import KAFKA_SCRIPT, REPO, _broker_env, discard_broker, free_port
from tests.support.processes import running_services
from tests.support.province import new_nip
from tests.support.reporting_events import employee

pytestmark = pytest.mark.integration

#: the secrets this module gives the service and the broker: none may appear in a log
KAFKA_PASSWORD = f"kafka-pw-{uuid.uuid4().hex}"
JWT_SECRET = f"jwt-secret-{uuid.uuid4().hex}-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class SecureBroker:
    bootstrap: str
    home: Path
    tls_dir: Path

    def client_env(self, password: str = KAFKA_PASSWORD) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP": self.bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
            "KAFKA_SASL_USERNAME": "wfa",
            "KAFKA_SASL_PASSWORD": password,
            "KAFKA_SSL_CA_FILE": str(self.tls_dir / "ca.pem"),
        }

    def settings(self, password: str = KAFKA_PASSWORD, **extra: str) -> Settings:
        return Settings(**self.client_env(password), **extra)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def secure_broker() -> Iterator[SecureBroker]:
    home = REPO / "var" / f"test-kafka-sasl-{os.getpid()}-{free_port()}"
    tls_dir = home.with_name(home.name + "-tls")
    env: dict[str, str] = {}
    for attempt in range(3):  # new free ports when another process took one meanwhile
        for path in (home, tls_dir):
            shutil.rmtree(path, ignore_errors=True)
        env = _broker_env(
            KAFKA_HOME=str(home),
            KAFKA_PORT=str(free_port()),
            KAFKA_CONTROLLER_PORT=str(free_port()),
            KAFKA_SECURITY="sasl_ssl",
            KAFKA_TLS_DIR=str(tls_dir),
            KAFKA_SASL_USERNAME="wfa",
            KAFKA_SASL_PASSWORD=KAFKA_PASSWORD,
            KAFKA_START_TIMEOUT="180",
        )
        try:
            subprocess.run([str(KAFKA_SCRIPT), "start"], env=env, check=True)
            break
        except subprocess.CalledProcessError:
            discard_broker(home)
            if attempt == 2:
                raise
    try:
        yield SecureBroker(f"127.0.0.1:{env['KAFKA_PORT']}", home, tls_dir)
    finally:
        discard_broker(home)
        subprocess.run([str(KAFKA_SCRIPT), "stop"], env=env, check=False)
        for path in (home, tls_dir):
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def environment_security(
    secure_broker: SecureBroker, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """This process's environment names the secure broker (the clients built without settings
    at hand, like the publisher's producer, read it)."""
    for name, value in secure_broker.client_env().items():
        monkeypatch.setenv(name, value)
    security.reset_environment_settings()
    yield
    monkeypatch.undo()
    security.reset_environment_settings()


async def _topics(settings: Settings) -> list[str]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_servers,
        request_timeout_ms=10_000,
        **security.client_security(settings),
    )
    try:
        await admin.start()
        return list(await admin.list_topics())
    finally:
        await admin.close()


def test_the_right_credentials_connect_and_others_are_refused(secure_broker: SecureBroker) -> None:
    assert isinstance(asyncio.run(_topics(secure_broker.settings())), list)
    with pytest.raises(KafkaError):
        asyncio.run(_topics(secure_broker.settings(password="not-the-password-0000")))
    # a plaintext client cannot even bootstrap: the port speaks TLS only
    plaintext = Settings(KAFKA_BOOTSTRAP=secure_broker.bootstrap)  # type: ignore[call-arg]
    with pytest.raises(KafkaConnectionError):
        asyncio.run(_topics(plaintext))


def _requests(base: str, secrets: list[str]) -> list[str]:
    """Requests that succeed and requests that fail; the bodies of the answers."""
    valid = mint_token(
        Principal(nip=new_nip(), role="ops", opd_id=None), JWT_SECRET, issuer="wfa-platform"
    )
    forged = mint_token(
        Principal(nip=new_nip(), role="ops", opd_id=None),
        "forged-" + JWT_SECRET,
        issuer="wfa-platform",
    )
    bodies: list[str] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for path, headers in [
            ("/ready", {}),
            ("/health", {}),
            ("/policies/dinas-sasl", {}),
            ("/policies/dinas-sasl", {"Authorization": f"Bearer {valid}"}),
            ("/policies/dinas-sasl", {"Authorization": f"Bearer {forged}"}),
            ("/policies/dinas-sasl", {"Authorization": f"Bearer {secrets[0]}"}),
            (f"/wfa/requests/unknown?token={secrets[1]}", {}),
        ]:
            bodies.append(client.get(path, headers=headers).text)
        answer = client.post(
            "/wfa/requests",
            headers={"Authorization": f"Bearer {valid}"},
            content=b'{"not": "a report"',
        )
        bodies.append(answer.text)
    return bodies


def test_a_service_runs_over_sasl_ssl_and_never_shows_its_secrets(
    secure_broker: SecureBroker, environment_security: None, tmp_path: Path
) -> None:
    signing_key = generate_private_key_text()
    secrets = [KAFKA_PASSWORD, JWT_SECRET, signing_key]
    env = {
        **secure_broker.client_env(),
        "JWT_SECRET": JWT_SECRET,
        "AUDIT_SIGNING_KEY": signing_key,
        "ACCESS_LOG": "all",
    }
    with running_services(
        secure_broker.bootstrap,
        tmp_path,
        names=("eligibility",),
        group_suffix=uuid.uuid4().hex[:8],
        extra_env=env,
    ) as procs:
        service = procs["eligibility"]
        # ready: its faust app (the decider), projectors and replicas use SASL_SSL
        ready = httpx.get(f"{service.url}/ready", timeout=30)
        assert ready.status_code == 200, ready.text
        bodies = _requests(service.url, secrets)

        # the platform's publisher writes over SASL_SSL and its log reader reads it back
        envelope = employee(new_nip(), "dinas-sasl", "unit-1", None)
        record = to_record(envelope)
        assert asyncio.run(_publish_and_read(record)) == envelope.event_id
    logs = service.log_path.read_text(errors="replace")
    assert logs.strip(), "the service logged nothing: nothing was searched"
    broker_logs = "".join(
        path.read_text(errors="replace") for path in (secure_broker.home / "logs").glob("*")
    )
    for secret in secrets:
        for where, text in [("service log", logs), ("broker log", broker_logs)] + [
            (f"answer {i}", body) for i, body in enumerate(bodies)
        ]:
            assert secret not in text, f"a secret appears in the {where}"


async def _publish_and_read(record: KafkaRecord) -> str:
    settings = Settings()
    publisher = EventPublisher(settings.kafka_servers, f"test-sasl-{uuid.uuid4().hex[:8]}")
    await publisher.start()
    try:
        await publisher.send(record)
    finally:
        await publisher.stop()
    reader = log_reader(settings.kafka_servers, f"test-sasl-reader-{uuid.uuid4().hex[:8]}")
    await reader.start()
    try:
        partitions = await partitions_of(reader, record.topic)
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        ends = await reader.end_offsets(partitions)
        async with asyncio.timeout(120):
            while True:
                batches = await reader.getmany(timeout_ms=1000)
                for records in batches.values():
                    for message in records:
                        if message.key == record.key and message.value == record.value:
                            envelope, _ = decode_event(message.value)
                            return envelope.event_id
                positions = [await reader.position(tp) for tp in ends]
                if all(at >= ends[tp] for at, tp in zip(positions, ends, strict=True)):
                    raise AssertionError("the published record is not in the log")
    finally:
        await reader.stop()
