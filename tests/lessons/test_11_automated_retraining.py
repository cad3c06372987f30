"""Grading tests for lesson 11: when to retrain, retrain and decide, watch the new champion.

``should_retrain`` is pure: dates and numbers in, a decision out. The other two
run against real, temporary MLflow stores (``fresh_store``).

Lesson 11 builds on lessons 04 and 07. Their *reference* solutions are loaded
from solutions/ by path and handed to the learner's functions (the registry as
the ``registry`` argument; lesson 04's ``train_and_log`` inside ``fit_and_log``),
never the learner's own lessons 04 and 07, so each lesson is graded on its own.

Where a test needs exact numbers (a boundary), stand-ins take the place of
training and scoring: a ``fit_and_log`` that records a run with an empty logged
model in a few milliseconds, and a ``measure`` that answers planned metrics per
model. The planned numbers are sums of powers of two, so no rounding blurs a
boundary. One test trains, logs and scores real models, on the concept-shift
months of the course's data world.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import date, timedelta

import pytest

from mlops_course import data
from mlops_course.grading.plugin import expect_error
from mlops_course.mlflow_store import fresh_store

COURSE_GATE = {"accuracy": 0.85, "recall": 0.70}
NEW_WORLD_GATE = {"accuracy": 0.75, "recall": 0.70}  # the bar a person set after the shift
MARGIN = 0.01
ROWS = 1500  # per month in the real-model test
PARAMS = {"C": 1.0, "class_weight": "balanced"}
OUTCOME_KEYS = ["run_id", "version", "metrics", "gate_passed", "promoted", "champion", "reason"]
WATCH_KEYS = ["rolled_back", "champion", "champion_score", "previous_score", "reason"]
EVENT = re.compile(r"^event\.(\d+)$")
START = date(2026, 3, 1)


@pytest.fixture(scope="module")
def retraining(exercise):
    return exercise("11", "retraining")


@pytest.fixture(scope="module")
def registry07(mlflow, reference):
    """Lesson 07's reference registry: this lesson's tests supply it, not the learner."""
    return reference("07", "registry")


@pytest.fixture(scope="module")
def lesson04(mlflow, reference):
    """Lesson 04's reference train_and_log and evaluate."""
    return reference("04", "tracking")


@pytest.fixture
def store(mlflow, tmp_path):
    """An empty store of this test's own: (tracking URI, client)."""
    uri = fresh_store(tmp_path / "store")
    return uri, mlflow.MlflowClient(uri)


class SpyRegistry:
    """Lesson 07's reference registry, remembering which of its functions were called."""

    def __init__(self, reference):
        self._reference = reference
        self.calls: list[str] = []

    def __getattr__(self, attribute):
        target = getattr(self._reference, attribute)
        if not callable(target) or isinstance(target, type):
            return target

        def call(*args, **kwargs):
            self.calls.append(attribute)
            return target(*args, **kwargs)

        return call


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


def outcome_of(result, keys: list[str], function: str) -> dict:
    """The learner's result, checked to be a dict with exactly ``keys``."""
    assert isinstance(result, dict), f"expected {function} to return a dict, saw {type(result)}"
    assert sorted(result) == sorted(keys), (
        f"expected {function} to return exactly the keys {keys}, saw {list(result)}"
    )
    return result


# --- should_retrain --------------------------------------------------------------------------


def decide(retraining, days: int, drifted=False, accuracy=None, baseline=0.875, **policy):
    """Call should_retrain ``days`` after the last retrain; return (retrain, rule, reason)."""
    signals = retraining.Signals(drifted=drifted, accuracy=accuracy, baseline_accuracy=baseline)
    decision = retraining.should_retrain(
        signals, retraining.Policy(**policy), START, START + timedelta(days=days)
    )
    for field in ("retrain", "rule", "reason"):
        assert hasattr(decision, field), (
            f"expected a Decision with retrain, rule and reason, saw {decision!r}"
        )
    assert isinstance(decision.reason, str) and decision.reason.strip(), (
        f"expected a reason in words, saw {decision.reason!r}"
    )
    return decision.retrain, decision.rule, decision.reason


@pytest.mark.points(
    0,
    exercise="should_retrain",
    hint="Keep should_retrain(signals, policy, last_retrained_at, now) and the Policy defaults.",
)
def test_should_retrain_signature(retraining):
    seen = list(inspect.signature(retraining.should_retrain).parameters)
    expected = ["signals", "policy", "last_retrained_at", "now"]
    assert seen == expected, f"expected should_retrain({', '.join(expected)}), saw {seen}"
    policy = retraining.Policy()
    defaults = (policy.max_accuracy_drop, policy.schedule_days, policy.min_days_between)
    assert defaults == (0.05, 90, 28), f"expected Policy defaults (0.05, 90, 28), saw {defaults}"


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="Performance (a drop of more than max_accuracy_drop), then drift, then schedule; nothing fired: rule 'none'.",
)
def test_each_trigger_on_its_own(retraining):
    cases = (
        ("accuracy 0.75 against a baseline of 0.875", dict(accuracy=0.75), (True, "performance")),
        ("the inputs drifted", dict(drifted=True), (True, "drift")),
        ("a quiet month, labels in, no drop", dict(accuracy=0.875), (False, "none")),
        ("a quiet month, labels still late", dict(accuracy=None), (False, "none")),
    )
    for situation, signals, expected in cases:
        retrain, rule, _ = decide(retraining, 40, **signals)
        assert (retrain, rule) == expected, (
            f"expected (retrain, rule) = {expected} 40 days after a retrain when {situation}, "
            f"saw {(retrain, rule)}"
        )
    retrain, rule, _ = decide(retraining, 120)
    assert (retrain, rule) == (True, "schedule"), (
        "expected (True, 'schedule') 120 days after a retrain (schedule_days = 90) with no "
        f"other trigger, saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 3)
    assert (retrain, rule) == (False, "none"), (
        "expected (False, 'none') for a quiet month 3 days after a retrain: the cap only "
        f"matters when a trigger fired; saw {(retrain, rule)}"
    )


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="The cap blocks while days < min_days_between: exactly min_days_between days is allowed.",
)
def test_the_cap_boundary(retraining):
    retrain, rule, reason = decide(retraining, 27, drifted=True)
    assert (retrain, rule) == (False, "cap"), (
        "expected (False, 'cap') for drift 27 days after a retrain (min_days_between = 28), "
        f"saw {(retrain, rule)}"
    )
    assert "27" in reason, f"expected the cap's reason to say it has been 27 days, saw {reason!r}"
    retrain, rule, _ = decide(retraining, 28, drifted=True)
    assert (retrain, rule) == (True, "drift"), (
        "expected (True, 'drift') for drift exactly 28 days after a retrain: the cap is "
        f"'at least 28 days between retrains'; saw {(retrain, rule)}"
    )


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="A drop of exactly max_accuracy_drop does not retrain (more than); exactly schedule_days does.",
)
def test_threshold_boundaries(retraining):
    policy = dict(max_accuracy_drop=0.0625)
    retrain, rule, _ = decide(retraining, 40, accuracy=0.8125, **policy)
    assert (retrain, rule) == (False, "none"), (
        "expected (False, 'none') for a drop of exactly max_accuracy_drop (0.875 -> 0.8125, "
        f"maximum 0.0625): within tolerance; saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 40, accuracy=0.78125, **policy)
    assert (retrain, rule) == (True, "performance"), (
        "expected (True, 'performance') for a drop of 0.09375, more than 0.0625, "
        f"saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 90)
    assert (retrain, rule) == (True, "schedule"), (
        f"expected (True, 'schedule') exactly 90 days after a retrain, saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 89)
    assert (retrain, rule) == (False, "none"), (
        f"expected (False, 'none') 89 days after a retrain, saw {(retrain, rule)}"
    )


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="Retraining every day on a noisy drift alarm wastes compute: apply the cap to drift.",
)
def test_a_daily_drift_alarm_does_not_retrain_every_day(retraining):
    # A drift check that fires every day for 12 weeks, after a retrain on day 0.
    last, retrained_on = START, []
    for day in range(1, 85):
        now = START + timedelta(days=day)
        signals = retraining.Signals(drifted=True, accuracy=None, baseline_accuracy=0.875)
        decision = retraining.should_retrain(signals, retraining.Policy(), last, now)
        if decision.retrain:
            retrained_on.append(day)
            last = now
    assert retrained_on == [28, 56, 84], (
        "expected a daily drift alarm to retrain on days 28, 56 and 84 only (at least 28 days "
        f"apart), saw {len(retrained_on)} retrains: days {retrained_on[:10]}"
        f"{'...' if len(retrained_on) > 10 else ''}"
    )


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="Check performance before the cap: a measured drop retrains even 3 days after a retrain.",
)
def test_a_performance_drop_overrides_the_cap(retraining):
    retrain, rule, _ = decide(retraining, 3, accuracy=0.75)
    assert (retrain, rule) == (True, "performance"), (
        "expected (True, 'performance') for a drop of 0.125 three days after a retrain: a "
        f"measured loss is not noise; saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 3, drifted=True, accuracy=0.75)
    assert (retrain, rule) == (True, "performance"), (
        "expected the performance rule to decide when performance and drift both fire, "
        f"saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 3, drifted=True, accuracy=0.875)
    assert (retrain, rule) == (False, "cap"), (
        "expected (False, 'cap') for drift without a drop 3 days after a retrain, "
        f"saw {(retrain, rule)}"
    )


@pytest.mark.points(
    1, exercise="should_retrain", hint="now before last_retrained_at: raise ValueError."
)
def test_refuses_a_decision_before_the_last_retrain(retraining):
    signals = retraining.Signals(drifted=True, accuracy=0.5, baseline_accuracy=0.875)
    expect_error(
        ValueError,
        lambda: retraining.should_retrain(
            signals, retraining.Policy(), START, START - timedelta(days=1)
        ),
        "when now is a day before the last retrain",
    )


# --- retrain_and_decide: stand-ins for training and scoring -----------------------------------


class PlannedTrainer:
    """A stand-in for fit_and_log: a real, finished run with an empty logged model.

    Each call takes the next planned metrics; ``PlannedMeasure`` answers them for
    that run's model. Nothing is trained, so a call costs milliseconds.
    """

    def __init__(self, client, folder):
        self.client = client
        self.experiment_id = client.create_experiment(
            "retrain", artifact_location=(folder / "artifacts").as_uri()
        )
        self.plans: list[dict] = []
        self.metrics: dict[str, dict] = {}  # run id -> planned metrics
        self.tables: list[object] = []  # what each call was given

    def plan(self, *metrics: dict) -> PlannedTrainer:
        self.plans.extend(metrics)
        return self

    def __call__(self, table):
        if not self.plans:
            pytest.fail("expected fit_and_log to be called once per retrain, saw an extra call")
        self.tables.append(table)
        run_id = self.client.create_run(self.experiment_id).info.run_id
        self.client.create_logged_model(self.experiment_id, name="model", source_run_id=run_id)
        self.client.set_terminated(run_id)
        self.metrics[run_id] = dict(self.plans.pop(0))
        return run_id


class PlannedMeasure:
    """A stand-in for measure: the planned metrics of whichever model a URI names."""

    def __init__(self, client, trainer: PlannedTrainer, name: str):
        self.client = client
        self.trainer = trainer
        self.name = name
        self.calls: list[tuple[str, object]] = []  # (what was scored, table)

    def __call__(self, model_uri, table):
        run_id, label = self.resolve(str(model_uri))
        self.calls.append((label, table))
        return dict(self.trainer.metrics[run_id])

    def resolve(self, uri: str) -> tuple[str, str]:
        prefix = f"models:/{self.name}/"
        if uri.startswith(prefix):
            version = uri[len(prefix) :]
            return self.client.get_model_version(self.name, version).run_id, f"version {version}"
        if uri.startswith("models:/m-"):
            model = self.client.get_logged_model(uri[len("models:/") :])
            return model.source_run_id, "the new run's logged model"
        pytest.fail(
            "expected measure() to get the run's logged model (logged_model_uri) or "
            f"models:/{self.name}/<version>, saw {uri!r}",
            pytrace=False,
        )


@pytest.fixture
def planned(mlflow, store, tmp_path):
    """(uri, client, trainer, measure) on an empty store, for the registered model 'churn'."""
    uri, client = store
    # Registering a logged model resolves it through the global tracking URI, not the client's.
    mlflow.set_tracking_uri(uri)
    trainer = PlannedTrainer(client, tmp_path)
    return uri, client, trainer, PlannedMeasure(client, trainer, "churn")


def seed_champion(registry07, uri, client, trainer, metrics: dict, name: str = "churn") -> str:
    """A champion already serving: registered (gate passed) and given the alias by this file."""
    run_id = trainer.plan(metrics)(None)
    trainer.tables.pop()  # not the learner's call
    version = registry07.register_version(uri, name, run_id, True)
    client.set_registered_model_alias(name, "champion", version)
    client.delete_registered_model_alias(name, "challenger")
    return version


def fresh_tables():
    """Small fresh months: training rows (month 3) and held-out rows (month 4), no shared ids."""
    return data.generate(month=3, rows=40, seed=11), data.generate(month=4, rows=20, seed=11)


def run_retrain(retraining, uri, train, held_out, trainer, measure, registry, **options):
    result = retraining.retrain_and_decide(
        tracking_uri=uri,
        name="churn",
        train=train,
        held_out=held_out,
        fit_and_log=trainer,
        measure=measure,
        registry=registry,
        **options,
    )
    return outcome_of(result, OUTCOME_KEYS, "retrain_and_decide")


@pytest.mark.points(
    0,
    exercise="retrain_and_decide",
    hint="Keep retrain_and_decide(tracking_uri, name, train, held_out, fit_and_log, measure, registry, gate=GATE, margin=MARGIN).",
)
def test_retrain_and_decide_signature(retraining):
    parameters = inspect.signature(retraining.retrain_and_decide).parameters
    expected = [
        "tracking_uri",
        "name",
        "train",
        "held_out",
        "fit_and_log",
        "measure",
        "registry",
        "gate",
        "margin",
    ]
    assert list(parameters) == expected, (
        f"expected retrain_and_decide({', '.join(expected)}), saw {list(parameters)}"
    )
    assert dict(parameters["gate"].default) == COURSE_GATE, (
        f"expected gate to default to {COURSE_GATE}, saw {parameters['gate'].default!r}"
    )
    assert parameters["margin"].default == MARGIN, (
        f"expected margin to default to {MARGIN}, saw {parameters['margin'].default!r}"
    )


@pytest.fixture(scope="module")
def months():
    """Concept-shift months 0 and 3, each split 70/30 into fresh training and held-out rows."""
    from sklearn.model_selection import train_test_split

    split = {}
    for month in (0, 3):
        table = data.generate(month=month, rows=ROWS, seed=7, scenario="concept_shift")
        split[month] = train_test_split(
            table, test_size=0.3, random_state=42, stratify=table["Churn"]
        )
    return split


@pytest.mark.points(
    3,
    exercise="retrain_and_decide",
    hint="fit_and_log(train); measure the run's model on held_out; gate; register_version either way; promote_if_better only after a passed gate.",
)
def test_real_models_first_champion_failed_gate_then_promotion(
    retraining, registry07, lesson04, mlflow, months, tmp_path
):
    uri = fresh_store(tmp_path / "store")
    client = mlflow.MlflowClient(uri)
    artifacts = (tmp_path / "artifacts").as_uri()

    def fit_and_log(table):
        return lesson04.train_and_log(
            table, table.head(100), dict(PARAMS), uri, "retrain", artifacts, "c" * 40, "d" * 32
        )

    def measure(model_uri, table):
        mlflow.set_tracking_uri(uri)
        return lesson04.evaluate(mlflow.sklearn.load_model(model_uri), table)

    def retrain(month, **options):
        train, held_out = months[month]
        result = retraining.retrain_and_decide(
            uri, "churn", train, held_out, fit_and_log, measure, registry07, **options
        )
        return outcome_of(result, OUTCOME_KEYS, "retrain_and_decide")

    # January: no champion yet; the first model passes the course's gate and takes over.
    first = retrain(0)
    seen = {key: first[key] for key in ("version", "gate_passed", "promoted", "champion")}
    expected = {"version": "1", "gate_passed": True, "promoted": True, "champion": "1"}
    assert seen == expected, (
        f"expected the first retrain to become champion: {expected}, saw {seen}"
    )
    # April: why customers leave has changed; no model reaches 0.85 accuracy any more.
    refused = retrain(3)
    seen = {key: refused[key] for key in ("version", "gate_passed", "promoted", "champion")}
    expected = {"version": "2", "gate_passed": False, "promoted": False, "champion": "1"}
    assert seen == expected, (
        f"expected month 3's challenger (accuracy {refused['metrics'].get('accuracy', 0):.4f}) "
        f"to fail the course's gate (0.85) and version 1 to stay champion: {expected}, saw {seen}"
    )
    assert "accuracy" in refused["reason"], (
        f"expected the reason to name the failed metric (accuracy), saw {refused['reason']!r}"
    )
    gate_tag = client.get_model_version("churn", "2").tags.get("gate")
    assert gate_tag == "failed", (
        f"expected version 2 registered with gate='failed' (register_version(..., gate_passed=False)), saw {gate_tag!r}"
    )
    # A person set a bar for the new world; on the same held-out rows, the challenger wins.
    promoted = retrain(3, gate=NEW_WORLD_GATE)
    held_out = months[3][1]
    challenger = measure("models:/churn/3", held_out)["accuracy"]
    champion = measure("models:/churn/1", held_out)["accuracy"]
    assert challenger > champion + MARGIN, (challenger, champion)  # the data behind the story
    seen = {key: promoted[key] for key in ("version", "gate_passed", "promoted", "champion")}
    expected = {"version": "3", "gate_passed": True, "promoted": True, "champion": "3"}
    assert seen == expected, (
        f"expected version 3 ({challenger:.4f}) to pass the new gate {NEW_WORLD_GATE} and beat "
        f"version 1 ({champion:.4f}) on the same held-out rows: {expected}, saw {seen}"
    )
    assert promoted["metrics"]["accuracy"] == pytest.approx(challenger), (
        f"expected metrics to be the challenger's on held_out ({challenger:.4f}), "
        f"saw {promoted['metrics']}"
    )


@pytest.mark.points(
    2,
    exercise="retrain_and_decide",
    hint="Pass margin on to promote_if_better: exactly the margin keeps the champion.",
)
def test_the_margin_boundary(retraining, registry07, planned):
    uri, client, trainer, measure = planned
    train, held_out = fresh_tables()
    seed_champion(registry07, uri, client, trainer, {"accuracy": 0.75, "recall": 0.75})
    challenger = {"accuracy": 0.875, "recall": 0.75}
    trainer.plan(challenger, challenger)
    gate = {"accuracy": 0.875, "recall": 0.75}  # exactly at both bars: passes
    kept = run_retrain(
        retraining, uri, train, held_out, trainer, measure, registry07, gate=gate, margin=0.125
    )
    seen = (kept["gate_passed"], kept["promoted"], kept["champion"])
    assert seen == (True, False, "1"), (
        "expected a challenger at exactly the gate's bars to pass, and a gain of exactly the "
        "margin (0.875 vs 0.75 + 0.125) to keep version 1: (gate_passed, promoted, champion) = "
        f"(True, False, '1'), saw {seen}"
    )
    won = run_retrain(
        retraining, uri, train, held_out, trainer, measure, registry07, gate=gate, margin=0.0625
    )
    seen = (won["gate_passed"], won["promoted"], won["champion"])
    assert seen == (True, True, "3"), (
        "expected a gain of 0.125 with margin 0.0625 to promote version 3: "
        f"(gate_passed, promoted, champion) = (True, True, '3'), saw {seen}"
    )


@pytest.mark.points(
    2,
    exercise="retrain_and_decide",
    hint="A challenger that failed the gate is registered with gate_passed=False and never competes, however accurate.",
)
def test_a_challenger_that_failed_the_gate_never_competes(retraining, registry07, planned):
    uri, client, trainer, measure = planned
    train, held_out = fresh_tables()
    seed_champion(registry07, uri, client, trainer, {"accuracy": 0.75, "recall": 0.75})
    # More accurate than the champion, but it misses half the churners.
    trainer.plan({"accuracy": 0.9375, "recall": 0.5})
    spy = SpyRegistry(registry07)
    result = run_retrain(retraining, uri, train, held_out, trainer, measure, spy)
    seen = (result["version"], result["gate_passed"], result["promoted"], result["champion"])
    assert seen == ("2", False, False, "1"), (
        "expected version 2 (accuracy 0.9375, recall 0.5 < 0.70) to fail the gate and version 1 "
        f"to stay champion: (version, gate_passed, promoted, champion) = ('2', False, False, '1'), saw {seen}"
    )
    tags = client.get_model_version("churn", "2").tags
    assert tags.get("gate") == "failed", (
        f"expected version 2 registered with gate='failed', saw gate={tags.get('gate')!r} "
        "(pass the gate's verdict to register_version)"
    )
    assert "promote_if_better" not in spy.calls, (
        "expected promote_if_better not to be called for a version that failed the gate, "
        f"saw the registry calls {spy.calls}"
    )
    assert "recall" in result["reason"], (
        f"expected the reason to name the failed metric (recall), saw {result['reason']!r}"
    )
    assert aliases_of(client, "churn") == {"champion": "1"}, (
        f"expected only version 1 to hold an alias, saw {aliases_of(client, 'churn')}"
    )


@pytest.mark.points(
    2,
    exercise="retrain_and_decide",
    hint="Train on train only; gate and compare both models on the same held_out rows: score = measure(uri, held_out)[PROMOTION_METRIC].",
)
def test_everything_is_judged_on_the_same_held_out_rows(retraining, registry07, planned):
    uri, client, trainer, measure = planned
    train, held_out = fresh_tables()
    seed_champion(registry07, uri, client, trainer, {"accuracy": 0.75, "recall": 0.75})
    trainer.plan({"accuracy": 0.875, "recall": 0.8125})
    result = run_retrain(retraining, uri, train, held_out, trainer, measure, registry07)
    assert len(trainer.tables) == 1 and trainer.tables[0] is train, (
        "expected fit_and_log to be called once, with the train table, saw "
        f"{len(trainer.tables)} call(s)"
        f"{'' if not trainer.tables or trainer.tables[0] is train else ' with another table'}"
    )
    scored = sorted({label for label, _ in measure.calls})
    assert scored == ["the new run's logged model", "version 1", "version 2"], (
        "expected measure() for the new run's logged model (the gate) and for versions 2 and 1 "
        f"(challenger and champion, at promotion), saw {scored}"
    )
    others = sorted({label for label, table in measure.calls if table is not held_out})
    assert not others, (
        f"expected every measure() call to get the held_out table, saw other tables for {others} "
        "(a model judged on other rows, or on rows it trained on, is not comparable)"
    )
    seen = (result["promoted"], result["champion"], result["metrics"])
    expected = (True, "2", {"accuracy": 0.875, "recall": 0.8125})
    assert seen == expected, (
        f"expected (promoted, champion, metrics) = {expected}: 0.875 beats 0.75 + {MARGIN}; saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="retrain_and_decide",
    hint="Before training: ValueError for an empty table or a customerID in both train and held_out.",
)
def test_refuses_leaky_or_empty_data(retraining, registry07, planned):
    uri, client, trainer, measure = planned
    seed_champion(registry07, uri, client, trainer, {"accuracy": 0.75, "recall": 0.75})
    train, held_out = fresh_tables()
    trainer.plan({"accuracy": 0.99, "recall": 0.99})
    leaky = held_out.copy()
    leaky.iloc[:5] = train.iloc[:5].to_numpy()  # five training customers slipped in
    cases = (
        (train, leaky, "when five held-out customers are also training rows"),
        (train, held_out.iloc[0:0], "for an empty held_out table"),
        (train.iloc[0:0], held_out, "for an empty train table"),
    )
    for table, judged_on, situation in cases:
        expect_error(
            ValueError,
            lambda t=table, j=judged_on: run_retrain(
                retraining, uri, t, j, trainer, measure, registry07
            ),
            situation,
        )
    assert not trainer.tables, (
        f"expected nothing trained after refusals, saw fit_and_log called {len(trainer.tables)} time(s)"
    )
    assert count_versions(client, "churn") == 1, (
        f"expected no new version after refusals, saw {count_versions(client, 'churn')} versions"
    )


# --- watch_new_champion ----------------------------------------------------------------------


class PlannedScores:
    """A stand-in score function: a planned score per version; remembers every call."""

    def __init__(self, name: str, scores: dict[int, float]):
        self.name = name
        self.scores = {str(version): value for version, value in scores.items()}
        self.calls: list[tuple[str, object]] = []  # (version, table)

    def __call__(self, model_uri, table):
        prefix = f"models:/{self.name}/"
        version = str(model_uri)[len(prefix) :] if str(model_uri).startswith(prefix) else None
        if version not in self.scores:
            pytest.fail(
                f"expected score() to be called with models:/{self.name}/<version> "
                f"(a version with a planned score: {sorted(self.scores)}), saw {model_uri!r}",
                pytrace=False,
            )
        self.calls.append((version, table))
        return self.scores[version]


def promoted_twice(client, name: str = "churn", tags: tuple[dict, dict] = ({}, {})) -> None:
    """Version 1 was champion; version 2 replaced it and serves now."""
    client.create_registered_model(name)
    for number, extra in enumerate(tags, start=1):
        version_tags = {"gate": "passed", **extra}
        if number == 2:
            version_tags["previous_champion"] = "1"
        client.create_model_version(
            name, source=f"file:///placeholder/{name}/{number}", tags=version_tags
        )
    client.set_registered_model_alias(name, "champion", "2")


# Stand-in scores ignore the table; its identity proves which one was passed.
LABELLED = data.generate(month=5, rows=8, seed=3)


def watch(retraining, uri, name, scores, registry, **options):
    result = retraining.watch_new_champion(
        tracking_uri=uri, name=name, labelled=LABELLED, score=scores, registry=registry, **options
    )
    return outcome_of(result, WATCH_KEYS, "watch_new_champion")


@pytest.mark.points(
    0,
    exercise="watch_new_champion",
    hint="Keep watch_new_champion(tracking_uri, name, labelled, score, registry, tolerance=TOLERANCE).",
)
def test_watch_new_champion_signature(retraining):
    parameters = inspect.signature(retraining.watch_new_champion).parameters
    expected = ["tracking_uri", "name", "labelled", "score", "registry", "tolerance"]
    assert list(parameters) == expected, (
        f"expected watch_new_champion({', '.join(expected)}), saw {list(parameters)}"
    )
    assert parameters["tolerance"].default == retraining.TOLERANCE == 0.02, (
        f"expected tolerance to default to TOLERANCE = 0.02, saw {parameters['tolerance'].default!r}"
    )


@pytest.mark.points(
    2,
    exercise="watch_new_champion",
    hint="Clearly worse than its previous_champion on the new labels: registry.rollback(tracking_uri, name, reason).",
)
def test_a_clearly_worse_new_champion_is_rolled_back(retraining, registry07, store):
    uri, client = store
    promoted_twice(client)
    spy = SpyRegistry(registry07)
    result = watch(retraining, uri, "churn", PlannedScores("churn", {1: 0.8125, 2: 0.625}), spy)
    seen = (result["rolled_back"], str(result["champion"]), aliases_of(client, "churn"))
    expected = (True, "1", {"champion": "1"})
    assert seen == expected, (
        "expected version 2 (0.625) to be rolled back to version 1 (0.8125): "
        f"(rolled_back, champion, aliases) = {expected}, saw {seen}"
    )
    assert "rollback" in spy.calls, (
        f"expected the rollback to go through registry.rollback, saw the registry calls {spy.calls}"
    )
    last = (events_of(client, "churn") or [{}])[-1]
    assert last.get("event") == "rolled back" and last.get("reason") == result["reason"], (
        "expected a 'rolled back' event whose reason is the one returned, "
        f"saw {last or 'no event'} and reason {result['reason']!r}"
    )
    scores = (result["champion_score"], result["previous_score"])
    assert scores == (0.625, 0.8125), f"expected the scores (0.625, 0.8125), saw {scores}"


@pytest.mark.points(
    2,
    exercise="watch_new_champion",
    hint="Roll back only if champion_score < previous_score - tolerance: exactly the tolerance keeps it.",
)
def test_the_tolerance_boundary(retraining, registry07, store):
    uri, client = store
    cases = (
        ("better than the previous champion", 0.875, False),
        ("exactly the tolerance below (0.75 vs 0.8125 - 0.0625)", 0.75, False),
        ("more than the tolerance below (0.6875 vs 0.8125 - 0.0625)", 0.6875, True),
    )
    for number, (situation, score, rolled_back) in enumerate(cases):
        name = f"tolerance-{number}"
        promoted_twice(client, name)
        scores = PlannedScores(name, {1: 0.8125, 2: score})
        result = watch(retraining, uri, name, scores, registry07, tolerance=0.0625)
        champion = aliases_of(client, name).get("champion")
        expected = "1" if rolled_back else "2"
        assert (result["rolled_back"], champion) == (rolled_back, expected), (
            f"expected a new champion {situation}: rolled_back {rolled_back}, champion version "
            f"{expected}; saw rolled_back {result['rolled_back']!r}, champion {champion!r}"
        )


@pytest.mark.points(
    2,
    exercise="watch_new_champion",
    hint="Score both versions now, on labelled: scores tagged at promotion were measured on other rows.",
)
def test_judged_on_the_new_labels_not_on_old_scores(retraining, registry07, store):
    uri, client = store
    # At promotion (on a broken export) version 2 looked far better than version 1.
    promoted_twice(client, tags=({"accuracy": "0.70"}, {"accuracy": "0.95"}))
    scores = PlannedScores("churn", {1: 0.8125, 2: 0.6875})
    result = watch(retraining, uri, "churn", scores, registry07)
    assert sorted({version for version, _ in scores.calls}) == ["1", "2"], (
        "expected score() for the champion (version 2) and the previous champion (version 1), "
        f"saw it called for {[version for version, _ in scores.calls]} (tags such as "
        "accuracy=0.95 were measured on other rows)"
    )
    others = [version for version, table in scores.calls if table is not LABELLED]
    assert not others, f"expected every score() call to get labelled, saw other tables for {others}"
    assert result["rolled_back"] is True and aliases_of(client, "churn") == {"champion": "1"}, (
        "expected a rollback to version 1: on the new labels version 2 scores 0.6875 against "
        f"0.8125; saw rolled_back {result['rolled_back']!r}, aliases {aliases_of(client, 'churn')}"
    )


@pytest.mark.points(
    1,
    exercise="watch_new_champion",
    hint="No previous_champion tag: nothing to compare, no rollback, previous_score None; no champion: ValueError.",
)
def test_a_first_champion_and_no_champion(retraining, registry07, store):
    uri, client = store
    client.create_registered_model("first")
    client.create_model_version("first", source="file:///placeholder/first/1", tags={})
    client.set_registered_model_alias("first", "champion", "1")
    result = watch(retraining, uri, "first", PlannedScores("first", {1: 0.5}), registry07)
    seen = (result["rolled_back"], str(result["champion"]), result["previous_score"])
    assert seen == (False, "1", None), (
        "expected a first champion (no previous_champion tag) to stay, with no previous score: "
        f"(rolled_back, champion, previous_score) = (False, '1', None), saw {seen}"
    )
    client.create_registered_model("nobody")
    client.create_model_version("nobody", source="file:///placeholder/nobody/1", tags={})
    client.set_registered_model_alias("nobody", "challenger", "1")
    expect_error(
        ValueError,
        lambda: watch(retraining, uri, "nobody", PlannedScores("nobody", {1: 0.5}), registry07),
        "for a registered model with no champion",
    )
    assert aliases_of(client, "nobody") == {"challenger": "1"}, (
        f"expected the aliases unchanged, saw {aliases_of(client, 'nobody')}"
    )
