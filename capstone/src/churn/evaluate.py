"""Score the model on the held-out test set and check the quality gate."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from churn.config import EvaluateParams
from churn.contracts import GateVerdict, RunRecord, Scores
from churn.featurize import features_and_target, read_split

log = logging.getLogger(__name__)


def score(model: Any, test: pd.DataFrame) -> Scores:
    """Return accuracy, churn recall and precision, and the test size."""
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    features, target = features_and_target(test)
    predicted = model.predict(features)
    return Scores(
        accuracy=round(float(accuracy_score(target, predicted)), 4),
        recall=round(float(recall_score(target, predicted)), 4),
        precision=round(float(precision_score(target, predicted, zero_division=0)), 4),
        test_rows=len(test),
    )


def held_out_accuracy(model_uri: str, test_path: Path) -> float:
    """Accuracy of a logged or registered model on a held-out CSV."""
    from churn.tracking import connect

    connect()
    import mlflow.sklearn

    model = mlflow.sklearn.load_model(model_uri)
    return score(model, read_split(test_path)).accuracy


def gate(scores: Scores, params: EvaluateParams) -> list[str]:
    """Return the reasons a model fails the gate (empty: it passes)."""
    reasons = []
    if scores.accuracy < params.min_accuracy:
        reasons.append(f"accuracy {scores.accuracy:.4f} is below {params.min_accuracy}")
    if scores.recall < params.min_recall:
        reasons.append(f"churn recall {scores.recall:.4f} is below {params.min_recall}")
    return reasons


def evaluate_file(
    model_path: Path, test_path: Path, run_path: Path, metrics_path: Path, params: EvaluateParams
) -> GateVerdict:
    """Score a saved model; write its gate verdict; log the scores to its training run.

    The verdict is what registration reads: a model that failed the gate is never registered.
    """
    import joblib

    from churn.tracking import log_evaluation

    model = joblib.load(model_path)
    run = RunRecord.read(run_path)
    scores = score(model, read_split(test_path))
    reasons = gate(scores, params)
    log_evaluation(run, scores, reasons)
    verdict = GateVerdict.judge(scores, reasons, params, run)
    verdict.write(metrics_path)
    log.info(
        "accuracy %.4f, recall %.4f, gate %s",
        scores.accuracy,
        scores.recall,
        "passed" if verdict.gate_passed else "FAILED",
    )
    return verdict
