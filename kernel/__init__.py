"""The shared kernel: pure code more than one service judges by.

Imports only ``schemas``, the standard library and pure libraries (pydantic, holidays,
shapely): no I/O, no broker, no store, no web framework, no settings from the environment.
Services import ``kernel``, ``services.runtime`` and ``schemas``, never one another; the
import-linter contracts in ``pyproject.toml`` hold it (``make lint``).
"""
