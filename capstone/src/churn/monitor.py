"""Monitoring: compare what the service saw with what the champion learned from.

Inputs are checked at once, column by column, against the champion's training
data (its *reference*, fetched from the DVC cache by the hash the registry
recorded). Performance is checked later, when the month's labels arrive and are
joined to the prediction log by customer id. The verdict goes to a JSON file
(``latest.json`` is what the service's /metrics shows) beside an HTML report
that opens with a summary a person reads first.

Why distances, not p-values (lesson 10): with thousands of rows a KS test calls
a harmless 1 % shift "significant", and ~19 columns tested at p < 0.05 raise at
least one false alarm in most months with no drift at all (1 - 0.95**19 = 62 %).
A normed Wasserstein distance (numbers) or Jensen-Shannon distance (categories)
measures how *big* a shift is; lesson 10's threshold, 0.1, sits above the
month-to-month noise of windows of at least ``min_rows`` customers
(``benchmarks/drift_noise.py`` measures it).

A bad window is reported, never fatal: values no customer can have (not a
number, infinite, negative, beyond the schema's maximum) and missing values are
left out of their column's drift and counted in ``problems``; a column with too
few usable values, or a window too small to judge, gets no score and a note.
One row with ``TotalCharges: 1e308`` would otherwise make the distance 1e302,
and two would crash Evidently's binning.
"""

from __future__ import annotations

import json
import logging
import numbers
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from churn.config import MonitorParams
from churn.contracts import ColumnDrift, MonitoringVerdict
from churn.featurize import clean_total_charges
from churn.paths import LATEST_VERDICT
from churn.schema import (
    CATEGORICAL_COLUMNS,
    CATEGORIES,
    CHURN_THRESHOLD,
    ID_COLUMN,
    LABEL_COLUMN,
    NUMERIC_BOUNDS,
    NUMERIC_COLUMNS,
    READ_DTYPES,
)

log = logging.getLogger(__name__)
FEATURES = NUMERIC_COLUMNS + CATEGORICAL_COLUMNS
DRIFT_NUMERIC = ["tenure", "MonthlyCharges", "TotalCharges"]
DRIFT_CATEGORICAL = ["SeniorCitizen", *CATEGORICAL_COLUMNS]
# More than this share of a column unusable: the column is broken upstream, and its
# distance would describe the breakage, not the customers. It gets no score.
MAX_UNUSABLE_SHARE = 0.1


@dataclass(frozen=True)
class Screened:
    """A window made safe to measure: usable values only, and what was left out."""

    current: pd.DataFrame  # unusable values replaced by missing ones
    unjudged: dict[str, str]  # column -> why it gets no drift score
    problems: list[str]  # one sentence per problem, for the verdict and the report


def screen(current: pd.DataFrame, reference: pd.DataFrame, min_rows: int) -> Screened:
    """Find what in a window cannot be measured, and leave it out of the drift.

    Args:
        current: the window's logged inputs.
        reference: the champion's training data.
        min_rows: the smallest window whose drift is judged at all.
    """
    table = current.copy()
    unjudged: dict[str, str] = {}
    problems: list[str] = []
    rows = len(table)
    if rows < min_rows:
        problems.append(
            f"the window has {rows} rows, fewer than {min_rows}: too noisy to judge drift"
        )
        unjudged = dict.fromkeys(DRIFT_NUMERIC + DRIFT_CATEGORICAL, f"only {rows} rows")
    for name in DRIFT_NUMERIC + DRIFT_CATEGORICAL:
        if name not in table.columns:
            unjudged[name] = "not in the logged traffic"
            problems.append(f"{name}: not in the logged traffic")
            continue
        if name in DRIFT_NUMERIC:
            low, high = NUMERIC_BOUNDS[name]
            values = pd.to_numeric(table[name], errors="coerce")
            usable = values.between(low, high)  # NaN, infinities and anything outside: False
            if reference[name].nunique() < 2:
                unjudged.setdefault(name, "the reference has a single value: nothing to compare")
        else:
            values = table[name]
            usable = values.notna() & (values.astype(str).str.strip() != "")
        bad = int((~usable).sum())
        if bad:
            examples = ", ".join(sorted({_short(value) for value in table[name][~usable]})[:3])
            problems.append(f"{name}: {bad} of {rows} values unusable ({examples}): left out")
            table[name] = values.where(usable)
            if bad > MAX_UNUSABLE_SHARE * rows:
                unjudged.setdefault(name, f"{bad} of {rows} values unusable")
        if name in CATEGORIES:
            present = table[name].dropna().astype(str)
            unseen = present[~present.isin(CATEGORIES[name])]
            if len(unseen):
                shown = ", ".join(repr(value) for value in sorted(set(unseen))[:3])
                problems.append(
                    f"{name}: categories the model never saw: {shown} ({len(unseen)} rows)"
                )
    return Screened(table, unjudged, problems)


def column_drift(
    reference: pd.DataFrame, current: pd.DataFrame, params: MonitorParams
) -> tuple[dict[str, ColumnDrift], Any, list[str]]:
    """Measure every feature's drift with Evidently; return the scores, the report, the problems.

    Each column gets the method named in ``params`` (never Evidently's default,
    which changes with the number of rows), so a verdict always means the same.
    The report is None when no column could be judged.
    """
    screened = screen(current, reference, params.min_rows)
    methods: dict[str, tuple[str, float]] = {
        name: (params.numeric_method, params.numeric_threshold) for name in DRIFT_NUMERIC
    }
    methods |= {
        name: (params.categorical_method, params.categorical_threshold)
        for name in DRIFT_CATEGORICAL
    }
    judged = [name for name in methods if name not in screened.unjudged]
    columns = {
        name: ColumnDrift(score=None, method=method, threshold=threshold, drifted=False, note=note)
        for name, (method, threshold) in methods.items()
        if (note := screened.unjudged.get(name)) is not None
    }
    snapshot = _evidently(reference, screened.current, judged, methods) if judged else None
    if snapshot is not None:
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
    missing = set(methods) - set(columns)
    if missing:
        raise RuntimeError(f"Evidently reported no drift for {sorted(missing)}")
    return {name: columns[name] for name in methods}, snapshot, screened.problems


def accuracy_with_labels(
    logged: pd.DataFrame, labels: pd.DataFrame, threshold: float = CHURN_THRESHOLD
) -> tuple[float | None, int, datetime | None]:
    """Accuracy of the logged predictions against late labels joined by customer id.

    Returns ``(accuracy, labelled_rows, labelled_until)``: accuracy is None when
    no label matches; ``labelled_until`` is when the newest labelled answer was
    logged (None if the log has no times).
    """
    answered = logged[logged["churn_probability"].notna()]
    keep = [ID_COLUMN, "churn_probability"] + (["logged_at"] if "logged_at" in logged else [])
    joined = answered[keep].merge(labels[[ID_COLUMN, LABEL_COLUMN]], on=ID_COLUMN, how="inner")
    if joined.empty:
        return None, 0, None
    predicted = joined["churn_probability"] >= threshold
    actual = joined[LABEL_COLUMN] == "Yes"
    until: datetime | None = None
    if "logged_at" in joined:
        newest = pd.to_datetime(joined["logged_at"], utc=True, format="ISO8601").max()
        until = newest.to_pydatetime()
    return float((predicted == actual).mean()), len(joined), until


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

    Raises:
        ValueError: the window holds no logged predictions.
    """
    from churn.report import save_report

    if logged.empty:
        raise ValueError(f"no logged predictions in window {window}: nothing to monitor")
    columns, snapshot, problems = column_drift(reference, logged, params)
    drifted = sorted(name for name, drift in columns.items() if drift.drifted)
    alerts = []
    if drifted:
        scores = ", ".join(f"{name} {columns[name].score:.3f}" for name in drifted)
        alerts.append(f"data drift in {len(drifted)} column(s): {scores}")
    if problems:
        alerts.append(f"the window has {len(problems)} problem(s): {problems[0]}")
    accuracy, labelled_rows, labelled_until, performance_drop = None, 0, None, False
    if labels is not None:
        accuracy, labelled_rows, labelled_until = accuracy_with_labels(logged, labels)
        if accuracy is not None and baseline_accuracy is not None:
            drop = baseline_accuracy - accuracy
            performance_drop = drop > params.max_accuracy_drop
            if performance_drop:
                alerts.append(
                    f"accuracy {accuracy:.3f} is {drop:.3f} below the champion's "
                    f"{baseline_accuracy:.3f} (allowed drop {params.max_accuracy_drop})"
                )
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
        labelled_until=labelled_until,
        accuracy=accuracy,
        baseline_accuracy=baseline_accuracy,
        performance_drop=performance_drop,
        problems=tuple(problems),
        alerts=tuple(alerts),
        report=str(out_dir / f"{window}.html"),
    )
    save_report(snapshot, verdict, reference, logged, out_dir / f"{window}.html")
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


def _evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    judged: list[str],
    methods: dict[str, tuple[str, float]],
) -> Any:
    """One Evidently ``ValueDrift`` per judged column, each with its method named.

    One ``ValueDrift`` per column is about twice as fast as ``DataDriftPreset``,
    which also renders a dataset summary nobody reads here.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    # Column types said out loud: SeniorCitizen is 0/1, a category, not a number.
    definition = DataDefinition(
        numerical_columns=[name for name in DRIFT_NUMERIC if name in judged],
        categorical_columns=[name for name in DRIFT_CATEGORICAL if name in judged],
    )
    metrics = [
        ValueDrift(column=name, method=methods[name][0], threshold=methods[name][1])
        for name in judged
    ]
    return Report(metrics).run(
        Dataset.from_pandas(current[judged], data_definition=definition),
        Dataset.from_pandas(reference[judged], data_definition=definition),
    )


def _short(value: object) -> str:
    """A value as a report shows it: numbers in short form, missing as 'missing'."""
    if value is None or (isinstance(value, float) and value != value):
        return "missing"
    if isinstance(value, numbers.Real):
        return f"{value:.4g}"
    return repr(str(value)[:20])


def _numbers(table: pd.DataFrame) -> pd.DataFrame:
    return clean_total_charges(table) if table["TotalCharges"].dtype == object else table
