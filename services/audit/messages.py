"""Every bilingual text of the audit service, by code: Bahasa Indonesia, then English.

Templates take :meth:`str.format` parameters, the same in both languages (see
:mod:`kernel.messages`).
"""

from __future__ import annotations

from kernel.messages import MessageCatalog

__all__ = ["MESSAGES"]

MESSAGES = MessageCatalog(
    "audit",
    {
        # --- reading the trail and the access log ------------------------------------------
        "invalid_period": (
            "'{field}' harus berupa tanggal (YYYY-MM-DD) atau waktu ISO 8601 antara {earliest} "
            "dan {latest}.",
            "'{field}' must be a date (YYYY-MM-DD) or an ISO 8601 date-time between {earliest} "
            "and {latest}.",
        ),
        "invalid_period.order": ("'to' harus sesudah 'from'.", "'to' must come after 'from'."),
        "invalid_cursor": (
            "Nilai 'after' bukan penanda halaman yang sah; pakai nilai 'next' halaman sebelumnya.",
            "'after' is not a valid page marker; use the previous page's 'next' value.",
        ),
        "unknown_event_type": (
            "Jenis peristiwa '{event_type}' tidak dikenal.",
            "Event type '{event_type}' is not known.",
        ),
        "trail_scope": (
            "Peran ini hanya boleh membaca jejak miliknya sendiri (filter '{field}' tidak "
            "diizinkan).",
            "This role may read only its own trail (the '{field}' filter is not allowed).",
        ),
        "access_log_scope": (
            "Anda hanya boleh membaca catatan akses atas data Anda sendiri.",
            "You may read only the access log of your own data.",
        ),
        # --- the routes' refusals -----------------------------------------------------------------
        "log_empty": (
            "Belum ada blok yang disegel.",
            "No block has been sealed yet.",
        ),
        "event_not_found": (
            "Peristiwa {event_id} tidak ada di arsip yang dapat Anda baca.",
            "Event {event_id} is not in the archive you may read.",
        ),
        "event_not_sealed": (
            "Peristiwa {event_id} belum disegel pada ukuran log ini; coba lagi sebentar lagi.",
            "Event {event_id} is not sealed in this size of the log yet; try again shortly.",
        ),
        "checkpoint_not_found": (
            "Tidak ada checkpoint bertanda tangan dengan ukuran log {size}.",
            "No signed checkpoint has a log size of {size}.",
        ),
        "sizes_out_of_order": (
            "Ukuran pertama harus tidak lebih besar dari ukuran kedua.",
            "The first size must not exceed the second.",
        ),
        "event_not_found.event": (
            "Peristiwa {event_id} tidak ada di arsip.",
            "Event {event_id} is not in the archive.",
        ),
        "history_too_large": (
            "Riwayat ini memuat lebih dari {limit:,} peristiwa; pilih waktu yang lebih awal atau "
            "gunakan ekspor jejak audit.",
            "This history holds more than {limit:,} events; choose an earlier time or use the "
            "audit trail export.",
        ),
        "invalid_instant": (
            "Waktu '{at}' bukan waktu ISO 8601 antara tahun 1900 dan 2100, mis. "
            "2026-03-02T09:00:00+07:00.",
            "The time '{at}' is not an ISO 8601 instant between 1900 and 2100, e.g. "
            "2026-03-02T09:00:00+07:00.",
        ),
        "naive_instant": (
            "Waktu '{at}' tidak memuat zona waktu; tulis dengan offset, mis. "
            "2026-03-02T09:00:00+07:00 (WIB) atau akhiran Z (UTC).",
            "The time '{at}' has no UTC offset; give one, e.g. 2026-03-02T09:00:00+07:00 (WIB) or "
            "a Z suffix (UTC).",
        ),
        # --- whose history a reader may read -------------------------------------------------
        "time_travel_forbidden": (
            "Anda tidak berwenang membaca riwayat {what}. Auditor dan BKD dapat membaca semua; "
            "pegawai hanya riwayatnya sendiri; kepala OPD hanya OPD-nya.",
            "You may not read the history of {what}. Auditors and BKD read any; an employee "
            "only their own; the head of an OPD only their OPD.",
        ),
        "history_of.employee": ("pegawai {nip}", "employee {nip}"),
        "history_of.opd": ("OPD {opd_id}", "OPD {opd_id}"),
        # --- what verification of the sealed log found: what went wrong, then why ------------
        "finding.bad_signature": (
            "Checkpoint blok {block} tidak sah: {reason}",
            "The checkpoint of block {block} does not verify: {reason}",
        ),
        "finding.broken_chain": (
            "Rantai blok putus di blok {block}: {reason}",
            "The chain of blocks is broken at block {block}: {reason}",
        ),
        "finding.manifest_altered": (
            "Daftar daun blok {block} telah diubah: {reason}",
            "The leaf manifest of block {block} was altered: {reason}",
        ),
        "finding.altered": (
            "Peristiwa {event_id} di {where} telah diubah: {reason}",
            "Event {event_id} at {where} was altered: {reason}",
        ),
        "finding.deleted": (
            "Peristiwa {event_id} di {where} telah dihapus dari arsip",
            "Event {event_id} at {where} was deleted from the archive",
        ),
        "finding.reordered": (
            "Peristiwa {event_id} di {where} telah dipindahkan: posisinya kini memuat peristiwa "
            "{other_event_id}",
            "Event {event_id} at {where} was reordered: its position now holds event "
            "{other_event_id}",
        ),
        "finding.inserted": (
            "Peristiwa {event_id} disisipkan di {where}: {reason}",
            "Event {event_id} was inserted at {where}: {reason}",
        ),
        "finding.missing_on_kafka": (
            "Peristiwa tersegel {event_id} di {where} tidak ada lagi di Kafka: {reason}",
            "Sealed event {event_id} at {where} is no longer on Kafka: {reason}",
        ),
        "finding.gone_by_retention": (
            "Peristiwa tersegel {event_id} di {where} sudah dihapus dari Kafka oleh retensi: "
            "{reason}",
            "Sealed event {event_id} at {where} was removed from Kafka by retention: {reason}",
        ),
        "finding.differs_on_kafka": (
            "Peristiwa {event_id} di {where} berbeda antara segel dan Kafka: {reason}",
            "Event {event_id} at {where} differs between the seal and Kafka: {reason}",
        ),
        "finding_reason.signature": (
            "tanda tangan Ed25519 tidak cocok dengan kunci publik atau teksnya rusak",
            "the Ed25519 signature does not match the public key or the text is malformed",
        ),
        "finding_reason.checkpoint_mismatch": (
            "checkpoint menyatakan ukuran {detail}, bukan ukuran dan akar blok ini",
            "the checkpoint states size {detail}, not this block's size and root",
        ),
        "finding_reason.origin": (
            "checkpoint milik log lain ({detail})",
            "the checkpoint belongs to another log ({detail})",
        ),
        "finding_reason.block_number": ("diharapkan blok {detail}", "block {detail} was expected"),
        "finding_reason.prev_head": (
            "prev_head tidak sama dengan head blok sebelumnya",
            "prev_head is not the previous block's head",
        ),
        "finding_reason.first_index": (
            "first_index tidak sama dengan ukuran log sebelumnya ({detail})",
            "first_index is not the previous size of the log ({detail})",
        ),
        "finding_reason.tree_size": (
            "tree_size bukan first_index + size",
            "tree_size is not first_index + size",
        ),
        "finding_reason.head": (
            "head yang dihitung ulang berbeda dengan yang tersimpan",
            "the recomputed head differs from the stored one",
        ),
        "finding_reason.ranges": (
            "rentang offset tidak terbaca",
            "the offset ranges are unreadable",
        ),
        "finding_reason.versions": (
            "baris blok ini tersimpan dalam {detail} versi berbeda",
            "the block's row is stored in {detail} different versions",
        ),
        "finding_reason.range_gap": (
            "rentang {detail} tidak menyambung dengan blok sebelumnya",
            "range {detail} does not follow on from the previous block",
        ),
        "finding_reason.leaves": (
            "daun tidak lengkap atau tidak berurutan ({detail})",
            "leaves missing or out of order ({detail})",
        ),
        "finding_reason.block_root": (
            "daun tidak menghasilkan block_root",
            "the leaves do not give the block_root",
        ),
        "finding_reason.tree_root": (
            "daun tidak menghasilkan tree_root yang ditandatangani",
            "the leaves do not give the signed tree_root",
        ),
        "finding_reason.leaf_nodes": (
            "daun peristiwa {event_id} di {where} bukan yang disegel: hash simpul pohon yang "
            "disimpan saat penyegelan, yang menghasilkan akar bertanda tangan, memuat daun lain",
            "the leaf of event {event_id} at {where} is not the one sealed: the tree's node hashes "
            "stored at sealing, which give the signed root, hold another leaf there",
        ),
        "finding_reason.leaf": (
            "daun peristiwa {event_id} di {where} berbeda dengan peristiwa di Kafka, yang cocok "
            "dengan akar bertanda tangan",
            "the leaf of event {event_id} at {where} differs from the event on Kafka, which gives "
            "the signed roots",
        ),
        "finding_reason.content": (
            "isi atau id peristiwanya tidak sama dengan yang disegel",
            "its content or event id is not what was sealed",
        ),
        "finding_reason.columns": (
            "kolom {detail} tidak sesuai dengan isi mentahnya",
            "columns {detail} disagree with its raw content",
        ),
        "finding_reason.unsealed_position": (
            "posisi ini tidak pernah disegel",
            "a position that was never sealed",
        ),
        "finding_reason.duplicate_sealed": (
            "salinan peristiwa yang tersegel di {detail}, pada posisi yang tidak tersegel",
            "a copy of the event sealed at {detail}, at a position that is not sealed",
        ),
        "finding_reason.extra_version": (
            "versi tambahan di samping peristiwa tersegel {detail}",
            "an extra version beside the sealed event {detail}",
        ),
        "finding_reason.pending_not_on_kafka": (
            "belum disegel, dan di Kafka tidak ada peristiwa yang dapat diarsipkan di posisi ini",
            "not sealed yet, and Kafka holds no archivable event at this position",
        ),
        "finding_reason.pending_kafka": (
            "belum disegel, dan rekaman di Kafka pada posisi ini adalah {other_event_id} dengan "
            "isi lain",
            "not sealed yet, and the record on Kafka at this position is {other_event_id} with "
            "other content",
        ),
        "finding_reason.retention": (
            "offsetnya di bawah awal log partisi di broker ({detail})",
            "its offset is below the partition's log start on the broker ({detail})",
        ),
        "finding_reason.removed": (
            "offsetnya berada dalam rentang yang disimpan partisi (awal log {detail}) tetapi "
            "rekamannya tidak ada: dihapus, bukan oleh retensi",
            "its offset lies within the partition's retained range (log start {detail}) but holds "
            "no record: removed, not by retention",
        ),
        "finding_reason.beyond_end": (
            "offsetnya melewati akhir partisi di broker ({detail})",
            "its offset is past the partition's end on the broker ({detail})",
        ),
        "finding_reason.no_partition": (
            "partisinya tidak ada di broker (topik dihapus)",
            "its partition is not on the broker (the topic was deleted)",
        ),
        "finding_reason.undecodable": (
            "rekaman di Kafka tidak terbaca sebagai peristiwa",
            "the record on Kafka cannot be read as an event",
        ),
        "finding_reason.kafka_content": (
            "rekaman di Kafka adalah {detail}",
            "the record on Kafka is {detail}",
        ),
        "finding_reason.not_sealed": (
            "peristiwa di Kafka ini tidak ada dalam blok yang disegel",
            "this event on Kafka is not in the sealed block",
        ),
        # --- verifying the sealed log -------------------------------------------------------------
        "invalid_public_key": (
            "Kunci publik harus base64 standar dari 32 bita kunci Ed25519.",
            "The public key must be the standard base64 of 32 raw Ed25519 bytes.",
        ),
        "verification_unavailable": (
            "Verifikasi tidak dapat berjalan: penyimpanan atau Kafka tidak dapat dibaca.",
            "Verification cannot run: the store or Kafka cannot be read.",
        ),
    },
)
