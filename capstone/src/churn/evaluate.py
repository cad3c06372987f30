"""Score the model on the held-out test set and check the quality gate."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from churn.config import EvaluateParams
from churn.featurize import features_and_target

log = logging.getLogger(__name__)


def score(model, test: pd.DataFrame) -> dict[str, float]:
    """Return accuracy, churn recall and precision, and the test size."""
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    features, target = features_and_target(test)
    predicted = model.predict(features)
    return {
        "accuracy": round(float(accuracy_score(target, predicted)), 4),
        "recall": round(float(recall_score(target, predicted)), 4),
        "precision": round(float(precision_score(target, predicted, zero_division=0)), 4),
        "test_rows": len(test),
    }


def held_out_accuracy(model_uri: str, test_path: Path) -> float:
    """Accuracy of a logged or registered model on a held-out CSV."""
    from churn.tracking import connect

    model = connect().sklearn.load_model(model_uri)
    return score(model, pd.read_csv(test_path, dtype={"customerID": str}))["accuracy"]


def gate(metrics: dict[str, float], params: EvaluateParams) -> list[str]:
    """Return the reasons a model fails the gate (empty: it passes)."""
    reasons = []
    if metrics["accuracy"] < params.min_accuracy:
        reasons.append(f"accuracy {metrics['accuracy']:.4f} is below {params.min_accuracy}")
    if metrics["recall"] < params.min_recall:
        reasons.append(f"churn recall {metrics['recall']:.4f} is below {params.min_recall}")
    return reasons


def evaluate_file(
    model_path: Path, test_path: Path, run_path: Path, metrics_path: Path, params: EvaluateParams
) -> dict:
    """Score a saved model; write metrics and the gate verdict as JSON; log them to its run.

    The verdict (``gate_passed``, ``gate_reasons``, ``run_id``, ``model_uri``)
    is what registration reads: a model that failed the gate is never registered.
    """
    import joblib

    from churn.tracking import log_evaluation, read_run

    model = joblib.load(model_path)
    run = read_run(run_path)
    metrics = score(model, pd.read_csv(test_path, dtype={"customerID": str}))
    reasons = gate(metrics, params)
    log_evaluation(run, metrics, reasons)
    result = {
        **metrics,
        "gate_passed": not reasons,
        "gate_reasons": reasons,
        "thresholds": params.model_dump(),
        "run_id": run["run_id"],
        "model_uri": run["model_uri"],
    }
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(result, indent=2) + "\n")
    log.info(
        "accuracy %.4f, recall %.4f, gate %s",
        metrics["accuracy"],
        metrics["recall"],
        "passed" if not reasons else "FAILED",
    )
    return result
