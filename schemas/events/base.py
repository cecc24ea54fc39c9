"""The foundations every event payload shares: the NIP, the model settings and the
payload base class."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints

from schemas.limits import NonBlankLongText

__all__ = ["MODEL_CONFIG", "NIP_PATTERN", "EventPayload", "Nip", "NonBlankStr", "Sha256Hex"]

NIP_PATTERN = r"^[0-9]{18}$"
"""A NIP is exactly 18 ASCII digits (``\\d`` would also admit other Unicode digits)."""

Nip = Annotated[str, StringConstraints(max_length=18, pattern=NIP_PATTERN)]
"""NIP (Nomor Induk Pegawai): exactly 18 ASCII digits.

Only the shape is checked here; plausibility checks (embedded birth and appointment dates,
gender digit) belong to the services that know the roster.
"""

Sha256Hex = Annotated[
    str, StringConstraints(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")
]
"""A SHA-256 digest as 64 lowercase hex digits."""

NonBlankStr = NonBlankLongText
"""Free text with at least one visible character, bounded like every contract string (see
:mod:`schemas.limits` for the specific id, name and text types)."""

MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
"""Every contract model is frozen, rejects unknown fields and never holds NaN or infinity."""


class EventPayload(BaseModel):
    """Base class of every event body.

    Subclasses set three class variables that are not part of the payload itself:
    ``event_type`` (the class name, carried in the envelope's ``type``), ``class_version``
    (current payload version, carried in ``schema_version``) and ``topic`` (Kafka topic).
    """

    model_config = MODEL_CONFIG

    event_type: ClassVar[str]
    class_version: ClassVar[int]
    topic: ClassVar[str]
