"""Experiment tracking: every training run recorded in MLflow with what produced it.

A run holds the params from params.yaml, the metrics of the evaluate stage,
the model with its signature, and tags linking it to the git commit and the
data hash, so any model can be traced back to its code and its data.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from churn import paths
from churn.config import IngestParams
from churn.contracts import RunRecord, Scores
from churn.quiet import quiet_tools
from churn.settings import settings

if TYPE_CHECKING:
    import pandas as pd

EXPERIMENT = "churn"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the SQLite store in the state folder."""
    return settings().mlflow_tracking_uri or f"sqlite:///{paths.state_dir() / 'mlflow.db'}"


def connect() -> None:
    """Import MLflow quietly (it costs seconds) and point it at the store (no request yet)."""
    quiet_tools()
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())


def use_experiment() -> None:
    """Make the capstone's experiment the active one, creating it on first use.

    With a SQLite store its artifacts go to the state folder, not to ``./mlruns``
    of whatever folder the code runs in.
    """
    connect()
    import mlflow

    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts = paths.state_dir() / "mlartifacts"
        location = artifacts.as_uri() if tracking_uri().startswith("sqlite:") else None
        mlflow.create_experiment(EXPERIMENT, artifact_location=location)
    mlflow.set_experiment(EXPERIMENT)


def file_md5(path: Path) -> str:
    """MD5 of a file's bytes: the hash DVC records for it in dvc.lock."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit(folder: Path) -> str:
    """The commit the code was at, with ``-dirty`` if files were changed, or ``unknown``."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)

    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        return "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", ".").stdout.strip()
    return head.stdout.strip() + ("-dirty" if dirty else "")


def log_training(
    model: Any,
    features: pd.DataFrame,
    params: dict[str, Any],
    train_path: Path,
    project: Path,
    data: IngestParams | None = None,
) -> RunRecord:
    """Record a fitted model in a new MLflow run; return its run record.

    Args:
        model: the fitted pipeline.
        features: training inputs (a sample becomes the signature and example).
        params: the train section of params.yaml.
        train_path: the training split, whose md5 is the data version tag.
        project: the project folder, whose git commit is the code version tag.
        data: the ingest section: the data world's month and scenario, tagged too.
    """
    import sklearn
    import skops

    use_experiment()
    import mlflow.sklearn
    from mlflow.models import infer_signature

    # Integers as floats in the signature: a missing value at serving time is then
    # a float NaN the schema accepts, not a type error.
    sample = features.head(50)
    sample = sample.astype({name: "float64" for name in sample.select_dtypes("integer")})
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        tags = {
            "git_commit": git_commit(project),
            "data_hash": file_md5(train_path),
            "data_path": str(train_path),
            "stage": "train",
        }
        if data is not None:
            tags |= {"data_month": str(data.month), "data_scenario": data.scenario}
        mlflow.set_tags(tags)
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(sample, model.predict_proba(sample)),
            input_example=sample.head(3),
            # Listing requirements skips a 10-20 s inference subprocess.
            pip_requirements=[
                f"scikit-learn=={sklearn.__version__}",
                f"skops=={skops.__version__}",
            ],
            pyfunc_predict_fn="predict_proba",
        )
    return RunRecord(run_id=run.info.run_id, model_uri=info.model_uri, tracking_uri=tracking_uri())


def log_evaluation(run: RunRecord, scores: Scores, reasons: list[str]) -> None:
    """Add the evaluate stage's scores and gate verdict to the training run."""
    connect()
    import mlflow

    with mlflow.start_run(run_id=run.run_id):
        mlflow.log_metrics({k: float(v) for k, v in scores.model_dump().items()})
        mlflow.set_tags(
            {"gate": "passed" if not reasons else "failed", "gate_reasons": "; ".join(reasons)}
        )
