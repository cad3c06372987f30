"""Fixtures of the capstone's tests: a known-good sample batch, fresh MLflow stores, and
settings read afresh around each test (tests change the environment; the code reads it once)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from churn.quiet import QUIET_ENVIRONMENT
from churn.settings import settings
from churn.validate import read_batch

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
