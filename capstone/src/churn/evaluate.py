"""Score the model on the held-out test set and check the quality gate.

The gate is lesson 05's: accuracy and churn recall overall, then per slice of
customers (by contract type). On every slice the model must not do clearly
worse than "doing nothing" (predicting the slice's most common answer), and on
every slice with enough churners to measure it, recall must reach the floor.
An average can hide a group the model fails.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from churn.config import EvaluateParams
from churn.contracts import GateVerdict, RunRecord, Scores, SliceScores
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


def slice_scores(test: pd.DataFrame, predicted: Any, column: str) -> dict[str, SliceScores]:
    """Accuracy and churn recall on each value of ``column``, sorted by value.

    Args:
        test: held-out customers with their true ``Churn``.
        predicted: the model's 0/1 answers for them, in the same order.
        column: the column whose values make the slices (``Contract``).

    Raises:
        ValueError: ``column`` is not a column of ``test``.
    """
    if column not in test.columns:
        raise ValueError(f"cannot slice by {column!r}: the test set has no such column")
    _, target = features_and_target(test)
    churned = target.to_numpy() == 1
    flagged = pd.Series(predicted).to_numpy() == 1
    slices = {}
    for value in sorted(test[column].unique()):
        rows = (test[column] == value).to_numpy()
        churners = int((churned & rows).sum())
        caught = int((flagged & churned & rows).sum())
        slices[str(value)] = SliceScores(
            rows=int(rows.sum()),
            churners=churners,
            accuracy=round(float((flagged[rows] == churned[rows]).mean()), 4),
            recall=round(caught / churners, 4) if churners else None,
        )
    return slices


def gate(
    scores: Scores, params: EvaluateParams, slices: dict[str, SliceScores] | None = None
) -> list[str]:
    """Return the reasons a model fails the gate (empty: it passes); a score at a bar passes."""
    reasons = []
    if scores.accuracy < params.min_accuracy:
        reasons.append(f"accuracy {scores.accuracy:.4f} is below {params.min_accuracy}")
    if scores.recall < params.min_recall:
        reasons.append(f"churn recall {scores.recall:.4f} is below {params.min_recall}")
    for name, found in (slices or {}).items():
        # Doing nothing on a slice gives everyone its most common answer.
        nothing = max(found.churners, found.rows - found.churners) / found.rows
        bar = round(nothing - params.slice_tolerance, 4)
        if found.accuracy < bar:
            reasons.append(
                f"{params.slice_column} {name}: accuracy {found.accuracy:.4f} is below {bar:.4f} "
                f"(doing nothing scores {nothing:.4f})"
            )
        # With few churners a slice's recall is luck (2 of 3, 3 of 3): reported, not gated.
        enough = found.churners >= params.min_slice_churners
        if enough and found.recall is not None and found.recall < params.min_recall:
            reasons.append(
                f"{params.slice_column} {name}: churn recall {found.recall:.4f} is below "
                f"{params.min_recall} ({found.churners} churners)"
            )
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
    test = read_split(test_path)
    scores = score(model, test)
    features, _ = features_and_target(test)
    slices = slice_scores(test, model.predict(features), params.slice_column)
    reasons = gate(scores, params, slices)
    log_evaluation(run, scores, reasons)
    verdict = GateVerdict.judge(scores, reasons, params, run, slices)
    verdict.write(metrics_path)
    log.info(
        "accuracy %.4f, recall %.4f, gate %s",
        scores.accuracy,
        scores.recall,
        "passed" if verdict.gate_passed else "FAILED",
    )
    return verdict
