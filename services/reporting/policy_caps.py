"""Each OPD's cap on staff away, read from the policy topic into memory.

The scorecard of an OPD head judges the share of staff on WFA against the share the OPD's
policy allows (``max_away_share``, none while WFA is off). Reporting keeps, per OPD, what
every published policy version says about it: a few bytes per version, read from
``wfa.policies.v1`` at boot and kept up to date (a :class:`TopicMemory`, like the roster
directory).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from kernel.policy import DEFAULT_MAX_AWAY_SHARE
from schemas import Envelope, EventPayload
from schemas.events import OpdPolicyPublished
from schemas.topics import POLICIES
from services.reporting.domain.scorecard import AwayCap, cap_in_force
from services.runtime.context import register
from services.runtime.kafka.topic_memory import TopicMemory

if TYPE_CHECKING:
    from services.runtime.context import ServiceContext


def away_cap(event: OpdPolicyPublished) -> AwayCap:
    """What a policy version says about staff away."""
    settings = event.settings
    share = settings.get("max_away_share", DEFAULT_MAX_AWAY_SHARE)
    return AwayCap(
        effective_from=event.effective_from,
        wfa_enabled=bool(settings.get("wfa_enabled", False)),
        max_away_share=float(share) if isinstance(share, int | float) else DEFAULT_MAX_AWAY_SHARE,
        version=event.version,
    )


class PolicyCaps(TopicMemory):
    """The away caps of every OPD's policy versions (a service component)."""

    name = "policy-caps"

    def __init__(self, bootstrap: list[str], client_id: str) -> None:
        super().__init__(bootstrap, client_id, (POLICIES,))
        self._versions: dict[str, dict[int, AwayCap]] = {}

    def apply(self, envelope: Envelope, payload: EventPayload) -> None:
        if isinstance(payload, OpdPolicyPublished):
            self._versions.setdefault(payload.opd_id, {})[payload.version] = away_cap(payload)

    def cap(self, opd_id: str, day: date) -> float | None:
        """The share of the OPD's staff that may be away on ``day``; None if no policy is in
        force then."""
        return cap_in_force(list(self._versions.get(opd_id, {}).values()), day)


def register_policy_caps(ctx: ServiceContext) -> PolicyCaps:
    """Declare the service's policy caps; the host starts them with the other components."""
    settings = ctx.settings
    caps = PolicyCaps(settings.kafka_servers, f"{settings.service_name}-{PolicyCaps.name}")
    register(ctx, caps)
    return caps
