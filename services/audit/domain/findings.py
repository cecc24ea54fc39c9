"""What verification of the sealed log reports: the kinds of finding, their texts in Bahasa
Indonesia and English, and the report with its totals (pure; no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a finding says went wrong."""

    BAD_SIGNATURE = "bad_signature"
    BROKEN_CHAIN = "broken_chain"
    MANIFEST_ALTERED = "manifest_altered"
    ALTERED = "altered"
    DELETED = "deleted"
    REORDERED = "reordered"
    INSERTED = "inserted"
    MISSING_ON_KAFKA = "missing_on_kafka"
    GONE_BY_RETENTION = "gone_by_retention"
    DIFFERS_ON_KAFKA = "differs_on_kafka"


_KIND_TEXT: dict[Kind, tuple[str, str]] = {
    Kind.BAD_SIGNATURE: (
        "Checkpoint blok {block} tidak sah: {reason}",
        "The checkpoint of block {block} does not verify: {reason}",
    ),
    Kind.BROKEN_CHAIN: (
        "Rantai blok putus di blok {block}: {reason}",
        "The chain of blocks is broken at block {block}: {reason}",
    ),
    Kind.MANIFEST_ALTERED: (
        "Daftar daun blok {block} telah diubah: {reason}",
        "The leaf manifest of block {block} was altered: {reason}",
    ),
    Kind.ALTERED: (
        "Peristiwa {event_id} di {where} telah diubah: {reason}",
        "Event {event_id} at {where} was altered: {reason}",
    ),
    Kind.DELETED: (
        "Peristiwa {event_id} di {where} telah dihapus dari arsip",
        "Event {event_id} at {where} was deleted from the archive",
    ),
    Kind.REORDERED: (
        "Peristiwa {event_id} di {where} telah dipindahkan: posisinya kini memuat peristiwa "
        "{other_event_id}",
        "Event {event_id} at {where} was reordered: its position now holds event {other_event_id}",
    ),
    Kind.INSERTED: (
        "Peristiwa {event_id} disisipkan di {where}: {reason}",
        "Event {event_id} was inserted at {where}: {reason}",
    ),
    Kind.MISSING_ON_KAFKA: (
        "Peristiwa tersegel {event_id} di {where} tidak ada lagi di Kafka: {reason}",
        "Sealed event {event_id} at {where} is no longer on Kafka: {reason}",
    ),
    Kind.GONE_BY_RETENTION: (
        "Peristiwa tersegel {event_id} di {where} sudah dihapus dari Kafka oleh retensi: {reason}",
        "Sealed event {event_id} at {where} was removed from Kafka by retention: {reason}",
    ),
    Kind.DIFFERS_ON_KAFKA: (
        "Peristiwa {event_id} di {where} berbeda antara segel dan Kafka: {reason}",
        "Event {event_id} at {where} differs between the seal and Kafka: {reason}",
    ),
}

_REASONS: dict[str, tuple[str, str]] = {
    "signature": (
        "tanda tangan Ed25519 tidak cocok dengan kunci publik atau teksnya rusak",
        "the Ed25519 signature does not match the public key or the text is malformed",
    ),
    "checkpoint_mismatch": (
        "checkpoint menyatakan ukuran {detail}, bukan ukuran dan akar blok ini",
        "the checkpoint states size {detail}, not this block's size and root",
    ),
    "origin": (
        "checkpoint milik log lain ({detail})",
        "the checkpoint belongs to another log ({detail})",
    ),
    "block_number": ("diharapkan blok {detail}", "block {detail} was expected"),
    "prev_head": (
        "prev_head tidak sama dengan head blok sebelumnya",
        "prev_head is not the previous block's head",
    ),
    "first_index": (
        "first_index tidak sama dengan ukuran log sebelumnya ({detail})",
        "first_index is not the previous size of the log ({detail})",
    ),
    "tree_size": (
        "tree_size bukan first_index + size",
        "tree_size is not first_index + size",
    ),
    "head": (
        "head yang dihitung ulang berbeda dengan yang tersimpan",
        "the recomputed head differs from the stored one",
    ),
    "ranges": ("rentang offset tidak terbaca", "the offset ranges are unreadable"),
    "versions": (
        "baris blok ini tersimpan dalam {detail} versi berbeda",
        "the block's row is stored in {detail} different versions",
    ),
    "range_gap": (
        "rentang {detail} tidak menyambung dengan blok sebelumnya",
        "range {detail} does not follow on from the previous block",
    ),
    "leaves": (
        "daun tidak lengkap atau tidak berurutan ({detail})",
        "leaves missing or out of order ({detail})",
    ),
    "block_root": (
        "daun tidak menghasilkan block_root",
        "the leaves do not give the block_root",
    ),
    "tree_root": (
        "daun tidak menghasilkan tree_root yang ditandatangani",
        "the leaves do not give the signed tree_root",
    ),
    "leaf_nodes": (
        "daun peristiwa {event_id} di {where} bukan yang disegel: hash simpul pohon yang "
        "disimpan saat penyegelan, yang menghasilkan akar bertanda tangan, memuat daun lain",
        "the leaf of event {event_id} at {where} is not the one sealed: the tree's node hashes "
        "stored at sealing, which give the signed root, hold another leaf there",
    ),
    "leaf": (
        "daun peristiwa {event_id} di {where} berbeda dengan peristiwa di Kafka, yang cocok "
        "dengan akar bertanda tangan",
        "the leaf of event {event_id} at {where} differs from the event on Kafka, which gives "
        "the signed roots",
    ),
    "content": (
        "isi atau id peristiwanya tidak sama dengan yang disegel",
        "its content or event id is not what was sealed",
    ),
    "columns": (
        "kolom {detail} tidak sesuai dengan isi mentahnya",
        "columns {detail} disagree with its raw content",
    ),
    "unsealed_position": (
        "posisi ini tidak pernah disegel",
        "a position that was never sealed",
    ),
    "duplicate_sealed": (
        "salinan peristiwa yang tersegel di {detail}, pada posisi yang tidak tersegel",
        "a copy of the event sealed at {detail}, at a position that is not sealed",
    ),
    "extra_version": (
        "versi tambahan di samping peristiwa tersegel {detail}",
        "an extra version beside the sealed event {detail}",
    ),
    "pending_not_on_kafka": (
        "belum disegel, dan di Kafka tidak ada peristiwa yang dapat diarsipkan di posisi ini",
        "not sealed yet, and Kafka holds no archivable event at this position",
    ),
    "pending_kafka": (
        "belum disegel, dan rekaman di Kafka pada posisi ini adalah {other_event_id} dengan isi "
        "lain",
        "not sealed yet, and the record on Kafka at this position is {other_event_id} with "
        "other content",
    ),
    "retention": (
        "offsetnya di bawah awal log partisi di broker ({detail})",
        "its offset is below the partition's log start on the broker ({detail})",
    ),
    "removed": (
        "offsetnya berada dalam rentang yang disimpan partisi (awal log {detail}) tetapi "
        "rekamannya tidak ada: dihapus, bukan oleh retensi",
        "its offset lies within the partition's retained range (log start {detail}) but holds "
        "no record: removed, not by retention",
    ),
    "beyond_end": (
        "offsetnya melewati akhir partisi di broker ({detail})",
        "its offset is past the partition's end on the broker ({detail})",
    ),
    "no_partition": (
        "partisinya tidak ada di broker (topik dihapus)",
        "its partition is not on the broker (the topic was deleted)",
    ),
    "undecodable": (
        "rekaman di Kafka tidak terbaca sebagai peristiwa",
        "the record on Kafka cannot be read as an event",
    ),
    "kafka_content": (
        "rekaman di Kafka adalah {detail}",
        "the record on Kafka is {detail}",
    ),
    "not_sealed": (
        "peristiwa di Kafka ini tidak ada dalam blok yang disegel",
        "this event on Kafka is not in the sealed block",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One thing verification found wrong, naming the block and, where it can, the event."""

    kind: Kind
    block: int | None = None
    reason: str = ""
    detail: str = ""
    event_id: str | None = None
    other_event_id: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def where(self) -> str:
        if self.topic is None:
            return "-"
        return f"{self.topic}/{self.partition}@{self.offset}"

    def message(self, lang: str = "id") -> str:
        """The finding in Bahasa Indonesia (``id``) or English (``en``)."""
        pick = 0 if lang == "id" else 1
        reason = _REASONS.get(self.reason, (self.reason, self.reason))[pick]
        values = {
            "block": self.block,
            "event_id": self.event_id,
            "other_event_id": self.other_event_id,
            "where": self.where,
            "detail": self.detail,
        }
        return _KIND_TEXT[self.kind][pick].format(reason=reason.format(**values), **values)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "block": self.block,
            "event_id": self.event_id,
            "other_event_id": self.other_event_id,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "reason": self.reason,
            "message_id": self.message("id"),
            "message_en": self.message("en"),
        }


@dataclass
class Totals:
    blocks: int = 0
    leaves: int = 0
    checkpoints_verified: int = 0
    archive_rows: int = 0
    kafka_records: int = 0
    pending: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Report:
    findings: list[Finding]
    totals: Totals
    kafka: bool

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kafka": self.kafka,
            "totals": self.totals.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
        }
