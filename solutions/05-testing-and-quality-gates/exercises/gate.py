"""Exercise 3: the quality gate, the check that decides whether a model may ship.

A model ships only if, on held-out customers, it reaches both

- an accuracy of at least ``MIN_ACCURACY`` (85 %), and
- a churn recall (the share of real churners it flags) of at least ``MIN_RECALL`` (70 %).

Accuracy alone is a weak gate here: about three customers in four stay, so a
"model" that predicts "nobody churns" scores about 0.75 while catching no
churner at all. The recall floor stops it. When a model fails, the gate says
why, in words a person reading a CI log understands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_ACCURACY = 0.85
MIN_RECALL = 0.70


@dataclass(frozen=True)
class GateResult:
    """The gate's verdict: ``passed``, and one reason per failed condition (none if it passed)."""

    passed: bool
    reasons: list[str] = field(default_factory=list)


def evaluate_gate(
    metrics: dict[str, float], min_accuracy: float = MIN_ACCURACY, min_recall: float = MIN_RECALL
) -> GateResult:
    """Check a model's held-out metrics against the gate.

    Args:
        metrics: at least ``"accuracy"`` and ``"recall"`` (churn recall), each
            between 0 and 1; other keys (precision, test_rows, ...) are ignored.
        min_accuracy: the lowest accuracy that passes (reaching it exactly passes).
        min_recall: the lowest churn recall that passes (reaching it exactly passes).

    Returns:
        ``GateResult(passed, reasons)``. Every condition is checked, so a model
        failing both gets two reasons. Each reason names the metric, its value
        and the threshold, e.g. ``"accuracy 0.8123 is below the minimum 0.85"``.
        A metric that is not a number (NaN) fails its condition.

    Raises:
        ValueError: ``accuracy`` or ``recall`` is missing; the message names it.
    """
    # BEGIN SOLUTION hint: check both metrics are there, then collect one reason per metric that is not >= its threshold (NaN >= x is False)
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
    return GateResult(passed=not reasons, reasons=reasons)
    # END SOLUTION
