"""One ClickHouse store interface with two adapters: embedded chDB and a server."""

from services.runtime.store.base import Store, StoreError
from services.runtime.store.factory import open_store

__all__ = ["Store", "StoreError", "open_store"]
