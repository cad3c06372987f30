"""The DVC pipeline end to end, in a scratch copy: runs, skips, re-runs and stops as it should."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from churn import cli, registry
from churn.contracts import GateVerdict
from churn.dvc_tools import copy_project, dvc
from churn.paths import PROJECT_DIR
from churn.retrain import failed_stage, why_stopped
from churn.validate import read_batch

SAMPLE = Path(__file__).parent / "data" / "sample_customers.csv"
STAGES = ["ingest", "validate", "featurize", "train", "evaluate", "register"]
GUARDED = ["models/model.joblib", "reports/metrics.json"]


def _repro(project: Path):
    result = dvc(["repro"], project, check=False)
    ran = re.findall(r"Running stage '(\w+)'", result.stdout)
    return result, ran


def _fingerprints(project: Path) -> dict[str, str]:
    return {name: hashlib.md5((project / name).read_bytes()).hexdigest() for name in GUARDED}


def _set_params(project: Path, section: str, **values) -> None:
    path = project / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params[section].update(values)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def project(tmp_path_factory, empty_store):
    """A scratch copy of the pipeline with its own DVC storage and MLflow store."""
    root = tmp_path_factory.mktemp("pipeline")
    (root / "state").mkdir()
    shutil.copyfile(empty_store, root / "state" / "mlflow.db")
    copy = copy_project(PROJECT_DIR, root / "churn")
    _set_params(copy, "ingest", rows=2000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHURN_STATE_DIR", str(root / "state"))
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield copy


@pytest.fixture(scope="module")
def first_run(project):
    return _repro(project)


def test_a_fresh_pipeline_runs_every_stage(first_run, project):
    result, ran = first_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert ran == STAGES
    assert all((project / name).exists() for name in GUARDED)
    verdict = GateVerdict.read(project / "reports" / "metrics.json")
    assert sorted(verdict.slices) == ["Month-to-month", "One year", "Two year"]  # lesson 05
    assert sum(found.rows for found in verdict.slices.values()) == verdict.test_rows
    version = registry.describe("1")  # the training month, for the nightly run's next month
    assert (version.record.data_month, version.record.data_scenario) == (0, "none")


def test_nothing_changed_means_nothing_runs(first_run, project):
    result, ran = _repro(project)
    assert result.returncode == 0
    assert ran == []
    assert "Data and pipelines are up to date" in result.stdout


@pytest.fixture(scope="module")
def weakened_run(first_run, project):
    """Change one training parameter: C=0.0001, a typo for 1.0 that leaves the model weak."""
    _set_params(project, "train", C=0.0001)
    return _repro(project)


def test_a_training_parameter_reruns_only_train_and_evaluate(weakened_run):
    _, ran = weakened_run
    assert ran == ["train", "evaluate"]


def test_an_over_regularised_model_is_stopped_by_the_gate(weakened_run, project):
    result, ran = weakened_run
    assert result.returncode != 0
    assert "register" not in ran, "a model that failed the gate must never be registered"
    assert re.search(r"quality gate FAILED: accuracy 0\.\d+ is below 0\.85", result.stderr)
    assert failed_stage(result.stderr) == "evaluate"  # counted as a failed gate by retraining
    said = why_stopped(result.stderr + result.stdout)  # what `churn retrain` reports
    assert said.startswith("quality gate FAILED: accuracy 0.") and "below 0.85" in said, said
    verdict = GateVerdict.read(project / "reports" / "metrics.json")
    assert verdict.gate_passed is False


def _break(kind: str):
    table = read_batch(SAMPLE)
    if kind == "missing column":
        return table.drop(columns=["Contract"]), "Contract: the column is missing"
    if kind == "renamed column":
        return table.rename(columns={"tenure": "tenure_months"}), "tenure_months: a column"
    if kind == "wrong type":
        table["MonthlyCharges"] = table["MonthlyCharges"].astype(str) + " EUR"
        return table, "MonthlyCharges: wrong type"
    if kind == "out-of-range value":
        table.loc[table.index[0], "tenure"] = 240
        return table, "tenure: out of range"
    table.loc[table.index[:3], "InternetService"] = "Satellite"
    return table, "InternetService: unseen category"


@pytest.mark.parametrize(
    "kind",
    ["missing column", "renamed column", "wrong type", "out-of-range value", "unseen category"],
)
def test_the_validate_stage_rejects_and_names_each_bad_batch(
    first_run, project, tmp_path, capsys, kind
):
    """The validate stage's own command, on each kind of bad batch, in the pipeline's folder."""
    before = _fingerprints(project)
    table, expected = _break(kind)
    table.to_csv(tmp_path / "delivered.csv", index=False)
    code = cli.main(
        [
            "--params",
            str(project / "params.yaml"),
            "validate",
            "--input",
            str(tmp_path / "delivered.csv"),
            "--output",
            str(tmp_path / "accepted.csv"),
            "--report",
            str(tmp_path / "validation.json"),
        ]
    )
    assert code == 1
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "accepted.csv").exists()
    assert _fingerprints(project) == before


def test_a_broken_month_stops_the_pipeline_before_the_model(first_run, project):
    """The real ingest delivers a schema_break month: DVC stops at validate."""
    before = _fingerprints(project)
    _set_params(project, "ingest", month=2, scenario="schema_break")
    result, ran = _repro(project)
    assert result.returncode != 0
    assert ran == ["ingest", "validate"]
    assert failed_stage(result.stderr) == "validate"  # not a failed gate
    assert "MonthlyCharges: the column is missing" in result.stderr
    assert "PaymentMethod: unseen category" in result.stderr
    assert _fingerprints(project) == before, "the last good model and metrics must not change"
