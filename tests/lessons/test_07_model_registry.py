"""Grading tests for lesson 07: promoting by alias, rolling back, reading the audit log.

Every test works on a real MLflow store, a pre-migrated SQLite file copied into
a temporary folder (``fresh_store``), and builds its own registered model there
with this file's code, so each exercise is graded on its own.

Lesson 07 builds on lesson 04. The real models come from lesson 04's
*reference* ``train_and_log`` and ``evaluate`` (loaded from solutions/, never
from the learner's lesson 04), trained and logged once per module. Where a test
needs exact scores (the margin's boundary), the score function is a stand-in
that answers planned numbers per version; the numbers are sums of powers of
two, so no rounding blurs the boundary.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

import pytest

from mlops_course import data
from mlops_course.grading.plugin import expect_error
from mlops_course.mlflow_store import fresh_store

ROWS = 1200  # small: the tests are about the registry, not about a good model
# Three runs of lesson 04: a decent model, a clearly better one, one barely different from it.
PLANS = {
    "decent": {"C": 0.1, "class_weight": "balanced"},
    "better": {"C": 1.0},
    "close": {"C": 0.1},
}
MARGIN = 0.01
EVENT = re.compile(r"^event\.(\d+)$")
COLUMNS = [
    "at",
    "by",
    "event",
    "version",
    "reason",
    "challenger_score",
    "champion_score",
    "run_id",
    "data_hash",
]
RUN_IDS = ("a" * 32, "b" * 32, "c" * 32, "d" * 32)
HASHES = ("11" * 16, "22" * 16, "33" * 16, "44" * 16)


@pytest.fixture(scope="module")
def registry(exercise):
    return exercise("07", "registry")


@pytest.fixture
def store(mlflow, tmp_path):
    """An empty store of this test's own: (tracking URI, client)."""
    uri = fresh_store(tmp_path / "store")
    return uri, mlflow.MlflowClient(uri)


def make_model(client, name: str, versions: list[dict], **aliases) -> None:
    """A registered model with one version per tag dict (1, 2, ...) and the given aliases.

    The versions point at placeholder files: nothing here loads them.
    """
    client.create_registered_model(name)
    for number, tags in enumerate(versions, start=1):
        client.create_model_version(name, source=f"file:///placeholder/{name}/{number}", tags=tags)
    for alias, version in aliases.items():
        client.set_registered_model_alias(name, alias, str(version))


def version_tags(number: int, gate: str | None = "passed", **extra) -> dict:
    """The tags registration gives a version: gate, run and data (fake ids), plus ``extra``."""
    tags = {"run_id": RUN_IDS[number - 1], "data_hash": HASHES[number - 1], **extra}
    if gate is not None:
        tags["gate"] = gate
    return tags


def aliases_of(client, name: str) -> dict[str, str]:
    """Aliases as {alias: version text}, read by this file."""
    return {alias: str(v) for alias, v in client.get_registered_model(name).aliases.items()}


def events_of(client, name: str) -> list[dict]:
    """The audit events (event.NNNN tags), oldest first, read by this file."""
    tags = client.get_registered_model(name).tags
    numbered = sorted((int(m.group(1)), v) for k, v in tags.items() if (m := EVENT.match(k)))
    return [json.loads(value) for _, value in numbered]


def count_versions(client, name: str) -> int:
    return len(client.search_model_versions(f"name = '{name}'"))


class PlannedScores:
    """A stand-in score function: a planned score per version; remembers every call."""

    def __init__(self, client, name: str, scores: dict[int, float]):
        self.client = client
        self.name = name
        self.scores = {str(version): value for version, value in scores.items()}
        self.calls: list[tuple[str, object]] = []  # (version, table)

    def __call__(self, model_uri, table):
        version = self.resolve(str(model_uri))
        self.calls.append((version, table))
        return self.scores[version]

    def resolve(self, model_uri: str) -> str:
        prefix = f"models:/{self.name}"
        if model_uri.startswith(prefix + "/"):
            version = model_uri[len(prefix) + 1 :]
        elif model_uri.startswith(prefix + "@"):
            alias = model_uri[len(prefix) + 1 :]
            version = str(self.client.get_model_version_by_alias(self.name, alias).version)
        else:
            version = None
        if version not in self.scores:
            pytest.fail(
                f"expected score() to be called with models:/{self.name}/<version> "
                f"(a version with a planned score: {sorted(self.scores)}), saw {model_uri!r}",
                pytrace=False,
            )
        return version

    @property
    def versions(self) -> list[str]:
        return [version for version, _ in self.calls]


def promote(registry, uri, name, version, held_out, score, margin=MARGIN):
    """Call the learner's promote_if_better with keyword arguments."""
    return registry.promote_if_better(
        tracking_uri=uri, name=name, version=version, held_out=held_out, score=score, margin=margin
    )


HELD_OUT = object()  # stand-in scores ignore the table; this proves which one was passed


def is_recent_time(text) -> bool:
    """True for an ISO 8601 timestamp with a time zone, e.g. 2026-11-03T09:14:02+00:00."""
    try:
        return datetime.fromisoformat(str(text)).tzinfo is not None
    except ValueError:
        return False


# --- promote_if_better -----------------------------------------------------------------------


@pytest.mark.points(
    0,
    exercise="promote_if_better",
    hint="Keep the signature the docstring gives, parameters and defaults included.",
)
def test_promote_if_better_signature(registry):
    parameters = inspect.signature(registry.promote_if_better).parameters
    expected = ["tracking_uri", "name", "version", "held_out", "score", "margin", "needs_approval"]
    assert list(parameters) == expected, (
        f"expected promote_if_better({', '.join(expected)}), saw {list(parameters)}"
    )
    default = parameters["margin"].default
    assert default == registry.MARGIN == MARGIN, (
        f"expected margin to default to MARGIN = {MARGIN}, saw {default!r} (MARGIN = {registry.MARGIN!r})"
    )
    waits = parameters["needs_approval"].default
    assert waits is False, f"expected needs_approval to default to False, saw {waits!r}"
    moves = list(inspect.signature(registry.move_champion).parameters)
    assert moves == ["client", "name", "version"], (
        f"expected move_champion(client, name, version), saw move_champion{moves}"
    )


@pytest.mark.points(
    2,
    exercise="promote_if_better",
    hint="No champion yet: the version that passed the gate becomes the first champion.",
)
def test_the_first_version_becomes_champion(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1)], challenger=1)
    scores = PlannedScores(client, "churn", {1: 0.75})
    result = promote(registry, uri, "churn", "1", HELD_OUT, scores)
    seen = aliases_of(client, "churn")
    assert result is True, f"expected True for the first champion, saw {result!r}"
    assert seen == {"champion": "1"}, (
        "expected version 1 to be champion and to lose the challenger alias, "
        f"saw the aliases {seen}"
    )


@dataclass
class Trained:
    """Three real runs of lesson 04 in one store, and what they score on held-out rows."""

    uri: str
    client: object
    runs: dict  # plan -> run id
    models: dict  # plan -> logged model (its model_uri and model_id)
    held_out: object
    scores: dict  # plan -> accuracy on held_out, computed here


@pytest.fixture(scope="module")
def lesson04(reference):
    """Lesson 04's reference solution: this lesson's tests supply it, not the learner."""
    return reference("04", "tracking")


@pytest.fixture(scope="module")
def trained(mlflow, lesson04, tmp_path_factory):
    """Lesson 04's reference train_and_log, three times; then each model scored on month 1."""
    from sklearn.model_selection import train_test_split

    folder = tmp_path_factory.mktemp("trained")
    uri = fresh_store(folder)
    table = data.generate(month=0, rows=ROWS, seed=7)
    train, test = train_test_split(table, test_size=0.25, random_state=0, stratify=table["Churn"])
    held_out = data.generate(month=1, rows=ROWS // 2, seed=7)
    client = mlflow.MlflowClient(uri)
    runs, models, scores = {}, {}, {}
    for number, (plan, params) in enumerate(PLANS.items()):
        run_id = lesson04.train_and_log(
            train,
            test,
            dict(params),
            uri,
            "churn",
            (folder / "artifacts").as_uri(),
            f"{number + 1:x}" * 40,
            HASHES[number],
        )
        run = client.get_run(run_id)
        [model] = client.search_logged_models(
            experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
        )
        mlflow.set_tracking_uri(uri)
        scores[plan] = lesson04.evaluate(mlflow.sklearn.load_model(model.model_uri), held_out)[
            "accuracy"
        ]
        runs[plan], models[plan] = run_id, model
    # The story the test tells must hold for these data, or the test itself is wrong.
    assert scores["better"] > scores["decent"] + MARGIN, scores
    assert scores["close"] <= scores["better"] + MARGIN, scores
    return Trained(uri, client, runs, models, held_out, scores)


def register(trained: Trained, name: str, plan: str) -> str:
    """Register a trained model as the next version and make it the challenger (this file's code)."""
    client = trained.client
    if not client.search_registered_models(f"name = '{name}'"):
        client.create_registered_model(name)
    model = trained.models[plan]
    number = len(client.search_model_versions(f"name = '{name}'"))
    tags = {"gate": "passed", "run_id": trained.runs[plan], "data_hash": HASHES[number]}
    version = client.create_model_version(
        name,
        source=model.model_uri,
        run_id=trained.runs[plan],
        model_id=model.model_id,
        tags=tags,
    ).version
    client.set_registered_model_alias(name, "challenger", str(version))
    return str(version)


@pytest.mark.points(
    3,
    exercise="promote_if_better",
    hint="Score both models now, with the score function you are given, on the held-out rows; the challenger must win by more than the margin.",
    more='challenger_score = score(f"models:/{name}/{version}", held_out); the same for the champion\'s version; promote only if challenger_score > champion_score + margin.',
)
def test_real_models_a_better_one_wins_a_close_one_stays_challenger(
    registry, trained, lesson04, mlflow
):
    scored = []

    def accuracy(model_uri, table):
        mlflow.set_tracking_uri(trained.uri)
        scored.append(str(model_uri))
        return lesson04.evaluate(mlflow.sklearn.load_model(model_uri), table)["accuracy"]

    client, name, s = trained.client, "churn-real", trained.scores
    steps = (
        ("decent", True, {"champion": "1"}, "no champion yet"),
        ("better", True, {"champion": "2"}, f"{s['better']:.4f} beats {s['decent']:.4f} + margin"),
        (
            "close",
            False,
            {"champion": "2", "challenger": "3"},
            f"{s['close']:.4f} does not beat {s['better']:.4f} + margin",
        ),
    )
    for plan, promoted, expected, why in steps:
        version = register(trained, name, plan)
        result = promote(registry, trained.uri, name, version, trained.held_out, accuracy)
        seen = aliases_of(client, name)
        assert result is promoted and seen == expected, (
            f"expected version {version} ({plan}) {'' if promoted else 'not '}to be promoted "
            f"({why}): return {promoted} and aliases {expected}; saw {result!r} and {seen}"
        )
    previous = client.get_model_version(name, "2").tags.get("previous_champion")
    assert previous == "1", (
        f"expected version 2 to carry the tag previous_champion='1' (the champion it replaced), "
        f"saw {previous!r}"
    )


@pytest.mark.points(
    2,
    exercise="promote_if_better",
    hint="The rule is strictly more than the margin: a gain of exactly the margin, or a tie with a margin of 0, keeps the champion.",
    more="challenger_score > champion_score + margin (not >=).",
)
def test_the_margin_boundary(registry, store):
    uri, client = store
    cases = (
        ("a tie with margin 0", 0.75, 0.0, False),
        ("exactly the margin: 0.875 vs 0.75 + 0.125", 0.875, 0.125, False),
        ("within the margin: 0.78125 vs 0.75 + 0.0625", 0.78125, 0.0625, False),
        ("more than the margin: 0.875 vs 0.75 + 0.0625", 0.875, 0.0625, True),
    )
    for number, (case, challenger, margin, promoted) in enumerate(cases):
        name = f"margin-{number}"
        make_model(client, name, [version_tags(1), version_tags(2)], champion=1, challenger=2)
        scores = PlannedScores(client, name, {1: 0.75, 2: challenger})
        result = promote(registry, uri, name, "2", HELD_OUT, scores, margin=margin)
        champion = aliases_of(client, name).get("champion")
        expected = "2" if promoted else "1"
        assert result is promoted and champion == expected, (
            f"expected {case}: {'promoted' if promoted else 'not promoted'} (return {promoted}, "
            f"champion version {expected}), saw return {result!r} and champion {champion!r}"
        )


@pytest.mark.points(
    2,
    exercise="promote_if_better",
    hint="Re-score the champion on the same held-out table: the accuracy it logged came from other test rows.",
)
def test_both_are_scored_on_the_same_held_out_rows(registry, store):
    uri, client = store
    # Logged at training time, on each run's own test rows: the champion looked great then.
    make_model(
        client,
        "churn",
        [version_tags(1, accuracy="0.95"), version_tags(2, accuracy="0.85")],
        champion=1,
        challenger=2,
    )
    scores = PlannedScores(client, "churn", {1: 0.75, 2: 0.875})
    held_out = data.generate(month=2, rows=5, seed=3)
    result = promote(registry, uri, "churn", "2", held_out, scores)
    assert sorted(set(scores.versions)) == ["1", "2"], (
        "expected score() to be called for the challenger (version 2) and the champion "
        f"(version 1), saw it called for versions {scores.versions} (the logged accuracy "
        "tags 0.85 vs 0.95 come from different test rows)"
    )
    others = [version for version, table in scores.calls if table is not held_out]
    assert not others, (
        f"expected every score() call to get the held_out table, saw other tables for {others}"
    )
    assert result is True and aliases_of(client, "churn").get("champion") == "2", (
        "expected version 2 promoted: on the same held-out rows it scores 0.875 against the "
        f"champion's 0.75; saw return {result!r} and aliases {aliases_of(client, 'churn')}"
    )


@pytest.mark.points(
    2,
    exercise="promote_if_better",
    hint="Every decision goes in the log, promoted or not, with both scores (None for one not taken).",
    more='record_event(client, name, "promoted" or "not promoted", version, reason, challenger_score=..., champion_score=...).',
)
def test_every_decision_is_recorded_with_both_scores(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1), version_tags(2), version_tags(3)], champion=1)
    scores = PlannedScores(client, "churn", {1: 0.75, 2: 0.875, 3: 0.8125})
    promote(registry, uri, "churn", "2", HELD_OUT, scores)
    promote(registry, uri, "churn", "3", HELD_OUT, scores)
    events = events_of(client, "churn")
    seen = [
        {key: event.get(key) for key in ("event", "version", "challenger_score", "champion_score")}
        for event in events
    ]
    expected = [
        {"event": "promoted", "version": "2", "challenger_score": 0.875, "champion_score": 0.75},
        {
            "event": "not promoted",
            "version": "3",
            "challenger_score": 0.8125,
            "champion_score": 0.875,
        },
    ]
    assert seen == expected, (
        f"expected two events in the audit log, {expected}, saw {seen} "
        "(moving an alias without recording why leaves no trail)"
    )
    for event in events:
        assert event.get("reason") and event.get("by") and is_recent_time(event.get("at")), (
            f"expected each event to say why, who and when (use record_event), saw {event}"
        )


@pytest.mark.points(
    1,
    exercise="promote_if_better",
    hint="Read the version's gate verdict first: anything but a pass is not promoted, not even scored.",
)
def test_a_version_that_failed_the_gate_is_never_promoted(registry, store):
    uri, client = store
    # No champion yet: the tempting 'first champion' case.
    make_model(client, "first", [version_tags(1, gate="failed")])
    scores = PlannedScores(client, "first", {1: 0.99})
    result = promote(registry, uri, "first", "1", HELD_OUT, scores)
    seen = aliases_of(client, "first")
    assert result is False and seen == {}, (
        "expected a version whose gate tag says 'failed' not to become the first champion, "
        f"saw return {result!r} and aliases {seen}"
    )
    # A champion exists; the challenger scores higher but never passed the gate.
    for gate in ("failed", None):
        name = f"gate-{gate}"
        make_model(client, name, [version_tags(1), version_tags(2, gate=gate)], champion=1)
        scores = PlannedScores(client, name, {1: 0.5, 2: 0.99})
        result = promote(registry, uri, name, "2", HELD_OUT, scores)
        seen = aliases_of(client, name)
        what = "no gate tag" if gate is None else "gate 'failed'"
        assert result is False and seen == {"champion": "1"}, (
            f"expected version 2 with {what} not promoted, saw return {result!r} and aliases {seen}"
        )
        assert not scores.calls, f"expected no scoring for {what}, saw score() called"
        last = (events_of(client, name) or [{}])[-1]
        assert last.get("event") == "not promoted" and last.get("version") == "2", (
            f"expected a 'not promoted' event for version 2 ({what}), saw {last or 'no event'}"
        )


@pytest.mark.points(
    1,
    exercise="promote_if_better",
    hint="A missing version (the library raises its own error) or a negative margin: a ValueError, before anything changes.",
)
def test_refuses_a_missing_version_and_a_negative_margin(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1), version_tags(2)], champion=1, challenger=2)
    scores = PlannedScores(client, "churn", {1: 0.5, 2: 0.99})
    cases = (
        ("churn", "7", MARGIN, "for version 7 of a model with two versions"),
        ("no-such-model", "1", MARGIN, "for a registered model that does not exist"),
        ("churn", "2", -0.01, "for a negative margin"),
    )
    for name, version, margin, situation in cases:
        expect_error(
            ValueError,
            lambda n=name, v=version, m=margin: promote(
                registry, uri, n, v, HELD_OUT, scores, margin=m
            ),
            situation,
        )
    seen = aliases_of(client, "churn")
    assert seen == {"champion": "1", "challenger": "2"}, (
        f"expected the aliases unchanged after refused requests, saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="promote_if_better",
    hint="The first champion replaced nothing: it gets no tag naming a previous champion, not even the text None.",
    more="In move_champion, set the previous_champion tag only when there was a champion.",
)
def test_the_first_champion_names_no_previous_champion(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1)], challenger=1)
    scores = PlannedScores(client, "churn", {1: 0.75})
    promote(registry, uri, "churn", "1", HELD_OUT, scores)
    tags = client.get_model_version("churn", "1").tags
    assert "previous_champion" not in tags, (
        f"expected the first champion to carry no previous_champion tag, saw "
        f"previous_champion={tags['previous_champion']!r}: a later rollback would then ask the "
        f"registry for version {tags['previous_champion']!r} and fail with MLflow's error instead "
        f"of saying there is nothing to roll back to"
    )


@pytest.mark.points(
    1,
    exercise="promote_if_better",
    hint="The challenger alias leaves only the version that takes over; if it names a newer version, that one still waits.",
)
def test_a_challenger_alias_on_another_version_stays(registry, store):
    uri, client = store
    # Version 3 is the newest challenger; version 2, registered earlier, is judged now.
    make_model(
        client,
        "churn",
        [version_tags(1), version_tags(2), version_tags(3)],
        champion=1,
        challenger=3,
    )
    scores = PlannedScores(client, "churn", {1: 0.75, 2: 0.875})
    result = promote(registry, uri, "churn", "2", HELD_OUT, scores)
    seen = aliases_of(client, "churn")
    assert result is True and seen == {"champion": "2", "challenger": "3"}, (
        f"expected version 2 promoted and the challenger alias left on version 3, saw return "
        f"{result!r} and aliases {seen}: deleting the challenger alias when it names another "
        f"version loses that version's place in the queue"
    )


def pending_tags(client, name: str, version: str) -> dict:
    return {
        key: value
        for key, value in client.get_model_version(name, version).tags.items()
        if key in ("approval", "compared_with", "previous_champion")
    }


@pytest.mark.points(
    2,
    exercise="promote_if_better",
    hint="With approval required, a winner moves no alias: it is marked as waiting, with the champion it beat, and the log says so.",
    more='Tags approval="pending" and compared_with=<champion version>; event "awaiting approval" with both scores; return False.',
)
def test_a_winner_that_needs_approval_waits(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1), version_tags(2)], champion=1, challenger=2)
    scores = PlannedScores(client, "churn", {1: 0.75, 2: 0.875})
    result = registry.promote_if_better(
        tracking_uri=uri,
        name="churn",
        version="2",
        held_out=HELD_OUT,
        score=scores,
        margin=MARGIN,
        needs_approval=True,
    )
    seen = aliases_of(client, "churn")
    assert result is False and seen == {"champion": "1", "challenger": "2"}, (
        f"expected no alias to move before a person approves (return False, aliases "
        f"{{'champion': '1', 'challenger': '2'}}), saw return {result!r} and aliases {seen}"
    )
    tags = pending_tags(client, "churn", "2")
    assert tags == {"approval": "pending", "compared_with": "1"}, (
        f"expected version 2 tagged approval='pending' and compared_with='1' (the champion it "
        f"beat), saw {tags}"
    )
    last = (events_of(client, "churn") or [{}])[-1]
    seen_event = {
        key: last.get(key) for key in ("event", "version", "challenger_score", "champion_score")
    }
    expected = {
        "event": "awaiting approval",
        "version": "2",
        "challenger_score": 0.875,
        "champion_score": 0.75,
    }
    assert seen_event == expected, f"expected the event {expected}, saw {seen_event}"


@pytest.mark.points(
    1,
    exercise="promote_if_better",
    hint="Only a winner waits for approval; a first champion waits too, compared with no one.",
)
def test_approval_boundaries_a_loser_never_waits_a_first_champion_does(registry, store):
    uri, client = store
    make_model(client, "lost", [version_tags(1), version_tags(2)], champion=1, challenger=2)
    scores = PlannedScores(client, "lost", {1: 0.75, 2: 0.75})
    promote_waiting = registry.promote_if_better
    result = promote_waiting(uri, "lost", "2", HELD_OUT, scores, MARGIN, True)
    tags = pending_tags(client, "lost", "2")
    last = (events_of(client, "lost") or [{}])[-1].get("event")
    assert result is False and tags == {} and last == "not promoted", (
        f"expected a version that does not beat the champion to be 'not promoted', with no "
        f"approval tag, saw return {result!r}, tags {tags} and the event {last!r}"
    )
    make_model(client, "first", [version_tags(1)], challenger=1)
    scores = PlannedScores(client, "first", {1: 0.75})
    result = promote_waiting(uri, "first", "1", HELD_OUT, scores, MARGIN, True)
    tags = pending_tags(client, "first", "1")
    assert result is False and tags == {"approval": "pending"}, (
        f"expected the first champion to wait too, tagged approval='pending' and no "
        f"compared_with (there was no champion, not even one called 'None'), saw return "
        f"{result!r} and tags {tags}"
    )
    assert aliases_of(client, "first") == {"challenger": "1"}, (
        f"expected no champion before approval, saw {aliases_of(client, 'first')}"
    )


# --- approve ---------------------------------------------------------------------------------

LONG_REASON = " ".join(
    f"Call {n}: the retention team checked customer {n:03d} on the new list and agreed."
    for n in range(1, 31)
)  # about 2,500 characters: an approver who writes it all down


def pending(client, name: str = "churn", compared_with: str | None = "1") -> None:
    """Version 1 is champion; version 2 won and waits for approval against ``compared_with``."""
    extra = {"approval": "pending"}
    if compared_with is not None:
        extra["compared_with"] = compared_with
    make_model(client, name, [version_tags(1), version_tags(2, **extra)], champion=1, challenger=2)


@pytest.mark.points(0, exercise="approve", hint="Keep the signature the docstring gives.")
def test_approve_signature(registry):
    seen = list(inspect.signature(registry.approve).parameters)
    expected = ["tracking_uri", "name", "version", "reason"]
    assert seen == expected, f"expected approve({', '.join(expected)}), saw approve{seen}"


@pytest.mark.points(
    3,
    exercise="approve",
    hint="Approval is a promotion: the same alias move (with its tag naming the replaced champion), the waiting tag turns to approved, and one event.",
    more='move_champion(...); approval tag "approved"; record_event(client, name, "approved", version, reason, replaced=...).',
)
def test_approving_a_pending_version_makes_it_champion(registry, store):
    uri, client = store
    pending(client)
    reason = "checked 50 customers of the new call list with the retention team"
    registry.approve(uri, "churn", "2", reason)
    seen = aliases_of(client, "churn")
    assert seen == {"champion": "2"}, (
        f"expected version 2 champion and no challenger left, saw the aliases {seen}"
    )
    tags = pending_tags(client, "churn", "2")
    assert tags.get("approval") == "approved" and tags.get("previous_champion") == "1", (
        f"expected version 2 tagged approval='approved' and previous_champion='1' (so a "
        f"rollback can find version 1), saw {tags}"
    )
    events = events_of(client, "churn")
    assert len(events) == 1, f"expected one event for one approval, saw {len(events)}: {events}"
    expected = {"event": "approved", "version": "2", "reason": reason, "replaced": "1"}
    seen_event = {key: events[0].get(key) for key in expected}
    assert seen_event == expected, f"expected the event {expected}, saw {seen_event}"
    assert events[0].get("by") and is_recent_time(events[0].get("at")), (
        f"expected the event to say who approved and when (record_event does), saw {events[0]}"
    )


@pytest.mark.points(
    1,
    exercise="approve",
    hint="An approver's reason goes into the log whole, however long: an audit trail is never cut short.",
)
def test_the_reason_is_recorded_whole(registry, store):
    uri, client = store
    pending(client)
    registry.approve(uri, "churn", "2", LONG_REASON)
    recorded = (events_of(client, "churn") or [{}])[-1].get("reason") or ""
    assert recorded == LONG_REASON, (
        f"expected the reason recorded whole ({len(LONG_REASON)} characters), saw "
        f"{len(recorded)} characters ending {recorded[-40:]!r}: an audit trail that cuts the "
        f"reason short loses what the approver checked"
    )


@pytest.mark.points(
    2,
    exercise="approve",
    hint="Only a version marked as waiting can be approved, with a reason; every refusal is a ValueError before anything changes.",
)
def test_approve_refusals(registry, store):
    uri, client = store
    pending(client)
    make_model(client, "fresh", [version_tags(1)], challenger=1)
    client.create_model_version("churn", source="file:///placeholder/churn/3", tags=version_tags(3))
    client.create_model_version(
        "churn", source="file:///placeholder/churn/4", tags=version_tags(4, approval="approved")
    )
    cases = (
        ("churn", "2", "   ", "for a blank reason: the log must say why"),
        ("churn", "7", "fine", "for version 7, which does not exist"),
        ("churn", "3", "fine", "for version 3, which never won a comparison (no pending tag)"),
        (
            "fresh",
            "1",
            "fine",
            "for a model with no champion whose version 1 never won a comparison",
        ),
        ("churn", "4", "fine", "for version 4, approved already"),
        ("no-such-model", "1", "fine", "for a registered model that does not exist"),
    )
    for name, version, reason, situation in cases:
        expect_error(
            ValueError,
            lambda n=name, v=version, r=reason: registry.approve(uri, n, v, r),
            situation,
        )
    seen = aliases_of(client, "churn")
    events = events_of(client, "churn") + events_of(client, "fresh")
    assert seen == {"champion": "1", "challenger": "2"} and not events, (
        f"expected nothing changed by refused approvals, saw the aliases {seen} and the events "
        f"{[event.get('event') for event in events]}"
    )


@pytest.mark.points(
    2,
    exercise="approve",
    hint="An approval is for the comparison that was made: if the champion changed since (a rollback, another promotion), refuse so it is compared again.",
)
def test_a_comparison_that_is_out_of_date_is_refused(registry, store):
    uri, client = store
    # Version 3 beat version 2 and waits; then version 2 was rolled back to version 1.
    make_model(
        client,
        "churn",
        [
            version_tags(1),
            version_tags(2, previous_champion="1"),
            version_tags(3, approval="pending", compared_with="2"),
        ],
        champion=1,
        challenger=3,
    )
    expect_error(
        ValueError,
        lambda: registry.approve(uri, "churn", "3", "looks good"),
        "when version 3 was compared with champion 2 but the champion is now version 1",
    )
    # A first champion waited; meanwhile another version became champion without approval.
    make_model(client, "later", [version_tags(1, approval="pending"), version_tags(2)], champion=2)
    expect_error(
        ValueError,
        lambda: registry.approve(uri, "later", "1", "looks good"),
        "when version 1 was compared with no champion but version 2 is champion now",
    )
    seen = aliases_of(client, "churn"), aliases_of(client, "later")
    assert seen == ({"champion": "1", "challenger": "3"}, {"champion": "2"}), (
        f"expected the aliases unchanged after out-of-date approvals, saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="approve",
    hint="A first champion waiting for approval was compared with no one: with still no champion, approving it works, and it names no previous champion.",
)
def test_approving_the_first_champion(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1, approval="pending")], challenger=1)
    registry.approve(uri, "churn", "1", "first model: reviewed by the retention team")
    seen = aliases_of(client, "churn")
    tags = pending_tags(client, "churn", "1")
    assert seen == {"champion": "1"} and tags == {"approval": "approved"}, (
        f"expected version 1 champion, tagged approval='approved' and no previous_champion, "
        f"saw the aliases {seen} and the tags {tags}"
    )


# --- rollback --------------------------------------------------------------------------------


def three_champions(client, name: str = "churn") -> None:
    """Versions 1, 2, 3 were champions in turn; 3 is champion now, 4 is the challenger."""
    make_model(
        client,
        name,
        [
            version_tags(1),
            version_tags(2, previous_champion="1"),
            version_tags(3, previous_champion="2"),
            version_tags(4),
        ],
        champion=3,
        challenger=4,
    )


@pytest.mark.points(0, exercise="rollback", hint="Keep the signature the docstring gives.")
def test_rollback_signature(registry):
    seen = list(inspect.signature(registry.rollback).parameters)
    expected = ["tracking_uri", "name", "reason"]
    assert seen == expected, f"expected rollback({', '.join(expected)}), saw rollback{seen}"


@pytest.mark.points(
    2,
    exercise="rollback",
    hint="The last promotion left a tag on the current champion naming the version it replaced: the alias goes back there.",
)
def test_rollback_returns_to_the_previous_champion(registry, store):
    uri, client = store
    three_champions(client)
    result = registry.rollback(uri, "churn", "complaints: empty churn list")
    seen = aliases_of(client, "churn")
    assert seen == {"champion": "2", "challenger": "4"}, (
        "expected the champion alias back on version 2 (version 3's previous_champion) and the "
        f"challenger left on version 4, saw {seen}"
    )
    assert str(result) == "2", f"expected rollback to return '2', saw {result!r}"


@pytest.mark.points(
    2,
    exercise="rollback",
    hint="A rollback moves the alias and records one event: who, when, why, and which version lost the alias.",
    more='record_event(client, name, "rolled back", previous, reason, replaced=current).',
)
def test_rollback_records_who_when_and_why(registry, store):
    uri, client = store
    three_champions(client)
    reason = "incident 42: recall collapsed on Monday's batch"
    registry.rollback(uri, "churn", reason)
    events = events_of(client, "churn")
    assert len(events) == 1, (
        f"expected one event in the audit log after a rollback, saw {len(events)}: {events} "
        "(moving the alias without recording why leaves no trail)"
    )
    event = events[0]
    expected = {"event": "rolled back", "version": "2", "reason": reason, "replaced": "3"}
    seen = {key: event.get(key) for key in expected}
    assert seen == expected, f"expected the event {expected}, saw {seen}"
    assert event.get("by") and is_recent_time(event.get("at")), (
        f"expected the event to say who and when (use record_event), saw {event}"
    )


@pytest.mark.points(
    2,
    exercise="rollback",
    hint="Roll back by moving the alias to the old version: never register the old model again.",
)
def test_rollback_moves_an_alias_and_registers_nothing(registry, store):
    uri, client = store
    three_champions(client)
    registry.rollback(uri, "churn", "bad release")
    count = count_versions(client, "churn")
    assert count == 4, (
        f"expected still 4 versions after a rollback, saw {count} (a rollback re-points "
        "the alias; registering the old model again makes a new version with no history)"
    )
    champion = client.get_model_version_by_alias("churn", "champion")
    assert (str(champion.version), champion.tags.get("run_id")) == ("2", RUN_IDS[1]), (
        f"expected the champion to be version 2 itself, from run {RUN_IDS[1][:8]}..., saw "
        f"version {champion.version} from run {champion.tags.get('run_id')}"
    )


@pytest.mark.points(
    1,
    exercise="rollback",
    hint="Each rollback starts from whoever is champion now: 3 -> 2 -> 1, then there is nowhere to go.",
)
def test_rolling_back_twice_walks_further_back(registry, store):
    uri, client = store
    three_champions(client)
    seen = [registry.rollback(uri, "churn", reason) for reason in ("first", "second")]
    assert [str(version) for version in seen] == ["2", "1"], (
        f"expected two rollbacks to return '2' then '1', saw {seen}"
    )
    expect_error(
        ValueError,
        lambda: registry.rollback(uri, "churn", "third"),
        "when version 1, the very first champion, has no previous champion",
    )
    champion = aliases_of(client, "churn").get("champion")
    assert champion == "1", f"expected version 1 still champion after the refusal, saw {champion}"


@pytest.mark.points(
    1,
    exercise="rollback",
    hint="Refuse with a ValueError before changing anything: a blank reason, no champion, no model.",
)
def test_rollback_refusals(registry, store):
    uri, client = store
    three_champions(client)
    make_model(client, "no-champion", [version_tags(1)], challenger=1)
    cases = (
        ("churn", "   ", "for a blank reason: the log must say why"),
        ("no-champion", "bad release", "for a model with no champion"),
        ("no-such-model", "bad release", "for a registered model that does not exist"),
    )
    for name, reason, situation in cases:
        expect_error(ValueError, lambda n=name, r=reason: registry.rollback(uri, n, r), situation)
    seen = aliases_of(client, "churn")
    assert seen == {"champion": "3", "challenger": "4"}, (
        f"expected the aliases unchanged after a refused rollback, saw {seen}"
    )


# --- audit_log -------------------------------------------------------------------------------


def event(kind: str, version, at: str, by: str, reason: str, **details) -> dict:
    return {"event": kind, "version": version, "at": at, "by": by, "reason": reason, **details}


STORY = [
    event("registered", "1", "2026-03-02T08:00:00+00:00", "ci", "passed the gate"),
    event(
        "promoted",
        "1",
        "2026-03-02T08:05:00+00:00",
        "ana",
        "first champion",
        challenger_score=0.875,
        champion_score=None,
    ),
    event("registered", "2", "2026-03-09T08:00:00+00:00", "ci", "passed the gate"),
    event(
        "promoted",
        "2",
        "2026-03-09T08:05:00+00:00",
        "ana",
        "0.9375 beats 0.875",
        challenger_score=0.9375,
        champion_score=0.875,
    ),
    event(
        "rolled back",
        "1",
        "2026-03-10T14:30:00+00:00",
        "ben",
        "complaints: empty list",
        replaced="2",
    ),
]


def write_events(client, name: str, events: list[dict], numbers=None) -> None:
    for index, entry in enumerate(events):
        number = numbers[index] if numbers else index + 1
        client.set_registered_model_tag(name, f"event.{number:04d}", json.dumps(entry))


def rows_of(table, columns) -> list[dict]:
    """Chosen columns of a DataFrame as plain dicts; NaN becomes None, numbers as floats."""
    rows = []
    for record in table[columns].to_dict("records"):
        rows.append(
            {
                key: None
                if isinstance(value, float) and math.isnan(value)
                else (str(value) if key == "version" and value is not None else value)
                for key, value in record.items()
            }
        )
    return rows


def the_log(registry, uri, name):
    """The learner's audit_log, checked to be a DataFrame with the columns."""
    import pandas as pd

    table = registry.audit_log(uri, name)
    assert isinstance(table, pd.DataFrame), f"expected a pandas DataFrame, saw {type(table)}"
    assert list(table.columns) == COLUMNS, (
        f"expected exactly the columns {COLUMNS} in that order, saw {list(table.columns)}"
    )
    return table


@pytest.mark.points(0, exercise="audit_log", hint="Keep the signature the docstring gives.")
def test_audit_log_signature(registry):
    seen = list(inspect.signature(registry.audit_log).parameters)
    assert seen == ["tracking_uri", "name"], f"expected audit_log(tracking_uri, name), saw {seen}"
    assert list(registry.AUDIT_COLUMNS) == COLUMNS, (
        f"expected AUDIT_COLUMNS {COLUMNS}, saw {list(registry.AUDIT_COLUMNS)}"
    )


@pytest.mark.points(
    2,
    exercise="audit_log",
    hint="One row per event tag, its JSON read back, in the order of the numbers in the keys.",
)
def test_one_row_per_event_in_order(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1), version_tags(2)], champion=1)
    write_events(client, "churn", STORY)
    table = the_log(registry, uri, "churn")
    keys = ["at", "by", "event", "version", "reason"]
    expected = [{key: entry[key] for key in keys} for entry in STORY]
    seen = rows_of(table, keys)
    assert seen == expected, (
        f"expected these {len(expected)} rows, in order:\n{expected}\nsaw:\n{seen}"
    )


@pytest.mark.points(
    2,
    exercise="audit_log",
    hint="Scores come from the event (NaN when it has none); the run and the data come from the tags of the event's version.",
)
def test_rows_carry_scores_and_the_run_and_data_of_their_version(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1), version_tags(2)], champion=1)
    write_events(client, "churn", STORY)
    table = the_log(registry, uri, "churn")
    for column in ("challenger_score", "champion_score"):
        assert str(table[column].dtype) == "float64", (
            f"expected {column} as floats (NaN where an event has none), saw dtype {table[column].dtype}"
        )
    keys = ["version", "challenger_score", "champion_score", "run_id", "data_hash"]
    origin = {"1": (RUN_IDS[0], HASHES[0]), "2": (RUN_IDS[1], HASHES[1])}
    expected = [
        {
            "version": entry["version"],
            "challenger_score": entry.get("challenger_score"),
            "champion_score": entry.get("champion_score"),
            "run_id": origin[entry["version"]][0],
            "data_hash": origin[entry["version"]][1],
        }
        for entry in STORY
    ]
    seen = rows_of(table, keys)
    assert seen == expected, (
        f"expected each row's scores and its version's run_id and data_hash:\n{expected}\nsaw:\n{seen}"
    )


@pytest.mark.points(
    1,
    exercise="audit_log",
    hint="Order by the event number, not by the 'at' time: two machines' clocks disagree.",
)
def test_order_follows_the_event_numbers_not_the_clocks(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1)])
    # Twelve events; number 3 was written by a CI runner whose clock is an hour behind.
    entries = [
        event("note", "1", f"2026-03-02T09:{minute:02d}:00+00:00", "ana", f"event {minute + 1}")
        for minute in range(12)
    ]
    entries[2]["at"] = "2026-03-02T08:02:00+00:00"
    entries[2]["by"] = "ci"
    write_events(client, "churn", entries)
    table = the_log(registry, uri, "churn")
    seen = list(table["reason"])
    expected = [entry["reason"] for entry in entries]
    assert seen == expected, (
        f"expected the rows in the order of the event numbers, {expected}, saw {seen} "
        "(sorted by time?)"
    )


@pytest.mark.points(
    1,
    exercise="audit_log",
    hint="Only tags whose key has the event prefix are events: a team's other tags are not.",
)
def test_other_tags_are_not_events(registry, store):
    uri, client = store
    make_model(client, "churn", [version_tags(1), version_tags(2)], champion=1)
    client.set_registered_model_tag("churn", "owner", "retention-team")
    client.set_registered_model_tag("churn", "eventually", "consistent")
    write_events(client, "churn", STORY[:2])
    table = the_log(registry, uri, "churn")
    seen = list(table["event"])
    assert seen == ["registered", "promoted"], (
        f"expected only the two event.NNNN tags as rows, saw the events {seen}"
    )


@pytest.mark.points(
    1,
    exercise="audit_log",
    hint="No events still gives a table with every column and no rows; an unknown model is a ValueError.",
)
def test_no_events_and_unknown_models(registry, store):
    uri, client = store
    make_model(client, "quiet", [version_tags(1)])
    table = the_log(registry, uri, "quiet")
    assert len(table) == 0, f"expected no rows for a model without events, saw {len(table)}"
    expect_error(
        ValueError,
        lambda: registry.audit_log(uri, "no-such-model"),
        "for a registered model that does not exist",
    )


# --- champion_moved (deployment.py) ----------------------------------------------------------

SECRET = "whsec-lesson-07"
NOW = 1_790_000_000  # a fixed "now", in seconds since 1970


@pytest.fixture(scope="module")
def deployment(exercise):
    return exercise("07", "deployment")


@pytest.fixture(scope="module")
def sign(mlflow):
    """Sign a delivery the way MLflow's tracking server does (its own function, not a copy)."""
    from mlflow.webhooks.delivery import _generate_hmac_signature

    def signed(payload: dict, secret: str = SECRET, at: int = NOW, compact: bool = False):
        if compact:
            body = json.dumps(payload, separators=(",", ":"))
        else:
            body = json.dumps(payload)  # what the server sends
        delivery = f"delivery-{at}-{len(body)}"
        headers = {
            "Content-Type": "application/json",
            "X-MLflow-Delivery-Id": delivery,
            "X-MLflow-Timestamp": str(at),
            "X-MLflow-Signature": _generate_hmac_signature(secret, delivery, str(at), body),
        }
        return body.encode(), headers

    return signed


def alias_event(alias: str = "champion", name: str = "churn", version: str = "3", action="created"):
    """A webhook payload as MLflow sends it when an alias is set (or deleted)."""
    data = {"name": name, "alias": alias}
    if action == "created":
        data["version"] = version
    return {
        "entity": "model_version_alias",
        "action": action,
        "timestamp": "2026-09-21T08:05:11.052001+00:00",
        "data": data,
    }


def moved(deployment, body, headers, now=NOW):
    return deployment.champion_moved(body, headers, SECRET, "churn", now=now)


@pytest.mark.points(0, exercise="champion_moved", hint="Keep the signature the docstring gives.")
def test_champion_moved_signature(deployment):
    seen = list(inspect.signature(deployment.champion_moved).parameters)
    expected = ["body", "headers", "secret", "name", "now"]
    assert seen == expected, f"expected champion_moved({', '.join(expected)}), saw {seen}"


@pytest.mark.points(
    2,
    exercise="champion_moved",
    hint="A genuine, fresh delivery saying the champion alias of this model was set names the version to deploy.",
)
def test_a_genuine_champion_move_names_the_version(deployment, sign):
    body, headers = sign(alias_event(version="3"))
    result = moved(deployment, body, headers)
    assert result == "3", (
        f"expected '3' for a signed delivery saying churn@champion now points at version 3, "
        f"saw {result!r}"
    )


@pytest.mark.points(
    2,
    exercise="champion_moved",
    hint="Moving the challenger alias, another model's alias, or deleting an alias deploys nothing.",
)
def test_other_genuine_events_deploy_nothing(deployment, sign):
    cases = (
        ("the challenger alias set on version 4", alias_event(alias="challenger", version="4")),
        ("another model's champion", alias_event(name="upsell", version="2")),
        ("the champion alias deleted", alias_event(action="deleted")),
        (
            "a new version registered",
            {
                "entity": "model_version",
                "action": "created",
                "data": {"name": "churn", "version": "5", "alias": "champion"},
            },
        ),
    )
    for situation, payload in cases:
        body, headers = sign(payload)
        result = moved(deployment, body, headers)
        assert result is None, (
            f"expected None (nothing to deploy) for {situation}, saw {result!r}: only the "
            f"champion alias of churn being set asks for a deployment"
        )


@pytest.mark.points(
    2,
    exercise="champion_moved",
    hint="Anyone can POST to a URL: a delivery not signed with the shared secret, or changed after signing, is refused with a PermissionError.",
)
def test_forged_or_tampered_deliveries_are_refused(deployment, sign):
    good_body, good_headers = sign(alias_event(version="3"))
    _, other_secret = sign(alias_event(version="3"), secret="someone-elses-secret")
    unsigned = {key: value for key, value in good_headers.items() if "Signature" not in key}
    cases = (
        ("signed with another secret", good_body, other_secret),
        ("its body changed after signing", good_body.replace(b'"3"', b'"1"'), good_headers),
        ("no signature header", good_body, unsigned),
        ("a made-up signature", good_body, {**good_headers, "X-MLflow-Signature": "v1,AAAA"}),
    )
    for situation, body, headers in cases:
        expect_error(
            PermissionError,
            lambda b=body, h=headers: moved(deployment, b, h),
            f"for a delivery {situation}",
        )


@pytest.mark.points(
    1,
    exercise="champion_moved",
    hint="The signature covers the body's bytes as they arrived: parsing the JSON and writing it out again gives other bytes.",
)
def test_the_signature_covers_the_bytes_as_sent(deployment, sign):
    body, headers = sign(alias_event(version="3"), compact=True)
    try:
        result = moved(deployment, body, headers)
    except PermissionError as error:
        pytest.fail(
            f"expected '3' for a genuine delivery whose JSON has no spaces, saw a "
            f"PermissionError ({error}): check the signature over the raw body bytes, not over "
            f"the JSON written again",
            pytrace=False,
        )
    assert result == "3", (
        f"expected '3' for a genuine delivery whose JSON has no spaces, saw {result!r}: "
        f"check the signature over the raw body bytes, not over the JSON written again"
    )


@pytest.mark.points(
    1,
    exercise="champion_moved",
    hint="A correctly signed delivery from long ago (or from the future) is someone replaying it: accept only a few minutes either way.",
)
def test_old_deliveries_are_refused(deployment, sign):
    limit = deployment.MAX_AGE_SECONDS
    assert limit == 300, f"expected MAX_AGE_SECONDS = 300, saw {limit!r}"
    for offset in (-(limit - 1), limit - 1):
        body, headers = sign(alias_event(version="3"), at=NOW + offset)
        result = moved(deployment, body, headers)
        assert result == "3", (
            f"expected a delivery {abs(offset)} s {'old' if offset < 0 else 'ahead'} to be "
            f"accepted (within {limit} s), saw {result!r}"
        )
    for offset in (-(limit + 1), -86_400, limit + 1):
        body, headers = sign(alias_event(version="3"), at=NOW + offset)
        expect_error(
            PermissionError,
            lambda b=body, h=headers: moved(deployment, b, h),
            f"for a genuine delivery {abs(offset)} s {'old' if offset < 0 else 'ahead'} "
            f"(a replay: more than {limit} s from now)",
        )
