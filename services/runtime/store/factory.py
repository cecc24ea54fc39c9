"""Pick the adapter: a server when ``CLICKHOUSE_URL`` is set, embedded chDB otherwise."""

from __future__ import annotations

from services.runtime.settings import Settings
from services.runtime.store.base import Store


def open_store(settings: Settings) -> Store:
    if settings.clickhouse_url:
        from services.runtime.store.server_store import ServerStore

        return ServerStore(
            settings.clickhouse_url,
            settings.database,
            username=settings.clickhouse_user,
            password=settings.clickhouse_password.get_secret_value() or None,
            verify=settings.clickhouse_verify,
            ca_cert=str(settings.clickhouse_ca_file) if settings.clickhouse_ca_file else None,
        )
    from services.runtime.store.chdb_store import ChdbStore

    return ChdbStore(settings.service_data_dir / "chdb", settings.database)
