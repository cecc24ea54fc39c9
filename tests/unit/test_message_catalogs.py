"""Every service's bilingual catalog is complete, and every code the sources look up is in it.

A catalog (``services/<name>/messages.py``, see :mod:`kernel.messages`) maps a code to a text
in Bahasa Indonesia and in English. The sources are scanned for look-ups
(``MESSAGES.text("code", ...)``, ``.say("code", lang, ...)``, ``.refusal(kind, "code", ...)``):
each must name its code literally and find it in its service's catalog. No refusal, and no line
of the readiness study, writes its texts in place, and the readiness study writes no prose
outside the catalog at all.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import get_args

import pytest

from kernel.geometry import PolygonProblemCode
from kernel.messages import Bilingual, MessageCatalog, parameters_of
from kernel.refusal import Refusal, RefusalKind
from services.audit.domain.findings import Kind

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    path.parent.name for path in (ROOT / "services").glob("*/messages.py") if path.is_file()
)
_LOOKUPS = {"text": 0, "say": 0, "refusal": 1}
"""Catalog methods and the position of the code among their arguments."""


def _catalog(service: str) -> MessageCatalog:
    catalog = importlib.import_module(f"services.{service}.messages").MESSAGES
    assert isinstance(catalog, MessageCatalog)
    return catalog


def _lookups(service: str) -> list[tuple[str, int, ast.expr]]:
    """(file, line, code argument) of every catalog look-up in the service's sources."""
    found = []
    for path in sorted((ROOT / "services" / service).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _LOOKUPS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "MESSAGES"
            ):
                continue
            position = _LOOKUPS[node.func.attr]
            if len(node.args) > position:
                found.append((str(path.relative_to(ROOT)), node.lineno, node.args[position]))
    return found


def test_there_are_catalogs_to_check() -> None:
    assert "eligibility" in SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_every_code_has_both_languages_with_the_same_parameters(service: str) -> None:
    catalog = _catalog(service)
    assert catalog.service == service
    for code, (text_id, text_en) in catalog.items():
        assert code.strip() == code and code, f"{service}: blank or padded code {code!r}"
        assert text_id.strip(), f"{service}: {code} has no Bahasa Indonesia text"
        assert text_en.strip(), f"{service}: {code} has no English text"
        assert parameters_of(text_id) == parameters_of(text_en), (
            f"{service}: {code} takes {sorted(parameters_of(text_id))} in Bahasa Indonesia "
            f"but {sorted(parameters_of(text_en))} in English"
        )


@pytest.mark.parametrize("service", SERVICES)
def test_every_code_looked_up_is_in_the_catalog(service: str) -> None:
    catalog = _catalog(service)
    lookups = _lookups(service)
    assert lookups, f"{service}: no look-up of its catalog found"
    for file, line, argument in lookups:
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), (
            f"{file}:{line}: a catalog look-up names its code literally"
        )
        assert argument.value in catalog, f"{file}:{line}: {argument.value!r} is not in the catalog"


_BILINGUAL_CALLS = {"ApiError": 2, "Refusal": 2, "Reason": 3}
"""Calls that carry both messages, and where the Bahasa Indonesia one is among their arguments
(errors: status or kind, code, then the texts; a line of the readiness study: code, met,
blocking, then the texts)."""


@pytest.mark.parametrize("service", SERVICES)
def test_no_refusal_writes_its_texts_outside_the_catalog(service: str) -> None:
    for path in sorted((ROOT / "services" / service).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = _BILINGUAL_CALLS.get(name)
            if first is None or len(node.args) < first + 2:
                continue
            for text in node.args[first : first + 2]:
                written = isinstance(text, ast.JoinedStr) or (
                    isinstance(text, ast.Constant) and isinstance(text.value, str)
                )
                assert not written, (
                    f"{path.relative_to(ROOT)}:{node.lineno}: {name} writes its text here; "
                    "look it up in the service's catalog by code"
                )


_ALL_TEXTS_IN_CATALOG = ("services/web/domain",)
"""Packages whose every sentence comes from their service's catalog (docstrings aside)."""
_PROSE = re.compile(r"[^\W\d_]\s+[^\W\d_]")
"""A string that reads as words: a letter, blanks, a letter."""


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                found.add(id(statement.value))
    return found


@pytest.mark.parametrize("package", _ALL_TEXTS_IN_CATALOG)
def test_no_prose_is_written_outside_the_catalog(package: str) -> None:
    paths = sorted((ROOT / package).rglob("*.py"))
    assert paths, f"{package}: no sources"
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                assert not _PROSE.search(node.value), (
                    f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r} is written here; "
                    "look it up in the service's catalog by code"
                )


def test_every_polygon_problem_has_its_text_in_the_attendance_catalog() -> None:
    catalog = _catalog("attendance")
    for code in get_args(PolygonProblemCode):
        assert f"invalid_geofence.{code}" in catalog, f"polygon problem {code!r} has no text"


def test_every_finding_of_verification_has_its_text_in_the_audit_catalog() -> None:
    catalog = _catalog("audit")
    for kind in Kind:
        assert f"finding.{kind}" in catalog, f"finding {kind!r} has no text"


def test_a_look_up_fills_each_language_with_its_own_side() -> None:
    catalog = MessageCatalog("test", {"greet": ("Halo {name} pada {day}", "Hello {name} on {day}")})
    day = Bilingual("1 Desember 2025", "1 December 2025")
    assert catalog.text("greet", name="Ani", day=day) == (
        "Halo Ani pada 1 Desember 2025",
        "Hello Ani on 1 December 2025",
    )
    assert catalog.say("greet", "en", name="Ani", day=day) == "Hello Ani on 1 December 2025"
    refusal = catalog.refusal(RefusalKind.CONFLICT, "greet", ["x"], name="Ani", day=day)
    assert refusal == Refusal(
        RefusalKind.CONFLICT,
        "greet",
        "Halo Ani pada 1 Desember 2025",
        "Hello Ani on 1 December 2025",
        ["x"],
    )
    assert str(refusal) == "Hello Ani on 1 December 2025"
    assert Bilingual.join("; ", [day, Bilingual("a", "b")]) == (
        "1 Desember 2025; a",
        "1 December 2025; b",
    )
