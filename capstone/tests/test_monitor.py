"""Monitoring and the retraining policy, on the data world's scenarios.

The acceptance criteria run for five seeds, with the capstone's own settings
(params.yaml: lesson 10's threshold, 0.1) and sizes (a 4,000-row training
reference, 1,000 customers a month):
- ``price_increase`` is flagged on the charge columns by month 3;
- six ``none`` months raise no alert;
- ``concept_shift`` raises no input alert, but the performance check catches it
  once the labels arrive.
And a window the service accepted never kills the monitor: extreme, missing or
constant values are reported in the verdict, which the service's /metrics shows
with its time, so a stale verdict alerts.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from churn import cli
from churn.config import RetrainParams, load_params
from churn.contracts import ColumnDrift, MonitoringVerdict, RetrainingState
from churn.featurize import clean_total_charges, features_and_target, split
from churn.monitor import FEATURES, accuracy_with_labels, column_drift, monitor
from churn.paths import LATEST_VERDICT, PROJECT_DIR
from churn.report import SUMMARY_ID
from churn.retrain import should_retrain
from churn.serve.metrics import MonitoringCollector
from mlops_course import data

SEEDS = range(5)
MONTH_ROWS = 1000
CHARGES = {"MonthlyCharges", "TotalCharges"}
PARAMS = load_params(PROJECT_DIR / "params.yaml")


def _month(month: int, seed: int, scenario: str = "none"):
    return clean_total_charges(data.generate(month, MONTH_ROWS, seed + 100, scenario))


NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def verdict(
    window: str = "month-1",
    drifted: tuple[str, ...] = (),
    performance_drop: bool = False,
    accuracy: float | None = None,
    labelled_until: datetime | None = None,
) -> MonitoringVerdict:
    """A monitoring verdict as the monitor writes it, with the given findings."""
    columns = {
        name: ColumnDrift(
            score=0.2 if name in drifted else 0.01,
            method="wasserstein",
            threshold=0.1,
            drifted=name in drifted,
        )
        for name in ("tenure", "MonthlyCharges")
    }
    return MonitoringVerdict(
        window=window,
        checked_at=NOW,
        rows=1000,
        model_version="1",
        columns=columns,
        drifted_columns=drifted,
        data_drift=bool(drifted),
        accuracy=accuracy,
        labelled_until=labelled_until,
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
        columns, _, _ = column_drift(
            reference, _month(month, seed, "price_increase"), PARAMS.monitor
        )
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
        columns, _, problems = column_drift(reference, _month(month, seed), PARAMS.monitor)
        assert not problems, problems
        drifted = [name for name, drift in columns.items() if drift.drifted]
        assert not drifted, f"seed {seed} month {month}: false alarm on {drifted}"
        scores = {name: drift.score for name, drift in columns.items()}
        assert None not in scores.values(), scores  # a clean 1,000-row window: all judged
        top = max(scores, key=lambda name: scores[name] or 0.0)
        highest[month] = (top, scores[top])
    assert all(score < PARAMS.monitor.numeric_threshold for _, score in highest.values()), highest


@pytest.mark.parametrize("seed", SEEDS)
def test_a_concept_shift_is_invisible_in_inputs_but_caught_by_labels(references, seed, tmp_path):
    reference, model, baseline = references[seed]
    shifted = _month(3, seed, "concept_shift")
    # The inputs are exactly a quiet month's (only the reasons for churning changed), so
    # the six quiet months above cover its input checks; here the verdict says it too.
    assert shifted[FEATURES].equals(_month(3, seed)[FEATURES])
    logged = shifted.drop(columns=["Churn"]).assign(
        churn_probability=model.predict_proba(shifted[FEATURES])[:, 1],
        model_version="1",
        logged_at=NOW.isoformat(),
    )
    labels = shifted[["customerID", "Churn"]]
    found = monitor(
        logged, reference, PARAMS.monitor, "month-3", tmp_path, labels, baseline_accuracy=baseline
    )
    assert not found.data_drift, found.drifted_columns
    assert found.performance_drop, f"accuracy {found.accuracy} vs baseline {baseline}"
    assert found.labelled_rows == MONTH_ROWS and found.labelled_until == NOW
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


def test_the_report_opens_with_a_summary_a_person_reads_first(references, tmp_path):
    """Lesson 10's report: window, model, row counts, what drifted; distributions in shares."""
    reference, model, baseline = references[0]
    month = _month(3, 0, "price_increase")
    logged = month.drop(columns=["Churn"]).assign(
        churn_probability=model.predict_proba(month[FEATURES])[:, 1], model_version="7"
    )
    found = monitor(logged, reference, PARAMS.monitor, "month-3", tmp_path, None, baseline)
    head, body = (tmp_path / "month-3.html").read_text().split("<body>", 1)
    summary = body[: body.index("</section>")]
    assert body.lstrip().startswith(f'<section id="{SUMMARY_ID}"'), body[:200]
    assert "Churn monitor: month-3" in summary and "version 7" in summary
    assert f"{len(reference):,} rows" in summary and f"{MONTH_ROWS:,} rows" in summary
    drifted = re.search(r"<b>Drifted:</b>\s*<span[^>]*>([^<]*)</span>", summary).group(1)
    assert drifted == ", ".join(found.drifted_columns) and "MonthlyCharges" in drifted
    assert summary.count("<svg") == 4 and "share of rows" in summary
    # Evidently's cards (their data sits in the head): distribution first, in shares.
    tabs = re.findall(r'"title": "(DATA DRIFT|DATA DISTRIBUTION)"', head)
    assert tabs[:2] == ["DATA DISTRIBUTION", "DATA DRIFT"], tabs[:4]
    assert head.count('"active": 1') == head.count('"label": "perc"') > 0  # "perc" pressed


@pytest.mark.parametrize(
    ("case", "column", "expected"),
    [
        ("one row of 1e308", "TotalCharges", "1 of 1000 values unusable (1e+308)"),
        ("two rows of 1e308", "TotalCharges", "2 of 1000 values unusable (1e+308)"),
        ("infinite and negative", "MonthlyCharges", "2 of 1000 values unusable (-5, inf)"),
        ("a column all missing", "tenure", "1000 of 1000 values unusable (missing)"),
        ("a category all missing", "Contract", "1000 of 1000 values unusable (missing)"),
        ("an unseen category", "PaymentMethod", "categories the model never saw: 'Bitcoin'"),
        ("a missing column", "gender", "gender: not in the logged traffic"),
        ("a constant reference", "MonthlyCharges", None),
        ("a constant window", "MonthlyCharges", None),
        ("a tiny window", "tenure", "the window has 3 rows, fewer than 1000"),
    ],
)
def test_a_bad_window_is_reported_not_fatal(references, tmp_path, case, column, expected):
    reference, _, _ = references[0]
    window = _month(1, 0).drop(columns=["Churn"]).assign(churn_probability=0.3, model_version="1")
    if case.endswith("1e308"):
        window.loc[window.index[: 1 if case.startswith("one") else 2], column] = 1e308
    elif case == "infinite and negative":
        window.loc[window.index[:2], column] = [np.inf, -5.0]
    elif case.endswith("all missing"):
        window[column] = None
    elif case == "an unseen category":
        window.loc[window.index[:3], column] = "Bitcoin"
    elif case == "a missing column":
        window = window.drop(columns=[column])
    elif case == "a constant reference":
        reference = reference.assign(**{column: 50.0})
    elif case == "a constant window":
        window[column] = 50.0
    else:
        window = window.head(3)
    found = monitor(window, reference, PARAMS.monitor, "bad", tmp_path, None, 0.9)
    assert MonitoringVerdict.read(tmp_path / LATEST_VERDICT) == found  # written, not lost
    scores = [drift.score for drift in found.columns.values() if drift.score is not None]
    assert all(math.isfinite(score) and score < 10 for score in scores), scores  # no 1e302
    if expected is not None:
        assert any(expected in problem for problem in found.problems), found.problems
        assert any("problem" in alert for alert in found.alerts)
    if case == "a constant reference":
        assert found.columns[column].score is None and "single value" in found.columns[column].note
    if case == "a constant window":  # every customer paying 50 is real drift, and measurable
        assert found.columns[column].drifted and not found.problems
    if case.endswith("1e308"):  # the rest of the column is still judged, on its usable values
        assert found.columns[column].score is not None and found.columns[column].score < 0.1
    if case in ("a column all missing", "a category all missing", "a missing column"):
        assert found.columns[column].score is None and not found.columns[column].drifted
    if case == "a tiny window":
        assert scores == [] and not found.data_drift
    assert (tmp_path / "bad.html").read_text().count(f'id="{SUMMARY_ID}"') == 1


def test_labels_are_joined_by_customer_id_not_by_position():
    import pandas as pd

    logged = pd.DataFrame({"customerID": ["a", "b", "c"], "churn_probability": [0.9, 0.1, 0.8]})
    labels = pd.DataFrame({"customerID": ["c", "a", "x"], "Churn": ["Yes", "Yes", "No"]})
    assert accuracy_with_labels(logged, labels) == (1.0, 2, None)
    assert accuracy_with_labels(logged, labels.iloc[2:]) == (None, 0, None)
    logged["logged_at"] = ["2026-11-01T10:00:00+00:00", "2026-11-02T10:00:00+00:00", "x"][:2] + [
        "2026-11-03T10:00:00+00:00"
    ]
    assert accuracy_with_labels(logged, labels)[2] == datetime(2026, 11, 3, 10, tzinfo=UTC)


def test_the_service_exposes_the_latest_verdict(tmp_path):
    """The service reads the file the monitor writes: the same contract at both ends."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    registry.register(MonitoringCollector(tmp_path / LATEST_VERDICT))
    assert b"churn_monitor" not in generate_latest(registry)  # no verdict yet: nothing
    found = verdict(drifted=("MonthlyCharges",), accuracy=0.87)
    found.model_copy(update={"baseline_accuracy": 0.9}).write(tmp_path / LATEST_VERDICT)
    text = generate_latest(registry).decode()
    assert "churn_monitor_data_drift 1.0" in text
    assert "churn_monitor_drifted_columns 1.0" in text
    assert 'churn_monitor_column_drift{column="MonthlyCharges"} 0.2' in text
    assert 'churn_monitor_column_drift{column="tenure"} 0.01' in text
    assert "churn_monitor_accuracy 0.87" in text and "churn_monitor_baseline_accuracy 0.9" in text
    # The verdict's time: Prometheus alerts when it gets old (prometheus/alerts.yml).
    stamp = re.search(r"^churn_monitor_last_run_timestamp_seconds (\S+)$", text, re.M).group(1)
    assert float(stamp) == NOW.timestamp()
    assert "churn_monitor_window_problems 0.0" in text
    unjudged = ColumnDrift(score=None, method="wasserstein", threshold=0.1, drifted=False, note="x")
    bad = found.model_copy(
        update={"columns": {**found.columns, "tenure": unjudged}, "problems": ("tenure: ...",)}
    )
    bad.write(tmp_path / LATEST_VERDICT)
    text = generate_latest(registry).decode()
    assert "churn_monitor_window_problems 1.0" in text and 'column="tenure"' not in text
    (tmp_path / LATEST_VERDICT).write_text('{"window": "half-written')
    assert b"churn_monitor" not in generate_latest(registry)  # unreadable: the absent() rule


def _log(folder, window, logged_at: datetime) -> None:
    """Write a window as the service's prediction log does: JSON lines in a day folder."""
    day = folder / logged_at.strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    rows = window.assign(logged_at=logged_at.isoformat(), model_name="churn")
    (day / "written-by-test.jsonl").write_text(rows.to_json(orient="records", lines=True))


def test_churn_monitor_survives_extreme_values_in_the_real_log(state, sample, tmp_path, capsys):
    """The issue: two rows of TotalCharges 1e308 made `churn monitor` exit 1 and left
    latest.json stale. Through the real command: registry, DVC cache, prediction log."""
    import shutil

    from churn.config import TrainParams
    from churn.contracts import GateVerdict, Scores
    from churn.registry import register
    from churn.tracking import file_md5
    from churn.train import train_file

    train, _ = split(clean_total_charges(sample), test_share=0.3, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)
    files = (tmp_path / "train.csv", tmp_path / "m.joblib", tmp_path / "run.json")
    run = train_file(*files, TrainParams(C=1.0, max_iter=500), tmp_path)
    scores = Scores(accuracy=0.9, recall=0.8, precision=0.7, test_rows=60)
    register(GateVerdict.judge(scores, [], PARAMS.evaluate, run))
    md5 = file_md5(tmp_path / "train.csv")
    cached = state / "dvc-cache" / "files" / "md5" / md5[:2] / md5[2:]
    cached.parent.mkdir(parents=True)
    shutil.copyfile(tmp_path / "train.csv", cached)
    window = _month(1, 0).drop(columns=["Churn"]).head(300)
    window = window.assign(churn_probability=0.3, model_version="1")
    window.loc[window.index[:2], "TotalCharges"] = 1e308
    logged_at = datetime.now(UTC) - timedelta(minutes=5)
    _log(state / "predictions", window, logged_at)
    params = tmp_path / "params.yaml"  # a small window for a small test
    params.write_text(
        (PROJECT_DIR / "params.yaml").read_text().replace("min_rows: 1000", "min_rows: 200")
    )

    code = cli.main(["--params", str(params), "monitor", "--window", "w-1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PROBLEM TotalCharges: 2 of 300 values unusable (1e+308): left out" in out
    written = MonitoringVerdict.read(state / "monitoring" / LATEST_VERDICT)
    assert written.window == "w-1" and written.columns["TotalCharges"].score is not None
    assert written.columns["TotalCharges"].score < 10


RETRAINED = NOW - timedelta(days=20)


def state(since: int | None, failed: int = 0) -> RetrainingState:
    """The policy's memory with this window counted: ``since`` windows after a retrain."""
    at = None if since is None else RETRAINED
    return RetrainingState(
        windows_since_retrain=since, retrained_at=at, failed_gates_in_a_row=failed
    )


NEWER, OLDER = NOW, RETRAINED - timedelta(days=1)  # when the labelled answers were logged


@pytest.mark.parametrize(
    ("found", "memory", "expected"),
    [
        (verdict(drifted=("MonthlyCharges",)), state(None), True),
        (verdict(performance_drop=True, labelled_until=NEWER), state(5), True),
        (verdict(drifted=("tenure",)), state(1), False),  # in the cooldown
        (verdict(drifted=("tenure",)), state(2), True),  # just past it
        # A drop on labels newer than the last retrain: harm it never saw, skip the cooldown.
        (verdict(performance_drop=True, labelled_until=NEWER), state(0), True),
        # The same drop on labels the last retrain already saw waits like any trigger.
        (verdict(performance_drop=True, labelled_until=OLDER), state(1), False),
        (verdict(performance_drop=True, labelled_until=OLDER), state(2), True),
        (verdict(performance_drop=True), state(0), False),  # unknown: not newer
        (verdict(), state(None), False),
        # Three failed gates in a row: stop, whatever else is true.
        (verdict(performance_drop=True, labelled_until=NEWER), state(3, failed=3), False),
        (verdict(performance_drop=True, labelled_until=NEWER), state(3, failed=2), True),
    ],
)
def test_the_retraining_policy(found, memory, expected):
    trigger = should_retrain(found, RetrainParams(cooldown_windows=1), memory)
    assert trigger.retrain is expected, trigger.reason


def test_the_loop_stops_and_calls_a_person_after_failed_gates():
    drop = verdict(performance_drop=True, labelled_until=NEWER)
    trigger = should_retrain(drop, RetrainParams(max_failed_gates=3), state(4, failed=3))
    assert trigger.escalate and not trigger.retrain
    assert "3 retrains in a row failed the gate" in trigger.reason and "person" in trigger.reason


def test_the_cooldown_names_what_it_held_back():
    drift = verdict(drifted=("MonthlyCharges",))
    trigger = should_retrain(drift, RetrainParams(cooldown_windows=2), state(2))
    assert not trigger.retrain
    assert trigger.reason.startswith("data drift") and "cooling down" in trigger.reason
    quiet = should_retrain(verdict(), RetrainParams(cooldown_windows=2), state(1))
    assert "cooling" not in quiet.reason  # nothing to hold back: say so
    old = verdict(performance_drop=True, labelled_until=OLDER)
    held = should_retrain(old, RetrainParams(cooldown_windows=2), state(1))
    assert "labels the last retrain already saw" in held.reason and "cooling" in held.reason


def test_the_policy_can_ignore_drift_and_follow_a_schedule():
    drift_only = verdict(drifted=("MonthlyCharges",))
    params = RetrainParams(on_data_drift=False, every_windows=3, cooldown_windows=0)
    assert not should_retrain(drift_only, params, state(0)).retrain
    assert should_retrain(verdict(), params, state(2)).reason == "scheduled: every 3 windows"


def test_the_verdict_file_keeps_its_shape(tmp_path):
    """/metrics and the retraining policy read these fields by name."""
    verdict(labelled_until=NOW).write(tmp_path / "v.json")
    written = json.loads((tmp_path / "v.json").read_text())
    for field in ("checked_at", "columns", "data_drift", "problems", "labelled_until"):
        assert field in written, field
