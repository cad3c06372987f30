"""Tracking: a training run records params, data and code versions, the model and the verdict."""

from __future__ import annotations

import pytest

from churn.config import EvaluateParams, TrainParams
from churn.contracts import GateVerdict, RunRecord
from churn.evaluate import evaluate_file
from churn.featurize import clean_total_charges, split
from churn.tracking import file_md5, tracking_uri
from churn.train import train_file

TRAIN_PARAMS = TrainParams(C=1.0, max_iter=500, class_weight="balanced")


@pytest.fixture
def splits(sample, tmp_path):
    train, test = split(clean_total_charges(sample), test_share=0.3, seed=1)
    paths = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    return paths


@pytest.fixture
def trained(state, splits, tmp_path):
    run_path = tmp_path / "run.json"
    run = train_file(splits[0], tmp_path / "model.joblib", run_path, TRAIN_PARAMS, tmp_path)
    return run, run_path


def test_the_store_defaults_to_the_state_folder(state):
    assert tracking_uri() == f"sqlite:///{state / 'mlflow.db'}"


def test_a_training_run_records_params_tags_and_model(trained, splits):
    import mlflow

    run, run_path = trained
    assert RunRecord.read(run_path) == run
    recorded = mlflow.MlflowClient(run.tracking_uri).get_run(run.run_id)
    assert recorded.data.params["C"] == "1.0"
    assert recorded.data.params["class_weight"] == "balanced"
    assert recorded.data.tags["data_hash"] == file_md5(splits[0])
    assert recorded.data.tags["git_commit"] == "unknown"  # tmp_path is not a git repo
    model = mlflow.pyfunc.load_model(run.model_uri)
    assert model.metadata.signature is not None
    assert "tenure" in model.metadata.signature.inputs.input_names()


def test_evaluation_adds_metrics_and_the_verdict_to_the_run(trained, splits, tmp_path):
    import mlflow

    run, run_path = trained
    gate = EvaluateParams(min_accuracy=0.0, min_recall=0.0)
    verdict = evaluate_file(
        tmp_path / "model.joblib", splits[1], run_path, tmp_path / "m.json", gate
    )
    assert verdict.gate_passed and verdict.run_id == run.run_id
    assert GateVerdict.read(tmp_path / "m.json") == verdict
    recorded = mlflow.MlflowClient(run.tracking_uri).get_run(run.run_id)
    assert recorded.data.metrics["accuracy"] == pytest.approx(verdict.accuracy)
    assert recorded.data.tags["gate"] == "passed"
