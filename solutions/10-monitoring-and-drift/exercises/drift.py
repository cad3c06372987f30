"""Exercise: watch a churn model in production: input drift now, accuracy later, one alert.

Every month a batch of customers arrives and the model scores them at once.
Whether each customer really left is known only weeks later, when the labels
arrive. So a monitor looks twice:

1. ``detect_drift``: as soon as the batch arrives, compare its inputs with
   the reference (the month the model was trained on), column by column, with
   Evidently and a drift method you name, and decide which columns moved.
2. ``performance_check``: when the labels arrive, join them to the batch by
   customer id and measure how far accuracy has fallen from the baseline.
3. ``alert_message``: turn both into one message a person can act on, or
   ``None`` when all is well.

Given below: the columns, the methods and thresholds the lesson chose, the two
result types and ``clean_total_charges``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

ID_COLUMN = "customerID"
LABEL_COLUMN = "Churn"  # "Yes" (left) or "No" (stayed)

# The model's inputs: every column of a month except the id and the label.
FEATURE_COLUMNS = (
    "gender",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "tenure",
    "PhoneService",
    "MultipleLines",
    "InternetService",
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
    "Contract",
    "PaperlessBilling",
    "PaymentMethod",
    "MonthlyCharges",
    "TotalCharges",
)
# Amounts and counts. Every other column is a category, SeniorCitizen (a 0/1 flag) included.
NUMERIC_COLUMNS = ("tenure", "MonthlyCharges", "TotalCharges")

# Distances, not p-values: they measure how far a column moved, whatever the sample size.
NUMERIC_METHOD = "wasserstein"  # normed Wasserstein: the move in reference standard deviations
CATEGORICAL_METHOD = "jensenshannon"  # Jensen-Shannon distance between category shares, 0..1
# A column drifted when its distance is at least this. In months without drift the distances
# stayed below 0.09 (2,000 customers a month, ten seeds); a 6 % price rise scored 0.12 or more.
DRIFT_THRESHOLD = 0.1
# How much accuracy may fall below the baseline before the model is called degraded.
MAX_ACCURACY_DROP = 0.05


class Classifier(Protocol):
    """A fitted model whose ``predict`` returns 1 (will churn) or 0 (will stay) per row."""

    def predict(self, table: pd.DataFrame) -> np.ndarray: ...


@dataclass(frozen=True)
class DriftVerdict:
    """What ``detect_drift`` found, column by column and for the batch as a whole."""

    scores: dict[str, float]  # column -> drift score (a distance: 0 means no change)
    methods: dict[str, str]  # column -> the Evidently method that computed its score
    threshold: float  # a column drifted when its score >= threshold
    drifted_columns: list[str]  # the columns that drifted, in the order they were given
    drifted: bool  # the batch-level alert: True when any monitored column drifted


@dataclass(frozen=True)
class PerformanceCheck:
    """What ``performance_check`` found once the labels arrived."""

    accuracy: float  # on the customers whose label has arrived
    baseline_accuracy: float  # the model's accuracy when it was approved
    drop: float  # baseline_accuracy - accuracy (negative if it got better)
    max_drop: float  # the largest drop that is still acceptable
    labelled: int  # how many customers were scored against a label
    degraded: bool  # True when drop > max_drop


def method_for(column: str) -> str:
    """The drift method for a column: a distance for numbers, another for categories."""
    return NUMERIC_METHOD if column in NUMERIC_COLUMNS else CATEGORICAL_METHOD


def clean_total_charges(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with ``TotalCharges`` as numbers: a blank (a new customer) becomes 0.0.

    The billing export writes ``TotalCharges`` as text, and a customer who
    has not been billed yet has a blank. That blank is a real amount, zero,
    not a missing value. A table without the column is returned unchanged.
    """
    cleaned = table.copy()
    if "TotalCharges" in cleaned.columns:
        text = cleaned["TotalCharges"].astype(str).str.strip()
        cleaned["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"), errors="raise")
    return cleaned


# --- 1. detect_drift -------------------------------------------------------------------------


def detect_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: tuple[str, ...] | list[str] = FEATURE_COLUMNS,
    threshold: float = DRIFT_THRESHOLD,
) -> DriftVerdict:
    """Compare the current batch with the reference, column by column, with Evidently.

    Each column gets the method ``method_for(column)``, named explicitly:
    Evidently's default changes with the size of the reference (p-value tests
    up to 1,000 rows, distances above), and a p-value is not a distance. Both
    tables are cleaned with ``clean_total_charges`` first. A column drifted
    when its score is at least ``threshold``; the batch drifted when any
    monitored column did.

    Args:
        reference: the month the model was trained on (raw, as ``data.generate``
            gives it; the label may be there or not, it is not monitored).
        current: the new batch, same shape.
        columns: the columns to watch.
        threshold: the distance at which a column counts as drifted.

    Returns:
        A ``DriftVerdict`` with a score and a method for every monitored column.

    Raises:
        ValueError: a monitored column is missing from either table (a schema
            change: drift cannot be measured on a column that is not there).
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    # BEGIN SOLUTION hint: refuse missing columns; clean both tables; a Report with one ValueDrift(column=..., method=method_for(column), threshold=...) per column; .run(current, reference); read each metric's config["column"] and value from json.loads(snapshot.json()); drifted when score >= threshold
    columns = list(columns)
    missing = [c for c in columns if c not in reference.columns or c not in current.columns]
    if missing:
        raise ValueError(f"monitored columns missing from the data: {missing}")
    methods = {column: method_for(column) for column in columns}
    definition = DataDefinition(
        numerical_columns=[c for c in columns if c in NUMERIC_COLUMNS],
        categorical_columns=[c for c in columns if c not in NUMERIC_COLUMNS],
    )

    def as_dataset(table: pd.DataFrame) -> Dataset:
        return Dataset.from_pandas(clean_total_charges(table[columns]), data_definition=definition)

    report = Report([ValueDrift(column=c, method=methods[c], threshold=threshold) for c in columns])
    snapshot = report.run(as_dataset(current), as_dataset(reference))  # current first
    found = {
        metric["config"]["column"]: float(metric["value"])
        for metric in json.loads(snapshot.json())["metrics"]
    }
    scores = {column: found[column] for column in columns}
    drifted_columns = [column for column in columns if scores[column] >= threshold]
    return DriftVerdict(
        scores=scores,
        methods=methods,
        threshold=threshold,
        drifted_columns=drifted_columns,
        drifted=bool(drifted_columns),
    )
    # END SOLUTION


# --- 2. performance_check --------------------------------------------------------------------


def performance_check(
    model: Classifier,
    current_features: pd.DataFrame,
    labels: pd.DataFrame,
    baseline_accuracy: float,
    max_drop: float = MAX_ACCURACY_DROP,
) -> PerformanceCheck:
    """Score the model on the customers whose labels have arrived.

    Labels arrive weeks after the features, in their own order, and not all
    at once: join them to the features by ``customerID`` (never by position)
    and score only the customers that have a label. Labels of customers who
    are not in this batch are ignored. ``TotalCharges`` is cleaned first
    (``clean_total_charges``): the model needs numbers.

    Args:
        model: predicts 1 (churn) or 0 (stay) for each row of a features table.
        current_features: the batch as it arrived (``customerID`` and the
            features, ``TotalCharges`` as text).
        labels: ``customerID`` and ``Churn`` ("Yes"/"No") for the customers
            whose outcome is known so far.
        baseline_accuracy: the model's accuracy when it was approved.
        max_drop: how far accuracy may fall before the model counts as degraded.

    Returns:
        A ``PerformanceCheck``; ``degraded`` is True when the drop is larger
        than ``max_drop`` (a drop of exactly ``max_drop`` is still acceptable).

    Raises:
        ValueError: none of the labels belongs to a customer of this batch.
    """
    # BEGIN SOLUTION hint: merge features and labels on ID_COLUMN (an inner join); ValueError if nothing matched; predict on the cleaned, joined rows without the label; compare with Churn == "Yes"; drop = baseline - accuracy; degraded when drop > max_drop
    joined = clean_total_charges(current_features).merge(
        labels[[ID_COLUMN, LABEL_COLUMN]], on=ID_COLUMN, how="inner", validate="one_to_one"
    )
    if joined.empty:
        raise ValueError("none of the labels belongs to a customer of this batch")
    predicted = np.asarray(model.predict(joined.drop(columns=[LABEL_COLUMN])))
    actual = (joined[LABEL_COLUMN] == "Yes").astype(int).to_numpy()
    accuracy = float((predicted == actual).mean())
    drop = baseline_accuracy - accuracy
    return PerformanceCheck(
        accuracy=accuracy,
        baseline_accuracy=baseline_accuracy,
        drop=drop,
        max_drop=max_drop,
        labelled=len(joined),
        degraded=drop > max_drop,
    )
    # END SOLUTION


# --- 3. alert_message ------------------------------------------------------------------------


def alert_message(verdict: DriftVerdict, performance: PerformanceCheck | None = None) -> str | None:
    """One message that says what is wrong, with the numbers behind it, or None.

    One line per problem:

    - for each drifted column, its name, method, score (3 decimals) and the
      threshold, e.g. ``data drift in MonthlyCharges: wasserstein 0.231 >= 0.1``;
    - if the model is degraded, its accuracy, the baseline (3 decimals each)
      and the allowed drop, e.g. ``accuracy 0.763 is 0.139 below the baseline
      0.902 (allowed drop 0.05), on 2000 labelled customers``; and when no input
      drifted at the same time, a line that names the likely cause:
      ``concept drift: the inputs look as before, the churn reasons changed``.

    Columns that did not drift are not mentioned. ``performance`` is None
    while the labels have not arrived: then only drift can raise an alert.

    Returns:
        The lines joined with newlines, or None when no column drifted and
        the model is not known to be degraded.
    """
    # BEGIN SOLUTION hint: a line per column in verdict.drifted_columns (name, method, score:.3f, threshold); a line if performance is not None and performance.degraded; a concept-drift line when degraded but nothing drifted; None (not "") when there are no lines
    lines = [
        f"data drift in {column}: {verdict.methods[column]} "
        f"{verdict.scores[column]:.3f} >= {verdict.threshold:g}"
        for column in verdict.drifted_columns
    ]
    if performance is not None and performance.degraded:
        lines.append(
            f"accuracy {performance.accuracy:.3f} is {performance.drop:.3f} below the baseline "
            f"{performance.baseline_accuracy:.3f} (allowed drop {performance.max_drop:g}), "
            f"on {performance.labelled} labelled customers"
        )
        if not verdict.drifted:
            lines.append("concept drift: the inputs look as before, the churn reasons changed")
    return "\n".join(lines) if lines else None
    # END SOLUTION
