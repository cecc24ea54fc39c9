"""Trails of the audit archive: filters, scoping by role, and the export formats (pure, no I/O).

A trail is the archived events that match a filter, oldest first, paged on
``(recorded_at, event_id)``:

* ``nip``: events whose subject is that employee;
* ``opd_id``: events recorded for that OPD (the envelope's ``opd_id``);
* ``supervisor``: events that NIP acted on (the envelope's ``actor``): a supervisor's decisions
  and reviews, and anything else they did themselves;
* ``type``: one event type of the contract;
* ``from`` / ``to``: on ``recorded_at``; a date covers its whole day (UTC), a date-time without
  an offset is read as UTC; ``to`` is inclusive for a date and exclusive for a date-time.

Auditors and BKD read every trail; anyone else reads only their own (``nip`` = their NIP, no OPD
or supervisor filter). An event archived more than once (the same event id published again) is
listed once, at its first position on the log.

Exports carry each event with its inclusion proof, for checking offline with
``services/audit/verify_proofs.py``: JSONL (a header line, then one line per event) and CSV
(one row per event) share the columns of :data:`EXPORT_COLUMNS`; a CSV row also carries the
signed checkpoint. Every proof of one export leads to the same checkpoint, the last one signed
when the export began. An auditor checks a line with nothing but the verifier and the public
key obtained independently:

1. ``cp = verify_checkpoint(checkpoint_text, signature, public_key)`` (not ``None``);
2. ``leaf = event_leaf_input(topic, partition, offset, event_id, raw)`` (the SHA-256 of
   ``raw`` is computed there, so an edited ``raw`` gives another leaf);
3. ``verify_inclusion(leaf_hash(leaf), leaf_index, cp.tree_size, [b64decode(p) for p in
   proof], cp.root_hash)`` is ``True``.

The same three steps run over a whole JSONL export when its lines become the inclusion entries
of a bundle (``{"checkpoint": 0, "index": leaf_index, "event": {topic, partition, offset,
event_id, raw}, "proof": proof}``) and ``python verify_proofs.py bundle.json --public-key KEY``
reads it; ``format=bundle`` gives that bundle directly.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from kernel.refusal import Refusal, RefusalKind
from schemas import EVENT_TYPES
from schemas.exceptions import MalformedEvent
from schemas.limits import EARLIEST_DATE, LATEST_DATE
from schemas.serialization import read_event
from services.audit.messages import MESSAGES
from services.runtime.edge.identity import Principal, Role

__all__ = [
    "ACCESS_EVENT_TYPE",
    "CSV_COLUMNS",
    "EXPORT_COLUMNS",
    "READERS_OF_ALL",
    "Cursor",
    "Period",
    "TrailFilter",
    "access_item",
    "csv_header",
    "csv_row",
    "decode_cursor",
    "encode_cursor",
    "export_entry",
    "jsonl_header",
    "jsonl_line",
    "next_cursor",
    "parse_period",
    "reader_nips",
    "scope_access_log",
    "scope_trail",
    "subjects_of",
    "trail_item",
    "trail_query",
]

READERS_OF_ALL = frozenset({Role.AUDITOR, Role.ADMIN_BKD})
"""Roles that read every trail and every employee's access log."""

ACCESS_EVENT_TYPE = "PersonalDataAccessed"


# --- Period --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """``[since, until)`` on ``recorded_at``, as epoch milliseconds; ``None`` is unbounded."""

    since_ms: int | None = None
    until_ms: int | None = None
    first_day: date | None = None
    last_day: date | None = None


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _unreadable(text: str, field: str) -> Refusal:
    return MESSAGES.refusal(
        RefusalKind.INVALID,
        "invalid_period",
        [{"field": field, "value": text[:64]}],
        field=field,
        earliest=EARLIEST_DATE.isoformat(),
        latest=LATEST_DATE.isoformat(),
    )


def _instant(text: str, field: str, *, end: bool) -> tuple[int, date]:
    """A bound as epoch ms and its day: a date is its day's start (``end``: the next day's).
    Days outside the contract's range (:data:`EARLIEST_DATE` to :data:`LATEST_DATE`) are
    refused: no event lies there, and the access log records the period read."""
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _unreadable(text, field) from None
    if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:  # before any arithmetic on it
        raise _unreadable(text, field)
    if _DATE.fullmatch(text):
        return _ms(moment + timedelta(days=1) if end else moment), moment.date()
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    day = moment.astimezone(UTC).date()
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _unreadable(text, field)
    return _ms(moment), day


def parse_period(since: str | None, until: str | None) -> Period:
    """The period of ``from`` / ``to`` (see the module's docstring); 422 when unreadable or
    when ``to`` is not after ``from``."""
    since_ms, first = _instant(since, "from", end=False) if since else (None, None)
    until_ms, last = _instant(until, "to", end=True) if until else (None, None)
    if since_ms is not None and until_ms is not None and until_ms <= since_ms:
        message_id, message_en = MESSAGES.text("invalid_period.order")
        raise Refusal(
            RefusalKind.INVALID,
            "invalid_period",
            message_id,
            message_en,
            [{"from": since, "to": until}],
        )
    return Period(since_ms, until_ms, first, last)


# --- Cursor --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last item's ``recorded_at`` (epoch ms) and event id."""

    recorded_ms: int
    event_id: str


_CURSOR = re.compile(r"(-?[0-9]{1,15})\.([0-9A-HJKMNP-TV-Z]{26})")


def encode_cursor(cursor: Cursor) -> str:
    return f"{cursor.recorded_ms}.{cursor.event_id}"


def decode_cursor(text: str | None) -> Cursor | None:
    """The cursor of a page's ``next`` value; 422 when it is not one."""
    if not text:
        return None
    match = _CURSOR.fullmatch(text)
    if not match:
        raise MESSAGES.refusal(RefusalKind.INVALID, "invalid_cursor", [{"after": text[:64]}])
    return Cursor(int(match.group(1)), match.group(2))


# --- Filters and scope ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailFilter:
    """What a trail holds; every field narrows it (``None``: no condition)."""

    nip: str | None = None
    opd_id: str | None = None
    supervisor: str | None = None
    event_type: str | None = None
    period: Period = Period()

    def described(self) -> dict[str, Any]:
        """The filter as plain JSON, for an export's header."""
        return {
            "nip": self.nip,
            "opd_id": self.opd_id,
            "supervisor": self.supervisor,
            "type": self.event_type,
            "from": _iso_ms(self.period.since_ms),
            "to": _iso_ms(self.period.until_ms),
        }


def _check_type(event_type: str | None) -> None:
    if event_type is not None and event_type not in EVENT_TYPES:
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "unknown_event_type",
            [{"type": event_type[:100], "known": sorted(EVENT_TYPES)}],
            event_type=event_type[:100],
        )


def _own_only(field: str) -> Refusal:
    return MESSAGES.refusal(RefusalKind.FORBIDDEN, "trail_scope", [{"field": field}], field=field)


def scope_trail(reader: Principal, requested: TrailFilter) -> TrailFilter:
    """The filter ``reader`` may run: auditors and BKD any; anyone else their own trail only
    (``nip`` defaults to theirs; another NIP, an OPD or a supervisor filter is a 403)."""
    _check_type(requested.event_type)
    if reader.role in READERS_OF_ALL:
        return requested
    if requested.nip is not None and requested.nip != reader.nip:
        raise _own_only("nip")
    if requested.opd_id is not None:
        raise _own_only("opd_id")
    if requested.supervisor is not None:
        raise _own_only("supervisor")
    return replace(requested, nip=reader.nip)


def scope_access_log(reader: Principal, nip: str | None) -> str:
    """Whose access log ``reader`` reads: their own by default; another NIP only for auditors
    and BKD (403 otherwise)."""
    if nip is None or nip == reader.nip:
        return reader.nip
    if reader.role in READERS_OF_ALL:
        return nip
    raise MESSAGES.refusal(RefusalKind.FORBIDDEN, "access_log_scope", [{"nip": nip}])


# --- Query ---------------------------------------------------------------------------------------

_SELECT = (
    "SELECT event_id, type, schema_version, subject, opd_id, actor, correlation_id, "
    "causation_id, toUnixTimestamp64Milli(occurred_at) AS occurred_ms, "
    "toUnixTimestamp64Milli(recorded_at) AS recorded_ms, topic, partition, offset, sha256, raw "
    "FROM {db}.event_archive FINAL"
)


#: an access event that lists ``{nip}`` among the subjects of its read (v2 payloads; a v1
#: event has its one subject as the envelope's)
LISTS_SUBJECT = (  # the events about {nip}, and the reads that listed {nip} among others
    "(subject = {nip:String} OR (type = 'PersonalDataAccessed' AND "
    "arrayExists(s -> JSONExtractString(s, 'nip') = {nip:String}, "
    "JSONExtractArrayRaw(raw, 'payload', 'subjects'))))"
)


def trail_query(
    filters: TrailFilter,
    cursor: Cursor | None,
    limit: int,
    *,
    newest_first: bool = False,
    listed_subject: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The SQL (with ``{name:Type}`` parameters) of one page of a trail. With
    ``listed_subject`` the NIP filter also finds the access events listing that employee
    among the subjects of one read (the access log of :func:`access_item`)."""
    conditions: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if listed_subject and filters.nip is not None:
        conditions.append(LISTS_SUBJECT)
        params["nip"] = filters.nip
        filters = replace(filters, nip=None)
    for column, name, value in (
        ("subject", "nip", filters.nip),
        ("opd_id", "opd", filters.opd_id),
        ("actor", "actor", filters.supervisor),
        ("type", "type", filters.event_type),
    ):
        if value is not None:
            conditions.append(f"{column} = {{{name}:String}}")
            params[name] = value
    if filters.period.since_ms is not None:
        conditions.append("toUnixTimestamp64Milli(recorded_at) >= {since:Int64}")
        params["since"] = filters.period.since_ms
    if filters.period.until_ms is not None:
        conditions.append("toUnixTimestamp64Milli(recorded_at) < {until:Int64}")
        params["until"] = filters.period.until_ms
    if cursor is not None:
        compare = "<" if newest_first else ">"
        conditions.append(
            f"(toUnixTimestamp64Milli(recorded_at), event_id) {compare} "
            "({after_ms:Int64}, {after_id:String})"
        )
        params["after_ms"], params["after_id"] = cursor.recorded_ms, cursor.event_id
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    direction = " DESC" if newest_first else ""
    sql = (
        f"{_SELECT}{where} ORDER BY recorded_ms{direction}, event_id{direction}, "
        "topic, partition, offset LIMIT 1 BY event_id LIMIT {limit:UInt32}"
    )
    return sql, params


def next_cursor(rows: Sequence[Mapping[str, Any]], limit: int) -> str | None:
    """The ``next`` value of a page: ``None`` when the page is not full."""
    if len(rows) < limit or not rows:
        return None
    last = rows[-1]
    return encode_cursor(Cursor(int(last["recorded_ms"]), str(last["event_id"])))


# --- Rendering -----------------------------------------------------------------------------------


def _iso_ms(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _envelope(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "event_id": row["event_id"],
        "type": row["type"],
        "schema_version": row["schema_version"],
        "occurred_at": _iso_ms(int(row["occurred_ms"])),
        "recorded_at": _iso_ms(int(row["recorded_ms"])),
        "actor": row["actor"],
        "subject": row["subject"],
        "opd_id": row["opd_id"],
        "correlation_id": row["correlation_id"],
        "causation_id": row["causation_id"],
    }


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def trail_item(row: Mapping[str, Any]) -> dict[str, Any]:
    """One event of a trail: its envelope, its payload decoded at the current version, where
    it is on the log, and whether its bytes still match the hash archived with them."""
    item = _envelope(row)
    try:
        decoded = read_event(row["raw"].encode("utf-8"))
    except MalformedEvent as exc:
        item["payload"], item["payload_error"] = None, exc.reason[:500]
    else:
        item["payload"] = decoded.payload.model_dump(mode="json")
    item.update(
        topic=row["topic"],
        partition=row["partition"],
        offset=row["offset"],
        sha256=row["sha256"],
        verified=_sha256(row["raw"]) == row["sha256"],
    )
    return item


def access_item(
    row: Mapping[str, Any],
    subject: str | None = None,
    names: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """One entry of ``subject``'s access log: when, who (NIP, name from the roster, role, or
    the application that read on its own behalf), what, through which route, why, how many
    of the subject's records and for which days, and how many employees the read answered."""
    payload: dict[str, Any] = {}
    try:
        payload = read_event(row["raw"].encode("utf-8")).payload.model_dump(mode="json")
    except MalformedEvent:
        payload = {}
    subjects = payload.get("subjects") or []
    mine = next((s for s in subjects if s.get("nip") == (subject or row["subject"])), None)
    part = mine or payload
    reader_nip = payload.get("reader_nip", row["actor"]) if payload else row["actor"]
    return {
        "access_id": row["event_id"],
        "at": _iso_ms(int(row["occurred_ms"])),
        "reader_nip": reader_nip,
        "reader_name": (names or {}).get(reader_nip) if reader_nip else None,
        "reader_app": payload.get("reader_app"),
        "reader_role": payload.get("reader_role"),
        "data_kind": payload.get("data_kind"),
        "route": payload.get("route"),
        "purpose": payload.get("purpose"),
        "records": part.get("records"),
        "period_from": part.get("period_from"),
        "period_to": part.get("period_to"),
        "subjects_in_read": len(subjects) or (1 if payload else None),
    }


def reader_nips(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The NIPs of the people who read (the actors that are NIPs), to resolve their names."""
    return {str(row["actor"]) for row in rows if re.fullmatch(r"[0-9]{18}", str(row["actor"]))}


def subjects_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, int]]:
    """Each subject NIP in ``rows`` with its OPD (the first seen) and how many rows it has."""
    found: dict[str, tuple[str, int]] = {}
    for row in rows:
        opd, count = found.get(row["subject"], (row["opd_id"], 0))
        found[row["subject"]] = (opd, count + 1)
    return found


# --- Exports -------------------------------------------------------------------------------------

EXPORT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "actor",
    "subject",
    "opd_id",
    "correlation_id",
    "causation_id",
    "topic",
    "partition",
    "offset",
    "sha256",
    "sealed",
    "leaf_index",
    "tree_size",
    "proof",
    "raw",
)
"""The keys of every event line of a JSONL export (whose header carries the checkpoint)."""

CSV_COLUMNS: tuple[str, ...] = (*EXPORT_COLUMNS, "checkpoint", "checkpoint_signature")
"""The columns of a CSV export: each row also carries the signed checkpoint its proof leads
to (a CSV file has no header object)."""


def export_entry(row: Mapping[str, Any], proof: Mapping[str, Any] | None) -> dict[str, Any]:
    """One event of an export with its inclusion proof (``proof`` is an ``inclusion_for``
    answer, ``None`` when the event is not sealed yet).

    ``topic``/``partition``/``offset`` are the event's first position on the log, the one its
    proof is for (an event archived twice is proven at its first leaf); ``sha256`` is the hash
    of ``raw`` as exported, so the leaf rebuilt from the line
    (``verify_proofs.event_leaf_input(topic, partition, offset, event_id, raw)``) matches the
    proof only when ``raw`` is the event exactly as it was sealed.
    """
    entry = _envelope(row)
    entry.update(
        topic=row["topic"],
        partition=int(row["partition"]),
        offset=int(row["offset"]),
        sha256=_sha256(row["raw"]),
    )
    if proof is None:
        entry.update(sealed=False, leaf_index=None, tree_size=None, proof=None)
    else:
        entry.update(
            sealed=True,
            leaf_index=proof["leaf_index"],
            tree_size=proof["tree_size"],
            proof=list(proof["proof"]),
        )
    entry["raw"] = row["raw"]
    return {column: entry[column] for column in EXPORT_COLUMNS}


def jsonl_line(obj: Mapping[str, Any]) -> bytes:
    """One JSON object on one line."""
    return orjson.dumps(obj) + b"\n"


def jsonl_header(
    *,
    filters: TrailFilter,
    checkpoint: Mapping[str, str] | None,
    public_key: str,
    origin: str,
    generated_at: datetime,
    limit: int,
) -> dict[str, Any]:
    """The first line of a JSONL export: the checkpoint every proof leads to, the key that
    signed it, the log's origin and what was asked."""
    return {
        "format": "wfa-audit-trail/1",
        "checkpoint": dict(checkpoint) if checkpoint else None,
        "public_key": public_key,
        "origin": origin,
        "filters": filters.described(),
        "limit": limit,
        "generated_at": generated_at.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
        "columns": list(EXPORT_COLUMNS),
    }


def _csv_text(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def csv_header() -> str:
    return _csv_text(CSV_COLUMNS)


def csv_row(entry: Mapping[str, Any], checkpoint: Mapping[str, str] | None) -> str:
    """An export entry as one CSV record: the proof as space-separated base64, ``sealed`` as
    ``true``/``false``, empty cells for nothing, then the checkpoint's text and signature
    (empty for an event not sealed); every value exactly as exported (no spreadsheet escaping:
    the columns are checked byte for byte)."""
    signed = checkpoint if entry["sealed"] and checkpoint else {}
    full = {
        **entry,
        "checkpoint": signed.get("text"),
        "checkpoint_signature": signed.get("signature"),
    }
    values: list[Any] = []
    for column in CSV_COLUMNS:
        value = full[column]
        if column == "proof":
            value = " ".join(value) if value is not None else ""
        elif isinstance(value, bool):
            value = "true" if value else "false"
        values.append("" if value is None else value)
    return _csv_text(values)
