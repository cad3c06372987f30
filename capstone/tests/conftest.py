"""Fixtures of the capstone's tests: a known-good sample batch and fresh MLflow stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from churn.tracking import QUIET
from churn.validate import read_batch

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
