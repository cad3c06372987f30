"""Experiment tracking: every training run recorded in MLflow with what produced it.

A run holds the params from params.yaml, the metrics of the evaluate stage,
the model with its signature, and tags linking it to the git commit and the
data hash, so any model can be traced back to its code and its data.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from churn import paths

EXPERIMENT = "churn"
QUIET = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    # Otherwise MLflow runs `uv export` on every log_model.
    "MLFLOW_UV_AUTO_DETECT": "false",
    "MLFLOW_LOG_UV_FILES": "false",
}


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the SQLite store in the state folder."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{paths.state_dir() / 'mlflow.db'}"


def connect():
    """Import MLflow quietly, point it at the tracking store and the experiment; return it."""
    os.environ.update({key: os.environ.get(key, value) for key, value in QUIET.items()})
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        artifacts = paths.state_dir() / "mlartifacts"
        location = artifacts.as_uri() if tracking_uri().startswith("sqlite:") else None
        mlflow.create_experiment(EXPERIMENT, artifact_location=location)
    mlflow.set_experiment(EXPERIMENT)
    return mlflow


def file_md5(path: Path) -> str:
    """MD5 of a file's bytes: the hash DVC records for it in dvc.lock."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit(folder: Path) -> str:
    """The commit the code was at, with ``-dirty`` if files were changed, or ``unknown``."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)

    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        return "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", ".").stdout.strip()
    return head.stdout.strip() + ("-dirty" if dirty else "")


def log_training(model, features, params: dict, train_path: Path, project: Path) -> dict:
    """Record a fitted model in a new MLflow run; return its run id and model URI.

    Args:
        model: the fitted pipeline.
        features: training inputs (a sample becomes the signature and example).
        params: the train section of params.yaml.
        train_path: the training split, whose md5 is the data version tag.
        project: the project folder, whose git commit is the code version tag.
    """
    import sklearn
    import skops

    mlflow = connect()
    from mlflow.models import infer_signature

    # Integers as floats in the signature: a missing value at serving time is then
    # a float NaN the schema accepts, not a type error.
    sample = features.head(50)
    sample = sample.astype({name: "float64" for name in sample.select_dtypes("integer")})
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.set_tags(
            {
                "git_commit": git_commit(project),
                "data_hash": file_md5(train_path),
                "data_path": str(train_path),
                "stage": "train",
            }
        )
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
    return {"run_id": run.info.run_id, "model_uri": info.model_uri, "tracking_uri": tracking_uri()}


def log_evaluation(run: dict, metrics: dict, reasons: list[str]) -> None:
    """Add the evaluate stage's metrics and gate verdict to the training run."""
    mlflow = connect()
    with mlflow.start_run(run_id=run["run_id"]):
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        mlflow.set_tags(
            {"gate": "passed" if not reasons else "failed", "gate_reasons": "; ".join(reasons)}
        )


def read_run(path: Path) -> dict:
    """Read the run record the train stage wrote."""
    return json.loads(path.read_text())
