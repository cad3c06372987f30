"""Fixtures of the capstone's tests: a known-good sample batch, fresh MLflow stores and a
registry with a champion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from churn.config import TrainParams
from churn.featurize import clean_total_charges, split
from churn.tracking import QUIET
from churn.validate import read_batch
from mlops_course import data

SAMPLE = Path(__file__).parent / "data" / "sample_customers.csv"


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
        for key, value in QUIET.items():
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
        versions = []
        for C in (1.0, 0.05):
            run = train_file(
                folder / "train.csv",
                folder / f"model-{C}.joblib",
                folder / "run.json",
                TrainParams(C=C, max_iter=500, class_weight="balanced"),
                folder,
            )
            verdict = {**run, "accuracy": 0.9, "recall": 0.8, "gate_passed": True}
            versions.append(register(verdict))
            if C == 1.0:
                promote(lambda uri: 0.9, margin=0.0, version=versions[0])
    return {"folder": folder, "uri": f"sqlite:///{folder / 'mlflow.db'}", "versions": versions}
