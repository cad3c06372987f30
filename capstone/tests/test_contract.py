"""The service keeps the contract it publishes: schemathesis against ``/openapi.json``.

Schemathesis reads the OpenAPI schema, generates requests that fit it and
requests that break it, sends them, and checks every answer against the same
schema: no 5xx, only documented status codes and bodies, valid data accepted,
invalid data refused (all its checks, a fixed seed, at least 100 generated
requests per operation that takes input). It runs twice: in process against
the ASGI app (about 6 s, in ``make test``), and against a real ``churn serve``
on 127.0.0.1 (``make test-live``), because only a real server receives
chunked bodies and broken bytes as a client sends them.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from churn.featurize import clean_total_charges
from churn.schema import LABEL_COLUMN
from churn.serve.app import ServiceSettings, create_app
from churn.serve.schemas import Customer
from mlops_course import data, servers

# The same settings for both runs, written as schemathesis.toml would hold them.
FUZZ_CONFIG = {
    "seed": 20261101,
    "generation": {"mode": "all", "max-examples": 100, "database": "none"},
    "checks": {"enabled": True},
    "phases": {"stateful": {"enabled": False}},  # no links between operations to follow
}
MIN_CASES_PER_OPERATION = 100
JSON = {"content-type": "application/json"}
WITH_BODY = {"POST /predict", "POST /predict/batch"}
# A GET without parameters has exactly one possible request: it is sent, not fuzzed 100 times.
WITHOUT_INPUT = {"GET /health", "GET /ready", "GET /metadata"}


def _fuzz(schema) -> tuple[Counter, list[str]]:
    """Run every phase on every operation; return the cases per (phase, operation) and failures."""
    from schemathesis.engine import events, from_schema

    cases: Counter = Counter()
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            label = event.recorder.label
            cases[event.phase.value, label] += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is not None:
                        failures.append(f"{label} [{case_id}] {check.name}: {check.failure_info}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"engine error: {event!r}")
    return cases, failures


def _config():
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(FUZZ_CONFIG)


def test_the_app_keeps_its_published_contract_in_process(store, tmp_path):
    import schemathesis
    from schemathesis.python.asgi import shutdown_lifespans

    app = create_app(ServiceSettings(tracking_uri=store["uri"], prediction_log=tmp_path))
    try:
        # Schemathesis runs the app's lifespan (the champion loads) before the first request.
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config())
        cases, failures = _fuzz(schema)
    finally:
        shutdown_lifespans()
    _assert_kept(cases, failures)


@pytest.fixture(scope="module")
def real_server(store, tmp_path_factory):
    """``churn serve`` on 127.0.0.1, serving the champion; its URL."""
    folder = tmp_path_factory.mktemp("real-server")
    port = servers.free_port()
    command = [str(Path(sys.executable).parent / "churn"), "serve", "--port", str(port)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHURN_STATE_DIR", str(folder))
        patch.setenv("MLFLOW_TRACKING_URI", store["uri"])
        with servers.running_server("churn-serve", command, folder, port, "/ready") as server:
            yield server.url


@pytest.mark.live
def test_a_real_server_keeps_its_published_contract(real_server):
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{real_server}/openapi.json", config=_config())
    cases, failures = _fuzz(schema)
    _assert_kept(cases, failures)


# --- what only a real client sends: chunked bodies, raw bytes ---------------------------


@pytest.mark.live
@pytest.mark.parametrize("megabytes", [3, 10])
def test_a_chunked_body_over_the_limit_gets_413(real_server, megabytes):
    import httpx

    def chunks():  # no Content-Length: the server learns the size only as the bytes arrive
        for _ in range(megabytes * 16):
            yield b" " * 65_536

    with httpx.Client(base_url=real_server, timeout=30) as http:
        answer = http.post("/predict/batch", content=chunks(), headers=JSON)
        assert answer.status_code == 413, answer.text
        assert "larger than" in answer.json()["detail"]
        text = http.get("/metrics").text
    assert 'churn_http_requests_total{path="/predict/batch",status="413"}' in text


@pytest.mark.live
def test_bytes_that_are_not_utf8_get_400_from_a_real_server(real_server):
    import httpx

    body = b'{"customerID": "7590-VHV\xc9G"}'  # Latin-1, as an old CRM export might send it
    answer = httpx.post(f"{real_server}/predict", content=body, headers=JSON, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "not UTF-8" in answer.json()["detail"]


def _assert_kept(cases: Counter, failures: list[str]) -> None:
    assert not failures, f"{len(failures)} contract failures:\n" + "\n".join(failures[:10])
    fuzzed = {label: n for (phase, label), n in cases.items() if phase == "fuzzing"}
    assert set(fuzzed) == WITH_BODY | WITHOUT_INPUT, f"operations fuzzed: {sorted(fuzzed)}"
    thin = {label: fuzzed[label] for label in WITH_BODY if fuzzed[label] < MIN_CASES_PER_OPERATION}
    assert not thin, f"fewer than {MIN_CASES_PER_OPERATION} generated requests for {thin}"
    # Coverage adds the boundary cases (each field at its limits, just past them, missing).
    for label in WITH_BODY:
        assert cases["coverage", label] >= MIN_CASES_PER_OPERATION, cases


# --- the bounds hold for everything the data world produces -----------------------------


@pytest.mark.parametrize("scenario", data.SCENARIOS)
def test_every_month_of_every_scenario_fits_the_schema(scenario):
    """Months 0-24, as a client would send them: the bounds refuse no real customer."""
    from pydantic import TypeAdapter

    customers = TypeAdapter(list[Customer])
    for month in range(25):
        table = data.generate(month=month, rows=1000, seed=month, scenario=scenario)
        if scenario == "schema_break" and month > 0:
            table = _undo_schema_break(table)
        rows = clean_total_charges(table).drop(columns=[LABEL_COLUMN]).to_json(orient="records")
        customers.validate_python(json.loads(rows))  # raises naming the row and field


def _undo_schema_break(table):
    """The month without the scenario's deliberate break (tested as a 422 in test_service)."""
    renamed, original = data.SCHEMA_BREAK_RENAMED[1], data.SCHEMA_BREAK_RENAMED[0]
    column, category = data.SCHEMA_BREAK_NEW_CATEGORY
    assert renamed in table.columns and (table[column] == category).any()
    return table.rename(columns={renamed: original})[lambda t: t[column] != category]
