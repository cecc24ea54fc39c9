"""Runtime plumbing shared by the services, one package per concern:

* :mod:`~services.runtime.context`: the ports a part is handed (store, publisher, idempotency
  ledger) and ``component(ctx, Type)``; a leaf, beside :mod:`~services.runtime.settings`;
* :mod:`~services.runtime.kafka`: the publisher, topic administration, reading a log;
* :mod:`~services.runtime.store`: the embedded chDB store and the ClickHouse server store;
* :mod:`~services.runtime.projection`: events into tables (projectors, replicas, digests);
* :mod:`~services.runtime.edge`: the HTTP edge (routing, identity, the caller's scope, errors,
  the access log, idempotency keys, ops routes) and its texts in :mod:`.messages`;
* :mod:`~services.runtime.hosting`: what a service declares, its boot order, the topics it
  declares, readiness, and the ASGI app running FastAPI and a faust worker in one process.

Nothing here knows about WFA rules; domain logic lives in each service's ``domain`` package.
"""
