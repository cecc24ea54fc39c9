"""Runtime plumbing shared by the four services: settings, Kafka, ClickHouse stores,
identity, and the ASGI host that runs a FastAPI app and a faust worker in one process.

Nothing here knows about WFA rules; domain logic lives in each service's ``domain`` package.
"""
