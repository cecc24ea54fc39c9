"""Pure logic of the web gateway (no I/O)."""
