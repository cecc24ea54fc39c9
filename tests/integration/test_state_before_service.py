"""A decider on a brand-new cluster holds its caps from the first request it accepts.

On an empty broker the decider's table changelogs do not exist yet. They must be declared
with the partition count of the commands topic before the faust worker starts, and the
service must not take a command until its tables are recovered; otherwise table writes fail
and the caps silently stop holding.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.infra import LocalBroker, own_kafka_broker
from tests.support.processes import running_services
from tests.support.province import (
    asn,
    import_roster,
    make_opd,
    next_weekdays,
    publish_policy,
    request_body,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fresh_broker() -> Iterator[LocalBroker]:
    with own_kafka_broker() as broker:
        yield broker


def test_caps_hold_from_the_first_requests_on_an_empty_cluster(
    fresh_broker: LocalBroker, tmp_path: Path
) -> None:
    with running_services(
        fresh_broker.bootstrap,
        tmp_path,
        names=("eligibility",),
        group_suffix=uuid.uuid4().hex[:8],
    ) as procs:
        url = procs["eligibility"].url
        opd = make_opd({"bidang-data": 10})
        import_roster(url, opd)
        publish_policy(url, opd, max_away_share=0.2, weekly_cap_days=2)
        staff = opd.units[0].staff
        day = next_weekdays(1, skip_weeks=2)[0]

        def submit(nip: str, dates: list[str]) -> httpx.Response:
            return httpx.post(
                f"{url}/wfa/requests",
                json={**request_body([]), "dates": dates},
                headers=asn(nip, opd),
                timeout=60,
            )

        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(lambda nip: submit(nip, [day.isoformat()]), staff))
        statuses = [a.status_code for a in answers]
        assert all(s == 202 for s in statuses), [a.text for a in answers]
        decided = [a.json() for a in answers]
        assert all(d.get("status") in ("pending", "not_eligible") for d in decided), decided
        eligible = [d for d in decided if d["status"] == "pending"]
        # a unit of 10 with a 20% share: two may be away, the other eight are refused
        assert len(eligible) == 2, [d["status"] for d in decided]

        # the weekly cap holds too: a third day in one week is refused
        week = next_weekdays(5, skip_weeks=3)
        nip = staff[0]
        first = submit(nip, [week[0].isoformat(), week[1].isoformat()])
        assert first.json()["status"] == "pending", first.text
        third = submit(nip, [week[2].isoformat()])
        assert third.status_code == 202, third.text
        assert third.json()["status"] == "not_eligible", third.text
