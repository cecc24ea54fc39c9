"""One synthetic OPD through one working week: who works where, who reports what, who reviews.

The OPD has a head, one work unit with a supervisor and six staff. Everything happens in the
most recent Monday-Friday week that is already over, so every day of it can be checked in,
reported and reviewed now: the phones send the week from their offline queues (the attendance
edge runs with a two-week offline tolerance, as for a 3T region) and reports are accepted up
to two weeks late.

What the OPD had on the log before that week is history, published as the platform would
have published it then (:meth:`Week.history`): the policy in force (WFA on, 2 days a week,
half a unit away), the WFA requests decided by the eligibility rules engine on the Friday
before the week (the supervisor approves every eligible one; a third day for Budi is refused
by the weekly cap) and, after the week, Eka's cancellation of her approved day. The week
itself goes through the public APIs (see ``tests/e2e/test_reporting_week.py``).

The staff (day 0 is Monday):

* Ani: WFA on days 1 and 3 (approved); on day 3 she checks in 3 km from her approved
  location (``far_from_wfa_location``). Reports every day, outputs on WFA days delivering the
  targets of her work plan.
* Budi: WFA on days 1 and 2 (approved); a third WFA day (day 4) is refused (``WEEKLY_CAP``).
  His day-2 report is returned with a note, resubmitted as revision 2 and accepted.
* Citra: at the office; late on days 0 and 3 (``late_check_in``, from the stream detector).
  Her day-4 report is still waiting for review.
* Dedi: at the office; on day 1 he checks in 3 km away (``outside_geofence``); on day 2 he
  never checks out (``missing_check_out``, from the detector's sweep). His day-1 report is
  returned and never resubmitted; no report on day 4.
* Eka: WFA on day 2 (approved, then cancelled after the day: a WFA day without an approval
  standing); on day 4 she claims WFA from home without any approval (``outside_geofence`` and
  ``remote_without_approval``).
* Fajar: WFA on days 3 and 4 (approved); absent on day 3; on day 4 his phone pings four times
  and his laptop sends two heartbeats.

The head and the supervisor work at the office every day and write no daily report.
"""

from __future__ import annotations

import random
import uuid
from datetime import date

from tests.support.province import new_nip, wib_today
from tests.support.week_parts import (
    LEADERSHIP,
    UNIT,
    DayPlan,
    Mark,
    Member,
    Output,
    Role,
    Submission,
    Week,
    WfaPlan,
    last_complete_week,
)

# --------------------------------------------------------------------------------------------
# the scenario
# --------------------------------------------------------------------------------------------


def _office_day(index: int, day: int, *, late_minutes: int = 0) -> tuple[Mark, ...]:
    """On time (07:00-07:24) unless ``late_minutes`` after the start; out at 16:00-16:29."""
    if late_minutes:
        hh, mm = 7, 30 + late_minutes
    else:
        hh, mm = 7, (index * 3 + day * 2) % 25
    return (
        Mark("check_in", hh, mm, "office"),
        Mark("check_out", 16, (index * 7 + day * 5) % 30, "office"),
    )


def _wfa_day(index: int, day: int) -> tuple[Mark, ...]:
    return (
        Mark("check_in", 7, 5 + (index + day) % 20, "home", declared="wfa"),
        Mark("check_out", 16, 10 + (index * 2 + day) % 20, "home", declared="wfa"),
    )


def _office_report(index: int, day: int) -> Submission:
    """Letters against a free target, and a meeting without one."""
    letters = 1 + (index + day) % 4
    return Submission(
        (
            Output("Surat dinas diproses", float(letters), "surat", target=3.0),
            Output("Rapat koordinasi bidang", 1.0, "kegiatan"),
        )
    )


def build_week(today: date | None = None) -> Week:
    """The scenario for the latest complete week before ``today`` (WIB), with new NIPs and a
    new OPD, somewhere of its own near Jakarta (so no coordinate meets another test's)."""
    rng = random.Random(uuid.uuid4().int)
    days = last_complete_week(today or wib_today())
    office = (round(-6.2 + rng.uniform(-0.3, 0.3), 6), round(106.8 + rng.uniform(-0.3, 0.3), 6))
    head, sup = new_nip(), new_nip()
    people: list[tuple[str, str, Role, str, str | None]] = [
        ("head", "Hendra Kusuma", "head", LEADERSHIP, None),
        ("supervisor", "Sri Wahyuni", "supervisor", UNIT, head),
        ("ani", "Ani Rahmawati", "staff", UNIT, sup),
        ("budi", "Budi Santoso", "staff", UNIT, sup),
        ("citra", "Citra Lestari", "staff", UNIT, sup),
        ("dedi", "Dedi Kurniawan", "staff", UNIT, sup),
        ("eka", "Eka Putri", "staff", UNIT, sup),
        ("fajar", "Fajar Hidayat", "staff", UNIT, sup),
    ]
    members: dict[str, Member] = {}
    for index, (key, name, role, unit, boss) in enumerate(people):
        nip = head if key == "head" else sup if key == "supervisor" else new_nip()
        members[key] = Member(key, nip, name, role, unit, boss, index + 1)
    week = Week(f"opd-week-{uuid.uuid4().hex[:8]}", days, members, office)
    week.wfa_plans = [
        WfaPlan(
            "ani",
            "ani",
            (1, 3),
            (
                ("Draf kajian kebutuhan aplikasi", 2.0, "dokumen"),
                ("Rekap data layanan", 50.0, "baris"),
            ),
        ),
        WfaPlan("budi", "budi", (1, 2), (("Analisis data kepegawaian", 1.0, "laporan"),)),
        WfaPlan(
            "eka",
            "eka",
            (2,),
            (("Penyusunan SOP layanan", 1.0, "dokumen"),),
            cancelled_after_week=True,
        ),
        WfaPlan(
            "fajar",
            "fajar",
            (3, 4),
            (("Verifikasi berkas usulan", 100.0, "berkas"), ("Laporan verifikasi", 1.0, "laporan")),
        ),
        WfaPlan(
            "budi-third",
            "budi",
            (4,),
            (("Analisis lanjutan", 1.0, "laporan"),),
            expect_refused_by="WEEKLY_CAP",
        ),
    ]
    week.decide_requests()
    _plan_days(week)
    return week


def _plan_days(week: Week) -> None:
    m = week.members
    plans = week.plans
    for key in ("head", "supervisor"):
        for day in range(5):
            plans[(key, day)] = DayPlan(_office_day(m[key].index, day))
    for member in week.staff:
        for day in range(5):
            plans[(member.key, day)] = DayPlan(
                _office_day(member.index, day), (_office_report(member.index, day),)
            )
    ani, budi, citra, dedi, eka = (m[k] for k in ("ani", "budi", "citra", "dedi", "eka"))
    # Ani: WFA on days 1 and 3, the second one checked in far from the approved location
    plans[("ani", 1)] = DayPlan(
        _wfa_day(ani.index, 1),
        (Submission((Output("Draf kajian", 2.0, "dokumen", plan_target=0),
                     Output("Rekap data", 40.0, "baris", plan_target=1))),),
    )  # fmt: skip
    plans[("ani", 3)] = DayPlan(
        (
            Mark("check_in", 7, 14, "far_home", declared="wfa", edge=("far_from_wfa_location",)),
            Mark("check_out", 16, 2, "home", declared="wfa"),
        ),
        (Submission((Output("Draf kajian (revisi)", 1.0, "dokumen", plan_target=0),
                     Output("Rekap data", 60.0, "baris", plan_target=1),
                     Output("Diskusi daring", 1.0, "kegiatan"))),),
    )  # fmt: skip
    # Budi: WFA on days 1 and 2; the day-2 report returned, resubmitted and accepted
    plans[("budi", 1)] = DayPlan(
        _wfa_day(budi.index, 1),
        (Submission((Output("Analisis data", 1.0, "laporan", plan_target=0),
                     Output("Rapat daring", 1.0, "kegiatan"))),),
    )  # fmt: skip
    plans[("budi", 2)] = DayPlan(
        _wfa_day(budi.index, 2),
        (
            Submission(
                (Output("Analisis data (sebagian)", 0.5, "laporan", plan_target=0),),
                verdict="returned",
                note="Lampirkan notulen dan selesaikan analisisnya.",
                attachments=0,
            ),
            Submission((Output("Analisis data", 1.0, "laporan", plan_target=0),
                        Output("Notulen rapat", 1.0, "dokumen", target=1.0)), attachments=2),
        ),
    )  # fmt: skip
    # Citra: late on days 0 and 3; the day-4 report not reviewed yet
    for day, late in ((0, 22), (3, 11)):
        plans[("citra", day)] = DayPlan(
            _office_day(citra.index, day, late_minutes=late), (_office_report(citra.index, day),)
        )
    plans[("citra", 4)] = DayPlan(
        _office_day(citra.index, 4),
        (Submission(_office_report(citra.index, 4).outputs, verdict=None),),
    )
    # Dedi: checked in 3 km away on day 1 (report returned, never resubmitted); never
    # checked out on day 2; no report on day 4
    plans[("dedi", 1)] = DayPlan(
        (
            Mark("check_in", 7, 20, "far_office", edge=("outside_geofence",)),
            Mark("check_out", 16, 12, "office"),
        ),
        (Submission(_office_report(dedi.index, 1).outputs, verdict="returned",
                    note="Uraian output kurang jelas."),),
    )  # fmt: skip
    plans[("dedi", 2)] = DayPlan(_office_day(dedi.index, 2)[:1], (_office_report(dedi.index, 2),))
    plans[("dedi", 4)] = DayPlan(_office_day(dedi.index, 4))
    # Eka: WFA on day 2 (cancelled after the week); claims WFA without approval on day 4
    plans[("eka", 2)] = DayPlan(
        _wfa_day(eka.index, 2),
        (Submission((Output("SOP layanan", 1.0, "dokumen", plan_target=0),)),),
    )
    plans[("eka", 4)] = DayPlan(
        (
            Mark("check_in", 7, 16, "home", declared="wfa",
                 edge=("outside_geofence", "remote_without_approval")),
            Mark("check_out", 16, 1, "home", declared="wfa",
                 edge=("outside_geofence", "remote_without_approval")),
        ),
        (_office_report(eka.index, 4),),
    )  # fmt: skip
    # Fajar: absent on day 3 (an approved WFA day); pings and heartbeats on day 4
    plans[("fajar", 3)] = DayPlan()
    plans[("fajar", 4)] = DayPlan(
        (
            Mark("check_in", 7, 25, "home", declared="wfa"),
            Mark("ping", 9, 0, "home"),
            Mark("heartbeat", 10, 0),
            Mark("ping", 11, 0, "home"),
            Mark("ping", 13, 0, "home"),
            Mark("heartbeat", 14, 0),
            Mark("ping", 15, 0, "home"),
            Mark("check_out", 16, 5, "home", declared="wfa"),
        ),
        (Submission((Output("Verifikasi berkas", 80.0, "berkas", plan_target=0),
                     Output("Laporan verifikasi", 1.0, "laporan", plan_target=1))),),
    )  # fmt: skip
