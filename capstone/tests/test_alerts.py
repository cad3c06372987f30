"""The alert rules on the service's /metrics work (promtool) and agree with params.yaml.

Lesson 10's three alerts (a drifted column, an accuracy drop, a stale verdict), plus a
verdict that never appeared and a window with problems, each tested both ways by
``promtool test rules`` on made-up series.
"""

from __future__ import annotations

import re
import subprocess

import yaml

from churn.config import load_params
from churn.paths import PROJECT_DIR

RULES = PROJECT_DIR / "prometheus"
PARAMS = load_params(PROJECT_DIR / "params.yaml").monitor


def _rules() -> dict[str, str]:
    groups = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def test_the_rules_pass_their_own_unit_tests(require_tool):
    promtool = require_tool("promtool")
    for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        run = subprocess.run([promtool, *command], cwd=RULES, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_every_alert_is_tested_both_ways():
    tests = yaml.safe_load((RULES / "alerts_test.yml").read_text())["tests"]
    checks = [check for test in tests for check in test["alert_rule_test"]]
    for alert in _rules():
        seen = [bool(check["exp_alerts"]) for check in checks if check["alertname"] == alert]
        assert sorted(set(seen)) == [False, True], f"{alert}: fires and stays quiet? {seen}"


def test_the_thresholds_are_the_monitors():
    rules = _rules()
    assert PARAMS.numeric_threshold == PARAMS.categorical_threshold  # one rule serves both
    drift = re.fullmatch(r"churn_monitor_column_drift >= ([\d.]+)", rules["ChurnInputDrift"])
    assert drift and float(drift.group(1)) == PARAMS.numeric_threshold, rules["ChurnInputDrift"]
    drop = re.search(r"> ([\d.]+)$", rules["ChurnAccuracyDrop"])
    assert drop and float(drop.group(1)) == PARAMS.max_accuracy_drop, rules["ChurnAccuracyDrop"]
    assert "churn_monitor_last_run_timestamp_seconds" in rules["ChurnMonitorStale"]


def test_the_rules_ask_for_metrics_the_service_exposes(tmp_path):
    """Every metric a rule names is in the service's scrape once a verdict exists."""
    from datetime import UTC, datetime

    from prometheus_client import CollectorRegistry, generate_latest

    from churn.contracts import ColumnDrift, MonitoringVerdict
    from churn.serve.metrics import MonitoringCollector

    drift = ColumnDrift(score=0.2, method="wasserstein", threshold=0.1, drifted=True)
    MonitoringVerdict(
        window="month-3",
        checked_at=datetime.now(UTC),
        rows=1000,
        model_version="1",
        columns={"MonthlyCharges": drift},
        drifted_columns=("MonthlyCharges",),
        data_drift=True,
        accuracy=0.86,
        baseline_accuracy=0.9,
    ).write(tmp_path / "latest.json")
    registry = CollectorRegistry()
    registry.register(MonitoringCollector(tmp_path / "latest.json"))
    scraped = set(re.findall(r"^(churn_monitor_\w+)", generate_latest(registry).decode(), re.M))
    asked = {name for expr in _rules().values() for name in re.findall(r"churn_monitor_\w+", expr)}
    assert asked <= scraped, sorted(asked - scraped)
