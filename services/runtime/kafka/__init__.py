"""Kafka plumbing: the publisher and topic administration (:mod:`.broker`), reading a log to
its end (:mod:`.log_reading`), in-memory views of a topic (:mod:`.topic_memory`) and the
retention of topics that hold precise positions (:mod:`.restricted_topics`)."""
