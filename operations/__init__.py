"""Operations tools that look at the platform as a whole.

The one place allowed to load a service's definition (``services/<name>/main.py``): the
replay and re-projection tool (:mod:`operations.replay`, ``wfa-audit-replay``) rebuilds any
service's projections and compares them with the live service. Services never import it.

:mod:`operations.province` generates a province (DKI-sized by default) and writes a period of
its events straight to the topics, or drives the public APIs with it (``wfa-province``).
"""
