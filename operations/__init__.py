"""Operations tools that look at the platform as a whole.

The one place allowed to load a service's definition (``services/<name>/main.py``): the
replay and re-projection tool (:mod:`operations.replay`, ``wfa-audit-replay``) rebuilds any
service's projections and compares them with the live service. Services never import it.
"""
