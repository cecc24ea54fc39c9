"""How every Kafka client of the platform authenticates and encrypts: one place.

Producers, consumers and admin clients take ``**client_security(settings)``; the faust apps
take ``broker_credentials=broker_credentials(settings)``. Both read the ``KAFKA_SECURITY_*``,
``KAFKA_SASL_*`` and ``KAFKA_SSL_*`` settings (see :mod:`services.runtime.settings`).

A client built where no settings are at hand (a helper that receives only the bootstrap
servers) calls ``client_security()``: the settings of this process's environment, which are
the settings every service process runs with.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from services.runtime.settings import Settings


@functools.cache
def _environment_settings() -> Settings:
    return Settings()


def reset_environment_settings() -> None:
    """Forget the settings read from the environment (tests that change it)."""
    _environment_settings.cache_clear()


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of SSL and SASL_SSL (None for PLAINTEXT and SASL_PLAINTEXT): the CA
    file when set (the system's CAs otherwise), and the client certificate when set."""
    if not settings.kafka_security_protocol.endswith("SSL"):
        return None
    return _context(
        str(settings.kafka_ssl_ca_file) if settings.kafka_ssl_ca_file else None,
        str(settings.kafka_ssl_cert_file) if settings.kafka_ssl_cert_file else None,
        str(settings.kafka_ssl_key_file) if settings.kafka_ssl_key_file else None,
        settings.kafka_ssl_key_password.get_secret_value() or None,
        settings.kafka_ssl_check_hostname,
    )


@functools.cache
def _context(
    cafile: str | None,
    certfile: str | None,
    keyfile: str | None,
    password: str | None,
    check_hostname: bool,
) -> ssl.SSLContext:
    # one context per distinct configuration: every client of a process shares it
    context: ssl.SSLContext = create_ssl_context(
        cafile=cafile, certfile=certfile, keyfile=keyfile, password=password
    )
    context.check_hostname = check_hostname
    return context


def client_security(settings: Settings | None = None) -> dict[str, Any]:
    """The security keyword arguments of an aiokafka producer, consumer or admin client."""
    settings = settings or _environment_settings()
    protocol = settings.kafka_security_protocol
    arguments: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        arguments["sasl_mechanism"] = settings.kafka_sasl_mechanism
        arguments["sasl_plain_username"] = settings.kafka_sasl_username
        arguments["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    context = ssl_context(settings)
    if context is not None:
        arguments["ssl_context"] = context
    return arguments


def broker_credentials(settings: Settings | None = None) -> Any:
    """The faust app's ``broker_credentials`` (None for PLAINTEXT)."""
    import faust

    settings = settings or _environment_settings()
    protocol = settings.kafka_security_protocol
    context = ssl_context(settings)
    if protocol.startswith("SASL_"):
        credentials = faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism,
        )
        return credentials
    if context is not None:
        return faust.SSLCredentials(context)
    return None
