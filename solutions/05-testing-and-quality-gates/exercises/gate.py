"""Exercise 3: the quality gate, the check that decides whether a model may ship.

A model ships only if, on held-out customers, it reaches both

- an accuracy of at least ``MIN_ACCURACY`` (85 %), and
- a churn recall (the share of real churners it flags) of at least ``MIN_RECALL`` (70 %).

Accuracy alone is a weak gate here: about three customers in four stay, so a
"model" that predicts "nobody churns" scores about 0.75 while catching no
churner at all. The recall floor stops it. When a model fails, the gate says
why, in words a person reading a CI log understands.

Averages hide groups. The gate also looks at each *slice* of customers (by
contract type), with two rules:

- on every slice, the model must not do clearly worse than doing nothing: its
  accuracy may fall at most ``SLICE_TOLERANCE`` below what predicting that
  slice's majority answer scores;
- on every slice with at least ``MIN_SLICE_CHURNERS`` churners, churn recall
  must reach ``MIN_RECALL``. With fewer churners a slice's recall is mostly
  luck (2 of 3 is 0.67, 3 of 3 is 1.0), so it is reported but not gated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

MIN_ACCURACY = 0.85
MIN_RECALL = 0.70
SLICE_COLUMN = "Contract"  # the slices the course's gate looks at
SLICE_TOLERANCE = 0.05  # how far below "doing nothing" a slice's accuracy may fall
MIN_SLICE_CHURNERS = 20  # fewer churners than this: the slice's recall is not gated


@dataclass(frozen=True)
class GateResult:
    """The gate's verdict: ``passed``, and one reason per failed condition (none if it passed)."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


def slice_metrics(
    customers: pd.DataFrame, predicted, column: str = SLICE_COLUMN
) -> dict[str, dict]:
    """Measure a model's answers on each slice of the customers.

    Args:
        customers: held-out customers with their true ``Churn`` (Yes/No).
        predicted: the model's answers for those customers, in the same order:
            1 (or True) for "churns", 0 for "stays".
        column: the column whose values define the slices.

    Returns:
        One entry per value of ``column``, sorted by value::

            {"One year": {"rows": 527, "churners": 16, "accuracy": 0.8691,
                          "recall": 0.875}, ...}

        ``recall`` is None for a slice with no churner (there is nothing to catch).

    Raises:
        ValueError: ``predicted`` does not hold one answer per customer, or
            ``column`` is not a column of ``customers``.
    """
    # BEGIN SOLUTION hint: line each answer up with its customer by position, not by index label, then group by the slice column; count rows and real churners per group, and compute the two scores inside each group only
    answers = pd.Series(list(predicted), dtype=float).to_numpy()
    if len(answers) != len(customers):
        raise ValueError(f"expected {len(customers)} answers, one per customer, saw {len(answers)}")
    if column not in customers.columns:
        raise ValueError(f"{column!r} is not a column of the customers table")
    churned = (customers["Churn"] == "Yes").to_numpy()
    flagged = answers == 1
    slices = {}
    for value in sorted(customers[column].unique()):
        rows = (customers[column] == value).to_numpy()
        churners = int((churned & rows).sum())
        slices[value] = {
            "rows": int(rows.sum()),
            "churners": churners,
            "accuracy": float((flagged[rows] == churned[rows]).mean()),
            "recall": float((flagged & churned & rows).sum() / churners) if churners else None,
        }
    return slices
    # END SOLUTION


def slice_reasons(slices: dict[str, dict], min_recall: float = MIN_RECALL) -> list[str]:
    """Return one reason per broken slice rule (``[]`` when every slice is fine).

    Args:
        slices: as ``slice_metrics`` returns them.
        min_recall: the recall floor for slices with enough churners.

    Returns:
        A reason names the slice, the metric, its value and the bar, e.g.
        ``"One year: accuracy 0.8691 is below 0.9196 (doing nothing scores 0.9696)"``
        or ``"Month-to-month: recall 0.6500 is below the minimum 0.7 (615 churners)"``.
        Reaching a bar exactly passes.
    """
    # BEGIN SOLUTION hint: doing nothing on a slice means giving everyone its most common answer, so it is right for the larger of churners and stayers; recall only counts on slices with enough churners, and a score exactly at a bar passes
    reasons = []
    for name, slice_ in slices.items():
        rows, churners = slice_["rows"], slice_["churners"]
        nothing = max(churners, rows - churners) / rows
        bar = nothing - SLICE_TOLERANCE
        if not slice_["accuracy"] >= bar:
            reasons.append(
                f"{name}: accuracy {slice_['accuracy']:.4f} is below {bar:.4f} "
                f"(doing nothing scores {nothing:.4f})"
            )
        if churners >= MIN_SLICE_CHURNERS and not slice_["recall"] >= min_recall:
            reasons.append(
                f"{name}: recall {slice_['recall']:.4f} is below the minimum {min_recall} "
                f"({churners} churners)"
            )
    return reasons
    # END SOLUTION


def evaluate_gate(
    metrics: dict[str, float],
    min_accuracy: float = MIN_ACCURACY,
    min_recall: float = MIN_RECALL,
    slices: dict[str, dict] | None = None,
) -> GateResult:
    """Check a model's held-out metrics against the gate.

    Args:
        metrics: at least ``"accuracy"`` and ``"recall"`` (churn recall), each
            between 0 and 1; other keys (precision, test_rows, ...) are ignored.
        min_accuracy: the lowest accuracy that passes (reaching it exactly passes).
        min_recall: the lowest churn recall that passes (reaching it exactly passes).
        slices: ``slice_metrics`` of the same model on the same customers, or
            None to check the overall metrics only.

    Returns:
        ``GateResult(passed, reasons)``. Every condition is checked, so a model
        failing both gets two reasons. Each reason names the metric, its value
        and the threshold, e.g. ``"accuracy 0.8123 is below the minimum 0.85"``.
        A metric that is not a number (NaN) fails its condition. With
        ``slices``, the reasons of ``slice_reasons`` are added.

    Raises:
        ValueError: ``accuracy`` or ``recall`` is missing; the message names it.
    """
    # BEGIN SOLUTION hint: check both metrics are there, then collect one reason per metric that is not at or above its threshold (a NaN is never at or above anything), then the slices' reasons when there are slices
    thresholds = {"accuracy": min_accuracy, "recall": min_recall}
    missing = [name for name in thresholds if name not in metrics]
    if missing:
        raise ValueError(
            f"the gate needs {' and '.join(missing)} in the metrics, saw {sorted(metrics)}"
        )
    reasons = []
    for name, threshold in thresholds.items():
        value = float(metrics[name])
        if not value >= threshold:  # written this way round, NaN fails too
            reasons.append(f"{name} {value:.4f} is below the minimum {threshold}")
    if slices:
        reasons += slice_reasons(slices, min_recall)
    return GateResult(passed=not reasons, reasons=reasons)
    # END SOLUTION
