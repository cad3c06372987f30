"""Retraining's moving parts: the data version edit, the policy's memory (cooldown, labels
newer than the last retrain, failed gates in a row), the command line.

The policy itself (``should_retrain``) is tested with the monitor, on the data
world's scenarios; here, what makes it hold between separate runs.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from churn import cli
from churn.config import load_params
from churn.contracts import ColumnDrift, MonitoringVerdict, RetrainingState
from churn.params_file import set_data_version
from churn.paths import PROJECT_DIR, retraining_state_file
from churn.retrain import RetrainResult, judge_window, read_state, record_retrain
from churn.settings import settings

PARAMS = load_params(PROJECT_DIR / "params.yaml")
PASSED = RetrainResult(3, True, None, "2", "v2 passed the gate")
GATE_FAILED = RetrainResult(3, False, "evaluate", None, "pipeline stopped: quality gate FAILED")
BATCH_REJECTED = RetrainResult(3, False, "validate", None, "pipeline stopped: batch rejected")


def drifted(window: str) -> MonitoringVerdict:
    """A window whose MonthlyCharges drifted, as the monitor writes it."""
    return MonitoringVerdict(
        window=window,
        checked_at=datetime.now(UTC),
        rows=1000,
        model_version="1",
        columns={
            "MonthlyCharges": ColumnDrift(
                score=0.3, method="wasserstein", threshold=0.1, drifted=True
            )
        },
        drifted_columns=("MonthlyCharges",),
        data_drift=True,
    )


def test_a_new_data_version_changes_two_values_and_keeps_everything_else(tmp_path):
    path = tmp_path / "params.yaml"
    original = (PROJECT_DIR / "params.yaml").read_text()
    path.write_text(original)
    set_data_version(path, 4, "price_increase")
    params = load_params(path)
    assert (params.ingest.month, params.ingest.scenario) == (4, "price_increase")
    assert params.model_dump(exclude={"ingest"}) == PARAMS.model_dump(exclude={"ingest"})
    changed = [
        (before, after)
        for before, after in zip(original.splitlines(), path.read_text().splitlines(), strict=True)
        if before != after
    ]
    assert [before.split(":")[0].strip() for before, _ in changed] == ["month", "scenario"]
    assert all("#" in after for _, after in changed), "the comments stay on their lines"
    assert "every_windows: null" in path.read_text()  # not left blank


def test_the_same_data_version_rewrites_the_file_byte_for_byte(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text((PROJECT_DIR / "params.yaml").read_text())
    set_data_version(path, PARAMS.ingest.month, PARAMS.ingest.scenario)
    assert path.read_text() == (PROJECT_DIR / "params.yaml").read_text()


def test_a_bad_data_version_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text((PROJECT_DIR / "params.yaml").read_text())
    with pytest.raises(ValueError, match="scenario"):
        set_data_version(path, 2, "no_such_scenario")
    assert path.read_text() == (PROJECT_DIR / "params.yaml").read_text()
    path.write_text("train: {C: 1.0}\n")
    with pytest.raises(ValueError, match="no ingest section"):
        set_data_version(path, 2)


def test_the_cooldown_counts_windows_across_runs(tmp_path):
    state = tmp_path / "retraining.json"
    policy = PARAMS.retrain.model_copy(update={"cooldown_windows": 1})
    assert judge_window(drifted("month-1"), policy, state).retrain  # never retrained: go
    record_retrain(state, "month-1", PASSED)
    held = judge_window(drifted("month-2"), policy, state)  # a later run reads the state
    assert not held.retrain and "retrained 1 window(s) ago" in held.reason
    again = judge_window(drifted("month-2"), policy, state)  # the same window, judged again
    assert not again.retrain and read_state(state).windows_since_retrain == 1
    assert judge_window(drifted("month-3"), policy, state).retrain
    memory = read_state(state)
    assert (memory.windows_since_retrain, memory.last_window) == (2, "month-3")
    assert memory.retrained_at is not None and memory.failed_gates_in_a_row == 0


def test_failed_gates_are_counted_in_a_row_and_a_pass_resets_them(tmp_path):
    state = tmp_path / "retraining.json"
    assert record_retrain(state, "m-1", GATE_FAILED).failed_gates_in_a_row == 1
    assert record_retrain(state, "m-2", GATE_FAILED).failed_gates_in_a_row == 2
    assert record_retrain(state, "m-3", BATCH_REJECTED).failed_gates_in_a_row == 2  # no model
    assert record_retrain(state, "m-4", PASSED).failed_gates_in_a_row == 0


def test_ten_windows_of_a_failing_gate_retrain_three_times_then_call_a_person(tmp_path):
    """Lesson 11's loop: the same low accuracy every window must not retrain forever."""
    state, policy = tmp_path / "retraining.json", PARAMS.retrain
    retrained, escalated = [], []
    for number in range(1, 11):
        window = drifted(f"month-{number}").model_copy(
            update={
                "data_drift": False,
                "drifted_columns": (),
                "performance_drop": True,
                "labelled_until": datetime.now(UTC),  # labels newer than any retrain so far
            }
        )
        trigger = judge_window(window, policy, state)
        if trigger.escalate:
            escalated.append(number)
        if trigger.retrain:
            retrained.append(number)
            record_retrain(state, window.window, GATE_FAILED)
    assert retrained == [1, 2, 3] and escalated == list(range(4, 11)), (retrained, escalated)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder holding params.yaml, and a private state folder."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copyfile(PROJECT_DIR / "params.yaml", folder / "params.yaml")
    monkeypatch.setenv("CHURN_STATE_DIR", str(tmp_path / "state"))
    settings.cache_clear()
    return folder


def _retrain(project, verdict_path, *extra: str) -> int:
    params = ["--params", str(project / "params.yaml")]
    return cli.main([*params, "retrain", "--month", "3", "--verdict", str(verdict_path), *extra])


def test_retrain_reads_the_policy_from_params(project, tmp_path, capsys):
    """--params says to ignore drift; the project's own params.yaml (not read) says act on it."""
    text = (
        (project / "params.yaml").read_text().replace("on_data_drift: true", "on_data_drift: false")
    )
    (project / "params.yaml").write_text(text)
    drifted("month-3").write(tmp_path / "verdict.json")
    assert _retrain(project, tmp_path / "verdict.json") == 0
    assert "policy on window month-3: no drift, no performance drop" in capsys.readouterr().out


def test_retrain_keeps_the_cooldown_between_runs(project, tmp_path, capsys):
    """A retrain after month-2 was recorded; month-3's drift waits, as the story's would."""
    state = retraining_state_file()
    assert state == tmp_path / "state" / "retraining.json"
    record_retrain(state, "month-2", PASSED)
    drifted("month-3").write(tmp_path / "verdict.json")
    assert _retrain(project, tmp_path / "verdict.json") == 0
    assert "cooling down: retrained 1 window(s) ago" in capsys.readouterr().out
    assert read_state(state).last_window == "month-3"


def test_retrain_stops_and_alerts_after_failed_gates(project, tmp_path, capsys):
    RetrainingState(windows_since_retrain=5, failed_gates_in_a_row=3).write(retraining_state_file())
    drifted("month-9").write(tmp_path / "verdict.json")
    assert _retrain(project, tmp_path / "verdict.json") == 1
    out = capsys.readouterr().out
    assert "3 retrains in a row failed the gate" in out and "ALERT retraining stopped" in out


def test_retrain_refuses_params_from_another_project(project, tmp_path, capsys):
    drifted("month-3").write(tmp_path / "verdict.json")
    code = _retrain(project, tmp_path / "verdict.json", "--project", str(tmp_path))
    assert code == 2
    assert "is not the params.yaml of --project" in capsys.readouterr().err


def test_a_verdict_that_is_not_one_is_a_clear_error(project, tmp_path, capsys):
    (tmp_path / "verdict.json").write_text('{"data_drift": "maybe"}')
    assert _retrain(project, tmp_path / "verdict.json") == 2
    err = capsys.readouterr().err
    assert "is not a valid MonitoringVerdict" in err and "data_drift" in err


def test_next_month_without_a_champion_is_month_0_and_apply_writes_it(state, tmp_path, capsys):
    """The nightly run's first step; with a champion it is its month + 1 (test_registry)."""
    params = tmp_path / "params.yaml"
    params.write_text((PROJECT_DIR / "params.yaml").read_text().replace("month: 0", "month: 5"))
    assert cli.main(["--params", str(params), "next-month"]) == 0
    assert capsys.readouterr().out.strip() == "0"
    assert cli.main(["--params", str(params), "next-month", "--apply"]) == 0
    assert load_params(params).ingest.month == 0
    assert "# which month of the data world arrives" in params.read_text()  # comments kept
