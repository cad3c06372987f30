"""The DVC pipeline end to end, in a scratch copy: runs, skips, re-runs and stops as it should."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml
from churn.dvc_tools import copy_project, dvc
from churn.paths import PROJECT_DIR
from churn.validate import read_batch

SAMPLE = Path(__file__).parent / "data" / "sample_customers.csv"
STAGES = ["ingest", "validate", "featurize", "train", "evaluate"]
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
def project(tmp_path_factory) -> Path:
    copy = copy_project(PROJECT_DIR, tmp_path_factory.mktemp("pipeline") / "churn")
    _set_params(copy, "ingest", rows=2000)
    return copy


@pytest.fixture(scope="module")
def first_run(project):
    return _repro(project)


def test_a_fresh_pipeline_runs_every_stage(first_run, project):
    result, ran = first_run
    assert result.returncode == 0, result.stdout + result.stderr
    assert ran == STAGES
    assert all((project / name).exists() for name in GUARDED)


def test_nothing_changed_means_nothing_runs(first_run, project):
    result, ran = _repro(project)
    assert result.returncode == 0
    assert ran == []
    assert "Data and pipelines are up to date" in result.stdout


def test_a_training_parameter_reruns_only_train_and_evaluate(first_run, project):
    _set_params(project, "train", C=0.5)
    result, ran = _repro(project)
    assert result.returncode == 0, result.stderr
    assert ran == ["train", "evaluate"]


def _deliver(project: Path, table, tmp_path: Path) -> None:
    """Make the outside world deliver this table as the next batch."""
    batch = tmp_path / "delivered.csv"
    table.to_csv(batch, index=False)
    stages = yaml.safe_load((project / "dvc.yaml").read_text())
    stages["stages"]["ingest"]["cmd"] = f"cp {batch} data/raw/customers.csv"
    (project / "dvc.yaml").write_text(yaml.safe_dump(stages, sort_keys=False))


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
def test_a_bad_batch_stops_before_the_model(first_run, project, tmp_path, kind):
    before = _fingerprints(project)
    table, expected = _break(kind)
    _deliver(project, table, tmp_path)
    result, ran = _repro(project)
    assert result.returncode != 0
    assert ran == ["ingest", "validate"]
    assert expected in result.stderr + result.stdout, result.stderr
    assert _fingerprints(project) == before, "the last good model and metrics must not change"
