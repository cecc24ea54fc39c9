"""What verification reads from the store: the blocks, the leaves and the archive rows of a run
of blocks, the rows waiting for their seal, and the sealed places of given events.

The archive is read without ``FINAL`` (every stored version of a row counts). For a run of
blocks the engine hashes each row's ``raw`` and checks its columns against it, so only the
hash and that verdict travel (:func:`archive_rows`); the rows it does not confirm, and the rows
waiting for their seal, are read with every column and ``raw`` base64-encoded, so their bytes
arrive exactly as stored whatever they hold (:func:`archive_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.events import EVENT_TYPES
from services.audit.domain.run_columns import ArchiveRows
from services.audit.domain.sealed_rows import (
    Content,
    Partition,
    Place,
    SealedBlock,
)
from services.audit.verify_proofs import LEAF_FORMAT
from services.runtime.store.base import Store

_BLOCK_COLUMNS = (
    "block, first_index, size, tree_size, ranges, block_root, prev_head, head, tree_root, "
    "checkpoint, signature"
)
_ARCHIVE_COLUMNS = (
    "event_id, type, schema_version, subject, opd_id, actor, correlation_id, "
    "ifNull(causation_id, '') AS causation, causation_id IS NULL AS no_causation, "
    "occurred_at, recorded_at, toString(topic) AS topic, partition, offset, "
    "toString(sha256) AS sha256, base64Encode(raw) AS raw, consistent"
)
_ENVELOPE = (
    "Tuple(event_id String, type String, occurred_at String, recorded_at String, "
    "actor String, subject String, opd_id String, correlation_id String, "
    "causation_id Nullable(String))"
)
_CONSISTENT = (
    "tupleElement(env, 'event_id') = event_id AND tupleElement(env, 'type') = type "
    "AND tupleElement(env, 'subject') = subject AND tupleElement(env, 'opd_id') = opd_id "
    "AND tupleElement(env, 'actor') = actor "
    "AND tupleElement(env, 'correlation_id') = correlation_id "
    "AND isNull(tupleElement(env, 'causation_id')) = isNull(causation_id) "
    "AND ifNull(tupleElement(env, 'causation_id'), '') = ifNull(causation_id, '') "
    "AND schema_version = transform(toString(type), {types:Array(String)}, "
    "{versions:Array(UInt16)}, toUInt16(0)) "
    "AND length(tupleElement(env, 'occurred_at')) = 27 "
    "AND endsWith(tupleElement(env, 'occurred_at'), 'Z') "
    "AND substring(tupleElement(env, 'occurred_at'), 1, 23) "
    "= replaceOne(toString(occurred_at), ' ', 'T') "
    "AND length(tupleElement(env, 'recorded_at')) = 27 "
    "AND endsWith(tupleElement(env, 'recorded_at'), 'Z') "
    "AND substring(tupleElement(env, 'recorded_at'), 1, 23) "
    "= replaceOne(toString(recorded_at), ' ', 'T')"
)
"""Whether a row's derived columns are what its own ``raw`` says, worked out by the engine
for every row at once (the common case, as producers write events). Rows it does not confirm
are checked in Python by the archive's own rules; either way the hash is ``hashlib``'s. A row
at a sealed place is bound to the seal by that hash, so no reading of ``raw`` can hide it."""
_LEAF_HASH = (
    f"lower(hex(SHA256(concat(char(0), '{LEAF_FORMAT}\\n', toString(topic), '\\n', "
    "toString(partition), '\\n', toString(offset), '\\n', event_id, '\\n', "
    "toString(sha256), '\\n'))))"
)
"""A leaf's hash (:meth:`~services.audit.domain.sealed_rows.Leaf.hash`) from its own columns,
worked out by the engine: ``SHA-256(0x00 || leaf_input)``. It only confirms: a block whose
leaves' hashes do not give its signed roots is checked from the columns themselves."""
Span = tuple[str, int, int, int]
"""(topic, partition, from offset, to offset exclusive)."""


async def blocks(store: Store) -> list[SealedBlock]:
    rows = await store.query(
        f"SELECT {_BLOCK_COLUMNS} FROM {{db}}.seal_blocks FINAL ORDER BY block"
    )
    return [SealedBlock.from_row(row) for row in rows]


async def block_versions(store: Store) -> list[dict[str, Any]]:
    """Blocks stored in several different versions (a rewritten block row)."""
    return await store.query(
        "SELECT block, uniqExact(first_index, size, tree_size, ranges, block_root, prev_head, "
        "head, tree_root, checkpoint, signature) AS versions FROM {db}.seal_blocks "
        "GROUP BY block HAVING versions > 1 ORDER BY block"
    )


async def has_nodes(store: Store) -> bool:
    """Whether the blocks have their tree nodes stored (a log sealed before they were has not)."""
    rows = await store.query(
        "SELECT count() AS n FROM system.columns WHERE database = '{db}' "
        "AND table = 'seal_blocks' AND name = 'nodes'"
    )
    return bool(rows and int(rows[0]["n"]))


async def nodes(store: Store, block: int) -> str:
    """The tree nodes stored with a block (base64; empty when none)."""
    rows = await store.query(
        "SELECT nodes FROM {db}.seal_blocks FINAL WHERE block = {b:UInt64}", {"b": block}
    )
    return str(rows[0]["nodes"]) if rows else ""


async def leaf_columns(store: Store, first: int, end: int) -> dict[str, list[Any]]:
    """The sealed leaves of indexes ``first .. end - 1`` (leaves stored past the last block,
    left by a crash before its row, are not part of the log), column by column in the order
    stored (index order, which ``RunLeaves`` checks), each with its leaf hash in hex."""
    return await _columns(
        store,
        "leaf_index, block, toString(topic) AS topic, partition, offset, event_id, "
        f"toString(sha256) AS sha256, {_LEAF_HASH} AS leaf_hash",
        "{db}.seal_leaves FINAL WHERE leaf_index >= {first:UInt64} AND leaf_index < {end:UInt64}",
        {"first": first, "end": end},
    )


async def archive_rows(store: Store, spans: Sequence[Span]) -> dict[Partition, ArchiveRows]:
    """Every stored version of the archive rows inside ``spans``, per partition in offset
    order (as stored; put in order here when not): the event id, the SHA-256 the engine
    recomputes from ``raw`` and whether the row's stored hash and derived columns agree with
    ``raw`` (``raw`` itself stays in the store)."""
    source = _archive_source(spans)
    if source is None:
        return {}
    sql, params = source
    rows = await store.query(
        "SELECT toString(topic) AS topic, partition, groupArray(offset) AS offsets, "
        "groupArray(event_id) AS event_ids, groupArray(digest) AS sha256, groupArray(ok) AS ok "
        "FROM (SELECT topic, partition, offset, event_id, lower(hex(SHA256(raw))) AS digest, "
        f"toUInt8(consistent AND toString(sha256) = digest) AS ok FROM {sql}) "
        "GROUP BY topic, partition",
        params,
    )
    out: dict[Partition, ArchiveRows] = {}
    for row in rows:
        stored = ArchiveRows(row["offsets"], row["event_ids"], row["sha256"], row["ok"])
        stored.sort()
        out[(str(row["topic"]), int(row["partition"]))] = stored
    return out


async def archive_columns(store: Store, spans: Sequence[Span]) -> dict[str, list[Any]]:
    """Every stored version of the archive rows inside ``spans``, column by column (``raw``
    base64-encoded)."""
    source = _archive_source(spans)
    if source is None:
        return {}
    return await _columns(store, _ARCHIVE_COLUMNS, *source)


def _archive_source(spans: Sequence[Span]) -> tuple[str, dict[str, Any]] | None:
    """The archive rows inside ``spans``, each with whether the engine finds its derived
    columns to be what its ``raw`` says (``consistent``), and the query's parameters."""
    spans = [span for span in spans if span[3] > span[2]]
    if not spans:
        return None
    params: dict[str, Any] = {}
    clauses = []
    for i, (topic, partition, start, end) in enumerate(spans):
        clauses.append(
            f"(topic = {{t{i}:String}} AND partition = {{p{i}:UInt32}} "
            f"AND offset >= {{a{i}:UInt64}} AND offset < {{b{i}:UInt64}})"
        )
        params.update({f"t{i}": topic, f"p{i}": partition, f"a{i}": start, f"b{i}": end})
    params["types"] = list(EVENT_TYPES)
    params["versions"] = [cls.class_version for cls in EVENT_TYPES.values()]
    source = (
        f"(SELECT *, {_CONSISTENT} AS consistent FROM (SELECT *, JSONExtract(raw, "
        f"'{_ENVELOPE}') AS env FROM {{db}}.event_archive WHERE {' OR '.join(clauses)}))"
    )
    return source, params


async def _columns(
    store: Store, columns: str, source: str, params: dict[str, Any]
) -> dict[str, list[Any]]:
    """``SELECT columns FROM source`` as one list per column: one result row of arrays, so
    that a run of thousands of rows is parsed as one document (no column may be NULL: an
    array drops NULLs)."""
    names = [part.rsplit(" AS ", 1)[-1].strip() for part in _split_columns(columns)]
    arrays = ", ".join(f"groupArray({name}) AS {name}" for name in names)
    rows = await store.query(f"SELECT {arrays} FROM (SELECT {columns} FROM {source})", params)
    if not rows:
        return {name: [] for name in names}
    return {name: list(rows[0][name]) for name in names}


def _split_columns(columns: str) -> list[str]:
    """The select list split at its top-level commas."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(columns):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(columns[start:i])
            start = i + 1
    parts.append(columns[start:])
    return [part.strip() for part in parts]


@dataclass(frozen=True)
class PendingSpan:
    """Archived offsets of a partition past every sealed range, waiting for their seal."""

    topic: str
    partition: int
    first: int
    end: int
    count: int


async def pending(store: Store, ends: dict[Partition, int]) -> list[PendingSpan]:
    """Per partition, the archived offsets past every sealed range."""
    keys = [f"{topic}/{partition}" for topic, partition in ends] or ["\x00"]
    values = list(ends.values()) or [0]
    rows = await store.query(
        "SELECT toString(topic) AS topic, partition, min(offset) AS first, "
        "max(offset) + 1 AS end, uniqExact(offset) AS n FROM {db}.event_archive "
        "WHERE offset >= transform(concat(toString(topic), '/', toString(partition)), "
        "{keys:Array(String)}, {ends:Array(UInt64)}, toUInt64(0)) "
        "GROUP BY topic, partition ORDER BY topic, partition",
        {"keys": keys, "ends": values},
    )
    return [
        PendingSpan(
            str(r["topic"]), int(r["partition"]), int(r["first"]), int(r["end"]), int(r["n"])
        )
        for r in rows
    ]


async def archived_topics(store: Store) -> list[str]:
    """Every topic the archive holds events of."""
    rows = await store.query(
        "SELECT DISTINCT toString(topic) AS topic FROM {db}.event_archive ORDER BY topic"
    )
    return [str(row["topic"]) for row in rows]


async def sealed_places(store: Store, event_ids: Iterable[str]) -> dict[str, list[Place]]:
    """Where each of these events is sealed."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    rows = await store.query(
        "SELECT event_id, toString(topic) AS topic, partition, offset FROM {db}.seal_leaves "
        "FINAL WHERE event_id IN {ids:Array(String)}",
        {"ids": ids},
    )
    found: dict[str, list[Place]] = {}
    for r in rows:
        found.setdefault(str(r["event_id"]), []).append(
            (str(r["topic"]), int(r["partition"]), int(r["offset"]))
        )
    return found


async def sealed_contents(
    store: Store, contents: set[Content]
) -> dict[Content, list[tuple[str, Place]]]:
    """For each content, the (event id, place) of every leaf sealing it."""
    if not contents:
        return {}
    rows = await store.query(
        "SELECT event_id, toString(sha256) AS sha256, toString(topic) AS topic, partition, "
        "offset FROM {db}.seal_leaves FINAL WHERE has({shas:Array(String)}, toString(sha256))",
        {"shas": sorted({sha for _, sha in contents})},
    )
    found: dict[Content, list[tuple[str, Place]]] = {}
    for r in rows:
        content = (str(r["event_id"]), str(r["sha256"]))
        if content in contents:
            place = (str(r["topic"]), int(r["partition"]), int(r["offset"]))
            found.setdefault(content, []).append((content[0], place))
    return found
