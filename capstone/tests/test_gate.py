"""Model tests: the quality gate passes good models and stops weak ones with reasons."""

from __future__ import annotations

import pytest

from churn import cli
from churn.config import EvaluateParams
from churn.contracts import GateVerdict, Scores
from churn.evaluate import gate
from churn.featurize import clean_total_charges, split

GATE = EvaluateParams(min_accuracy=0.85, min_recall=0.70)


@pytest.mark.parametrize(
    ("accuracy", "recall", "failing"),
    [
        (0.85, 0.70, []),
        (0.8499, 0.70, ["accuracy"]),
        (0.85, 0.6999, ["recall"]),
        (0.74, 0.0, ["accuracy", "recall"]),  # "nobody churns"
    ],
)
def test_gate_boundaries(accuracy, recall, failing):
    scores = Scores(accuracy=accuracy, recall=recall, precision=0.5, test_rows=100)
    reasons = gate(scores, GATE)
    assert len(reasons) == len(failing)
    for name, reason in zip(failing, reasons, strict=True):
        assert name in reason


def test_a_model_trained_on_shuffled_labels_fails_evaluate(sample, state, tmp_path, capsys):
    table = clean_total_charges(sample)
    train, test = split(table, test_share=0.3, seed=1)
    train = train.assign(Churn=train["Churn"].sample(frac=1, random_state=0).to_numpy())
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    files = {name: str(tmp_path / name) for name in ("model.joblib", "run.json", "metrics.json")}
    params = ["--params", str(tmp_path.parent / "params.yaml")]
    (tmp_path.parent / "params.yaml").write_text(
        "ingest: {month: 0, rows: 200, seed: 7, scenario: none}\n"
        "featurize: {test_share: 0.3, split_seed: 1}\n"
        "train: {C: 1.0, max_iter: 500, class_weight: balanced}\n"
        "evaluate: {min_accuracy: 0.85, min_recall: 0.70}\n"
        "registry: {model_name: churn, margin: 0.005}\n"
    )
    train_args = ["train", "--train", str(tmp_path / "train.csv"), "--model", files["model.joblib"]]
    assert cli.main([*params, *train_args, "--run", files["run.json"]]) == 0
    code = cli.main(
        [
            *params,
            "evaluate",
            "--model",
            files["model.joblib"],
            "--test",
            str(tmp_path / "test.csv"),
            "--run",
            files["run.json"],
            "--metrics",
            files["metrics.json"],
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "quality gate FAILED" in err and "below 0.85" in err
    verdict = GateVerdict.read(tmp_path / "metrics.json")
    assert verdict.gate_passed is False and verdict.gate_reasons
