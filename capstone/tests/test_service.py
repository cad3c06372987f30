"""The service: typed requests, the champion's own pipeline, 4xx for every bad input.

A real model is trained, logged and registered once per module in a private
MLflow store; the app runs in a TestClient (lifespan included) or, for the
hot-reload test, as a real ``churn serve`` process on 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from churn.config import EvaluateParams, TrainParams
from churn.contracts import GateVerdict, Scores
from churn.featurize import clean_total_charges, split
from churn.schema import CATEGORIES, ID_COLUMN, LABEL_COLUMN
from churn.serve.app import FEATURES, ServiceSettings, create_app
from churn.serve.prediction_log import read_predictions
from churn.serve.schemas import EXAMPLE_CUSTOMER, MAX_BATCH_ROWS
from churn.settings import settings
from mlops_course import data, servers

CUSTOMER = EXAMPLE_CUSTOMER


@pytest.fixture(scope="module")
def store(tmp_path_factory, empty_store):
    """A registry holding churn v1 (champion) and v2 (challenger), real trained models."""
    from churn.registry import promote, register
    from churn.train import train_file

    folder = tmp_path_factory.mktemp("service-state")
    shutil.copyfile(empty_store, folder / "mlflow.db")
    table = clean_total_charges(data.generate(month=0, rows=1500, seed=3))
    train, _ = split(table, 0.2, 0)
    train.to_csv(folder / "train.csv", index=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHURN_STATE_DIR", str(folder))
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        settings.cache_clear()  # the environment is read once: read it again now
        versions = []
        for C in (1.0, 0.05):
            run = train_file(
                folder / "train.csv",
                folder / f"model-{C}.joblib",
                folder / "run.json",
                TrainParams(C=C, max_iter=500, class_weight="balanced"),
                folder,
            )
            scores = Scores(accuracy=0.9, recall=0.8, precision=0.8, test_rows=300)
            gate = EvaluateParams(min_accuracy=0.85, min_recall=0.7)
            versions.append(register(GateVerdict.judge(scores, [], gate, run)))
            if C == 1.0:
                promote(lambda uri: 0.9, margin=0.0, version=versions[0])
    return {"folder": folder, "uri": f"sqlite:///{folder / 'mlflow.db'}", "versions": versions}


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
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else value,
)
def test_a_bad_field_gets_422_naming_it(client, change, field):
    answer = client.post("/predict", json={**CUSTOMER, **change})
    assert answer.status_code == 422, f"{change}: expected 422, got {answer.status_code}"
    assert field in answer.json()["detail"], answer.json()


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
        (b'{"customerID": "1", ', "malformed JSON"),
        (b"[1, 2, 3]", "body"),
        (b"", "body"),
    ],
)
def test_malformed_bodies_get_422(client, body, says):
    answer = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert says in answer.json()["detail"]


def test_empty_and_oversized_batches_are_refused(client):
    empty = client.post("/predict/batch", json={"customers": []})
    assert empty.status_code == 422 and "customers" in empty.json()["detail"]
    too_many = client.post("/predict/batch", json={"customers": [CUSTOMER] * (MAX_BATCH_ROWS + 1)})
    assert too_many.status_code == 422 and "customers" in too_many.json()["detail"]
    one_bad = client.post(
        "/predict/batch", json={"customers": [CUSTOMER, {**CUSTOMER, "tenure": -5}]}
    )
    assert one_bad.status_code == 422 and "customers.1.tenure" in one_bad.json()["detail"]


def test_a_huge_body_gets_413_before_it_is_parsed(client):
    answer = client.post(
        "/predict/batch", content=b" " * 3_000_000, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413, answer.text


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


# --- 500+ generated bodies, valid and invalid: never a 5xx -----------------------------


def _bodies():
    from hypothesis import strategies as st

    valid = st.fixed_dictionaries(
        {
            "customerID": st.text(min_size=1, max_size=20),
            "SeniorCitizen": st.sampled_from([0, 1]),
            "tenure": st.integers(0, 72),
            "MonthlyCharges": st.floats(0.01, 500, allow_nan=False),
            "TotalCharges": st.floats(0, 40000, allow_nan=False),
            **{name: st.sampled_from(values) for name, values in CATEGORIES.items()},
        }
    )
    junk = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    )
    keys = st.sampled_from(sorted(CUSTOMER))

    def mutate(draw_value):
        customer, action, key, value, extra = draw_value
        changed = dict(customer)
        if action == "drop":
            changed.pop(key)
        elif action == "replace":
            changed[key] = value
        elif action == "extra":
            changed[extra or "x"] = value
        return changed

    mutated = st.tuples(
        valid,
        st.sampled_from(["keep", "drop", "replace", "extra"]),
        keys,
        junk,
        st.text(max_size=8),
    ).map(mutate)
    single = st.one_of(valid, mutated)
    batch = st.one_of(
        st.lists(single, min_size=0, max_size=4).map(lambda rows: {"customers": rows}),
        st.dictionaries(st.text(max_size=10), junk, max_size=3),
    )
    return st.tuples(
        st.sampled_from(["/predict", "/predict/batch"]), st.one_of(single, batch, junk)
    )


def _encode(body) -> bytes:
    return json.dumps(body, allow_nan=True).encode()


def test_generated_bodies_never_get_a_5xx(client):
    from hypothesis import HealthCheck, given, settings

    seen = {"ok": 0, "4xx": 0}

    @settings(
        max_examples=520,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_bodies())
    def check(case):
        path, body = case
        answer = client.post(
            path, content=_encode(body), headers={"content-type": "application/json"}
        )
        assert answer.status_code < 500, f"{path} {body!r} -> {answer.status_code} {answer.text}"
        if answer.status_code == 200:
            seen["ok"] += 1
            probabilities = (
                [answer.json()["churn_probability"]]
                if path == "/predict"
                else [p["churn_probability"] for p in answer.json()["predictions"]]
            )
            assert all(0 <= p <= 1 and math.isfinite(p) for p in probabilities)
        else:
            seen["4xx"] += 1
            assert answer.json()["detail"], f"a {answer.status_code} must say why"

    check()
    assert seen["ok"] + seen["4xx"] >= 500, seen
    assert seen["ok"] >= 50 and seen["4xx"] >= 200, (
        f"the bodies should mix valid and invalid: {seen}"
    )


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
