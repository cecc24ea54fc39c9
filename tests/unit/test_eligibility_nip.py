"""NIP plausibility checks: pure, with ``today`` passed in."""

from __future__ import annotations

from datetime import date

import pytest

from kernel.refusal import Refusal, RefusalKind
from services.eligibility.domain.nip import NipInfo, age_on, parse_nip

TODAY = date(2026, 1, 15)


def _code(nip: str, today: date = TODAY) -> str:
    with pytest.raises(Refusal) as caught:
        parse_nip(nip, today=today)
    error = caught.value
    assert error.message_id and error.message_en
    assert error.message_id != error.message_en
    return error.code


def test_valid_nip_is_decoded() -> None:
    assert parse_nip("199001012015031001", today=TODAY) == NipInfo(
        birth_date=date(1990, 1, 1), appointment_month=(2015, 3), gender="L", sequence=1
    )
    info = parse_nip("198512312010122042", today=TODAY)
    assert (info.birth_date, info.appointment_month, info.gender, info.sequence) == (
        date(1985, 12, 31),
        (2010, 12),
        "P",
        42,
    )


@pytest.mark.parametrize(
    "nip",
    [
        "19900101201503100",  # 17 digits
        "1990010120150310011",  # 19 digits
        "",
        " 199001012015031001",
        "19900101201503100a",
        "1990-01-01201503100",
        "١٩٩٠٠١٠١٢٠١٥٠٣١٠٠١",  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_shape_must_be_18_ascii_digits(nip: str) -> None:
    assert _code(nip) == "NIP_FORMAT"


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900001", "19900100", "20230229"])
def test_impossible_birth_date(birth: str) -> None:
    assert _code(f"{birth}2015031001") == "NIP_BIRTH_DATE_INVALID"


def test_birth_year_before_1940() -> None:
    assert _code("193912312015031001") == "NIP_BIRTH_YEAR_TOO_EARLY"
    assert parse_nip("194001012015031001", today=TODAY).birth_date == date(1940, 1, 1)


def test_holder_must_be_18_today() -> None:
    assert _code("200801162025121001") == "NIP_TOO_YOUNG"  # turns 18 tomorrow
    assert _code("203001012015031001") == "NIP_TOO_YOUNG"  # born in the future
    assert parse_nip("200801152026011001", today=TODAY).birth_date == date(2008, 1, 15)


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_appointment_month_must_be_1_to_12(month: str) -> None:
    assert _code(f"199001012015{month}1001") == "NIP_APPOINTMENT_MONTH_INVALID"


def test_appointment_before_turning_18() -> None:
    assert _code("199006152008051001") == "NIP_APPOINTMENT_BEFORE_ADULT"
    # the month of the 18th birthday is accepted (the day may be on or after it)
    assert parse_nip("199006152008061001", today=TODAY).appointment_month == (2008, 6)


def test_appointment_after_today() -> None:
    assert _code("199001012026021001") == "NIP_APPOINTMENT_IN_FUTURE"
    assert parse_nip("199001012026011001", today=TODAY).appointment_month == (2026, 1)


@pytest.mark.parametrize("digit", ["0", "3", "9"])
def test_gender_digit_must_be_1_or_2(digit: str) -> None:
    assert _code(f"19900101201503{digit}001") == "NIP_GENDER_INVALID"


def test_sequence_000_is_invalid() -> None:
    assert _code("199001012015031000") == "NIP_SEQUENCE_INVALID"
    assert parse_nip("199001012015031999", today=TODAY).sequence == 999


def test_leap_day_birth_turns_18_on_1_march() -> None:
    assert age_on(date(2004, 2, 29), date(2022, 2, 28)) == 17
    assert age_on(date(2004, 2, 29), date(2022, 3, 1)) == 18
    assert _code("200402292022021001", today=date(2022, 2, 28)) == "NIP_TOO_YOUNG"
    assert _code("200402292022021001", today=date(2022, 3, 1)) == "NIP_APPOINTMENT_BEFORE_ADULT"
    assert parse_nip("200402292022031001", today=date(2022, 3, 1)).gender == "L"


def test_an_invalid_nip_is_refused_with_its_code_and_both_messages() -> None:
    with pytest.raises(Refusal) as refused:
        parse_nip("199001012015033001", today=TODAY)
    assert refused.value.kind is RefusalKind.INVALID
    assert refused.value.code == "NIP_GENDER_INVALID"
    assert refused.value.message_id.startswith("Digit jenis kelamin")
    assert refused.value.message_en.startswith("The gender digit")
