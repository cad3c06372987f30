"""The registry: register only gated models, promote only the better, roll back in one step."""

from __future__ import annotations

import pytest

from churn import registry
from churn.config import TrainParams
from churn.featurize import clean_total_charges, split
from churn.train import train_file

PARAMS = TrainParams(C=1.0, max_iter=500, class_weight="balanced")


@pytest.fixture
def logged(state, sample, tmp_path):
    """Return a function that logs a trained model and returns its gate verdict."""
    train, _ = split(clean_total_charges(sample), test_share=0.3, seed=1)
    train.to_csv(tmp_path / "train.csv", index=False)

    def log(accuracy: float, passed: bool = True) -> dict:
        run = train_file(
            tmp_path / "train.csv", tmp_path / "m.joblib", tmp_path / "run.json", PARAMS, tmp_path
        )
        reasons = [] if passed else [f"accuracy {accuracy} is below 0.85"]
        return {
            **run,
            "accuracy": accuracy,
            "recall": 0.8,
            "gate_passed": passed,
            "gate_reasons": reasons,
        }

    return log


def _scorer(scores: dict[str, float]):
    """Score a model URI 'models:/churn/N' by version (the held-out data is fixed here)."""
    return lambda uri: scores[uri.rsplit("/", 1)[1]]


def test_champion_challenger_promotion_and_rollback(logged):
    scores = {"1": 0.88, "2": 0.86, "3": 0.90}
    assert registry.register(logged(0.88)) == "1"
    first = registry.promote(_scorer(scores), margin=0.005)
    assert first.promoted and first.reason == "first champion"

    assert registry.register(logged(0.86)) == "2"
    kept = registry.promote(_scorer(scores), margin=0.005)
    assert not kept.promoted and "kept the champion" in kept.reason
    roles = registry.status()
    assert roles["champion"]["version"] == "1" and roles["challenger"]["version"] == "2"
    assert roles["challenger"]["challenger_score"] == "0.86"

    assert registry.register(logged(0.90)) == "3"
    promoted = registry.promote(_scorer(scores), margin=0.005)
    assert promoted.promoted and promoted.champion == "1"
    roles = registry.status()
    assert roles["champion"]["version"] == "3" and roles["champion"]["previous_champion"] == "1"
    assert roles["champion"]["champion_score"] == "0.88"
    assert roles["challenger"] is None

    assert registry.rollback("complaints from the retention team") == "1"
    assert registry.status()["champion"]["version"] == "1"
    events = [event["event"] for event in registry.history()]
    assert events == [
        "registered",
        "promoted",
        "registered",
        "kept champion",
        "registered",
        "promoted",
        "rollback",
    ]
    assert registry.history()[-1]["detail"].endswith("complaints from the retention team")


def test_registering_the_same_run_twice_gives_the_same_version(logged):
    verdict = logged(0.88)
    assert registry.register(verdict) == "1"
    assert registry.register(verdict) == "1"
    assert [e["event"] for e in registry.history()] == ["registered"]


def test_a_margin_is_required_not_just_a_tie(logged):
    registry.register(logged(0.88))
    registry.promote(_scorer({"1": 0.88}), margin=0.005)
    registry.register(logged(0.884))
    assert not registry.promote(_scorer({"1": 0.88, "2": 0.884}), margin=0.005).promoted
    assert registry.promote(_scorer({"1": 0.88, "2": 0.885}), margin=0.005).promoted


def test_bad_requests_are_refused_and_change_nothing(logged):
    with pytest.raises(registry.RegistryError, match="failed the gate: accuracy 0.7"):
        registry.register(logged(0.7, passed=False))
    with pytest.raises(registry.RegistryError, match="no challenger"):
        registry.promote(_scorer({}), margin=0.0)
    registry.register(logged(0.88))
    with pytest.raises(registry.RegistryError, match="no champion"):
        registry.rollback("why not")
    registry.promote(_scorer({"1": 0.88}), margin=0.0)
    with pytest.raises(registry.RegistryError, match="no previous champion"):
        registry.rollback("nothing to go back to")
    with pytest.raises(registry.RegistryError, match="no version 42"):
        registry.promote(_scorer({}), margin=0.0, version="42")
    assert registry.status()["champion"]["version"] == "1"
