"""Monitoring and the retraining policy, on the data world's scenarios.

The acceptance criteria run for five seeds, with the capstone's own settings
(params.yaml) and sizes (a 4,000-row training reference, 1,000 customers a month):
- ``price_increase`` is flagged on the charge columns by month 3;
- six ``none`` months raise no alert;
- ``concept_shift`` raises no input alert, but the performance check catches it
  once the labels arrive.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from churn.config import RetrainParams, load_params
from churn.contracts import ColumnDrift, MonitoringVerdict
from churn.featurize import clean_total_charges, features_and_target, split
from churn.monitor import FEATURES, accuracy_with_labels, column_drift, monitor
from churn.paths import LATEST_VERDICT, PROJECT_DIR
from churn.retrain import should_retrain
from churn.serve.metrics import MonitoringCollector
from mlops_course import data

SEEDS = range(5)
MONTH_ROWS = 1000
CHARGES = {"MonthlyCharges", "TotalCharges"}
PARAMS = load_params(PROJECT_DIR / "params.yaml")


def _month(month: int, seed: int, scenario: str = "none"):
    return clean_total_charges(data.generate(month, MONTH_ROWS, seed + 100, scenario))


def verdict(
    window: str = "month-1",
    drifted: tuple[str, ...] = (),
    performance_drop: bool = False,
    accuracy: float | None = None,
) -> MonitoringVerdict:
    """A monitoring verdict as the monitor writes it, with the given findings."""
    columns = {
        name: ColumnDrift(
            score=0.2 if name in drifted else 0.01,
            method="wasserstein",
            threshold=0.15,
            drifted=name in drifted,
        )
        for name in ("tenure", "MonthlyCharges")
    }
    return MonitoringVerdict(
        window=window,
        checked_at=datetime.now(UTC),
        rows=1000,
        model_version="1",
        columns=columns,
        drifted_columns=drifted,
        data_drift=bool(drifted),
        accuracy=accuracy,
        performance_drop=performance_drop,
    )


@pytest.fixture(scope="module")
def references():
    """Per seed: the training split of month 0, as the pipeline makes it, and its model."""
    from churn.train import train_model

    found = {}
    for seed in SEEDS:
        table = clean_total_charges(data.generate(0, 5000, seed))
        train, test = split(table, PARAMS.featurize.test_share, PARAMS.featurize.split_seed)
        model = train_model(train, PARAMS.train)
        features, target = features_and_target(test)
        found[seed] = (train, model, float((model.predict(features) == target).mean()))
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_a_price_increase_is_flagged_on_the_charge_columns_by_month_3(references, seed):
    reference = references[seed][0]
    for month in (1, 2, 3):
        columns, _ = column_drift(reference, _month(month, seed, "price_increase"), PARAMS.monitor)
        drifted = {name for name, drift in columns.items() if drift.drifted}
        assert drifted <= CHARGES, f"seed {seed} month {month}: non-charge columns {drifted}"
        if drifted:
            assert columns["MonthlyCharges"].method == "wasserstein"
            return
    scores = {name: columns[name].score for name in CHARGES}
    pytest.fail(f"seed {seed}: no drift flagged by month 3 (month-3 scores {scores})")


@pytest.mark.parametrize("seed", SEEDS)
def test_six_quiet_months_raise_no_alert(references, seed):
    reference = references[seed][0]
    highest = {}
    for month in range(1, 7):
        columns, _ = column_drift(reference, _month(month, seed), PARAMS.monitor)
        drifted = [name for name, drift in columns.items() if drift.drifted]
        assert not drifted, f"seed {seed} month {month}: false alarm on {drifted}"
        top = max(columns, key=lambda name: columns[name].score)
        highest[month] = (top, columns[top].score)
    assert all(score < PARAMS.monitor.numeric_threshold for _, score in highest.values()), highest


@pytest.mark.parametrize("seed", SEEDS)
def test_a_concept_shift_is_invisible_in_inputs_but_caught_by_labels(references, seed, tmp_path):
    reference, model, baseline = references[seed]
    shifted = _month(3, seed, "concept_shift")
    # The inputs are exactly a quiet month's (only the reasons for churning changed), so
    # the six quiet months above cover its input checks; here the verdict says it too.
    assert shifted[FEATURES].equals(_month(3, seed)[FEATURES])
    logged = shifted.drop(columns=["Churn"]).assign(
        churn_probability=model.predict_proba(shifted[FEATURES])[:, 1], model_version="1"
    )
    labels = shifted[["customerID", "Churn"]]
    found = monitor(
        logged, reference, PARAMS.monitor, "month-3", tmp_path, labels, baseline_accuracy=baseline
    )
    assert not found.data_drift, found.drifted_columns
    assert found.performance_drop, f"accuracy {found.accuracy} vs baseline {baseline}"
    assert found.labelled_rows == MONTH_ROWS
    assert any("accuracy" in alert for alert in found.alerts)


def test_the_verdict_report_and_latest_json_are_written(references, tmp_path):
    reference, model, baseline = references[0]
    month = _month(4, 0, "price_increase")
    logged = month.drop(columns=["Churn"]).assign(
        churn_probability=model.predict_proba(month[FEATURES])[:, 1], model_version="3"
    )
    found = monitor(logged, reference, PARAMS.monitor, "month-4", tmp_path, None, baseline)
    assert found.data_drift and "MonthlyCharges" in found.drifted_columns
    assert found.accuracy is None and not found.performance_drop  # no labels yet
    saved = MonitoringVerdict.read(tmp_path / "month-4.json")
    assert saved == MonitoringVerdict.read(tmp_path / LATEST_VERDICT) == found
    assert saved.model_version == "3" and saved.rows == MONTH_ROWS
    html = (tmp_path / "month-4.html").read_text()
    assert len(html) > 10_000 and "MonthlyCharges" in html


def test_labels_are_joined_by_customer_id_not_by_position():
    import pandas as pd

    logged = pd.DataFrame({"customerID": ["a", "b", "c"], "churn_probability": [0.9, 0.1, 0.8]})
    labels = pd.DataFrame({"customerID": ["c", "a", "x"], "Churn": ["Yes", "Yes", "No"]})
    assert accuracy_with_labels(logged, labels) == (1.0, 2)
    assert accuracy_with_labels(logged, labels.iloc[2:]) == (None, 0)


def test_the_service_exposes_the_latest_verdict(tmp_path):
    """The service reads the file the monitor writes: the same contract at both ends."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    registry.register(MonitoringCollector(tmp_path / LATEST_VERDICT))
    assert b"churn_monitor" not in generate_latest(registry)  # no verdict yet: nothing
    verdict(drifted=("MonthlyCharges",), accuracy=0.87).write(tmp_path / LATEST_VERDICT)
    text = generate_latest(registry).decode()
    assert "churn_monitor_data_drift 1.0" in text
    assert "churn_monitor_drifted_columns 1.0" in text
    assert 'churn_monitor_column_drift{column="MonthlyCharges"} 0.2' in text
    assert 'churn_monitor_column_drift{column="tenure"} 0.01' in text
    assert "churn_monitor_accuracy 0.87" in text


@pytest.mark.parametrize(
    ("found", "since", "expected"),
    [
        (verdict(drifted=("MonthlyCharges",)), None, True),
        (verdict(performance_drop=True), 5, True),
        (verdict(drifted=("tenure",)), 1, False),  # in the cooldown
        (verdict(drifted=("tenure",)), 2, True),  # just past it
        (verdict(performance_drop=True), 0, True),  # harm already happening overrides it
        (verdict(), None, False),
    ],
)
def test_the_retraining_policy(found, since, expected):
    trigger = should_retrain(found, RetrainParams(cooldown_windows=1), since)
    assert trigger.retrain is expected, trigger.reason


def test_the_cooldown_names_what_it_held_back():
    drift = verdict(drifted=("MonthlyCharges",))
    trigger = should_retrain(drift, RetrainParams(cooldown_windows=2), 2)
    assert not trigger.retrain
    assert trigger.reason.startswith("data drift") and "cooling down" in trigger.reason
    quiet = should_retrain(verdict(), RetrainParams(cooldown_windows=2), 1)
    assert "cooling" not in quiet.reason  # nothing to hold back: say so


def test_the_policy_can_ignore_drift_and_follow_a_schedule():
    drift_only = verdict(drifted=("MonthlyCharges",))
    params = RetrainParams(on_data_drift=False, every_windows=3, cooldown_windows=0)
    assert not should_retrain(drift_only, params, 0).retrain
    assert should_retrain(verdict(), params, 2).reason == "scheduled: every 3 windows"
