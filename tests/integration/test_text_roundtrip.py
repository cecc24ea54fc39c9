"""Text written through every service's tables comes back byte for byte.

The contract admits in free text every code point but the C0 controls other than tab, line
feed and carriage return, DEL and lone surrogates: C1 controls (NEL, U+0085, among them) and
the Unicode line and paragraph separators (U+2028, U+2029) are kept. A reader that splits an
engine's rows where ``str.splitlines`` does cuts a row in two at the first of them. This test
creates the tables of every service (and the runtime's own) on the real engine, writes rows
whose every text column holds generated text, through both write paths (rows, and rows
already encoded as projectors write them), and reads them back through ``Store.query``, the
path every reader takes, with the text also bound as query parameters.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from schemas.limits import FREE_TEXT_PATTERN, LongText, ShortText
from services.audit.tables import MIGRATIONS as AUDIT_TABLES
from services.eligibility.tables import MIGRATIONS as ELIGIBILITY_TABLES
from services.reporting.tables import MIGRATIONS as REPORTING_TABLES
from services.runtime.projection.projector import encode_rows
from services.runtime.projection.replica import MIGRATIONS as REPLICA_TABLES
from services.runtime.store.base import Store
from services.runtime.store.chdb_store import ChdbStore

pytestmark = pytest.mark.integration

TABLE_SETS: dict[str, Sequence[str]] = {
    "audit": AUDIT_TABLES,
    "eligibility": ELIGIBILITY_TABLES,
    "reporting": REPORTING_TABLES,
    "runtime": REPLICA_TABLES,
}

LINE_BREAKING = "\n\r\x85\u2028\u2029"
"""Every admitted character that ``str.splitlines`` splits on (\\r\\n too, as a pair)."""

SPECIAL = (
    LINE_BREAKING
    + "\r\n\t\"'\\`{}%?;,"  # quoting, escaping, SQL and format templates
    + "\x80\x9f\xa0\xad"  # both ends of C1, no-break space, soft hyphen
    + "\u200b\u200d\u202e\ufeff\ufffd\uffff"  # zero width, bidi override, BOM, replacement
    + "\U0001f600\U00010000\U0010ffff"  # astral: emoji, first and last
    + "é漢ꦗ"  # Latin, CJK, Javanese
)

EVERY_SPECIAL = (
    "a\x85b\u2028c\u2029d\r\ne\rf\ng\th\"i'j\\k{db}l{x:String}m\x80\x9f"
    "\ufeff\U0001f600\U0010ffff\\n\\\\'' -- ;"
)


def _admitted(char: str) -> bool:
    return re.fullmatch(FREE_TEXT_PATTERN, char) is not None


admitted_chars = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(codec="utf-8").filter(_admitted),
)
"""Any code point the contract admits in free text, the troublesome ones drawn often."""

texts = st.one_of(
    st.text(admitted_chars, max_size=40),
    st.from_regex(FREE_TEXT_PATTERN, fullmatch=True, alphabet=st.characters(codec="utf-8")).map(
        lambda text: text[:200]
    ),
)


def test_the_contract_keeps_line_breaking_characters_in_text() -> None:
    """The decision this test rests on: C1 controls and U+2028/U+2029 are kept, in free text
    and one-line text alike; C0 controls other than tab, LF and CR are refused."""
    assert TypeAdapter(LongText).validate_python(EVERY_SPECIAL) == EVERY_SPECIAL
    one_line = "a\x85b\u2028c\u2029d\x80\x9f"
    assert TypeAdapter(ShortText).validate_python(one_line) == one_line
    assert all(_admitted(c) for c in SPECIAL)
    assert not any(_admitted(c) for c in "\x00\x0b\x0c\x1c\x1d\x1e\x1f\x7f")


# --- the tables, as the engine describes them --------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    in_key: bool


@dataclass(frozen=True)
class Table:
    database: str
    name: str
    columns: tuple[Column, ...]

    @property
    def marker(self) -> Column:
        """The sorting-key column that tells this test's rows apart (a string if possible)."""
        keys = [c for c in self.columns if c.in_key]
        strings = [c for c in keys if _base(c.type) == "String"]
        numbers = [c for c in keys if re.fullmatch(r"U?Int\d+", _base(c.type))]
        return (strings or numbers)[0]


def _base(type_: str) -> str:
    """The type without its LowCardinality and Nullable wrappers."""
    match = re.fullmatch(r"(?:LowCardinality|Nullable)\((.*)\)", type_)
    return _base(match.group(1)) if match else type_


def _split_args(inner: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    return [*parts, inner[start:].strip()]


def _holds_text(type_: str) -> bool:
    return re.search(r"(?<!Fixed)String", type_) is not None


def _value(type_: str, text: Iterator[str], number: int) -> Any:
    """A value of ``type_``: generated text in every text position."""
    base = _base(type_)
    if base == "String":
        return next(text)
    if composite := re.fullmatch(r"(Array|Map)\((.*)\)", base):
        args = _split_args(composite.group(2))
        if composite.group(1) == "Array":
            return [_value(args[0], text, number) for _ in range(2)]
        return {_value(args[0], text, number): _value(args[1], text, number) for _ in range(2)}
    if fixed := re.fullmatch(r"FixedString\((\d+)\)", base):
        return "f" * int(fixed.group(1))
    if re.fullmatch(r"U?Int\d+", base):
        return number
    if base.startswith("Float"):
        return 0.5
    if base == "Bool":
        return True
    if base == "Date":
        return date(2025, 12, 29)
    if base.startswith("DateTime"):
        return datetime(2025, 12, 29, 7, 30, 0, 123000, tzinfo=UTC)
    raise AssertionError(f"no value for column type {type_}: extend this test")


async def _tables(store: Store) -> list[Table]:
    rows = await store.query(
        "SELECT table, name, type, is_in_sorting_key FROM system.columns "
        "WHERE database = {d:String} ORDER BY table, position",
        {"d": store.database},
    )
    tables = []
    for name, columns in itertools.groupby(rows, key=lambda row: str(row["table"])):
        described = tuple(
            Column(c["name"], c["type"], bool(c["is_in_sorting_key"])) for c in columns
        )
        tables.append(Table(store.database, name, described))
    return tables


# --- the engines --------------------------------------------------------------------------------


def _server_url() -> str | None:
    return os.environ.get("CLICKHOUSE_URL")


ENGINES = ["chdb"] + (["server"] if _server_url() else [])


@dataclass
class Service:
    store: Store
    tables: list[Table]


@pytest.fixture(scope="module", params=ENGINES)
async def services(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Service]]:
    """Every service's tables, each set in its own database as the service creates them."""
    path = tmp_path_factory.mktemp("text-roundtrip") / "chdb"  # one path per process
    run = uuid.uuid4().hex[:8]
    opened: dict[str, Service] = {}
    try:
        for name, migrations in TABLE_SETS.items():
            database = f"text_{name}_{run}"
            if request.param == "chdb":
                store: Store = ChdbStore(path, database)
            else:
                from services.runtime.store.server_store import ServerStore

                url = _server_url()
                assert url is not None
                store = ServerStore(url, database)
            await store.migrate(migrations)
            opened[name] = Service(store, await _tables(store))
        yield opened
    finally:
        for service in opened.values():
            if request.param == "server":
                await service.store.execute("DROP DATABASE IF EXISTS {db}")
            await service.store.close()


async def test_every_table_of_every_service_is_covered(services: dict[str, Service]) -> None:
    names = {(s, t.name) for s, service in services.items() for t in service.tables}
    assert ("audit", "event_archive") in names
    assert ("eligibility", "request_log") in names
    assert ("reporting", "request_events") in names
    assert ("runtime", "replica_positions") in names
    for service in services.values():
        for table in service.tables:
            assert any(_holds_text(c.type) for c in table.columns), table.name
            assert table.marker  # raises if the table has no usable sorting-key column


# --- the property -------------------------------------------------------------------------------

_numbers = itertools.count(1)


def _rows(table: Table, samples: Sequence[str], count: int) -> list[dict[str, Any]]:
    """``count`` rows of ``table``, each unique by its marker (never seen before: a retried
    block would be dropped by the tables' deduplication window)."""
    cycle = itertools.cycle(samples)
    rows = []
    for _ in range(count):
        number = next(_numbers)
        row = {c.name: _value(c.type, cycle, number if c.in_key else 0) for c in table.columns}
        if _base(table.marker.type) == "String":
            row[table.marker.name] = f"r{number}:" + row[table.marker.name]
        rows.append(row)
    return rows


async def _write(store: Store, table: Table, rows: list[dict[str, Any]], encoded: bool) -> None:
    if encoded:  # as projectors write: rows encoded apart, then inserted as they are
        for columns, data in encode_rows({table.name: rows})[table.name].items():
            await store.insert_encoded(table.name, columns, data)
    else:
        await store.insert(table.name, rows)


async def _read(store: Store, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    marker = table.marker
    if _base(marker.type) == "String":  # the text itself is bound as a parameter
        where, params = (
            f"has({{keys:Array(String)}}, `{marker.name}`)",
            {"keys": [row[marker.name] for row in rows]},
        )
    else:
        where, params = (
            f"`{marker.name}` BETWEEN {{low:UInt64}} AND {{high:UInt64}}",
            {"low": rows[0][marker.name], "high": rows[-1][marker.name]},
        )
    return await store.query(f"SELECT * FROM {{db}}.`{table.name}` WHERE {where}", params)


def _texts_of(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {c.name: _utf8(row[c.name]) for c in table.columns if _holds_text(c.type)}


def _utf8(value: Any) -> Any:
    """``value`` with every string as its UTF-8 bytes: the comparison is byte for byte."""
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, list):
        return [_utf8(item) for item in value]
    if isinstance(value, dict):
        return {_utf8(key): _utf8(item) for key, item in value.items()}
    return value


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(samples=st.lists(texts, min_size=1, max_size=6), encoded=st.booleans())
@example(samples=[EVERY_SPECIAL, *LINE_BREAKING, "\r\n", ""], encoded=False)
@example(samples=["a\x85b", "\u2028", "\u2029", "\r\n"], encoded=True)
async def test_text_round_trips_through_every_table(
    services: dict[str, Service], samples: list[str], encoded: bool
) -> None:
    for service in services.values():
        for table in service.tables:
            rows = _rows(table, samples, count=2)
            await _write(service.store, table, rows, encoded)
            back = await _read(service.store, table, rows)
            assert len(back) == len(rows), table.name
            key = table.marker.name
            by_marker = {row[key]: row for row in back}
            for wrote in rows:
                read = by_marker[wrote[key]]
                expected, got = _texts_of(table, wrote), _texts_of(table, read)
                assert got == expected, f"{service.store.database}.{table.name}"
    store = services["runtime"].store
    for sample in samples:  # a parameter comes back as it was bound
        assert await store.query("SELECT {t:String} AS t", {"t": sample}) == [{"t": sample}]
