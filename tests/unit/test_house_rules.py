"""The rules of the house hold: the import-linter contracts in pyproject.toml, and only the
operations package loads a service's definition by name.

The contracts are the layers (operations -> services -> services.runtime -> kernel ->
schemas), services independent of one another, domain code and the kernel free of the web
framework, the broker, HTTP clients and the store, and no import cycle between the packages.
A broken contract fails here with import-linter's own report.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "0 broken" in report, report


_LOADS_A_SERVICE = re.compile(r"import_module\(\s*f?[\"']services\.")


def test_only_operations_loads_a_service_by_name() -> None:
    loaders = [
        path.relative_to(ROOT).as_posix()
        for folder in ("kernel", "schemas", "services")
        for path in (ROOT / folder).rglob("*.py")
        if "node_modules" not in path.parts and _LOADS_A_SERVICE.search(path.read_text())
    ]
    assert loaders == [], f"only operations/ may load a service's definition: {loaders}"
