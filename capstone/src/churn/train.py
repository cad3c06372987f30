"""Fit the model on the training split, save it, and record the run in MLflow."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from churn.config import IngestParams, TrainParams
from churn.contracts import RunRecord
from churn.featurize import features_and_target, read_split
from churn.model import build_pipeline

log = logging.getLogger(__name__)


def train_model(train: pd.DataFrame, params: TrainParams) -> Any:
    """Fit and return the pipeline on a featurized training table."""
    features, target = features_and_target(train)
    return build_pipeline(params).fit(features, target)


def train_file(
    train_path: Path,
    model_path: Path,
    run_path: Path,
    params: TrainParams,
    project: Path,
    data: IngestParams | None = None,
) -> RunRecord:
    """Train on a CSV, write the model (joblib) and the MLflow run record (JSON).

    Args:
        data: the ingest section the training data came from; its month and
            scenario are tagged on the run (the registry copies them).

    Returns:
        The run record: run id, model URI and tracking URI.
    """
    import joblib

    from churn.tracking import log_training

    log.info("training on %s", train_path)
    train = read_split(train_path)
    model = train_model(train, params)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_path)
    features, _ = features_and_target(train)
    run = log_training(model, features, params.model_dump(), train_path, project, data)
    run.write(run_path)
    log.info("saved %s; MLflow run %s", model_path, run.run_id)
    return run
