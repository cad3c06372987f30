"""Fit the model on the training split and save it."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from churn.config import TrainParams
from churn.featurize import features_and_target
from churn.model import build_pipeline

log = logging.getLogger(__name__)


def train_model(train: pd.DataFrame, params: TrainParams):
    """Fit and return the pipeline on a featurized training table."""
    features, target = features_and_target(train)
    return build_pipeline(params).fit(features, target)


def train_file(train_path: Path, model_path: Path, params: TrainParams) -> None:
    """Train on a CSV and write the fitted pipeline with joblib."""
    import joblib

    log.info("training on %s", train_path)
    model = train_model(pd.read_csv(train_path, dtype={"customerID": str}), params)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_path)
    log.info("saved %s", model_path)
