"""Exercise 3: before and after, on the same test rows, for the pull request's comment.

A pull request retrains the model. Reviewers want to know what the change does:
not two accuracies measured who knows where, but the old model and the new one
scored on the *same* customers. Then the difference is exact, and it can be
explained customer by customer: the change fixed some answers and broke others,
and the accuracy moves by (fixed - broken) / rows.

Each side is a predictions file the CI job writes (``predictions.csv``): one row
per test customer with ``customerID``, the true ``Churn`` (Yes/No) and the
model's answer ``predicted`` (1 = churns, 0 = stays). "Before" comes from the
champion (or the base branch's run), "after" from the pull request's model.

``metrics_comment`` (given) turns the comparison and the gate's verdict into the
Markdown that reviewers read.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ("customerID", "Churn", "predicted")


def compare_on_same_rows(before: pd.DataFrame, after: pd.DataFrame) -> dict:
    """Compare two models' answers on the same customers.

    Args:
        before, after: predictions tables with the columns of ``COLUMNS``, in any
            row order.

    Returns:
        ``{"rows": int, "before": {"accuracy": float, "recall": float},
        "after": {...}, "fixed": int, "broken": int}``: recall is churn recall
        (0.0 with no churner); ``fixed`` counts customers answered wrongly
        before and rightly after, ``broken`` the other way round.

    Raises:
        ValueError: the two tables do not hold the same customers (say how many
            are on one side only), a customer appears twice, or a customer's
            ``Churn`` differs between them (the data changed, not the model).
    """
    # TODO: the two files may list customers in different orders: pair the rows by customer, and refuse to compare unless both hold exactly the same customers with the same true answers; then count who was wrong before and right after, and the other way round
    raise NotImplementedError('TODO: the two files may list customers in different orders: pair the rows by customer, and refuse to compare unless both hold exactly the same customers with the same true answers; then count who was wrong before and right after, and the other way round')


def metrics_comment(comparison: dict, gate: dict) -> str:
    """Return the pull-request comment: the two models on the same rows, and the verdict.

    Args:
        comparison: as ``compare_on_same_rows`` returns it.
        gate: ``{"passed": bool, "reasons": [str, ...]}``, as the evaluate step decided.
    """
    lines = [
        f"### Model: before and after, on the same {comparison['rows']} test customers",
        "",
        "| metric | before | after | change |",
        "|---|---|---|---|",
    ]
    for metric in ("accuracy", "recall"):
        old, new = comparison["before"][metric], comparison["after"][metric]
        change = round(new - old, 4) + 0.0  # + 0.0: a change that rounds to nothing is +0.0000
        lines.append(f"| {metric} | {old:.4f} | {new:.4f} | {change:+.4f} |")
    lines += [
        "",
        f"The change fixed {comparison['fixed']} answers and broke {comparison['broken']}.",
        "",
        "**Quality gate: passed**" if gate.get("passed") else "**Quality gate: FAILED**",
    ]
    lines += [f"- {reason}" for reason in gate.get("reasons", [])]
    return "\n".join(lines) + "\n"
