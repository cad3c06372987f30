"""Shadow scoring: the challenger scores the logged live traffic beside the champion, and the
promotion decision waits for enough labelled rows, then compares both on exactly those rows
with lesson 07's margin; a winner waits for a person's approval, recorded in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from churn import cli, registry
from churn.config import TrainParams, load_params
from churn.contracts import GateVerdict, Scores
from churn.featurize import clean_total_charges, split
from churn.paths import PROJECT_DIR
from churn.shadow import shadow_evidence, shadow_scores
from churn.train import train_file
from mlops_course import data


def _shadow(champion: list[float], challenger: list[float]) -> pd.DataFrame:
    ids = [f"c{n}" for n in range(len(champion))]
    return pd.DataFrame(
        {
            "customerID": ids,
            "champion_probability": champion,
            "challenger_probability": challenger,
        }
    )


def test_the_decision_waits_for_enough_labelled_rows():
    shadow = _shadow([0.9] * 10, [0.1] * 10)
    labels = pd.DataFrame({"customerID": ["c1", "c2", "x"], "Churn": ["No", "No", "No"]})
    waiting = shadow_evidence(shadow, labels, min_labelled=3, champion="1", challenger="2")
    assert not waiting.ready and waiting.labelled == 2 and waiting.champion_accuracy is None
    assert "2 of 10 shadow rows labelled, fewer than 3" in waiting.reason


def test_both_models_are_judged_on_exactly_the_labelled_rows_joined_by_id():
    shadow = _shadow([0.9, 0.9, 0.2, 0.7], [0.1, 0.8, 0.3, 0.6])
    # Labels arrive in their own order, for some customers only, and for others too.
    labels = pd.DataFrame(
        {"customerID": ["c3", "c0", "zz", "c1"], "Churn": ["Yes", "No", "Yes", "Yes"]}
    )
    found = shadow_evidence(shadow, labels, min_labelled=3, champion="1", challenger="2")
    assert found.ready and found.labelled == 3 and found.shadow_rows == 4
    # c0 stayed, c1 and c3 left: the champion is right on c1, c3; the challenger on all three.
    assert (found.champion_accuracy, found.challenger_accuracy) == (0.6667, 1.0)


def test_only_rows_the_champion_answered_are_shadowed():
    import numpy as np

    class Constant:
        def predict_proba(self, features):
            return np.tile([0.4, 0.6], (len(features), 1))

    month = clean_total_charges(data.generate(1, 6, 1)).drop(columns=["Churn"])
    logged = month.assign(
        churn_probability=0.2, model_version=["1", "1", "3", "1", "3", "1"], logged_at="t"
    )
    logged.loc[logged.index[0], "tenure"] = None  # a row no model can score
    shadow = shadow_scores(logged, Constant(), champion="1", challenger="2")
    assert list(shadow["customerID"]) == list(month["customerID"].iloc[[1, 3, 5]])
    assert set(shadow["challenger_probability"]) == {0.6}
    assert set(shadow["champion_probability"]) == {0.2}


@pytest.fixture
def two_versions(state, sample, tmp_path):
    """v1 champion, v2 challenger, both trained on the same split; the state folder and model."""
    import joblib

    train, _ = split(clean_total_charges(sample), test_share=0.3, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)
    scores = Scores(accuracy=0.9, recall=0.8, precision=0.7, test_rows=60)
    for _ in range(2):
        files = (tmp_path / "train.csv", tmp_path / "m.joblib", tmp_path / "run.json")
        run = train_file(*files, TrainParams(C=1.0, max_iter=500), tmp_path)
        thresholds = load_params(PROJECT_DIR / "params.yaml").evaluate
        registry.register(GateVerdict.judge(scores, [], thresholds, run))
        if registry.status()["champion"] is None:
            registry.promote(lambda uri: 0.9, margin=0.01)
    return state, joblib.load(tmp_path / "m.joblib")


def _log_traffic(state, rows: int, probability) -> pd.DataFrame:
    """Month 1's customers as the champion (v1) answered them, after v2 was registered.

    ``probability``: one number for every answer, or a model whose answers to log.
    """
    month = clean_total_charges(data.generate(1, rows, 5))
    features, labels = data.split_labels(month)
    if hasattr(probability, "predict_proba"):
        probability = probability.predict_proba(features.drop(columns=["customerID"]))[:, 1]
    logged_at = datetime.now(UTC) + timedelta(seconds=5)
    day = state / "predictions" / logged_at.strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    logged = features.assign(
        logged_at=logged_at.isoformat(),
        model_name="churn",
        model_version="1",
        churn_probability=probability,
    )
    (day / "traffic.jsonl").write_text(logged.to_json(orient="records", lines=True))
    return labels


def _params(tmp_path, min_labelled: int):
    """The project's params, with approval turned on and a smaller shadow minimum."""
    path = tmp_path / "params.yaml"
    text = (PROJECT_DIR / "params.yaml").read_text()
    text = text.replace("needs_approval: false", "needs_approval: true")
    path.write_text(
        text.replace("shadow_min_labelled: 1000", f"shadow_min_labelled: {min_labelled}")
    )
    return ["--params", str(path)]


def test_promote_on_shadow_waits_then_holds_the_winner_for_approval(two_versions, tmp_path, capsys):
    state, _ = two_versions
    # The champion answered "churns" for everyone: right only for the quarter who left.
    labels = _log_traffic(state, rows=300, probability=0.99)
    labels.head(100).to_csv(tmp_path / "early.csv", index=False)
    labels.to_csv(tmp_path / "labels.csv", index=False)

    assert (
        cli.main([*_params(tmp_path, 200), "promote", "--labels", str(tmp_path / "early.csv")]) == 0
    )
    assert "100 of 300 shadow rows labelled, fewer than 200: wait" in capsys.readouterr().out
    assert [event.event for event in registry.history()][-1] == "registered"  # nothing decided

    code = cli.main([*_params(tmp_path, 200), "promote", "--labels", str(tmp_path / "labels.csv")])
    out = capsys.readouterr().out
    assert code == 0 and "on the same 300 labelled live rows" in out, out
    assert "version 2: pending approval" in out and "churn approve --version 2" in out
    assert registry.status()["champion"].version == "1"  # nothing moved yet
    shadow = pd.read_csv(state / "shadow" / "v2.csv", dtype={"customerID": str})
    assert len(shadow) == 300 and set(shadow["champion_version"].astype(str)) == {"1"}
    event = registry.history()[-1]
    assert event.event == "awaiting approval" and event.evidence.startswith("300 labelled live")
    assert event.champion_score < 0.5 < event.challenger_score

    reason = "call lists of both models compared with the retention team"
    assert cli.main(["approve", "--version", "2", "--reason", reason]) == 0
    assert registry.status()["champion"].version == "2"
    assert registry.history()[-1].event == "approved" and registry.history()[-1].reason == reason
    # Decided once: the shadow has nothing left to judge.
    assert (
        cli.main([*_params(tmp_path, 200), "promote", "--labels", str(tmp_path / "labels.csv")])
        == 0
    )
    assert "no challenger waits for a shadow decision" in capsys.readouterr().out


def test_a_challenger_no_better_on_live_rows_is_kept(two_versions, tmp_path, capsys):
    """Both versions learned the same: a tie on the live rows keeps the champion."""
    state, model = two_versions
    labels = _log_traffic(state, rows=200, probability=model)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    evidence_args = ["promote", "--labels", str(tmp_path / "labels.csv")]
    assert cli.main([*_params(tmp_path, 200), *evidence_args]) == 0
    out = capsys.readouterr().out
    event = registry.history()[-1]
    assert event.challenger_score == event.champion_score, out  # the same model, same rows
    assert event.event == "not promoted" and "version 2: kept" in out
    assert registry.status()["champion"].version == "1"
