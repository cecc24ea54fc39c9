"""A block's archive rows against its sealed leaves, and the rows waiting for their seal
(pure; no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.audit.domain.block_check import (
    BlockCheck,
    KafkaView,
    at,
    event_of,
    where,
)
from services.audit.domain.findings import Finding, Kind
from services.audit.domain.sealed_rows import (
    ArchivedCopy,
    Content,
    Leaf,
    Place,
    content_hash,
)


def compare_archive(
    check: BlockCheck,
    reference: Sequence[Leaf],
    archive: Sequence[ArchivedCopy],
    sealed: Mapping[Place, bytes],
    located: set[bytes],
) -> list[tuple[int, Content, Place]]:
    """The archive rows against the reference leaves; at the places in ``sealed`` the leaf
    is untrusted and only the sealed leaf hash counts; ``located``: every sealed leaf hash
    the stored nodes gave (a row sealed there is not an insertion). Returns, for each
    *altered* finding whose content may be another event's sealed elsewhere, its index among
    the block's findings, the content and the place."""
    unresolved: list[tuple[int, Content, Place]] = []
    copies: dict[Place, list[ArchivedCopy]] = {}
    for copy in archive:
        place = (copy.topic, copy.partition, copy.offset)
        if place in copies:
            copies[place].append(copy)
        else:
            copies[place] = [copy]
    contents: dict[Content, Leaf] | None = None  # made when first wanted
    for leaf in reference:
        found = copies.pop((leaf.topic, leaf.partition, leaf.offset), [])
        if len(found) == 1:
            only = found[0]
            if (
                only.event_id == leaf.event_id
                and only.sha256 == leaf.sha256
                and not only.bad_columns
                and not sealed
            ):
                continue  # the common case: one authentic copy
        if not found:
            check.add(Kind.DELETED, "", event_id=leaf.event_id, **at(leaf))
            continue
        expected = sealed.get(leaf.place)
        if expected is None:
            authentic = [c for c in found if c.content == leaf.content]
        else:
            authentic = [c for c in found if content_hash(c.place, c.content) == expected]
        genuine = {c.content for c in authentic}
        others = list({c.content: c for c in found if c.content not in genuine}.values())
        for copy in others:
            if contents is None:
                contents = {leaf.content: leaf for leaf in reference if leaf.place not in sealed}
            moved = contents.get(copy.content)
            if authentic:
                check.add(
                    Kind.INSERTED,
                    "extra_version",
                    leaf.event_id,
                    event_id=copy.event_id,
                    other_event_id=leaf.event_id,
                    **at(leaf),
                )
            elif moved is not None:
                check.add(
                    Kind.REORDERED,
                    "",
                    event_id=leaf.event_id,
                    other_event_id=moved.event_id,
                    **at(leaf),
                )
            else:
                unresolved.append((len(check.findings), copy.content, copy.place))
                check.add(Kind.ALTERED, "content", event_id=leaf.event_id, **at(leaf))
        bad = sorted({column for c in authentic for column in c.bad_columns})
        if bad:
            check.add(Kind.ALTERED, "columns", ", ".join(bad), event_id=leaf.event_id, **at(leaf))
    for place, found in sorted(copies.items()):
        if not check.inside(place[:2], place[2]):
            continue  # not this block's: pending or another block's (the caller's query)
        for copy in {c.content: c for c in found}.values():
            if located and content_hash(place, copy.content) in located:
                continue  # sealed here: its manifest leaf is what went missing
            check.add(Kind.INSERTED, "unsealed_position", event_id=copy.event_id, **at(copy))
    return unresolved


def pending_findings(
    archive: Sequence[ArchivedCopy],
    kafka: KafkaView | None = None,
    sealed: Mapping[str, Sequence[Place]] | None = None,
) -> list[Finding]:
    """Archive rows past every sealed range (waiting for their seal): each must agree with
    its own ``raw``, must not be a copy of an event sealed elsewhere (``sealed``: event id
    -> its sealed places) unless Kafka holds it there too, and, when Kafka is read, must be
    the record at its position."""
    found: list[Finding] = []
    places: dict[Place, dict[Content, ArchivedCopy]] = {}
    for copy in archive:
        places.setdefault(copy.place, {})[copy.content] = copy
    for place, versions in sorted(places.items()):
        part = kafka.get(place[:2]) if kafka is not None else None
        for copy in versions.values():
            on_kafka = part.records.get(place[2]) if part is not None else None
            held = on_kafka is not None and on_kafka == copy.content
            elsewhere = [p for p in (sealed or {}).get(copy.event_id, ()) if p != place]
            if elsewhere and not held:
                found.append(
                    Finding(
                        Kind.INSERTED,
                        None,
                        "duplicate_sealed",
                        where(elsewhere[0]),
                        other_event_id=copy.event_id,
                        **event_of(copy),
                    )
                )
            elif kafka is not None and on_kafka is None:
                found.append(Finding(Kind.INSERTED, None, "pending_not_on_kafka", **event_of(copy)))
            elif on_kafka is not None and on_kafka != copy.content:
                found.append(
                    Finding(
                        Kind.ALTERED,
                        None,
                        "pending_kafka",
                        other_event_id=on_kafka[0],
                        **event_of(copy),
                    )
                )
            elif copy.bad_columns:
                columns = ", ".join(copy.bad_columns)
                found.append(Finding(Kind.ALTERED, None, "columns", columns, **event_of(copy)))
    return found
