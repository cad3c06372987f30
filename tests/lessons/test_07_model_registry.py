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
    hint="Keep promote_if_better(tracking_uri, name, version, held_out, score, margin=MARGIN).",
)
def test_promote_if_better_signature(registry):
    parameters = inspect.signature(registry.promote_if_better).parameters
    expected = ["tracking_uri", "name", "version", "held_out", "score", "margin"]
    assert list(parameters) == expected, (
        f"expected promote_if_better({', '.join(expected)}), saw {list(parameters)}"
    )
    default = parameters["margin"].default
    assert default == registry.MARGIN == MARGIN, (
        f"expected margin to default to MARGIN = {MARGIN}, saw {default!r} (MARGIN = {registry.MARGIN!r})"
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
    hint="Score challenger and champion with score(model_uri, held_out); promote only if challenger > champion + margin.",
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
    hint="Promote only if challenger_score > champion_score + margin: exactly the margin is not enough.",
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
    hint="Re-score the champion on held_out too: its logged accuracy came from other test rows.",
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
    hint="Every decision goes in the log: record_event(..., challenger_score=..., champion_score=...).",
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
    hint="Check the version's gate tag first: anything but 'passed' is not promoted, not even scored.",
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
    hint="A missing version (MlflowException) or a negative margin: raise ValueError, change nothing.",
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


@pytest.mark.points(
    0, exercise="rollback", hint="Keep rollback(tracking_uri, name, reason) -> str."
)
def test_rollback_signature(registry):
    seen = list(inspect.signature(registry.rollback).parameters)
    expected = ["tracking_uri", "name", "reason"]
    assert seen == expected, f"expected rollback({', '.join(expected)}), saw rollback{seen}"


@pytest.mark.points(
    2,
    exercise="rollback",
    hint="The previous champion is the champion's previous_champion tag: move the champion alias there.",
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
    hint='record_event(client, name, "rolled back", previous, reason, replaced=current).',
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
    hint="Each rollback starts from the current champion's previous_champion: 3 -> 2 -> 1, then none.",
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
    hint="Refuse with ValueError before changing anything: a blank reason, no champion, no model.",
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


@pytest.mark.points(0, exercise="audit_log", hint="Keep audit_log(tracking_uri, name).")
def test_audit_log_signature(registry):
    seen = list(inspect.signature(registry.audit_log).parameters)
    assert seen == ["tracking_uri", "name"], f"expected audit_log(tracking_uri, name), saw {seen}"
    assert list(registry.AUDIT_COLUMNS) == COLUMNS, (
        f"expected AUDIT_COLUMNS {COLUMNS}, saw {list(registry.AUDIT_COLUMNS)}"
    )


@pytest.mark.points(
    2,
    exercise="audit_log",
    hint="One row per event.NNNN tag, json.loads(value), in the order of their numbers.",
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
    hint="Scores from the event (NaN when missing); run_id and data_hash from the version's tags.",
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
    hint="Keep only tags whose key starts with EVENT_PREFIX ('event.'): other tags are not events.",
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
    hint="No events: pd.DataFrame(columns=list(AUDIT_COLUMNS)); an unknown model: ValueError.",
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
