"""The shared kernel: pure code more than one service judges by.

Imports only ``schemas``, the standard library and pure libraries (pydantic): no I/O, no
broker, no store, no web framework. Services import ``kernel``, ``services.runtime`` and
``schemas``, never one another.
"""
