"""Fuzzing a service's HTTP edge from its own OpenAPI document with schemathesis.

Every answer must keep the edge's contract: nothing at or above 500 (a 503 only with
``Retry-After``), and every 4xx with the bilingual error body
``{"error": {"code", "message_id", "message_en", "details"}}``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response

ANSWER_TIMEOUT_S = 30
"""A route that has not answered by then (e.g. stuck on CPU) fails the fuzzing."""


def edge_problem(status: int, headers: Mapping[str, str], content: bytes) -> str | None:
    """Why an answer breaks the contract of the edge, or None if it keeps it (``headers``
    with lower-case names)."""
    if status == 503:
        return None if headers.get("retry-after") else "503 without Retry-After"
    if status >= 500:
        return f"server error {status}: {content[:300]!r}"
    if 400 <= status < 500:
        try:
            error = json.loads(content)["error"]
        except (ValueError, KeyError, TypeError):
            return f"{status} without the bilingual error body: {content[:300]!r}"
        if not isinstance(error, dict):
            return f"{status} with an error that is not an object: {error!r}"
        missing = {"code", "message_id", "message_en", "details"} - set(error)
        if missing or not (error["code"] and error["message_id"] and error["message_en"]):
            return f"{status} with an incomplete error body: {error}"
    return None


def response_problem(response: Response) -> str | None:
    headers = {name.lower(): values[-1] for name, values in response.headers.items() if values}
    return edge_problem(response.status_code, headers, response.content)


def httpx_problem(response: httpx.Response) -> str | None:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return edge_problem(response.status_code, headers, response.content)


def assert_refused(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    """The error of a refusal with one of ``statuses``, in the bilingual body."""
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert httpx_problem(response) is None, response.text[:500]
    error: dict[str, Any] = response.json()["error"]
    assert error["message_id"] != error["message_en"]
    return error


@dataclass(frozen=True)
class Caller:
    """Who sends the fuzzed requests: a name for the report and the headers (a token)."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FuzzReport:
    """What fuzzing a service did: operations covered, requests sent, contract breaches."""

    operations: set[str] = field(default_factory=set)
    sent: dict[str, int] = field(default_factory=dict)
    """Requests sent, by operation."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent answering, by operation."""
    failures: list[str] = field(default_factory=list)


def _run_strategy(
    strategy: st.SearchStrategy[tuple[Case[Any], Caller]],
    base_url: str,
    session: requests.Session,
    examples: int,
    report: FuzzReport,
    label: str,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=strategy)
    def run(drawn: tuple[Case[Any], Caller]) -> None:
        case, caller = drawn
        operation = f"{case.method.upper()} {case.operation.path}"
        report.sent[operation] = report.sent.get(operation, 0) + 1
        where = f"{label} as {caller.name}: {case.method} {case.formatted_path}"
        started = time.perf_counter()
        try:
            response = case.call(
                base_url=base_url,
                session=session,
                headers=caller.headers,
                timeout=ANSWER_TIMEOUT_S,
            )
        except requests.RequestException as exc:  # no answer at all is a failure too
            report.failures.append(f"{where}: {type(exc).__name__}: {exc}")
            return
        finally:
            spent = time.perf_counter() - started
            report.seconds[operation] = report.seconds.get(operation, 0.0) + spent
        problem = response_problem(response)
        if problem is not None:
            query = f" query={case.query!r}" if case.query else ""
            report.failures.append(f"{where}{query}: {problem}")

    with contextlib.suppress(Unsatisfiable):  # no such data (invalid data for GET /health)
        run()


def fuzz_schema(
    schema_url: str,
    base_url: str,
    callers: list[Caller],
    *,
    examples: int,
    known_ids: Mapping[str, Any] | None = None,
) -> FuzzReport:
    """Fuzz every operation that ``schema_url`` documents, sending to ``base_url``.

    Each operation gets ``examples`` requests of each kind, every one from a caller drawn
    from ``callers``: valid data around the ids in ``known_ids`` (path parameters of that
    name are fixed, so reads reach real records), valid data everywhere, and invalid data.
    """
    schema = schemathesis.openapi.from_url(schema_url, timeout=30)
    report = FuzzReport()
    known = dict(known_ids or {})
    drawn_caller = st.sampled_from(callers)
    with requests.Session() as session:
        for result in schema.get_all_operations():
            if not isinstance(result, Ok):
                report.failures.append(f"an operation cannot be read: {result.err()}")
                continue
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            report.operations.add(label)
            fixed = {name: value for name, value in known.items() if f"{{{name}}}" in label}
            kinds: list[tuple[str, GenerationMode, dict[str, Any] | None]] = [
                ("positive", GenerationMode.POSITIVE, None),
                ("negative", GenerationMode.NEGATIVE, None),
            ]
            if fixed:
                kinds.insert(0, ("positive, known ids", GenerationMode.POSITIVE, fixed))
            for kind, mode, path_parameters in kinds:
                cases = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
                _run_strategy(
                    st.tuples(cases, drawn_caller),
                    base_url,
                    session,
                    examples,
                    report,
                    f"[{kind}]",
                )
    return report
