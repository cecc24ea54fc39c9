"""The bench-province table: rows rendered beside their baselines, notes numbered, rows not
measured said so, and the docs page's section replaced in place."""

from __future__ import annotations

from pathlib import Path

from tests.bench.province_table import (
    BEGIN,
    END,
    Row,
    as_json,
    markdown,
    not_measured,
    verdict,
    write_section,
)


def test_rows_render_with_numbered_notes_and_not_measured() -> None:
    rows = [
        Row("catch-up", "300 ASN", "10 events/s", "raw insert 40 events/s", "≥ 0.5×", "missed"),
        not_measured("freshness", "300 ASN", "no poller | yet", target="p95 ≤ 2 s"),
        Row("restart", "300 ASN", "3.0 s", "empty 2.0 s", "≤ 30 s", verdict(True), note="n"),
    ]
    text = markdown(rows)
    lines = text.splitlines()
    assert lines[0] == "| what | size | ours | compared with | target | met? |"
    assert lines[2] == (
        "| catch-up | 300 ASN | 10 events/s | raw insert 40 events/s | ≥ 0.5× | missed |"
    )
    assert lines[3] == "| freshness | 300 ASN | not measured [1] |  | p95 ≤ 2 s | not measured |"
    assert lines[4].endswith("| ≤ 30 s | met |") and "3.0 s [2]" in lines[4]
    assert "1. no poller \\| yet" in lines
    assert "2. n" in lines
    assert as_json(rows)[1]["verdict"] == "not measured"
    assert verdict(False) == "missed"


def test_section_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    write_section(page, "first table")
    assert page.read_text().startswith("# Performance\n")
    page.write_text(page.read_text() + "\n## Where the time goes\n\nprofiles\n")
    write_section(page, "second table")
    text = page.read_text()
    assert f"{BEGIN}\nsecond table\n{END}" in text
    assert "first table" not in text
    assert text.endswith("## Where the time goes\n\nprofiles\n")
