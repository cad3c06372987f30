"""Model tests: the quality gate passes good models and stops weak ones with reasons,
overall and on each contract type (lesson 05's slices)."""

from __future__ import annotations

import pytest

from churn import cli
from churn.config import EvaluateParams
from churn.contracts import GateVerdict, Scores, SliceScores
from churn.evaluate import gate, slice_scores
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


GOOD = Scores(accuracy=0.9, recall=0.9, precision=0.8, test_rows=1000)


def _slice(rows: int, churners: int, accuracy: float, recall: float | None) -> SliceScores:
    return SliceScores(rows=rows, churners=churners, accuracy=accuracy, recall=recall)


@pytest.mark.parametrize(
    ("found", "failing"),
    [
        # 200 customers, 10 churners: doing nothing scores 0.95, so the bar is 0.90.
        (_slice(200, 10, 0.90, 0.5), None),  # exactly at the bar: passes
        (_slice(200, 10, 0.8999, 0.5), "accuracy 0.8999 is below 0.9000"),
        # 19 churners: recall is luck, reported but not gated; 20: gated.
        (_slice(400, 19, 0.95, 0.1), None),
        (_slice(400, 20, 0.95, 0.6999), "churn recall 0.6999 is below 0.7 (20 churners)"),
        (_slice(400, 20, 0.95, 0.70), None),
        (_slice(50, 0, 1.0, None), None),  # no churner to catch
    ],
)
def test_the_slice_rules_and_their_boundaries(found, failing):
    reasons = gate(GOOD, GATE, {"One year": found})
    if failing is None:
        assert reasons == []
    else:
        assert len(reasons) == 1 and reasons[0].startswith(f"Contract One year: {failing}")


def test_an_average_that_hides_a_failed_slice_is_stopped(sample):
    """Lesson 05's scenario: fine on average, useless for one contract type."""
    test = clean_total_charges(sample)
    truth = (test["Churn"] == "Yes").astype(int)
    # Every second two-year customer "churns" (none really does); everyone else is right.
    flagged = (test["Contract"] == "Two year") & (test.reset_index().index % 2 == 0)
    answers = truth.where(~flagged.to_numpy(), 1)
    slices = slice_scores(test, answers, "Contract")
    assert slices["Month-to-month"].accuracy == 1.0 and slices["Two year"].accuracy < 0.7
    overall = Scores(
        accuracy=float((answers == truth).mean()), recall=1.0, precision=0.5, test_rows=len(test)
    )
    reasons = gate(overall, GATE, slices)
    assert overall.accuracy >= GATE.min_accuracy, "the average alone would pass"
    assert [reason.split(":")[0] for reason in reasons] == ["Contract Two year"]


def test_slices_need_a_column_the_test_set_has(sample):
    with pytest.raises(ValueError, match="cannot slice by 'Plan'"):
        slice_scores(clean_total_charges(sample), [0] * len(sample), "Plan")


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
