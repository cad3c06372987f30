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


def decide(
    retraining,
    days: int,
    drifted=False,
    accuracy=None,
    baseline=0.875,
    labels_day: int | None = None,
    failed: int = 0,
    **policy,
):
    """Call should_retrain ``days`` after the last retrain; return (retrain, rule, reason).

    ``labels_day``: the day (after the last retrain) the labelled window ends;
    by default the decision's own day: labels newer than the last retrain.
    """
    labels_day = days if labels_day is None else labels_day
    signals = retraining.Signals(
        drifted=drifted,
        accuracy=accuracy,
        baseline_accuracy=baseline,
        labelled_until=START + timedelta(days=labels_day) if accuracy is not None else None,
        failed_gates_in_a_row=failed,
    )
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
    defaults = (
        policy.max_accuracy_drop,
        policy.schedule_days,
        policy.min_days_between,
        policy.max_failed_gates,
    )
    assert defaults == (0.05, 90, 28, 3), (
        f"expected Policy defaults (0.05, 90, 28, 3), saw {defaults}"
    )


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
    2,
    exercise="should_retrain",
    hint="A drop skips the cap only on labels newer than the last retrain: on a window the "
    "last retrain already saw, it waits for the cap like any other trigger.",
    more="new_labels = signals.labelled_until is not None and signals.labelled_until > "
    "last_retrained_at.",
)
def test_an_old_window_does_not_override_the_cap(retraining):
    retrain, rule, reason = decide(retraining, 3, accuracy=0.75, labels_day=-1)
    assert (retrain, rule) == (False, "cap"), (
        "expected (False, 'cap') for a drop measured on labels that end a day BEFORE the last "
        f"retrain, 3 days after it: that retrain already answered them; saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 3, accuracy=0.75, labels_day=0)
    assert (retrain, rule) == (False, "cap"), (
        "expected (False, 'cap') for labels ending on the day of the last retrain (not newer), "
        f"saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 3, accuracy=0.75, labels_day=1)
    assert (retrain, rule) == (True, "performance"), (
        "expected (True, 'performance') for labels ending the day after the last retrain, "
        f"saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 30, accuracy=0.75, labels_day=-1)
    assert (retrain, rule) == (True, "performance"), (
        "expected (True, 'performance') for an old window's drop once the cap (28 days) has "
        f"passed, saw {(retrain, rule)}"
    )


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="When the gate keeps failing, more retraining cannot help: after the allowed number "
    "of failures in a row, stop and ask for a person, whatever the other signals say.",
)
def test_failed_gates_in_a_row_escalate_to_a_person(retraining):
    retrain, rule, reason = decide(retraining, 40, drifted=True, accuracy=0.5, failed=3)
    assert (retrain, rule) == (False, "escalate"), (
        "expected (False, 'escalate') after 3 failed gates in a row (max_failed_gates = 3), even "
        f"with drift and a large drop on new labels; saw {(retrain, rule)}"
    )
    assert "3" in reason, f"expected the reason to say how many failed, saw {reason!r}"
    retrain, rule, _ = decide(retraining, 40, accuracy=0.5, failed=2)
    assert (retrain, rule) == (True, "performance"), (
        f"expected 2 failures (one below the limit) to still retrain, saw {(retrain, rule)}"
    )
    retrain, rule, _ = decide(retraining, 40, accuracy=0.5, failed=1, max_failed_gates=1)
    assert rule == "escalate", f"expected escalate with max_failed_gates=1 after 1, saw {rule!r}"


@pytest.mark.points(
    2,
    exercise="should_retrain",
    hint="A daily scheduler sees the same bad window every day: the first retrain uses it, "
    "the cap holds the rest back, and after the allowed failures the loop stops.",
)
def test_a_daily_scheduler_on_a_failing_gate(retraining):
    # The labels of one bad window (ending on day 0) are all there is; every gate fails.
    last, failed, retrained_on, escalated_on = START - timedelta(days=60), 0, [], []
    for day in range(1, 121):
        now = START + timedelta(days=day)
        signals = retraining.Signals(
            drifted=False,
            accuracy=0.75,
            baseline_accuracy=0.875,
            labelled_until=START,
            failed_gates_in_a_row=failed,
        )
        decision = retraining.should_retrain(signals, retraining.Policy(), last, now)
        if decision.retrain:
            retrained_on.append(day)
            last, failed = now, failed + 1  # the challenger failed the gate again
        elif decision.rule == "escalate":
            escalated_on.append(day)
    assert retrained_on == [1, 29, 57], (
        "expected retrains on days 1 (new labels), 29 and 57 (the cap runs out), then none: "
        f"saw {len(retrained_on)} retrains on days {retrained_on[:10]}"
        f"{'...' if len(retrained_on) > 10 else ''}"
    )
    assert escalated_on and escalated_on[0] == 58 and len(escalated_on) == 63, (
        "expected the loop to escalate every day from day 58 (after 3 failed gates), saw "
        f"escalations on {escalated_on[:3]}... ({len(escalated_on)} days)"
    )


@pytest.mark.points(
    1,
    exercise="should_retrain",
    hint="A decision dated before the last retrain is a mistake upstream: refuse it.",
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
    hint="Keep retrain_and_decide's nine parameters in their order, with the course's gate and "
    "margin as defaults.",
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
    hint="Train once on the training rows; judge the new run's model on the held-out rows "
    "against the gate; register it whatever the verdict; only a passed gate lets it compete.",
    more="run_id = fit_and_log(train); measure(logged_model_uri(...), held_out); "
    "registry.register_version(...) either way; registry.promote_if_better(...) after a pass.",
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
    hint="A challenger that failed the gate is registered, marked as failed, and never "
    "competes, however accurate.",
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
    hint="Train on the training rows only; gate and compare both models on the same held-out "
    "rows, by the promotion metric.",
    more="score = lambda uri, table: measure(uri, table)[PROMOTION_METRIC], passed to "
    "promote_if_better with held_out.",
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
    hint="Keep watch_new_champion's six parameters in their order, with the tolerance 0.02 "
    "as default.",
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
    hint="A new champion clearly worse than the one it replaced, on the new labels, goes back "
    "through lesson 07's rollback, with a reason naming both.",
    more="registry.rollback(tracking_uri, name, reason).",
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
    hint="Roll back only for a fall larger than the tolerance: exactly the tolerance keeps "
    "the new champion.",
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
    hint="A first champion has nothing to compare with: no rollback and no previous score; "
    "a model without a champion is an error.",
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


@pytest.mark.points(
    2,
    exercise="watch_new_champion",
    hint="After a rollback the champion is an old version, not a new one: there is nothing "
    "new to watch, and watching it against its own predecessor would walk back one more "
    "version each time the loop runs.",
    more="In registry.audit_log(...), if the newest 'promoted' or 'rolled back' event is "
    "'rolled back', return without scoring or rolling back.",
)
def test_a_second_watch_after_a_rollback_does_not_walk_back(retraining, registry07, store):
    uri, client = store
    client.create_registered_model("churn")
    for number in (1, 2, 3):
        tags = {"gate": "passed"}
        if number > 1:
            tags["previous_champion"] = str(number - 1)
        client.create_model_version(
            "churn", source=f"file:///placeholder/churn/{number}", tags=tags
        )
        client.set_registered_model_alias("churn", "champion", str(number))
        event = "promoted"
        registry07.record_event(client, "churn", event, str(number), f"version {number} won")
    scores = PlannedScores("churn", {1: 0.875, 2: 0.8125, 3: 0.625})
    first = watch(retraining, uri, "churn", scores, registry07)
    assert first["rolled_back"] is True and aliases_of(client, "churn") == {"champion": "2"}, (
        "expected the first watch to roll version 3 (0.625) back to version 2 (0.8125), saw "
        f"rolled_back {first['rolled_back']!r}, aliases {aliases_of(client, 'churn')}"
    )
    scores.calls.clear()
    second = watch(retraining, uri, "churn", scores, registry07)
    assert second["rolled_back"] is False and aliases_of(client, "churn") == {"champion": "2"}, (
        "expected a second watch to leave version 2 alone (it came back by a rollback: nothing "
        f"new to watch), saw rolled_back {second['rolled_back']!r} and aliases "
        f"{aliases_of(client, 'churn')}: the watch walked back further"
    )
    assert not scores.calls and second["previous_score"] is None, (
        f"expected no scoring after a rollback, saw score() called for {scores.calls}"
    )


# --- shadow_decision ---------------------------------------------------------------------------


def shadow_of(rows: int, champion_right: int, challenger_right: int, at_threshold: bool = False):
    """A shadow log of ``rows`` customers who all churned, and their labels.

    The champion says churn (0.75) for its first ``champion_right`` rows and
    stay (0.25) after; the challenger likewise. With ``at_threshold`` the
    right answers are exactly 0.5.
    """
    import pandas as pd

    yes = 0.5 if at_threshold else 0.75
    ids = [f"05-{number:05d}-SHADW" for number in range(rows)]
    log = pd.DataFrame(
        {
            "customerID": ids,
            "champion_probability": [yes if i < champion_right else 0.25 for i in range(rows)],
            "challenger_probability": [yes if i < challenger_right else 0.25 for i in range(rows)],
        }
    )
    labels = pd.DataFrame({"customerID": ids, "Churn": "Yes"})
    return log, labels


def judge(retraining, log, labels, **options):
    verdict = retraining.shadow_decision(log, labels, **options)
    for name in ("decision", "labelled", "champion_accuracy", "challenger_accuracy", "reason"):
        assert hasattr(verdict, name), f"expected a ShadowVerdict, saw {verdict!r}"
    return verdict


@pytest.mark.points(
    0,
    exercise="shadow_decision",
    hint="Keep shadow_decision's parameters: the shadow log, the labels, the minimum labelled "
    "rows (1,000), the margin (0.01) and the threshold (0.5).",
)
def test_shadow_decision_signature(retraining):
    parameters = inspect.signature(retraining.shadow_decision).parameters
    expected = ["shadow_log", "labels", "min_labelled", "margin", "threshold"]
    assert list(parameters) == expected, (
        f"expected shadow_decision({expected}), saw {list(parameters)}"
    )
    defaults = [parameters[name].default for name in expected[2:]]
    assert defaults == [1000, 0.01, 0.5], f"expected defaults [1000, 0.01, 0.5], saw {defaults}"


@pytest.mark.points(
    3,
    exercise="shadow_decision",
    hint="Judge both models on exactly the shadow rows that got a label (an inner join): a "
    "row without a label is no evidence for either model, and labels of other customers "
    "are not shadow rows.",
    more="joined = shadow_log.merge(labels, on='customerID', how='inner'); both accuracies "
    "on joined.",
)
def test_both_models_on_exactly_the_labelled_shadow_rows(retraining):
    import pandas as pd

    log, labels = shadow_of(48, champion_right=30, challenger_right=42)
    arrived = labels.iloc[:32]  # labels for 32 of 48 shadow rows: champion 30/32, challenger 32/32
    strangers = pd.DataFrame({"customerID": ["99-00000-OTHER", "99-00001-OTHER"], "Churn": "No"})
    verdict = judge(
        retraining, log, pd.concat([arrived, strangers]), min_labelled=32, margin=0.03125
    )
    seen = (
        verdict.decision,
        verdict.labelled,
        verdict.champion_accuracy,
        verdict.challenger_accuracy,
    )
    assert seen == ("promote", 32, 0.9375, 1.0), (
        "expected both judged on the 32 labelled shadow rows: champion 30/32 = 0.9375, "
        "challenger 32/32 = 1.0, a gain of 0.0625 > 0.03125: ('promote', 32, 0.9375, 1.0); "
        f"saw {seen}"
    )


@pytest.mark.points(
    2,
    exercise="shadow_decision",
    hint="Too few labelled rows is no basis for a decision: wait, without accuracies; "
    "exactly the minimum is enough.",
)
def test_wait_for_enough_labels(retraining):
    log, labels = shadow_of(40, champion_right=20, challenger_right=40)
    early = judge(retraining, log, labels.iloc[:19], min_labelled=20)
    assert (early.decision, early.labelled, early.champion_accuracy) == ("wait", 19, None), (
        "expected ('wait', 19, None) with 19 labelled rows and min_labelled=20, saw "
        f"{(early.decision, early.labelled, early.champion_accuracy)}"
    )
    enough = judge(retraining, log, labels.iloc[:20], min_labelled=20)
    assert enough.decision in ("promote", "keep") and enough.labelled == 20, (
        f"expected a decision with exactly 20 labelled rows (the minimum), saw {enough.decision!r}"
    )


@pytest.mark.points(
    1,
    exercise="shadow_decision",
    hint="Lesson 07's rule: the challenger must win by MORE than the margin; a gain of "
    "exactly the margin keeps the champion.",
)
def test_the_margin_and_the_threshold(retraining):
    log, labels = shadow_of(16, champion_right=12, challenger_right=14)  # 0.75 vs 0.875
    kept = judge(retraining, log, labels, min_labelled=16, margin=0.125)
    promoted = judge(retraining, log, labels, min_labelled=16, margin=0.0625)
    assert (kept.decision, promoted.decision) == ("keep", "promote"), (
        "expected a gain of exactly the margin (0.875 vs 0.75 + 0.125) to keep the champion and "
        f"a margin of 0.0625 to promote, saw {kept.decision!r} and {promoted.decision!r}"
    )
    log, labels = shadow_of(16, champion_right=12, challenger_right=14, at_threshold=True)
    verdict = judge(retraining, log, labels, min_labelled=16, margin=0.0625)
    assert (verdict.champion_accuracy, verdict.challenger_accuracy) == (0.75, 0.875), (
        "expected answers of exactly 0.5 to say churn (probability >= threshold), saw "
        f"accuracies {verdict.champion_accuracy} and {verdict.challenger_accuracy}"
    )


# --- signals_from_monitoring: lesson 10's drift detection, reused -----------------------------


@pytest.fixture(scope="module")
def lesson10(reference):
    """Lesson 10's reference drift module: its detect_drift and performance_check."""
    return reference("10", "drift")


class SpyDrift:
    """Lesson 10's drift module, remembering what was asked of it."""

    def __init__(self, drift):
        self.drift = drift
        self.calls: list[str] = []
        self.DriftVerdict = drift.DriftVerdict
        self.PerformanceCheck = drift.PerformanceCheck

    def detect_drift(self, reference, current, *args, **kwargs):
        self.calls.append("detect_drift")
        return self.drift.detect_drift(reference, current, *args, **kwargs)

    def performance_check(self, logged, labels, *args, **kwargs):
        self.calls.append("performance_check")
        return self.drift.performance_check(logged, labels, *args, **kwargs)


@pytest.fixture(scope="module")
def monitored():
    """Month 0 (the reference), a model trained on it, and logged windows of months 1, 3 and 5.

    Month 1: nothing changed. Month 3: prices rose 9 %. Month 5: the concept shifted.
    """
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def numbers(table):
        text = table["TotalCharges"].astype(str).str.strip()
        return table.assign(TotalCharges=pd.to_numeric(text.where(text != "", "0")))

    reference = numbers(data.generate(month=0, rows=1500, seed=4))
    encode = ColumnTransformer(
        [
            (
                "numbers",
                StandardScaler(),
                ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"],
            ),
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(data.CATEGORIES)),
        ]
    )
    model = Pipeline([("encode", encode), ("classify", LogisticRegression(max_iter=1000))])
    model.fit(reference, reference["Churn"] == "Yes")
    windows = {}
    for month, scenario in ((1, "none"), (3, "price_increase"), (5, "concept_shift")):
        table = numbers(data.generate(month=month, rows=1500, seed=4, scenario=scenario))
        logged = table.drop(columns=["Churn"]).assign(
            churn_probability=model.predict_proba(table)[:, 1], model_version="1"
        )
        windows[month] = (logged, table[["customerID", "Churn"]])
    return reference, windows


@pytest.mark.points(
    2,
    exercise="signals_from_monitoring",
    hint="Ask lesson 10's module for the verdict and for the accuracy of the logged answers: "
    "one drift check, the same one the monitor's alerts use.",
    more="drift.detect_drift(reference, window).drifted; "
    "drift.performance_check(window, labels, baseline_accuracy).accuracy.",
)
def test_signals_come_from_lesson_10(retraining, lesson10, monitored):
    reference, windows = monitored
    logged, labels = windows[3]
    spy = SpyDrift(lesson10)
    until = date(2026, 4, 30)
    signals = retraining.signals_from_monitoring(spy, reference, logged, labels, 0.875, until, 2)
    expected = lesson10.performance_check(logged, labels, 0.875).accuracy
    seen = (
        signals.drifted,
        signals.accuracy,
        signals.labelled_until,
        signals.failed_gates_in_a_row,
    )
    assert seen == (True, expected, until, 2), (
        "expected a 9 % price rise to drift, the accuracy of the logged answers "
        f"({expected:.4f}), the labelled window's end and the failure count passed on: "
        f"{(True, round(expected, 4), until, 2)}, saw {seen}"
    )
    assert spy.calls.count("detect_drift") == 1, (
        f"expected lesson 10's detect_drift to be called once, saw the calls {spy.calls}"
    )


@pytest.mark.points(
    2,
    exercise="signals_from_monitoring",
    hint="Without labels, or with labels that belong to no answer of the window (lesson 10 "
    "refuses those), there is no accuracy and no labelled window yet: not an error.",
)
def test_signals_without_labels(retraining, lesson10, monitored):
    reference, windows = monitored
    logged, _ = windows[1]
    _, other_labels = windows[3]  # month 3's customers: none of them is in month 1's window
    for labels, situation in (
        (None, "labels not arrived"),
        (other_labels, "labels of other customers"),
    ):
        signals = retraining.signals_from_monitoring(
            lesson10, reference, logged, labels, 0.875, date(2026, 2, 28)
        )
        seen = (signals.drifted, signals.accuracy, signals.labelled_until)
        assert seen == (False, None, None), (
            f"expected a quiet window with {situation}: (drifted False, accuracy None, "
            f"labelled_until None), saw {seen}"
        )


@pytest.mark.points(
    1,
    exercise="signals_from_monitoring",
    hint="A concept shift leaves the inputs as they were: the verdict says no drift, and only "
    "the labelled answers show the loss. Pass the baseline through unchanged.",
)
def test_signals_of_a_concept_shift(retraining, lesson10, monitored):
    reference, windows = monitored
    logged, labels = windows[5]
    baseline = 0.875
    signals = retraining.signals_from_monitoring(
        lesson10, reference, logged, labels, baseline, date(2026, 6, 30)
    )
    seen = (signals.drifted, signals.baseline_accuracy, signals.failed_gates_in_a_row)
    assert seen == (False, baseline, 0), (
        "expected a concept-shift month to show no drift, the baseline passed through and no "
        f"failed gates by default: (False, {baseline}, 0), saw {seen}"
    )
    assert signals.accuracy is not None and signals.accuracy < baseline - 0.05, (
        "expected the labelled answers to show the loss (accuracy more than 0.05 below "
        f"{baseline}), saw accuracy {signals.accuracy!r}"
    )
