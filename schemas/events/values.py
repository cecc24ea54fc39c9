"""Value objects that events carry: positions, work targets, report outputs and the
eligibility decision with its trace."""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.events.base import MODEL_CONFIG, Sha256Hex
from schemas.limits import (
    MAX_ATTACHMENT_BYTES,
    MAX_TRACE_RULES,
    MAX_WORK_TARGETS,
    Address,
    CoarseCell,
    Counter,
    Description,
    Explanation,
    Identifier,
    LegalBasis,
    ShortText,
)


class GeoPoint(BaseModel):
    """A WGS 84 position, optionally with a human-readable address."""

    model_config = MODEL_CONFIG

    lat: float = Field(ge=-90, le=90, description="Latitude in decimal degrees (WGS 84).")
    lon: float = Field(ge=-180, le=180, description="Longitude in decimal degrees (WGS 84).")
    address: Address | None = Field(
        default=None,
        description="Human-readable address of the point, if known; null otherwise.",
    )


def coarse_cell_of(lat: float, lon: float) -> str:
    """The coarse cell of a position: both coordinates rounded to 0.01° (about 1.1 km)."""
    return f"{round(lat, 2):.2f},{round(lon, 2):.2f}"


class SharedPlace(BaseModel):
    """Where an employee intends to work from, as far as others may know it.

    The precise point is published only on the restricted locations topic
    (``WfaLocationDeclared``, kept for the location retention and purged after it): here the
    request carries the id of that record, the coarse cell of the point and, only when the
    employee chose to share it, the address text.
    """

    model_config = MODEL_CONFIG

    location_id: Identifier | None = Field(
        default=None,
        description=(
            "Id of the restricted WfaLocationDeclared record holding the precise point; null "
            "for a request recorded before the point was kept apart."
        ),
    )
    cell: CoarseCell = Field(
        description='Coarse cell of the point: lat and lon rounded to 0.01°, e.g. "-6.20,106.80".'
    )
    address: Address | None = Field(
        default=None,
        description="Address text the employee chose to share with the request; null otherwise.",
    )

    @classmethod
    def of(
        cls, point: GeoPoint, *, location_id: str | None = None, share_address: bool = False
    ) -> SharedPlace:
        """What others may know of ``point`` (its address only if ``share_address``)."""
        return cls(
            location_id=location_id,
            cell=coarse_cell_of(point.lat, point.lon),
            address=point.address if share_address else None,
        )


class WorkTarget(BaseModel):
    """A measurable target of a WFA work plan, e.g. "draft 2 dokumen SOP"."""

    model_config = MODEL_CONFIG

    description: Description = Field(description="What will be produced or done.")
    target: float = Field(gt=0, description="Planned amount, measured in `unit`; positive.")
    unit: ShortText = Field(description='Unit of `target`, e.g. "dokumen", "laporan", "kegiatan".')


class ReportOutput(BaseModel):
    """One output actually delivered on a work day, as stated in a daily report."""

    model_config = MODEL_CONFIG

    description: Description = Field(description="What was produced or done.")
    quantity: float = Field(
        ge=0, le=1e9, description="Amount delivered, measured in `unit`; zero or more."
    )
    unit: ShortText = Field(description='Unit of `quantity`, e.g. "dokumen", "laporan".')
    target: float | None = Field(
        default=None,
        gt=0,
        le=1e9,
        description=(
            "Amount the output is measured against, in `unit`: the linked target of the day's "
            "WFA work plan, or a target the employee set on an office day; null if none."
        ),
    )
    plan_target: int | None = Field(
        default=None,
        ge=0,
        le=MAX_WORK_TARGETS - 1,
        description=(
            "Index (from 0) of the target in the work plan of `request_id` this output delivers; "
            "null for a free target."
        ),
    )


class ReportAttachment(BaseModel):
    """A file attached to a daily report, by reference: the file itself is stored elsewhere."""

    model_config = MODEL_CONFIG

    name: ShortText = Field(description='File name, e.g. "notulen-rapat.pdf".')
    size_bytes: int = Field(ge=0, le=MAX_ATTACHMENT_BYTES, description="Size of the file in bytes.")
    sha256: Sha256Hex = Field(
        description="SHA-256 of the file, 64 lowercase hex digits: proves which file was meant."
    )


class RuleOutcome(BaseModel):
    """The result of evaluating one eligibility rule, with bilingual explanation."""

    model_config = MODEL_CONFIG

    code: Identifier = Field(
        description='Stable machine code of the rule, e.g. "position_category_allowed".'
    )
    passed: bool = Field(description="Whether the request satisfies this rule.")
    message_id: Explanation = Field(description="Explanation for the employee in Bahasa Indonesia.")
    message_en: Explanation = Field(description="The same explanation in English.")
    legal_basis: LegalBasis = Field(
        description='Regulation the rule implements, e.g. "Permen PANRB 4/2025 Pasal 5".'
    )


class EligibilityDecision(BaseModel):
    """Outcome of the WFA eligibility policy for a request, with the trace of every rule."""

    model_config = MODEL_CONFIG

    eligible: bool = Field(description="True when every rule in the trace passed.")
    policy_version: Counter | None = Field(
        default=None,
        description="Version of the eligibility policy that decided; null if none was configured.",
    )
    trace: list[RuleOutcome] = Field(
        default_factory=list,
        max_length=MAX_TRACE_RULES,
        description="Outcome of each rule evaluated, in evaluation order.",
    )
