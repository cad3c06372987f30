"""Monitoring: compare what the service saw with what the champion learned from.

Inputs are checked at once, column by column, against the champion's training
data (its *reference*, fetched from the DVC cache by the hash the registry
recorded). Performance is checked later, when the month's labels arrive and are
joined to the prediction log by customer id. The verdict goes to a JSON file
(``latest.json`` is what the service's /metrics shows) beside an HTML report.

Why distances, not p-values: with thousands of rows a KS test calls a
harmless 1 % shift "significant", and ~19 columns tested at p < 0.05 raise at
least one false alarm in most months with no drift at all (1 - 0.95**19 = 62 %).
A normed Wasserstein distance (numbers) or Jensen-Shannon distance (categories)
measures how *big* a shift is, and a threshold above the month-to-month noise
(at most 0.09 in the data world) alerts only on shifts worth a look.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from churn.config import MonitorParams
from churn.contracts import ColumnDrift, MonitoringVerdict
from churn.featurize import clean_total_charges
from churn.paths import LATEST_VERDICT
from churn.schema import CATEGORICAL_COLUMNS, ID_COLUMN, LABEL_COLUMN, NUMERIC_COLUMNS, READ_DTYPES

log = logging.getLogger(__name__)
FEATURES = NUMERIC_COLUMNS + CATEGORICAL_COLUMNS
DRIFT_NUMERIC = ["tenure", "MonthlyCharges", "TotalCharges"]
DRIFT_CATEGORICAL = ["SeniorCitizen", *CATEGORICAL_COLUMNS]


def column_drift(
    reference: pd.DataFrame, current: pd.DataFrame, params: MonitorParams
) -> tuple[dict[str, ColumnDrift], Any]:
    """Measure every feature's drift with Evidently; return the scores and the report.

    Each column gets the method named in ``params`` (never Evidently's default,
    which changes with the number of rows), so a verdict always means the same.
    One ``ValueDrift`` per column is about twice as fast as ``DataDriftPreset``,
    which also renders a dataset summary nobody reads here.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    # Column types said out loud: SeniorCitizen is 0/1, a category, not a number.
    definition = DataDefinition(
        numerical_columns=DRIFT_NUMERIC, categorical_columns=DRIFT_CATEGORICAL
    )
    metrics = [
        ValueDrift(column=name, method=params.numeric_method, threshold=params.numeric_threshold)
        for name in DRIFT_NUMERIC
    ] + [
        ValueDrift(
            column=name, method=params.categorical_method, threshold=params.categorical_threshold
        )
        for name in DRIFT_CATEGORICAL
    ]
    snapshot = Report(metrics).run(
        Dataset.from_pandas(current[FEATURES], data_definition=definition),
        Dataset.from_pandas(reference[FEATURES], data_definition=definition),
    )
    columns = {}
    for metric in json.loads(snapshot.json())["metrics"]:
        config = metric["config"]
        if config.get("type", "").endswith(":ValueDrift"):
            score = float(metric["value"])
            columns[config["column"]] = ColumnDrift(
                score=round(score, 4),
                method=config["method"],
                threshold=config["threshold"],
                drifted=score >= config["threshold"],
            )
    missing = set(FEATURES) - set(columns)
    if missing:
        raise RuntimeError(f"Evidently reported no drift for {sorted(missing)}")
    return columns, snapshot


def accuracy_with_labels(
    logged: pd.DataFrame, labels: pd.DataFrame, threshold: float = 0.5
) -> tuple[float | None, int]:
    """Accuracy of the logged predictions against late labels joined by customer id.

    Returns ``(accuracy, labelled_rows)``; accuracy is None when no label matches.
    """
    joined = logged[[ID_COLUMN, "churn_probability"]].merge(
        labels[[ID_COLUMN, LABEL_COLUMN]], on=ID_COLUMN, how="inner"
    )
    if joined.empty:
        return None, 0
    predicted = joined["churn_probability"] >= threshold
    actual = joined[LABEL_COLUMN] == "Yes"
    return float((predicted == actual).mean()), len(joined)


def monitor(
    logged: pd.DataFrame,
    reference: pd.DataFrame,
    params: MonitorParams,
    window: str,
    out_dir: Path,
    labels: pd.DataFrame | None = None,
    baseline_accuracy: float | None = None,
) -> MonitoringVerdict:
    """Check one window of logged traffic; write ``<window>.json``, ``.html`` and ``latest.json``.

    Args:
        logged: the prediction log's rows for the window (inputs and probabilities).
        reference: the champion's training data.
        params: methods and thresholds.
        window: a name for the window (``month-3``).
        out_dir: where the report and verdicts go.
        labels: the window's labels, if they have arrived (``customerID``, ``Churn``).
        baseline_accuracy: the champion's held-out accuracy when it was registered.
    """
    if logged.empty:
        raise ValueError(f"no logged predictions in window {window}: nothing to monitor")
    columns, snapshot = column_drift(reference, logged, params)
    drifted = sorted(name for name, drift in columns.items() if drift.drifted)
    alerts = []
    if drifted:
        scores = ", ".join(f"{name} {columns[name].score:.3f}" for name in drifted)
        alerts.append(f"data drift in {len(drifted)} column(s): {scores}")
    accuracy, labelled_rows, performance_drop = None, 0, False
    if labels is not None:
        accuracy, labelled_rows = accuracy_with_labels(logged, labels)
        if accuracy is not None and baseline_accuracy is not None:
            drop = baseline_accuracy - accuracy
            performance_drop = drop > params.max_accuracy_drop
            if performance_drop:
                alerts.append(
                    f"accuracy {accuracy:.3f} is {drop:.3f} below the champion's "
                    f"{baseline_accuracy:.3f} (allowed drop {params.max_accuracy_drop})"
                )
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / f"{window}.html"
    snapshot.save_html(str(report))  # a Path object would silently write nothing
    versions = logged["model_version"].astype(str).value_counts()
    verdict = MonitoringVerdict(
        window=window,
        checked_at=datetime.now(UTC),
        rows=len(logged),
        model_version=str(versions.index[0]),
        columns=columns,
        drifted_columns=tuple(drifted),
        data_drift=bool(drifted),
        labelled_rows=labelled_rows,
        accuracy=accuracy,
        baseline_accuracy=baseline_accuracy,
        performance_drop=performance_drop,
        alerts=tuple(alerts),
        report=str(report),
    )
    for name in (f"{window}.json", LATEST_VERDICT):
        verdict.write(out_dir / name)
    return verdict


def read_reference(data_hash: str, cache_dir: Path) -> pd.DataFrame:
    """The training split a model was trained on, from the DVC cache by its md5."""
    path = cache_dir / "files" / "md5" / data_hash[:2] / data_hash[2:]
    if not path.is_file():
        raise FileNotFoundError(2, "training data not in the DVC cache (dvc pull?)", str(path))
    return pd.read_csv(path, dtype=READ_DTYPES, keep_default_na=False).pipe(_numbers)


def read_labels(path: Path) -> pd.DataFrame:
    """A labels file (``customerID``, ``Churn``) as it arrives, weeks after the traffic."""
    return pd.read_csv(path, dtype={ID_COLUMN: str}, keep_default_na=False)


def _numbers(table: pd.DataFrame) -> pd.DataFrame:
    return clean_total_charges(table) if table["TotalCharges"].dtype == object else table


def monitor_window(
    window: str,
    since: datetime | None,
    until: datetime | None,
    params: MonitorParams,
    labels_path: Path | None = None,
    name: str = "churn",
) -> MonitoringVerdict:
    """Monitor the service's log between ``since`` and ``until`` against its model's reference.

    The reference and the baseline accuracy belong to the model version that
    answered most of the window's requests, as the registry recorded them.
    """
    from churn import paths
    from churn.registry import describe
    from churn.serve.prediction_log import read_predictions

    logged = read_predictions(paths.predictions_dir(), since, until)
    if logged.empty:
        raise ValueError(f"no logged predictions in window {window}: nothing to monitor")
    version = str(logged["model_version"].astype(str).value_counts().index[0])
    champion = describe(version, name)
    reference = read_reference(champion.record.data_hash, paths.dvc_cache_dir())
    baseline = champion.scores.get("accuracy")
    if labels_path is not None and baseline is None:
        raise ValueError(
            f"version {version}'s training run has no accuracy metric to compare the labels "
            "with: was it evaluated by `churn evaluate`?"
        )
    labels = read_labels(labels_path) if labels_path is not None else None
    return monitor(
        logged,
        reference,
        params,
        window,
        paths.monitoring_dir(),
        labels=labels,
        baseline_accuracy=baseline,
    )
