"""Grading tests for lesson 04: logging runs to MLflow, finding the best one, reloading it.

Every test talks to a real MLflow store: a pre-migrated SQLite file copied into
a temporary folder (``fresh_store``). Runs are logged once per module and
only read afterwards, so the file stays fast. The runs that ``best_run`` and
``reload_and_score`` read are logged here, with this file's own code, so each
exercise is graded on its own; expected metrics are recomputed here with
scikit-learn, never taken from the code under test.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from mlops_course import data
from mlops_course.grading.plugin import expect_error
from mlops_course.mlflow_store import fresh_store

ROWS = 1200  # small: the tests are about tracking, not about a good model
FIRST = {"C": 1.0, "class_weight": None}
SECOND = {"C": 0.05, "class_weight": "balanced", "max_iter": 500}
COMMITS = ("3f1c9a0e5b7d2468ace0f1357b9d2468ace0f135", "b7e2d4f6a8c0e1d3f5a7b9c1e3d5f7a9b1c3d5e7")
HASHES = ("0cc175b9c0f1b6a831c399e269772661", "92eb5ffee6ae2fec3ad71c777531578f")
EXPERIMENT = "churn"


def folder_of(uri: str) -> Path:
    """A local artifact location (a file:// URI or a plain path) as a resolved Path."""
    path = unquote(urlparse(uri).path) if uri.startswith("file:") else uri
    return Path(path).resolve()


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# --- shared fixtures -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_run_left_open():
    """A run left open by a failing test must not swallow the next test's logging."""
    yield
    mlflow = sys.modules.get("mlflow")
    while mlflow is not None and mlflow.active_run() is not None:
        mlflow.end_run(status="FAILED")


@pytest.fixture(scope="module")
def tracking(exercise):
    return exercise("04", "tracking")


@pytest.fixture(scope="module")
def split():
    """(train, test): month 0, stratified on Churn, the same rows every time."""
    from sklearn.model_selection import train_test_split

    table = data.generate(month=0, rows=ROWS, seed=7)
    return tuple(train_test_split(table, test_size=0.25, random_state=0, stratify=table["Churn"]))


def reference_features(table):
    """This file's own preprocessing: the features and the 0/1 target of a raw month."""
    import pandas as pd

    features = table.drop(columns=["customerID", "Churn"])
    text = features["TotalCharges"].astype(str).str.strip()
    features["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"))
    numeric = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
    features[numeric] = features[numeric].astype("float64")
    return features, (table["Churn"] == "Yes").astype(int)


def reference_pipeline(C: float, class_weight: str | None):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
    encode = ColumnTransformer(
        [
            ("numbers", StandardScaler(), numeric),
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(data.CATEGORICAL_COLUMNS)),
        ]
    )
    model = LogisticRegression(C=C, class_weight=class_weight, max_iter=1000)
    return Pipeline([("encode", encode), ("classify", model)])


def scores(model, table) -> dict[str, float]:
    """Accuracy and churn recall of a fitted model on a raw table, computed here."""
    from sklearn.metrics import accuracy_score, recall_score

    features, target = reference_features(table)
    predicted = model.predict(features)
    return {
        "accuracy": float(accuracy_score(target, predicted)),
        "recall": float(recall_score(target, predicted, zero_division=0)),
    }


def logged_models(client, run):
    """The models a run logged, looked up in the store by this file."""
    return list(
        client.search_logged_models(
            experiment_ids=[run.info.experiment_id],
            filter_string=f"source_run_id = '{run.info.run_id}'",
        )
    )


def get_run(client, run_id, what: str):
    """The run with this id, or a failure that says what came back instead."""
    if not isinstance(run_id, str) or not run_id:
        pytest.fail(f"expected {what} to return a run id (a string), saw {run_id!r}", pytrace=False)
    try:
        return client.get_run(run_id)
    except Exception:  # noqa: BLE001 - any lookup error means the same thing here
        pytest.fail(
            f"expected {what} to return the id of a run in the store, saw {run_id!r}, "
            "which the store does not know",
            pytrace=False,
        )


# --- train_and_log -------------------------------------------------------------------------


@dataclass
class Logged:
    """What train_and_log left behind: the store, its folder and the runs it made."""

    uri: str
    folder: Path
    cwd: Path
    client: object
    run_ids: list


@pytest.fixture(scope="module")
def logged(tracking, mlflow, split, tmp_path_factory):
    """One call of the learner's train_and_log, run from a scratch current folder."""
    folder = tmp_path_factory.mktemp("train_and_log")
    uri = fresh_store(folder)
    cwd = folder / "current-folder"
    cwd.mkdir()
    train, test = split
    with contextlib.chdir(cwd):
        run_id = tracking.train_and_log(
            train,
            test,
            dict(FIRST),
            uri,
            EXPERIMENT,
            (folder / "artifacts").as_uri(),
            COMMITS[0],
            HASHES[0],
        )
    return Logged(uri, folder, cwd, mlflow.MlflowClient(uri), [run_id])


@pytest.fixture(scope="module")
def logged_twice(tracking, logged, split):
    """A second call into the same experiment, with other settings, commit and data hash."""
    train, test = split
    with contextlib.chdir(logged.cwd):
        run_id = tracking.train_and_log(
            train,
            test,
            dict(SECOND),
            logged.uri,
            EXPERIMENT,
            (logged.folder / "other-artifacts").as_uri(),
            COMMITS[1],
            HASHES[1],
        )
    logged.run_ids.append(run_id)
    return logged


def load_model(mlflow, uri: str, model_uri: str):
    """Load a logged model from the store at ``uri``, whatever store is current."""
    mlflow.set_tracking_uri(uri)  # a models:/ URI resolves through the current store
    return mlflow.sklearn.load_model(model_uri)


def the_model(logged: Logged, run, mlflow):
    """The one model named 'model' the run logged, loaded; fails with what was found."""
    models = logged_models(logged.client, run)
    names = [model.name for model in models]
    assert names == ["model"], (
        f"expected the run to log exactly one model named 'model', saw models named {names}"
    )
    return models[0], load_model(mlflow, logged.uri, models[0].model_uri)


@pytest.mark.points(0, exercise="train_and_log", hint="Keep the functions' names and arguments.")
def test_train_and_log_signatures(tracking):
    expected = {
        "train_and_log": [
            "train",
            "test",
            "params",
            "tracking_uri",
            "experiment_name",
            "artifact_location",
            "git_commit",
            "data_hash",
        ],
        "get_or_create_experiment": ["tracking_uri", "name", "artifact_location"],
        "evaluate": ["model", "table"],
    }
    for name, arguments in expected.items():
        seen = list(inspect.signature(getattr(tracking, name)).parameters)
        assert seen == arguments, f"expected {name}({', '.join(arguments)}), saw {name}{seen}"


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="Log inside `with mlflow.start_run(experiment_id=...) as run:` and return run.info.run_id.",
)
def test_returns_the_id_of_a_finished_run_in_the_experiment(logged):
    run = get_run(logged.client, logged.run_ids[0], "train_and_log")
    experiment = logged.client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None, f"expected an experiment named {EXPERIMENT!r}, saw none"
    assert run.info.experiment_id == experiment.experiment_id, (
        f"expected the run in experiment {EXPERIMENT!r} (id {experiment.experiment_id}), "
        f"saw it in experiment id {run.info.experiment_id}"
    )
    assert run.info.status == "FINISHED", (
        f"expected the run to be FINISHED when train_and_log returns, saw {run.info.status}"
    )


@pytest.mark.points(2, exercise="train_and_log", hint="mlflow.log_params(params): every key.")
def test_logs_every_parameter(logged_twice):
    for run_id, params in zip(logged_twice.run_ids, (FIRST, SECOND), strict=True):
        run = get_run(logged_twice.client, run_id, "train_and_log")
        expected = {key: str(value) for key, value in params.items()}
        seen = {key: run.data.params.get(key) for key in expected}
        assert seen == expected, (
            f"expected the parameters {expected} (MLflow stores text), saw {run.data.params}"
        )


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="Measure accuracy and recall on `test`, the rows the model never saw, not on `train`.",
)
def test_metrics_are_the_models_scores_on_the_test_rows(logged, split, mlflow):
    train, test = split
    run = get_run(logged.client, logged.run_ids[0], "train_and_log")
    _, model = the_model(logged, run, mlflow)
    expected = scores(model, test)
    on_train = scores(model, train)
    for name in ("accuracy", "recall"):
        seen = run.data.metrics.get(name)
        hint = " (that is its score on train)" if seen == pytest.approx(on_train[name]) else ""
        assert seen == pytest.approx(expected[name], abs=1e-9), (
            f"expected the metric {name!r} to be the logged model's score on the test rows, "
            f"{expected[name]:.4f}, saw {seen!r}{hint}"
        )


@pytest.mark.points(
    1,
    exercise="train_and_log",
    hint='mlflow.set_tags({"git_commit": git_commit, "data_hash": data_hash}).',
)
def test_tags_link_the_run_to_code_and_data(logged_twice):
    for run_id, commit, digest in zip(logged_twice.run_ids, COMMITS, HASHES, strict=True):
        run = get_run(logged_twice.client, run_id, "train_and_log")
        seen = {key: run.data.tags.get(key) for key in ("git_commit", "data_hash")}
        assert seen == {"git_commit": commit, "data_hash": digest}, (
            f"expected the tags git_commit={commit[:10]}... and data_hash={digest[:10]}... "
            f"of that call, saw {seen}"
        )


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint='mlflow.sklearn.log_model(model, name="model", ...) with the pipeline fitted on train.',
)
def test_logs_the_pipeline_trained_with_the_params(logged_twice, mlflow):
    for run_id, params in zip(logged_twice.run_ids, (FIRST, SECOND), strict=True):
        run = get_run(logged_twice.client, run_id, "train_and_log")
        _, model = the_model(logged_twice, run, mlflow)
        classifier = model[-1] if hasattr(model, "steps") else model
        seen = {"C": getattr(classifier, "C", None)}
        seen["class_weight"] = getattr(classifier, "class_weight", None)
        expected = {"C": params["C"], "class_weight": params["class_weight"]}
        assert seen == expected, (
            f"expected the logged model to be trained with {expected}, saw {seen}"
        )
        assert hasattr(classifier, "coef_"), "expected a fitted model, saw an unfitted one"


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="infer_signature(test features, predictions): features without customerID and Churn.",
)
def test_model_has_a_signature_and_an_input_example(logged, split, mlflow):
    run = get_run(logged.client, logged.run_ids[0], "train_and_log")
    found, _ = the_model(logged, run, mlflow)
    info = mlflow.models.get_model_info(found.model_uri)
    assert info.signature is not None, "expected the model to carry a signature, saw none"
    expected = sorted(reference_features(split[1])[0].columns)
    seen = sorted(info.signature.inputs.input_names())
    extra = sorted(set(seen) - set(expected))
    missing = sorted(set(expected) - set(seen))
    assert not extra and not missing, (
        f"expected the signature's inputs to be the {len(expected)} feature columns, "
        f"saw extra {extra} and missing {missing} (infer it from the features, not the table)"
    )
    assert info.signature.outputs is not None, "expected the signature to describe the output"
    assert info.saved_input_example_info is not None, (
        "expected an input example stored with the model (input_example=...), saw none"
    )


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="Create the experiment with artifact_location=...; never let artifacts go to ./mlruns.",
)
def test_artifacts_go_to_the_artifact_location(logged, mlflow):
    run = get_run(logged.client, logged.run_ids[0], "train_and_log")
    artifacts = (logged.folder / "artifacts").resolve()
    experiment = logged.client.get_experiment(run.info.experiment_id)
    location = folder_of(experiment.artifact_location)
    assert location == artifacts, (
        f"expected the experiment's artifact location {artifacts}, saw {location}"
    )
    found, _ = the_model(logged, run, mlflow)
    assert inside(folder_of(found.artifact_location), artifacts), (
        f"expected the model's files under {artifacts}, saw {found.artifact_location}"
    )
    strays = sorted(path.name for path in logged.cwd.iterdir())
    assert not strays, (
        f"expected nothing written to the current folder, saw {strays} "
        "(a default tracking URI or artifact location is relative to it)"
    )


@pytest.mark.points(
    1,
    exercise="train_and_log",
    hint="If the experiment exists already, use it: get_experiment_by_name before creating.",
)
def test_a_second_run_joins_the_existing_experiment(logged_twice):
    client = logged_twice.client
    experiments = [e for e in client.search_experiments() if e.name == EXPERIMENT]
    assert len(experiments) == 1, (
        f"expected one experiment named {EXPERIMENT!r}, saw {len(experiments)}"
    )
    runs = [get_run(client, run_id, "train_and_log") for run_id in logged_twice.run_ids]
    ids = {run.info.run_id for run in runs}
    assert len(ids) == 2, f"expected two different runs for two calls, saw {sorted(ids)}"
    places = {run.info.experiment_id for run in runs}
    assert places == {experiments[0].experiment_id}, (
        f"expected both runs in experiment {experiments[0].experiment_id}, saw {sorted(places)}"
    )


class FixedModel:
    """A stand-in model: predicts the given labels and remembers the columns it was shown."""

    def __init__(self, predictions):
        self.predictions = predictions
        self.columns = None

    def predict(self, features):
        self.columns = list(features.columns)
        return list(self.predictions)


def labelled(labels: list[str]):
    """A few real customers with the churn labels replaced by ``labels``."""
    table = data.generate(month=0, rows=len(labels), seed=3)
    table["Churn"] = labels
    return table


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="Recall is about churners: recall_score(target, predicted) with 1 = Churn 'Yes'.",
)
def test_evaluate_measures_recall_of_the_churners(tracking):
    table = labelled(["Yes", "Yes", "No", "No", "No"])
    model = FixedModel([1, 0, 0, 0, 1])
    result = tracking.evaluate(model, table)
    expected = {"accuracy": 0.6, "recall": 0.5}
    seen = {key: result.get(key) for key in expected} if isinstance(result, dict) else result
    assert seen == pytest.approx(expected), (
        f"expected {expected} (3 of 5 right; 1 of 2 churners caught), saw {seen} "
        "(recall of the stayers would be 0.667)"
    )
    assert model.columns is not None and "Churn" not in model.columns, (
        f"expected the model to get the features without Churn, saw the columns {model.columns}"
    )


@pytest.mark.points(
    1, exercise="train_and_log", hint="With no churner, recall is 0.0: zero_division=0."
)
def test_evaluate_without_churners(tracking):
    table = labelled(["No", "No", "No", "No"])
    with_no_churner = tracking.evaluate(FixedModel([0, 0, 1, 0]), table)
    assert with_no_churner == {"accuracy": 0.75, "recall": 0.0}, (
        f"expected {{'accuracy': 0.75, 'recall': 0.0}} for a table without churners, "
        f"saw {with_no_churner}"
    )


# --- best_run ------------------------------------------------------------------------------

START = 1_767_225_600_000  # 1 January 2026, in milliseconds: runs start a minute apart

# experiment -> runs as (metrics, params, status), in the order they started
RUN_PLANS = {
    "grid": [
        ({"accuracy": 0.80, "recall": 0.70}, {"C": "1.0", "class_weight": "None"}, "FINISHED"),
        ({"accuracy": 0.86, "recall": 0.55}, {"C": "0.1", "class_weight": "balanced"}, "FINISHED"),
        ({"accuracy": 0.83, "recall": 0.75}, {"C": "10.0", "class_weight": "balanced"}, "FINISHED"),
        ({"accuracy": 0.78, "recall": 0.60}, {"C": "0.01", "class_weight": "None"}, "FINISHED"),
    ],
    "ties": [
        ({"accuracy": 0.84}, {"C": "3"}, "FINISHED"),
        ({"accuracy": 0.87}, {"C": "1"}, "FINISHED"),
        ({"accuracy": 0.87}, {"C": "2"}, "FINISHED"),
    ],
    "crashed": [
        ({"accuracy": 0.85}, {"C": "1"}, "FINISHED"),
        ({"accuracy": 0.99}, {"C": "2"}, "FAILED"),
        ({"recall": 0.9}, {"C": "3"}, "FINISHED"),
    ],
    "empty": [],
    "no-accuracy": [({"recall": 0.9}, {"C": "1"}, "FINISHED")],
}


@pytest.fixture(scope="module")
def runs_store(mlflow, tmp_path_factory):
    """A store holding the runs of RUN_PLANS, logged here; returns (uri, {experiment: ids})."""
    folder = tmp_path_factory.mktemp("best_run")
    uri = fresh_store(folder)
    client = mlflow.MlflowClient(uri)
    ids = {}
    for number, (name, plan) in enumerate(RUN_PLANS.items()):
        experiment_id = client.create_experiment(
            name, artifact_location=(folder / "artifacts" / str(number)).as_uri()
        )
        ids[name] = []
        for index, (metrics, params, status) in enumerate(plan):
            start = START + 60_000 * index
            run = client.create_run(experiment_id, start_time=start, run_name=f"run-{index}")
            for key, value in metrics.items():
                client.log_metric(run.info.run_id, key, value, timestamp=start)
            for key, value in params.items():
                client.log_param(run.info.run_id, key, value)
            client.set_terminated(run.info.run_id, status=status, end_time=start + 30_000)
            ids[name].append(run.info.run_id)
    return uri, ids


def name_of(run_id, ids: dict) -> str:
    """Which planned run an id is, for messages: 'grid run 2'."""
    for experiment, run_ids in ids.items():
        if run_id in run_ids:
            return f"{experiment} run {run_ids.index(run_id)}"
    return repr(run_id)


@pytest.mark.points(
    0, exercise="best_run", hint="Keep best_run(tracking_uri, experiment_name, metric)."
)
def test_best_run_signature(tracking):
    seen = list(inspect.signature(tracking.best_run).parameters)
    expected = ["tracking_uri", "experiment_name", "metric"]
    assert seen == expected, f"expected best_run({', '.join(expected)}), saw best_run{seen}"
    default = inspect.signature(tracking.best_run).parameters["metric"].default
    assert default == "accuracy", f"expected metric to default to 'accuracy', saw {default!r}"


@pytest.mark.points(
    2,
    exercise="best_run",
    hint='Order by the metric, highest first: order_by=[f"metrics.`{metric}` DESC", ...].',
)
def test_finds_the_most_accurate_run(tracking, runs_store):
    uri, ids = runs_store
    result = tracking.best_run(uri, "grid")
    seen = result.get("run_id") if isinstance(result, dict) else result
    expected = ids["grid"][1]
    mistakes = {
        ids["grid"][0]: " (the first run logged: did you sort at all?)",
        ids["grid"][3]: " (the lowest accuracy: sorted ascending?)",
    }
    assert seen == expected, (
        f"expected grid run 1 (accuracy 0.86) as the best of four, saw {name_of(seen, ids)}"
        f"{mistakes.get(seen, '')}"
    )


@pytest.mark.points(
    2,
    exercise="best_run",
    hint='Return {"run_id": ..., "value": float(metrics[metric]), "params": dict(run.data.params)}.',
)
def test_returns_the_value_and_the_params(tracking, runs_store):
    uri, _ = runs_store
    result = tracking.best_run(uri, "grid")
    assert isinstance(result, dict), f"expected a dict, saw {result!r}"
    value = result.get("value")
    assert isinstance(value, float) and value == pytest.approx(0.86), (
        f"expected value 0.86 (a float), saw {value!r}"
    )
    params = result.get("params")
    expected = {"C": "0.1", "class_weight": "balanced"}
    assert params == expected, f"expected the params {expected}, saw {params!r}"


@pytest.mark.points(
    1, exercise="best_run", hint="Sort by the metric you are given, not 'accuracy'."
)
def test_uses_the_metric_argument(tracking, runs_store):
    uri, ids = runs_store
    result = tracking.best_run(uri, "grid", metric="recall")
    seen = result.get("run_id") if isinstance(result, dict) else result
    assert seen == ids["grid"][2], (
        f"expected grid run 2 (recall 0.75) for metric='recall', saw {name_of(seen, ids)}"
    )
    value = result.get("value") if isinstance(result, dict) else None
    assert value == pytest.approx(0.75), f"expected value 0.75 for recall, saw {value!r}"


@pytest.mark.points(
    1,
    exercise="best_run",
    hint='Break ties by start time, oldest first: add "attributes.start_time ASC" to order_by.',
)
def test_a_tie_goes_to_the_earliest_run(tracking, runs_store):
    uri, ids = runs_store
    result = tracking.best_run(uri, "ties")
    seen = result.get("run_id") if isinstance(result, dict) else result
    why = " (MLflow lists the newest first among equals)" if seen == ids["ties"][2] else ""
    assert seen == ids["ties"][1], (
        f"expected ties run 1, the earlier of two runs at 0.87, saw {name_of(seen, ids)}{why}"
    )


@pytest.mark.points(
    1,
    exercise="best_run",
    hint="Count FINISHED runs that logged the metric: filter_string=\"attributes.status = 'FINISHED'\".",
)
def test_failed_runs_and_runs_without_the_metric_do_not_count(tracking, runs_store):
    uri, ids = runs_store
    result = tracking.best_run(uri, "crashed")
    seen = result.get("run_id") if isinstance(result, dict) else result
    assert seen == ids["crashed"][0], (
        f"expected crashed run 0 (0.85, the only finished run with an accuracy), saw "
        f"{name_of(seen, ids)} (run 1 FAILED at 0.99; run 2 logged no accuracy)"
    )


@pytest.mark.points(
    2,
    exercise="best_run",
    hint="No experiment, or no finished run with the metric: raise ValueError, never return None.",
)
def test_nothing_to_choose_from_raises_value_error(tracking, runs_store):
    uri, _ = runs_store
    cases = (
        ("empty", "accuracy", "for an experiment with no runs"),
        ("no-accuracy", "accuracy", "when no run logged 'accuracy'"),
        ("grid", "f1", "for a metric nobody logged"),
        ("no-such-experiment", "accuracy", "for an experiment that does not exist"),
    )
    for experiment, metric, situation in cases:
        expect_error(
            ValueError, lambda e=experiment, m=metric: tracking.best_run(uri, e, m), situation
        )


# --- reload_and_score ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def models_store(mlflow, split, tmp_path_factory):
    """Two runs with a logged model each (C=1.0 and a weak C=0.001) and one run without.

    Returns (uri, [run ids], [logged accuracies]). Logged here, not by train_and_log.
    """
    from importlib import metadata

    from mlflow.models import infer_signature

    folder = tmp_path_factory.mktemp("reload_and_score")
    uri = fresh_store(folder)
    train, test = split
    requirements = [f"{name}=={metadata.version(name)}" for name in ("scikit-learn", "skops")]
    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment(
        "models", artifact_location=(folder / "artifacts").as_uri()
    )
    test_features, _ = reference_features(test)
    run_ids, accuracies = [], []
    for C, class_weight in ((1.0, None), (0.001, None)):
        model = reference_pipeline(C, class_weight).fit(*reference_features(train))
        accuracy = scores(model, test)["accuracy"]
        with mlflow.start_run(experiment_id=experiment_id) as run:
            mlflow.log_params({"C": C, "class_weight": class_weight})
            mlflow.log_metric("accuracy", accuracy)
            mlflow.sklearn.log_model(
                model,
                name="model",
                signature=infer_signature(test_features, model.predict(test_features)),
                input_example=test_features.head(3),
                pip_requirements=requirements,
            )
        run_ids.append(run.info.run_id)
        accuracies.append(accuracy)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_metric("accuracy", 0.5)  # a run that crashed before logging its model
    run_ids.append(run.info.run_id)
    assert accuracies[0] != accuracies[1], "the two models must score differently"
    return uri, run_ids, accuracies


@pytest.mark.points(
    0, exercise="reload_and_score", hint="Keep reload_and_score(tracking_uri, run_id, test)."
)
def test_reload_and_score_signature(tracking):
    for name, expected in (
        ("reload_and_score", ["tracking_uri", "run_id", "test"]),
        ("logged_model_uri", ["tracking_uri", "run_id"]),
    ):
        seen = list(inspect.signature(getattr(tracking, name)).parameters)
        assert seen == expected, f"expected {name}({', '.join(expected)}), saw {name}{seen}"


@pytest.mark.points(
    3,
    exercise="reload_and_score",
    hint="Find the run's model (search_logged_models), load it, score it on test.",
)
def test_reproduces_the_logged_accuracy(tracking, models_store, split):
    uri, run_ids, accuracies = models_store
    seen = tracking.reload_and_score(uri, run_ids[0], split[1])
    assert seen == pytest.approx(accuracies[0], abs=1e-12), (
        f"expected the accuracy the run logged, {accuracies[0]:.4f}, saw {seen!r}"
    )


@pytest.mark.points(
    2,
    exercise="reload_and_score",
    hint="Load the model of *this* run: filter on source_run_id, not the newest or first model.",
)
def test_each_run_gets_its_own_model(tracking, models_store, split):
    uri, run_ids, accuracies = models_store
    for index in (1, 0):
        seen = tracking.reload_and_score(uri, run_ids[index], split[1])
        assert seen == pytest.approx(accuracies[index], abs=1e-12), (
            f"expected run {index}'s logged accuracy {accuracies[index]:.4f}, saw {seen!r} "
            f"(the other run's model scores {accuracies[1 - index]:.4f})"
        )


@pytest.mark.points(
    2,
    exercise="reload_and_score",
    hint="Use the tracking_uri you are given: mlflow.set_tracking_uri(tracking_uri) first.",
)
def test_reads_the_store_it_is_given(tracking, models_store, split, mlflow, tmp_path):
    uri, run_ids, accuracies = models_store
    mlflow.set_tracking_uri(fresh_store(tmp_path / "another-store"))
    try:
        seen = tracking.reload_and_score(uri, run_ids[0], split[1])
    finally:
        mlflow.set_tracking_uri(uri)
    assert seen == pytest.approx(accuracies[0], abs=1e-12), (
        f"expected {accuracies[0]:.4f} from the store passed as tracking_uri while another "
        f"store was the current one, saw {seen!r}"
    )


@pytest.mark.points(
    1, exercise="reload_and_score", hint="Score the table you are given, whatever month it is."
)
def test_scores_the_table_it_is_given(tracking, models_store, mlflow):
    uri, run_ids, _ = models_store
    later = data.generate(month=3, rows=300, seed=11, scenario="concept_shift")
    client = mlflow.MlflowClient(uri)
    found = logged_models(client, client.get_run(run_ids[0]))
    expected = scores(load_model(mlflow, uri, found[0].model_uri), later)["accuracy"]
    seen = tracking.reload_and_score(uri, run_ids[0], later)
    assert seen == pytest.approx(expected, abs=1e-12), (
        f"expected the model's accuracy on the 300 month-3 customers, {expected:.4f}, saw {seen!r}"
    )


@pytest.mark.points(
    1,
    exercise="reload_and_score",
    hint="A run that logged no model: raise ValueError saying so.",
)
def test_a_run_without_a_model_raises_value_error(tracking, models_store, split):
    uri, run_ids, _ = models_store
    expect_error(
        ValueError,
        lambda: tracking.reload_and_score(uri, run_ids[2], split[1]),
        "for a run that logged no model",
    )
