"""Fixtures of the capstone's tests: a known-good sample batch, fresh MLflow stores, a
registry with a champion, and settings read afresh around each test (tests change the
environment; the code reads it once)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from churn.config import EvaluateParams, TrainParams
from churn.contracts import GateVerdict, Scores
from churn.featurize import clean_total_charges, split
from churn.quiet import QUIET_ENVIRONMENT
from churn.settings import settings
from churn.validate import read_batch
from mlops_course import data

SAMPLE = Path(__file__).parent / "data" / "sample_customers.csv"


@pytest.fixture(autouse=True)
def fresh_settings():
    """Each test reads the environment as it sets it, not as an earlier test left it."""
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def sample() -> pd.DataFrame:
    """200 customers exactly as a good monthly export delivers them."""
    return read_batch(SAMPLE)


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory) -> Path:
    """An empty, migrated MLflow SQLite store, made once: migrating costs seconds."""
    import mlflow

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in QUIET_ENVIRONMENT.items():
            patch.setenv(key, value)
        mlflow.MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def state(tmp_path, empty_store, monkeypatch) -> Path:
    """A private state folder (DVC storage, MLflow store) holding a fresh copy of the store."""
    folder = tmp_path / "state"
    folder.mkdir()
    shutil.copyfile(empty_store, folder / "mlflow.db")
    monkeypatch.setenv("CHURN_STATE_DIR", str(folder))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings.cache_clear()
    return folder


@pytest.fixture(scope="session")
def store(tmp_path_factory, empty_store):
    """A registry holding churn v1 (champion) and v2 (challenger), real trained models.

    Shared by the service, contract and page tests: training and logging cost seconds.
    """
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
