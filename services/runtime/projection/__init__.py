"""Events into tables: the idempotent projector and its row types (:mod:`.projector`), the
stream projector (:mod:`.stream`) and its process pool (:mod:`.worker_pool`), local replicas
(:mod:`.replica`), projection digests (:mod:`.digest`) and faust tables staged per batch
(:mod:`.staged_table`)."""
