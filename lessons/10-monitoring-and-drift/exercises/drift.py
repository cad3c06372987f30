"""Exercise: watch a churn model in production: input drift now, accuracy later, one alert.

The service (lesson 08) logs every answer it gives: the customer's inputs, the
churn probability and the model version. Whether each customer really left is
known only weeks later, when the labels arrive. So a monitor looks twice at a
window of that log (``window.py`` reads it):

1. ``detect_drift``: as soon as the window closes, compare its inputs with
   the reference (the month the model was trained on), column by column, with
   Evidently and a drift method you name, and decide which columns moved.
2. ``performance_check``: when the labels arrive, join them to the logged
   answers by customer id and measure how far accuracy has fallen from the
   baseline.
3. ``alert_message``: turn both into one message a person can act on, or
   ``None`` when all is well.
4. ``persistent_drift``: the columns that drifted in several windows in a
   row: noise comes and goes, real drift stays.

Given below: the columns, the methods and thresholds the lesson chose, the two
result types and ``clean_total_charges``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

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
THRESHOLD = 0.5  # the service labels a customer churn=True from this probability on (lesson 08)


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

    accuracy: float  # of the logged answers whose label has arrived
    baseline_accuracy: float  # the model's accuracy when it was approved
    drop: float  # baseline_accuracy - accuracy (negative if it got better)
    max_drop: float  # the largest drop that is still acceptable
    labelled: int  # how many logged answers were compared with a label
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

    # TODO: refuse missing columns first; clean both tables; one drift metric per column with its method named, current data first when running the report; each metric's config names its column and its value is the score; a score equal to the threshold counts as drift
    raise NotImplementedError("TODO: refuse missing columns first; clean both tables; one drift metric per column with its method named, current data first when running the report; each metric's config names its column and its value is the score; a score equal to the threshold counts as drift")


# --- 2. performance_check --------------------------------------------------------------------


def performance_check(
    logged: pd.DataFrame,
    labels: pd.DataFrame,
    baseline_accuracy: float,
    max_drop: float = MAX_ACCURACY_DROP,
    threshold: float = THRESHOLD,
) -> PerformanceCheck:
    """How good were the answers the service gave? Compare them with the labels that arrived.

    The model is not run again: what matters is what the service *said* (the
    model may have changed since). Each logged answer says churn when its
    ``churn_probability`` is at least ``threshold``, as the service's label did.

    Labels arrive weeks after the answers, in their own order, and not all at
    once: join them to the log by ``customerID`` (never by position) and
    compare only answers that have a label. Labels of customers who are not in
    this window are ignored. A customer answered twice counts twice: both
    answers were given.

    Args:
        logged: the window of the prediction log (``customerID`` and
            ``churn_probability`` at least).
        labels: ``customerID`` and ``Churn`` ("Yes"/"No") for the customers
            whose outcome is known so far, one row per customer.
        baseline_accuracy: the model's accuracy when it was approved.
        max_drop: how far accuracy may fall before the model counts as degraded.
        threshold: the probability from which an answer means churn.

    Returns:
        A ``PerformanceCheck``; ``degraded`` is True when the drop is larger
        than ``max_drop`` (a drop of exactly ``max_drop`` is still acceptable).

    Raises:
        ValueError: none of the labels belongs to a customer of this window.
    """
    # TODO: an inner join of the answers and the labels on the customer id; nothing in common is an error; an answer says churn from the threshold on (inclusive); compare with the label and average; the drop is the baseline minus that, and only a drop beyond the allowance is degraded
    raise NotImplementedError('TODO: an inner join of the answers and the labels on the customer id; nothing in common is an error; an answer says churn from the threshold on (inclusive); compare with the label and average; the drop is the baseline minus that, and only a drop beyond the allowance is degraded')


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
    # TODO: one line for each drifted column with its numbers; one more when the labels say the model is degraded, and then, if no input moved, a line naming concept drift; nothing to say is None, not an empty text
    raise NotImplementedError('TODO: one line for each drifted column with its numbers; one more when the labels say the model is degraded, and then, if no input moved, a line naming concept drift; nothing to say is None, not an empty text')


# --- 4. persistent_drift -------------------------------------------------------------------


def persistent_drift(history: Sequence[DriftVerdict], windows: int = 2) -> list[str]:
    """The columns that drifted in each of the last ``windows`` verdicts, in a row.

    A single window over the threshold may be noise: with 19 columns, one of
    them will wander over now and then. Real drift stays. Paging only for a
    column that drifted in ``windows`` consecutive windows trades one window of
    delay for far fewer false alarms.

    Args:
        history: the verdicts of consecutive windows, oldest first.
        windows: how many windows in a row a column must have drifted.

    Returns:
        The persistent columns, in the order of the newest verdict's
        ``drifted_columns``; empty when fewer than ``windows`` verdicts exist.

    Raises:
        ValueError: ``windows`` is less than 1.
    """
    # TODO: refuse a count below one; too short a history means nothing is persistent yet; look only at the newest verdicts, as many as asked; a column counts only if every one of them flagged it
    raise NotImplementedError('TODO: refuse a count below one; too short a history means nothing is persistent yet; look only at the newest verdicts, as many as asked; a column counts only if every one of them flagged it')
