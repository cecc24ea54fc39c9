"""Marks in the shared projection runtime: rows for a name starting with "@" are collected as
tuples of their values, never inserted, and survive slicing, encoding and merging a batch."""

from __future__ import annotations

from datetime import date
from typing import Any

from kernel.projection_rows import Position, TableRows
from schemas import new_event, to_record
from schemas.events import GeoPoint, SharedPlace, WfaRequested, WorkTarget
from schemas.serialization import DecodedEvent
from services.runtime.projection.projector import (
    ProjectedBatch,
    encode_batch,
    merge_batches,
    project_records,
)
from services.runtime.projection.stream import project_segments, slice_batch

NIP = "199203152019032004"


class Rec:
    def __init__(self, offset: int, value: bytes) -> None:
        self.offset, self.key, self.value = offset, NIP.encode(), value


def _value(i: int) -> bytes:
    payload = WfaRequested(
        request_id=f"req-{i}",
        nip=NIP,
        work_unit_id="sekretariat",
        dates=[date(2026, 12, 1 + i % 3)],
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=1, unit="dokumen")],
    )
    return to_record(new_event(payload, actor=NIP, subject=NIP, opd_id="opd-m")).value


def marking_mapper(event: DecodedEvent, position: Position, raw: bytes = b"") -> TableRows:
    """A row and two marks per event; one mark shared by every event of the same day."""
    payload: Any = event.payload
    return [
        ("facts", {"id": payload.request_id, "offset": position.offset}),
        ("@day", {"nip": payload.nip, "day": payload.dates[0]}),
        ("@seen", {"partition": position.partition, "offset": position.offset}),
    ]


def _records() -> dict[tuple[str, int], list[Any]]:
    return {
        ("t", 0): [Rec(o, _value(o)) for o in range(0, 6)],
        ("t", 1): [Rec(o, _value(o)) for o in range(10, 14)],
    }


def test_marks_are_collected_as_distinct_value_tuples_and_never_inserted() -> None:
    batch = project_records(_records(), marking_mapper, "test")

    assert set(batch.rows) == {"facts"}
    assert len(batch.rows["facts"]) == 10
    # tuples of the values, in the order of the mark's dict; duplicates collapse
    assert batch.marks["@day"] == {(NIP, date(2026, 12, d)) for d in (1, 2, 3)}
    assert len(batch.marks["@seen"]) == 10
    assert ((1, 13)) in batch.marks["@seen"]
    assert [table for table, _, _, _ in batch.inserts("test")] == ["facts"]


def test_a_record_that_cannot_be_read_marks_nothing() -> None:
    records = {("t", 0): [Rec(0, b"not json"), Rec(1, _value(1))]}
    batch = project_records(records, marking_mapper, "test")
    assert len(batch.dead_letters) == 1
    assert batch.marks["@seen"] == {(0, 1)}


def test_encoding_keeps_the_marks() -> None:
    batch = encode_batch(project_records(_records(), marking_mapper, "test"))
    assert batch.rows == {}
    assert batch.encoded is not None and set(batch.encoded) == {"facts"}
    assert len(batch.marks["@seen"]) == 10


def test_a_batch_decoded_in_slices_marks_what_it_marks_in_one_piece() -> None:
    records = _records()
    whole = project_segments(slice_batch(records, 1)[0], marking_mapper, "test")
    for parts in (2, 3, 4):
        slices = [project_segments(s, marking_mapper, "test") for s in slice_batch(records, parts)]
        merged = merge_batches(slices)
        assert merged.marks == whole.marks
        assert merged.inserts("test") == whole.inserts("test")


def test_merging_unions_the_marks_of_every_part() -> None:
    first = ProjectedBatch(marks={"@day": {("a", 1)}, "@only-first": {(1,)}})
    second = ProjectedBatch(marks={"@day": {("a", 1), ("b", 2)}})
    merged = merge_batches([first, second])
    assert merged.marks == {"@day": {("a", 1), ("b", 2)}, "@only-first": {(1,)}}
    # the parts are left as they were
    assert first.marks["@day"] == {("a", 1)}
