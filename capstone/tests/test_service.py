"""The service: typed requests, the champion's own pipeline, 4xx for every bad input.

A real model is trained, logged and registered once per session in a private
MLflow store (``store`` in conftest.py); the app runs in a TestClient (lifespan
included) or, for the hot-reload test, as a real ``churn serve`` on 127.0.0.1.
The whole published contract is fuzzed in test_contract.py; here each rule has
a named example a reader can follow.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from churn.featurize import clean_total_charges
from churn.schema import ID_COLUMN, LABEL_COLUMN
from churn.serve.app import FEATURES, ServiceSettings, create_app
from churn.serve.prediction_log import read_predictions
from churn.serve.schemas import EXAMPLE_CUSTOMER, MAX_BATCH_ROWS
from mlops_course import data, servers

CUSTOMER = EXAMPLE_CUSTOMER
JSON = {"content-type": "application/json"}
JSON_UTF8 = {"content-type": "application/json; charset=UTF-8"}


@pytest.fixture(scope="module")
def pipeline(store):
    """The champion's sklearn pipeline, loaded straight from the registry."""
    import mlflow

    mlflow.set_tracking_uri(store["uri"])
    return mlflow.sklearn.load_model(f"models:/churn/{store['versions'][0]}")


@pytest.fixture(scope="module")
def client(store, tmp_path_factory):
    """A TestClient on the service, model loaded, prediction log on."""
    from fastapi.testclient import TestClient

    log_folder = tmp_path_factory.mktemp("predictions")
    settings = ServiceSettings(tracking_uri=store["uri"], prediction_log=log_folder)
    with TestClient(create_app(settings)) as test_client:
        test_client.log_folder = log_folder
        yield test_client


def _customers(rows: int, month: int = 1) -> list[dict]:
    table = clean_total_charges(data.generate(month=month, rows=rows, seed=5))
    return table.drop(columns=[LABEL_COLUMN]).to_dict(orient="records")


def test_one_customer_is_scored_by_the_champions_own_pipeline(client, pipeline):
    import pandas as pd

    answer = client.post("/predict", json=CUSTOMER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = pipeline.predict_proba(pd.DataFrame([CUSTOMER])[FEATURES])[0, 1]
    assert body["churn_probability"] == pytest.approx(expected, abs=1e-6), (
        "the service must score with the very pipeline that was trained (no re-encoding)"
    )
    assert body["will_churn"] == (expected >= 0.5)
    assert body["model_version"] == "1" and body["customerID"] == CUSTOMER["customerID"]
    assert len(body["request_id"]) == 32


def test_a_batch_keeps_the_order_and_matches_the_pipeline(client, pipeline):
    import pandas as pd

    customers = _customers(60)
    answer = client.post("/predict/batch", json={"customers": customers})
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    assert [p["customerID"] for p in predictions] == [c[ID_COLUMN] for c in customers]
    expected = pipeline.predict_proba(pd.DataFrame(customers)[FEATURES])[:, 1]
    seen = [p["churn_probability"] for p in predictions]
    assert seen == pytest.approx(list(expected), abs=1e-6)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tenure": -1}, "tenure"),
        ({"tenure": 73}, "tenure"),
        ({"tenure": "twelve"}, "tenure"),
        ({"MonthlyCharges": 0}, "MonthlyCharges"),
        ({"TotalCharges": None}, "TotalCharges"),
        ({"PaymentMethod": "Digital wallet"}, "PaymentMethod"),
        ({"SeniorCitizen": 2}, "SeniorCitizen"),
        ({"Contract": None}, "Contract"),
        ({"monthly_charges": 10.0}, "monthly_charges"),
        ({"customerID": ""}, "customerID"),
        # Strict types, as the schema says: no number hidden in a string or a boolean.
        ({"TotalCharges": False}, "TotalCharges"),
        ({"MonthlyCharges": True}, "MonthlyCharges"),
        ({"MonthlyCharges": "29.85"}, "MonthlyCharges"),
        ({"tenure": "72"}, "tenure"),
        ({"tenure": True}, "tenure"),
        ({"tenure": 1.5}, "tenure"),
        ({"SeniorCitizen": True}, "SeniorCitizen"),
        ({"SeniorCitizen": "0"}, "SeniorCitizen"),
        # Bounded by what the data world can produce: 1e308 would crash the monitor later.
        ({"TotalCharges": 1e308}, "TotalCharges"),
        ({"TotalCharges": 36_000.01}, "TotalCharges"),
        ({"MonthlyCharges": 500.01}, "MonthlyCharges"),
        # The id is joined with the late labels: a plain code, nothing invisible in it.
        ({"customerID": "7590\x00VHVEG"}, "customerID"),
        ({"customerID": "   "}, "customerID"),
        ({"customerID": " 7590-VHVEG"}, "customerID"),
        ({"customerID": "7590-VHVEG\n"}, "customerID"),
        ({"customerID": "\u202e7590-VHVEG"}, "customerID"),
        ({"customerID": "7590\u200bVHVEG"}, "customerID"),
        ({"customerID": "x" * 65}, "customerID"),
    ],
    ids=lambda value: json.dumps(value)[:40] if isinstance(value, dict) else value,
)
def test_a_bad_field_gets_422_naming_it(client, change, field):
    answer = client.post("/predict", json={**CUSTOMER, **change})
    assert answer.status_code == 422, f"{change}: expected 422, got {answer.status_code}"
    assert field in answer.json()["detail"], answer.json()
    assert [error["field"] for error in answer.json()["errors"]] == [field]


def test_whole_numbers_written_as_floats_are_integers(client):
    # JSON has one number type and JSON Schema counts 12.0 as an integer: so does the service.
    answer = client.post("/predict", json={**CUSTOMER, "tenure": 12.0, "SeniorCitizen": 1.0})
    expected = client.post("/predict", json={**CUSTOMER, "tenure": 12, "SeniorCitizen": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json()["churn_probability"] == expected.json()["churn_probability"]


def test_a_missing_field_is_named(client):
    body = {key: value for key, value in CUSTOMER.items() if key != "Contract"}
    answer = client.post("/predict", json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "Contract", "message": "Field required"}]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, literal):
    text = json.dumps(CUSTOMER).replace("29.85,", f"{literal},", 1)  # MonthlyCharges
    answer = client.post("/predict", content=text, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert "MonthlyCharges" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"customerID": "1", ', "not JSON"),
        (b"", "empty"),
        (b"   ", "empty"),
        (json.dumps(CUSTOMER).encode("utf-16"), "not UTF-8"),
        (json.dumps(CUSTOMER).replace("VHVEG", "VHV\u00c9G").encode("latin-1"), "UTF-8"),
        (b'{"customerID": "a\xff"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            json.dumps(CUSTOMER).replace('"tenure": 1', '"tenure": 1, "tenure": 70').encode(),
            "twice",
        ),
    ],
    ids=["truncated", "empty", "blank", "utf-16", "latin-1", "bad-byte", "deep", "repeated-key"],
)
def test_a_body_that_is_not_one_json_value_gets_400(client, body, says):
    answer = client.post("/predict", content=body, headers=JSON)
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["detail"]


def test_json_of_the_wrong_shape_gets_422(client):
    answer = client.post("/predict", content=b"[1, 2, 3]", headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
def test_a_body_that_is_not_json_in_utf8_gets_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    answer = client.post("/predict", content=json.dumps(CUSTOMER).encode(), headers=headers)
    assert answer.status_code == 415, answer.text
    assert "application/json" in answer.json()["detail"]
    ok = client.post("/predict", content=json.dumps(CUSTOMER), headers=JSON_UTF8)
    assert ok.status_code == 200, ok.text


def test_empty_and_oversized_batches_are_refused(client):
    empty = client.post("/predict/batch", json={"customers": []})
    assert empty.status_code == 422 and "customers" in empty.json()["detail"]
    too_many = client.post("/predict/batch", json={"customers": [CUSTOMER] * (MAX_BATCH_ROWS + 1)})
    assert too_many.status_code == 422 and "customers" in too_many.json()["detail"]
    one_bad = client.post(
        "/predict/batch", json={"customers": [CUSTOMER, {**CUSTOMER, "tenure": -5}]}
    )
    assert one_bad.status_code == 422 and "customers.1.tenure" in one_bad.json()["detail"]


def test_a_huge_body_gets_413_and_is_counted(client):
    answer = client.post("/predict/batch", content=b" " * 3_000_000, headers=JSON)
    assert answer.status_code == 413, answer.text
    assert "larger than" in answer.json()["detail"]
    samples = _samples(client.get("/metrics").text)
    assert samples['churn_http_requests_total{path="/predict/batch",status="413"}'] >= 1


def test_a_chunked_body_is_counted_as_it_arrives(client):
    def chunks():  # no Content-Length: only counting the bytes can stop it
        for _ in range(40):
            yield b" " * 65_536

    answer = client.post("/predict/batch", content=chunks(), headers=JSON)
    assert answer.status_code == 413, answer.text


def test_health_answers_head_for_probes(client):
    answer = client.head("/health")
    assert answer.status_code == 200 and answer.content == b""
    assert client.head("/ready").status_code == 200
    options = client.options("/health")
    assert options.status_code == 405 and options.headers["allow"] == "GET"


def test_the_schema_documents_every_refusal(client):
    schema = client.get("/openapi.json").json()
    for path in ("/predict", "/predict/batch"):
        responses = schema["paths"][path]["post"]["responses"]
        assert {"200", "400", "413", "415", "422", "503"} <= set(responses), path
        invalid = responses["422"]["content"]["application/json"]["schema"]["$ref"]
        assert invalid.endswith("/ValidationProblem"), invalid
    problem = schema["components"]["schemas"]["ValidationProblem"]["properties"]
    assert problem["detail"]["type"] == "string" and problem["errors"]["type"] == "array"
    customer = schema["components"]["schemas"]["Customer"]["properties"]
    assert customer["TotalCharges"]["maximum"] == 36_000
    assert customer["customerID"]["pattern"].startswith("^[A-Za-z0-9]")


@pytest.mark.parametrize(
    ("page", "asset"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc")]
)
def test_docs_pages_load_their_assets_from_the_service_not_a_cdn(client, page, asset):
    html = client.get(page).text
    sources = [line for line in html.splitlines() if "src=" in line or "href=" in line]
    assert sources and not any("cdn" in line or "https://" in line for line in sources), sources
    path = next(part.split('"')[1] for part in html.split("src=")[1:] if asset in part)
    script = client.get(path)
    assert script.status_code == 200 and len(script.content) > 100_000, path


def test_health_ready_and_metadata_describe_the_champion(client, store):
    import mlflow

    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"ready": True, "model_version": "1", "reason": None}
    metadata = client.get("/metadata").json()
    version = mlflow.MlflowClient(store["uri"]).get_model_version("churn", "1")
    assert metadata["name"] == "churn" and metadata["version"] == "1"
    assert metadata["alias"] == "champion" and metadata["run_id"] == version.run_id


def test_metrics_count_requests_latency_and_predictions(client):
    for _ in range(3):
        client.post("/predict", json=CUSTOMER)
    client.post("/predict", json={**CUSTOMER, "tenure": -1})
    text = client.get("/metrics").text
    samples = _samples(text)
    assert samples['churn_http_requests_total{path="/predict",status="200"}'] >= 3
    assert samples['churn_http_requests_total{path="/predict",status="422"}'] >= 1
    assert samples['churn_http_request_duration_seconds_count{path="/predict"}'] >= 4
    scored = (
        samples['churn_predictions_total{outcome="churn"}']
        + samples['churn_predictions_total{outcome="stay"}']
    )
    assert scored == samples["churn_predicted_probability_count"] >= 3
    assert any(key.startswith('churn_model_info{name="churn",run_id=') for key in samples)
    assert 'version="1"' in text


def test_every_prediction_is_logged_with_its_inputs(store, tmp_path):
    from fastapi.testclient import TestClient

    settings = ServiceSettings(tracking_uri=store["uri"], prediction_log=tmp_path)
    customers = _customers(25, month=2)
    with TestClient(create_app(settings)) as test_client:
        single = test_client.post("/predict", json=CUSTOMER).json()
        batch = test_client.post("/predict/batch", json={"customers": customers}).json()
    logged = read_predictions(tmp_path)  # the app flushed its log on shutdown
    assert len(logged) == 26
    first = logged[logged["request_id"] == single["request_id"]].iloc[0]
    assert first["customerID"] == CUSTOMER["customerID"] and first["model_version"] == "1"
    assert first["churn_probability"] == pytest.approx(single["churn_probability"], abs=1e-6)
    assert set(FEATURES) <= set(logged.columns) and "logged_at" in logged.columns
    rows = logged[logged["request_id"] == batch["predictions"][0]["request_id"]]
    assert list(rows["customerID"]) == [c[ID_COLUMN] for c in customers]
    assert list(rows["MonthlyCharges"]) == [c["MonthlyCharges"] for c in customers]


def test_without_a_model_the_service_lives_but_is_not_ready(store):
    from fastapi.testclient import TestClient

    settings = ServiceSettings(tracking_uri=store["uri"], model_name="no-such-model")
    with TestClient(create_app(settings)) as test_client:
        assert test_client.get("/health").status_code == 200
        ready = test_client.get("/ready")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert "no-such-model" in ready.json()["reason"]
        answer = test_client.post("/predict", json=CUSTOMER)
        assert answer.status_code == 503 and "no model" in answer.json()["detail"]
        assert test_client.get("/metadata").status_code == 503
        # Bad input is still a 422, not a 503: the request is wrong whatever the model.
        assert test_client.post("/predict", json={"tenure": 1}).status_code == 422


def _samples(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


# --- a real server: a new champion is picked up under load, nothing fails --------------


def test_a_new_champion_is_served_within_15_s_without_failing_requests(
    store, tmp_path, monkeypatch
):
    import mlflow

    monkeypatch.setenv("CHURN_STATE_DIR", str(store["folder"]))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store["uri"])
    port = servers.free_port()
    command = [str(Path(sys.executable).parent / "churn"), "serve", "--port", str(port)]
    command += ["--poll-seconds", "1", "--no-log"]
    results: list[tuple[int, str]] = []
    stop = threading.Event()

    def load(url: str) -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            while not stop.is_set():
                try:
                    answer = http.post("/predict", json=CUSTOMER)
                    results.append((answer.status_code, answer.json().get("model_version", "")))
                except httpx.HTTPError as error:
                    results.append((0, repr(error)))

    registry = mlflow.MlflowClient(store["uri"])
    with servers.running_server("churn-serve", command, tmp_path, port, "/ready") as server:
        workers = [threading.Thread(target=load, args=(server.url,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            time.sleep(1.0)
            registry.set_registered_model_alias("churn", "champion", store["versions"][1])
            moved = time.monotonic()
            while httpx.get(f"{server.url}/metadata").json()["version"] != store["versions"][1]:
                assert time.monotonic() - moved < 15, "the new champion was not served within 15 s"
                time.sleep(0.2)
            picked_up = time.monotonic() - moved
            time.sleep(1.0)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
            registry.set_registered_model_alias("churn", "champion", store["versions"][0])
    failures = [result for result in results if result[0] != 200]
    assert not failures, f"{len(failures)} of {len(results)} requests failed: {failures[:3]}"
    versions = [version for _, version in results]
    assert versions[0] == "1" and versions[-1] == store["versions"][1], (
        f"served versions went {versions[0]} -> {versions[-1]}"
    )
    assert picked_up < 15 and len(results) > 20
