"""The registry: register only gated models, promote only the better, roll back in one step."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from churn import registry
from churn.config import TrainParams
from churn.featurize import clean_total_charges, split
from churn.train import train_file

PARAMS = TrainParams(C=1.0, max_iter=500, class_weight="balanced")


@pytest.fixture
def logged(state, sample, tmp_path):
    """Return a function that logs a trained model and returns its gate verdict."""
    train, _ = split(clean_total_charges(sample), test_share=0.3, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)

    def log(accuracy: float, passed: bool = True) -> dict:
        run = train_file(
            tmp_path / "train.csv", tmp_path / "m.joblib", tmp_path / "run.json", PARAMS, tmp_path
        )
        reasons = [] if passed else [f"accuracy {accuracy} is below 0.85"]
        return {
            **run,
            "accuracy": accuracy,
            "recall": 0.8,
            "gate_passed": passed,
            "gate_reasons": reasons,
        }

    return log


def _scorer(scores: dict[str, float]):
    """Score a model URI 'models:/churn/N' by version (the held-out data is fixed here)."""
    return lambda uri: scores[uri.rsplit("/", 1)[1]]


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory, empty_store):
    """A real MLflow tracking server on 127.0.0.1, over a copy of the empty store."""
    folder = tmp_path_factory.mktemp("server")
    shutil.copyfile(empty_store, folder / "mlflow.db")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with open(folder / "server.log", "wb") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, (folder / "server.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "the MLflow server did not start in 90 s"
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.fixture(params=["sqlite-file", "tracking-server"])
def backend(request, state, monkeypatch):
    """Run a test against the SQLite file and against a real tracking server."""
    if request.param == "tracking-server":
        monkeypatch.setenv("MLFLOW_TRACKING_URI", request.getfixturevalue("tracking_server"))
    return request.param


def test_champion_challenger_promotion_and_rollback(backend, logged):
    scores = {"1": 0.88, "2": 0.86, "3": 0.90}
    assert registry.register(logged(0.88)) == "1"
    first = registry.promote(_scorer(scores), margin=0.005)
    assert first.promoted and first.reason == "first champion"

    assert registry.register(logged(0.86)) == "2"
    kept = registry.promote(_scorer(scores), margin=0.005)
    assert not kept.promoted and "kept the champion" in kept.reason
    roles = registry.status()
    assert roles["champion"]["version"] == "1" and roles["challenger"]["version"] == "2"
    assert roles["challenger"]["challenger_score"] == "0.86"

    assert registry.register(logged(0.90)) == "3"
    promoted = registry.promote(_scorer(scores), margin=0.005)
    assert promoted.promoted and promoted.champion == "1"
    roles = registry.status()
    assert roles["champion"]["version"] == "3" and roles["champion"]["previous_champion"] == "1"
    assert roles["champion"]["champion_score"] == "0.88"
    assert roles["challenger"] is None

    assert registry.rollback("complaints from the retention team") == "1"
    assert registry.status()["champion"]["version"] == "1"
    events = [event["event"] for event in registry.history()]
    assert events == [
        "registered",
        "promoted",
        "registered",
        "kept champion",
        "registered",
        "promoted",
        "rollback",
    ]
    assert registry.history()[-1]["detail"].endswith("complaints from the retention team")


def test_registering_the_same_run_twice_gives_the_same_version(logged):
    verdict = logged(0.88)
    assert registry.register(verdict) == "1"
    assert registry.register(verdict) == "1"
    assert [e["event"] for e in registry.history()] == ["registered"]


def test_a_margin_is_required_not_just_a_tie(logged):
    registry.register(logged(0.88))
    registry.promote(_scorer({"1": 0.88}), margin=0.005)
    registry.register(logged(0.884))
    assert not registry.promote(_scorer({"1": 0.88, "2": 0.884}), margin=0.005).promoted
    assert registry.promote(_scorer({"1": 0.88, "2": 0.886}), margin=0.005).promoted


def test_bad_requests_are_refused_and_change_nothing(logged):
    with pytest.raises(registry.RegistryError, match="failed the gate: accuracy 0.7"):
        registry.register(logged(0.7, passed=False))
    with pytest.raises(registry.RegistryError, match="no challenger"):
        registry.promote(_scorer({}), margin=0.0)
    registry.register(logged(0.88))
    with pytest.raises(registry.RegistryError, match="no champion"):
        registry.rollback("why not")
    registry.promote(_scorer({"1": 0.88}), margin=0.0)
    with pytest.raises(registry.RegistryError, match="no previous champion"):
        registry.rollback("nothing to go back to")
    with pytest.raises(registry.RegistryError, match="no version 42"):
        registry.promote(_scorer({}), margin=0.0, version="42")
    assert registry.status()["champion"]["version"] == "1"
