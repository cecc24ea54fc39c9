"""Verification's whole-block path, pure: the comparing side of ``verify`` (runs of blocks read
column by column, a block confirmed as a whole when its manifest, archive rows and Kafka
records agree) reports exactly what the full comparison of every block reports, for an intact
log and for each kind of tampering; and a block's root and the log's tree made together are
the ones made apart."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from services.audit.domain.run_columns import ArchiveRows, KafkaRead
from services.audit.domain.sealed_tree import Frontier, extend_with_root, root_of
from services.audit.domain.verification import Report, archived_copy
from services.audit.verify_worker import Comparer, RunInput
from tests.unit.test_audit_verification import (
    GARBAGE,
    ORIGIN,
    PUBLIC,
    TOPIC,
    Log,
    _raw,
    build_log,
)

Tamper = Callable[[Log], None]


def _columns(log: Log) -> dict[str, list[Any]]:
    """The leaves as the store gives them: in index order, with their leaf hashes."""
    leaves = sorted(log.leaves, key=lambda leaf: leaf.leaf_index)
    columns: dict[str, list[Any]] = {
        name: [getattr(leaf, name) for leaf in leaves]
        for name in ("leaf_index", "block", "topic", "partition", "offset", "event_id", "sha256")
    }
    columns["leaf_hash"] = [leaf.hash().hex() for leaf in leaves]
    return columns


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in ("occurred_at", "recorded_at"):
        if isinstance(row[column], datetime):
            out[column] = row[column].astimezone(UTC).isoformat(" ", "milliseconds")[:-6]
    return out


def _archive(log: Log) -> tuple[dict[tuple[str, int], ArchiveRows], dict[str, list[Any]]]:
    """The archive rows as the engine confirms them, and every column of the rows it does not."""
    by_key: dict[tuple[str, int], ArchiveRows] = {}
    checked: dict[str, list[Any]] = {}
    for row in sorted(log.archive, key=lambda r: (r["topic"], r["partition"], r["offset"])):
        stored = _stored(row)
        raw = row["raw"].encode()
        digest = hashlib.sha256(raw).hexdigest()
        ok = int(archived_copy(stored).bad_columns == ())
        rows = by_key.setdefault((row["topic"], row["partition"]), ArchiveRows())
        rows.offsets.append(row["offset"])
        rows.event_ids.append(row["event_id"])
        rows.sha256.append(digest)
        rows.ok.append(ok)
        full = dict(stored, raw=base64.b64encode(raw).decode(), consistent=False)
        full["causation"] = row["causation_id"] or ""
        full["no_causation"] = row["causation_id"] is None
        del full["causation_id"]
        for name, value in full.items():
            checked.setdefault(name, []).append(value)
    return by_key, checked


def _via_runs(log: Log, kafka: bool) -> tuple[Report, int]:
    """The log checked as ``verify`` checks it, in one run of every block, and how many
    blocks went through the full comparison."""
    archive, checked = _archive(log)
    reads = None
    if kafka:
        reads = {
            key: KafkaRead(
                sorted(records),
                [records[o] for o in sorted(records)],
                log.log_start.get(key, 0),
                log.end[key],
            )
            for key, records in log.kafka.items()
        }
    comparer = Comparer(PUBLIC, ORIGIN, kafka, True)
    full: list[Any] = []
    check_block = comparer.verifier.check_block

    def counted(block: Any, *args: Any) -> Any:
        full.append(block)
        return check_block(block, *args)

    setattr(comparer.verifier, "check_block", counted)  # noqa: B010
    run = RunInput(list(log.blocks), _columns(log), archive, reads, checked=checked)
    at = comparer.start_run(run)
    while at is not None:
        at = comparer.resume(at, log.nodes)
    elsewhere: dict[Any, list[Any]] = {}
    for leaf in log.leaves:
        if leaf.content in comparer.unresolved():
            elsewhere.setdefault(leaf.content, []).append((leaf.event_id, leaf.place))
    comparer.resolve(elsewhere)
    return comparer.report(0), len(full)


def _sealed_findings(report: Report) -> list[tuple[Any, ...]]:
    return sorted(
        (f.kind.value, f.block, f.reason, f.detail, f.event_id, f.other_event_id, f.offset)
        for f in report.findings
        if f.block is not None
    )


def _edit_raw(log: Log) -> None:
    log.row((TOPIC, 1, 2))["raw"] = log.row((TOPIC, 1, 2))["raw"].replace("Menyusun", "Mengarang")


def _edit_column(log: Log) -> None:
    log.row((TOPIC, 0, 1)).update(subject="199001012020121001")


def _delete_row(log: Log) -> None:
    log.archive.remove(log.row((TOPIC, 0, 4)))


def _duplicate_row(log: Log) -> None:
    log.archive.append(dict(log.row((TOPIC, 1, 1))))


def _second_version(log: Log) -> None:
    log.archive.append(dict(log.row((TOPIC, 1, 0)), event_id="evt-extra"))


def _insert_row(log: Log) -> None:
    forged = dict(log.row((TOPIC, 0, 2)), offset=GARBAGE[2], event_id="evt-forged")
    forged["raw"] = forged["raw"].replace("req-", "req-forged-")
    log.archive.append(forged)


def _swap_rows(log: Log) -> None:
    a, b = log.row((TOPIC, 0, 0)), log.row((TOPIC, 1, 5))
    moved = {k: v for k, v in a.items() if k not in ("topic", "partition", "offset")}
    a.update({k: v for k, v in b.items() if k not in ("topic", "partition", "offset")})
    b.update(moved)


def _edit_manifest(log: Log) -> None:
    log.leaves[5] = log.leaves[5]._replace(sha256=hashlib.sha256(b"x").hexdigest())


def _rewrite_both_hashes(log: Log) -> None:
    row = log.row((TOPIC, 1, 2))
    row["raw"] = row["raw"].replace("Menyusun", "Mengarang")
    row["sha256"] = digest = hashlib.sha256(row["raw"].encode()).hexdigest()
    at = next(i for i, leaf in enumerate(log.leaves) if leaf.place == (TOPIC, 1, 2))
    log.leaves[at] = log.leaves[at]._replace(sha256=digest)


def _drop_records(log: Log) -> None:
    del log.kafka[(TOPIC, 0)][0]


def _rewrite_record(log: Log) -> None:
    value = log.kafka[(TOPIC, 1)][3]
    log.kafka[(TOPIC, 1)][3] = value.replace(b"Menyusun", b"Mengarang")


def _record_where_nothing_is_sealed(log: Log) -> None:
    log.kafka[GARBAGE[:2]][GARBAGE[2]] = _raw(77)


def _retention(log: Log) -> None:
    log.log_start[(TOPIC, 1)] = 2
    for offset in (0, 1):
        del log.kafka[(TOPIC, 1)][offset]


def _rewrite_head(log: Log) -> None:
    log.blocks[2] = replace(log.blocks[2], head="f" * 64)


TAMPERINGS: dict[str, Tamper] = {
    "intact": lambda log: None,
    "raw": _edit_raw,
    "column": _edit_column,
    "deleted": _delete_row,
    "duplicate": _duplicate_row,
    "second version": _second_version,
    "inserted": _insert_row,
    "swapped": _swap_rows,
    "manifest": _edit_manifest,
    "both hashes": _rewrite_both_hashes,
    "kafka gone": _drop_records,
    "kafka rewritten": _rewrite_record,
    "kafka unsealed": _record_where_nothing_is_sealed,
    "retention": _retention,
    "head": _rewrite_head,
}


@pytest.mark.parametrize("kafka", [True, False], ids=["kafka", "archive"])
@pytest.mark.parametrize("tamper", list(TAMPERINGS), ids=list(TAMPERINGS))
def test_runs_report_what_the_full_comparison_reports(tamper: str, kafka: bool) -> None:
    log = build_log()
    TAMPERINGS[tamper](log)
    full = log.verify(kafka=kafka)
    runs, checked_in_full = _via_runs(log, kafka)
    assert _sealed_findings(runs) == _sealed_findings(full)
    assert runs.totals == replace(full.totals, pending=0)
    if tamper == "intact":
        assert runs.ok
        # every block is confirmed whole, the one holding the undecodable record too
        assert checked_in_full == 0


def test_a_block_root_made_with_the_tree_is_the_one_made_apart() -> None:
    for sizes in ([8, 8, 16], [1000, 1000, 24], [3, 5, 1024, 7], [1, 1, 2, 4, 0, 64], [70]):
        apart, together = Frontier(), Frontier()
        for size in sizes:
            hashes = [os.urandom(32) for _ in range(size)]
            root = root_of(hashes)
            apart.extend(hashes)
            assert extend_with_root(together, hashes) == root
            assert (together.size, together.root()) == (apart.size, apart.root())
