"""Compiled bytecode for the suite's Python processes, when the environment turns it off.

With ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines and sandboxes), every Python
process compiles every module it imports from source: FastAPI, pydantic, faust, aiokafka and
the platform's own packages, about two seconds of CPU per process. The suite starts dozens of
service processes, command-line tools and decode workers, so the same compilation is repeated
dozens of times on the same two cores. :func:`cache_bytecode` lets this process and every
process it starts write and reuse bytecode in ``var/pycache/`` (``PYTHONPYCACHEPREFIX``), out
of the source tree; bytecode is checked against its source's time and size on every import, so
an edited module is compiled again. When bytecode is written anyway, it changes nothing.
"""

from __future__ import annotations

import os
import sys

from tests.support.infra import REPO

PYCACHE = REPO / "var" / "pycache"


def cache_bytecode() -> None:
    """Write and reuse bytecode in this process and its children (idempotent)."""
    if not sys.dont_write_bytecode:
        return
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(PYCACHE)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    sys.dont_write_bytecode = False
    sys.pycache_prefix = prefix
