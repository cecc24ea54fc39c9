"""Reading a roster file: a CSV the reader cannot take is refused whole, in both languages,
naming the line; a JSON line ends at a line feed only. Pure, no I/O."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from kernel.refusal import Refusal
from services.eligibility.domain.roster import parse_roster

TODAY = date(2026, 11, 23)
ROW = {
    "nip": "199001012015031001",
    "name": "Andi Pratama",
    "opd_id": "bappeda",
    "work_unit_id": "sekretariat",
    "position": "Perencana",
    "position_category": "administrasi",
    "employment_type": "PNS",
    "appointment_date": "2015-03-01",
}
HEADER = ",".join(ROW)
LINE = ",".join(str(v) for v in ROW.values())
OVER_LIMIT = "a" * (csv.field_size_limit() + 1)


def _refusal(content: bytes) -> Refusal:
    with pytest.raises(Refusal) as refused:
        parse_roster(content, "csv", today=TODAY)
    return refused.value


LIMIT = csv.field_size_limit()
UNCLOSED = f'{HEADER}\n"{"x" * 10}\n' + "y\n" * LIMIT


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (f'{HEADER}\n{LINE}\n199102022016022001,"{OVER_LIMIT}",x\n', 3),
        # the quoted field holds 11 characters after line 2, then 2 more on each line
        (UNCLOSED, 3 + (LIMIT - 11) // 2),
        (f'nip,"{OVER_LIMIT}"\n{LINE}\n', 1),
    ],
    ids=["field", "unclosed-quote", "header"],
)
def test_a_csv_field_over_the_readers_limit_is_refused_naming_the_line(
    content: str, line: int
) -> None:
    refused = _refusal(content.encode())

    assert f"Line {line} " in refused.message_en and "characters" in refused.message_en
    assert f"Baris {line} " in refused.message_id and "karakter" in refused.message_id
    assert "quote" in refused.message_en and "tanda kutip" in refused.message_id


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_a_line_breaking_character_inside_a_json_string_does_not_split_the_line(
    separator: str,
) -> None:
    """Only "\\n" ends a JSON line (a "\\r" before it is dropped): the characters JSON leaves
    unescaped that str.splitlines() also breaks on stay in their string, and the row is
    judged whole, by the contract."""
    second = {**ROW, "nip": "199102022016022001", "name": "Budi Santoso"}
    weird = {**ROW, "position": f"Perencana{separator}Ahli"}
    content = "\r\n".join(json.dumps(row, ensure_ascii=False) for row in (weird, second))

    parsed = parse_roster(content.encode(), "jsonl", today=TODAY)

    assert [row.line for row in parsed.rows] == [1, 2]
    assert "not a valid JSON object" not in parsed.rows[0].reason_en
    assert parsed.rows[1].accepted
    assert [e.name for e in parsed.employees][-1] == "Budi Santoso"
