"""Grading tests for lesson 04: log runs, choose on validation rows, reload, test once.

Every test talks to a real MLflow store: a pre-migrated SQLite file copied into
a temporary folder (``fresh_store``). Runs are logged once per module and
only read afterwards, so the file stays fast. The runs that ``best_run``,
``reload_and_score`` and ``choose_and_test`` read are logged here, with this
file's own code, so each exercise is graded on its own; expected metrics and
models are recomputed here with scikit-learn, never taken from the code under test.

Month 0 is split three ways, as the lesson teaches: train (the model learns),
validation (runs are compared and chosen), test (the chosen model is scored once).
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
    """(train, validation, test): month 0 in 60/20/20, stratified on Churn, the same every time."""
    from sklearn.model_selection import train_test_split

    table = data.generate(month=0, rows=ROWS, seed=7)
    rest, test = train_test_split(table, test_size=0.2, random_state=0, stratify=table["Churn"])
    train, validation = train_test_split(
        rest, test_size=0.25, random_state=0, stratify=rest["Churn"]
    )
    return train, validation, test


def reference_features(table):
    """This file's own preprocessing: the features and the 0/1 target of a raw month."""
    import pandas as pd

    features = table.drop(columns=["customerID", "Churn"])
    text = features["TotalCharges"].astype(str).str.strip()
    features["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"))
    numeric = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
    features[numeric] = features[numeric].astype("float64")
    return features, (table["Churn"] == "Yes").astype(int)


def reference_pipeline(params: dict):
    """This file's own copy of the lesson's pipeline, unfitted, with ``params``."""
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
    model = LogisticRegression(
        C=float(params.get("C", 1.0)),
        class_weight=params.get("class_weight"),
        max_iter=int(params.get("max_iter", 1000)),
    )
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
    train, validation, _ = split
    with contextlib.chdir(cwd):
        run_id = tracking.train_and_log(
            train,
            validation,
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
    train, validation, _ = split
    with contextlib.chdir(logged.cwd):
        run_id = tracking.train_and_log(
            train,
            validation,
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


@pytest.mark.points(
    0, exercise="train_and_log", hint="Keep the functions' names and their arguments in order."
)
def test_train_and_log_signatures(tracking):
    expected = {
        "train_and_log": [
            "train",
            "validation",
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
    hint="Everything the run records happens while the run is open, and the function hands "
    "back the id the store gave that run.",
    more="with mlflow.start_run(experiment_id=experiment_id) as run: ... return run.info.run_id",
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


@pytest.mark.points(
    1,
    exercise="train_and_log",
    hint="Train while the run is open: a fit that crashes then leaves a FAILED run behind, "
    "not silence.",
    more="Call build_pipeline(params).fit(...) inside the `with mlflow.start_run(...)` block.",
)
def test_a_fit_that_crashes_leaves_a_failed_run(tracking, logged, split, mlflow):
    train, validation, _ = split
    try:
        with contextlib.chdir(logged.cwd):
            tracking.train_and_log(
                train,
                validation,
                {"C": -1.0},  # scikit-learn refuses a negative C when fitting
                logged.uri,
                "crashing",
                (logged.folder / "crashing").as_uri(),
                COMMITS[0],
                HASHES[0],
            )
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001, S110 - the crash itself is expected; its trace is checked
        pass
    experiment = logged.client.get_experiment_by_name("crashing")
    runs = logged.client.search_runs([experiment.experiment_id]) if experiment else []
    statuses = [run.info.status for run in runs]
    assert statuses == ["FAILED"], (
        f"expected one FAILED run after a fit with C=-1 crashed, saw runs with statuses "
        f"{statuses} (a model fitted before the run starts leaves no trace when it crashes)"
    )


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="Each setting you chose becomes a parameter of the run, all of them.",
    more="mlflow.log_params(params)",
)
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
    hint="Runs are compared on the validation rows: score the model there, and name each "
    "metric after those rows.",
    more='mlflow.log_metrics({"val_accuracy": ..., "val_recall": ...}) with evaluate(model, validation)',
)
def test_metrics_are_the_models_scores_on_the_validation_rows(logged, split, mlflow):
    train, validation, test = split
    run = get_run(logged.client, logged.run_ids[0], "train_and_log")
    _, model = the_model(logged, run, mlflow)
    expected = scores(model, validation)
    elsewhere = {"train": scores(model, train), "test": scores(model, test)}
    for name in ("accuracy", "recall"):
        seen = run.data.metrics.get(f"val_{name}")
        if seen is None:
            pytest.fail(
                f"expected a metric 'val_{name}' (the model's {name} on the validation rows), "
                f"saw the metrics {sorted(run.data.metrics)}",
                pytrace=False,
            )
        which = [rows for rows, found in elsewhere.items() if seen == pytest.approx(found[name])]
        why = f" (that is its score on the {which[0]} rows)" if which else ""
        assert seen == pytest.approx(expected[name], abs=1e-9), (
            f"expected val_{name} to be the logged model's score on the validation rows, "
            f"{expected[name]:.4f}, saw {seen!r}{why}"
        )


@pytest.mark.points(
    2,
    exercise="train_and_log",
    hint="The model learns from the training rows and nothing else: rows that judge a model "
    "must be rows it never saw.",
    more="Fit on features_and_target(train) only; never on pd.concat([train, validation]).",
)
def test_the_model_learnt_from_the_training_rows_alone(logged, split, mlflow):
    import numpy as np

    train, validation, _ = split
    run = get_run(logged.client, logged.run_ids[0], "train_and_log")
    _, model = the_model(logged, run, mlflow)
    reference = reference_pipeline(FIRST).fit(*reference_features(train))
    features, _ = reference_features(validation)
    difference = np.abs(
        model.predict_proba(features)[:, 1] - reference.predict_proba(features)[:, 1]
    ).max()
    assert difference < 1e-6, (
        f"expected the logged model to be the pipeline fitted on the {len(train)} training rows "
        f"alone, saw churn probabilities up to {difference:.4f} away from that model's: did it "
        "also learn from the validation (or test) rows?"
    )


@pytest.mark.points(
    1,
    exercise="train_and_log",
    hint="Two tags tie the run to the code and the data it came from.",
    more='mlflow.set_tags({"git_commit": git_commit, "data_hash": data_hash})',
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
    hint="Store the fitted pipeline itself with the run, under the name the others look for.",
    more='mlflow.sklearn.log_model(model, name="model", ...)',
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
    hint="Describe the model's inputs from what it is really given: the features, without "
    "the id and the label.",
    more="signature=infer_signature(features, model.predict(features)) and input_example=features.head(5)",
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
    hint="A new experiment must be told where its files go, or they land beside whatever "
    "folder you ran from.",
    more="client.create_experiment(name, artifact_location=artifact_location)",
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
    hint="A second call with the same experiment name joins the experiment that exists.",
    more="client.get_experiment_by_name(name) first; create only when it returns None.",
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
    hint="Recall answers: of the customers who really left, what share did the model flag?",
    more="recall_score(target, predicted, pos_label=1): 1 is a churner.",
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
    1,
    exercise="train_and_log",
    hint="A month without a single churner has nothing to recall: that is 0.0, not an error.",
    more="recall_score(..., zero_division=0)",
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
        (
            {"val_accuracy": 0.80, "val_recall": 0.70},
            {"C": "1.0", "class_weight": "None"},
            "FINISHED",
        ),
        (
            {"val_accuracy": 0.86, "val_recall": 0.55},
            {"C": "0.1", "class_weight": "balanced"},
            "FINISHED",
        ),
        (
            {"val_accuracy": 0.83, "val_recall": 0.75},
            {"C": "10.0", "class_weight": "balanced"},
            "FINISHED",
        ),
        (
            {"val_accuracy": 0.78, "val_recall": 0.60},
            {"C": "0.01", "class_weight": "None"},
            "FINISHED",
        ),
    ],
    "ties": [
        ({"val_accuracy": 0.84}, {"C": "3"}, "FINISHED"),
        ({"val_accuracy": 0.87}, {"C": "1"}, "FINISHED"),
        ({"val_accuracy": 0.87}, {"C": "2"}, "FINISHED"),
    ],
    "crashed": [
        ({"val_accuracy": 0.85}, {"C": "1"}, "FINISHED"),
        ({"val_accuracy": 0.99}, {"C": "2"}, "FAILED"),
        ({"val_recall": 0.9}, {"C": "3"}, "FINISHED"),
    ],
    "empty": [],
    "no-accuracy": [({"val_recall": 0.9}, {"C": "1"}, "FINISHED")],
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
    0, exercise="best_run", hint="Keep the three arguments, the metric defaulting to val_accuracy."
)
def test_best_run_signature(tracking):
    seen = list(inspect.signature(tracking.best_run).parameters)
    expected = ["tracking_uri", "experiment_name", "metric"]
    assert seen == expected, f"expected best_run({', '.join(expected)}), saw best_run{seen}"
    default = inspect.signature(tracking.best_run).parameters["metric"].default
    assert default == "val_accuracy", (
        f"expected metric to default to 'val_accuracy', saw {default!r}"
    )


@pytest.mark.points(
    2,
    exercise="best_run",
    hint="Let the store sort the runs by the metric, highest first, and take the top one.",
    more='order_by=[f"metrics.`{metric}` DESC", ...]',
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
        f"expected grid run 1 (val_accuracy 0.86) as the best of four, saw {name_of(seen, ids)}"
        f"{mistakes.get(seen, '')}"
    )


@pytest.mark.points(
    2,
    exercise="best_run",
    hint="Hand back the winner's id, its score as a number, and its settings as the store "
    "keeps them (text).",
    more='{"run_id": ..., "value": float(run.data.metrics[metric]), "params": dict(run.data.params)}',
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
    1, exercise="best_run", hint="Sort by the metric you are asked about, not a fixed one."
)
def test_uses_the_metric_argument(tracking, runs_store):
    uri, ids = runs_store
    result = tracking.best_run(uri, "grid", metric="val_recall")
    seen = result.get("run_id") if isinstance(result, dict) else result
    assert seen == ids["grid"][2], (
        f"expected grid run 2 (val_recall 0.75) for metric='val_recall', saw {name_of(seen, ids)}"
    )
    value = result.get("value") if isinstance(result, dict) else None
    assert value == pytest.approx(0.75), f"expected value 0.75 for val_recall, saw {value!r}"


@pytest.mark.points(
    1,
    exercise="best_run",
    hint="Among equal scores the store lists the newest run first; the course wants the "
    "oldest to win, so a newcomer must beat it.",
    more='Add "attributes.start_time ASC" after the metric in order_by.',
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
    hint="A run that crashed may have logged a great score and no model: count only runs "
    "that finished.",
    more="filter_string=\"attributes.status = 'FINISHED'\"",
)
def test_failed_runs_and_runs_without_the_metric_do_not_count(tracking, runs_store):
    uri, ids = runs_store
    result = tracking.best_run(uri, "crashed")
    seen = result.get("run_id") if isinstance(result, dict) else result
    assert seen == ids["crashed"][0], (
        f"expected crashed run 0 (0.85, the only finished run with a val_accuracy), saw "
        f"{name_of(seen, ids)} (run 1 FAILED at 0.99; run 2 logged no val_accuracy)"
    )


@pytest.mark.points(
    2,
    exercise="best_run",
    hint="When there is nothing to choose from, say so with an error instead of returning nothing.",
    more="raise ValueError(...) for a missing experiment, and when the top run lacks the metric.",
)
def test_nothing_to_choose_from_raises_value_error(tracking, runs_store):
    uri, _ = runs_store
    cases = (
        ("empty", "val_accuracy", "for an experiment with no runs"),
        ("no-accuracy", "val_accuracy", "when no run logged 'val_accuracy'"),
        ("grid", "val_f1", "for a metric nobody logged"),
        ("no-such-experiment", "val_accuracy", "for an experiment that does not exist"),
    )
    for experiment, metric, situation in cases:
        expect_error(
            ValueError, lambda e=experiment, m=metric: tracking.best_run(uri, e, m), situation
        )


# --- reload_and_score ----------------------------------------------------------------------

PLANS = {  # the models this file logs itself, fitted on the training rows
    "good": {"C": 1.0, "class_weight": None},
    "weak": {"C": 0.001, "class_weight": None},
    "eager": {"C": 0.05, "class_weight": "balanced"},
}


@pytest.fixture(scope="module")
def fitted(split):
    """The PLANS models, fitted here on the training rows."""
    train = split[0]
    return {
        name: reference_pipeline(params).fit(*reference_features(train))
        for name, params in PLANS.items()
    }


def log_reference_model(mlflow, model, validation, experiment_id, metrics: dict) -> str:
    """Log one of this file's models in a run with the given metrics; return the run id."""
    from importlib import metadata

    from mlflow.models import infer_signature

    features, _ = reference_features(validation)
    requirements = [f"{name}=={metadata.version(name)}" for name in ("scikit-learn", "skops")]
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_metrics(metrics)
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(features, model.predict(features)),
            input_example=features.head(3),
            pip_requirements=requirements,
        )
    return run.info.run_id


@pytest.fixture(scope="module")
def models_store(mlflow, split, fitted, tmp_path_factory):
    """Runs of the good and the weak model with their real validation scores, and one without.

    Returns (uri, [run ids], [validation scores]). Logged here, not by train_and_log.
    """
    folder = tmp_path_factory.mktemp("reload_and_score")
    uri = fresh_store(folder)
    validation = split[1]
    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment(
        "models", artifact_location=(folder / "artifacts").as_uri()
    )
    run_ids, logged_scores = [], []
    for name in ("good", "weak"):
        measured = scores(fitted[name], validation)
        metrics = {f"val_{key}": value for key, value in measured.items()}
        run_ids.append(
            log_reference_model(mlflow, fitted[name], validation, experiment_id, metrics)
        )
        logged_scores.append(measured)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_metric("val_accuracy", 0.5)  # a run that crashed before logging its model
    run_ids.append(run.info.run_id)
    assert logged_scores[0] != logged_scores[1], "the two models must score differently"
    return uri, run_ids, logged_scores


def scores_of(result, what: str) -> dict:
    """reload_and_score's answer as {accuracy, recall}, or a failure that says what came back."""
    if not isinstance(result, dict) or not {"accuracy", "recall"} <= set(result):
        pytest.fail(
            f"expected reload_and_score to return {{'accuracy': ..., 'recall': ...}} {what}, "
            f"saw {result!r}",
            pytrace=False,
        )
    return {key: result[key] for key in ("accuracy", "recall")}


@pytest.mark.points(
    0,
    exercise="reload_and_score",
    hint="Keep the arguments of reload_and_score and logged_model_uri.",
)
def test_reload_and_score_signature(tracking):
    for name, expected in (
        ("reload_and_score", ["tracking_uri", "run_id", "table"]),
        ("logged_model_uri", ["tracking_uri", "run_id"]),
    ):
        seen = list(inspect.signature(getattr(tracking, name)).parameters)
        assert seen == expected, f"expected {name}({', '.join(expected)}), saw {name}{seen}"


@pytest.mark.points(
    3,
    exercise="reload_and_score",
    hint="Find the model this run made, load it from the store, and score it with the "
    "function you wrote for exercise 1.",
    more="logged_model_uri(...), then mlflow.sklearn.load_model(uri), then evaluate(model, table)",
)
def test_reproduces_the_logged_scores(tracking, models_store, split):
    uri, run_ids, logged_scores = models_store
    seen = scores_of(tracking.reload_and_score(uri, run_ids[0], split[1]), "on the validation rows")
    assert seen == pytest.approx(logged_scores[0], abs=1e-12), (
        f"expected the scores the run logged on these rows, {logged_scores[0]}, saw {seen}"
    )


@pytest.mark.points(
    2,
    exercise="reload_and_score",
    hint="Load the model of *this* run, not the newest or the first model of the experiment.",
    more="filter_string=f\"source_run_id = '{run_id}'\" in search_logged_models",
)
def test_each_run_gets_its_own_model(tracking, models_store, split):
    uri, run_ids, logged_scores = models_store
    for index in (1, 0):
        seen = scores_of(
            tracking.reload_and_score(uri, run_ids[index], split[1]), f"for run {index}"
        )
        assert seen == pytest.approx(logged_scores[index], abs=1e-12), (
            f"expected run {index}'s logged scores {logged_scores[index]}, saw {seen} "
            f"(the other run's model scores {logged_scores[1 - index]})"
        )


@pytest.mark.points(
    2,
    exercise="reload_and_score",
    hint="The store to read is an argument: make it the current one before loading, whatever "
    "was current before.",
    more="mlflow.set_tracking_uri(tracking_uri) before mlflow.sklearn.load_model(...)",
)
def test_reads_the_store_it_is_given(tracking, models_store, split, mlflow, tmp_path):
    uri, run_ids, logged_scores = models_store
    mlflow.set_tracking_uri(fresh_store(tmp_path / "another-store"))
    try:
        result = tracking.reload_and_score(uri, run_ids[0], split[1])
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - say what went wrong, in the lesson's words
        pytest.fail(
            f"expected the model to load from the store passed as tracking_uri while another "
            f"store was the current one, saw {type(error).__name__}: {str(error)[:160]} "
            "(a models:/ address is looked up in the current store)",
            pytrace=False,
        )
    finally:
        mlflow.set_tracking_uri(uri)
    seen = scores_of(result, "while another store is current")
    assert seen == pytest.approx(logged_scores[0], abs=1e-12), (
        f"expected {logged_scores[0]} from the store passed as tracking_uri while another "
        f"store was the current one, saw {seen}"
    )


@pytest.mark.points(
    1, exercise="reload_and_score", hint="Score the table you are given, whatever month it is."
)
def test_scores_the_table_it_is_given(tracking, models_store, mlflow):
    uri, run_ids, _ = models_store
    later = data.generate(month=3, rows=300, seed=11, scenario="concept_shift")
    client = mlflow.MlflowClient(uri)
    found = logged_models(client, client.get_run(run_ids[0]))
    expected = scores(load_model(mlflow, uri, found[0].model_uri), later)
    seen = scores_of(tracking.reload_and_score(uri, run_ids[0], later), "for month 3")
    assert seen == pytest.approx(expected, abs=1e-12), (
        f"expected the model's scores on the 300 month-3 customers, {expected}, saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="reload_and_score",
    hint="A run that crashed before storing its model: raise an error that says so.",
    more="raise ValueError in logged_model_uri when no model named 'model' comes back.",
)
def test_a_run_without_a_model_raises_value_error(tracking, models_store, split):
    uri, run_ids, _ = models_store
    expect_error(
        ValueError,
        lambda: tracking.reload_and_score(uri, run_ids[2], split[1]),
        "for a run that logged no model",
    )


# --- choose_and_test -----------------------------------------------------------------------

# Validation scores planned so that validation and test disagree: the weak model "won" on
# validation, the good model is far better on test, the eager one catches the most churners.
FINAL_PLAN = {
    "weak": {"val_accuracy": 0.95, "val_recall": 0.50},
    "good": {"val_accuracy": 0.90, "val_recall": 0.80},
    "eager": {"val_accuracy": 0.85, "val_recall": 0.90},
}


@dataclass
class Chosen:
    """choose_and_test called twice on one experiment: the answers and the store in between."""

    uri: str
    runs: dict  # plan -> run id
    on_test: dict  # plan -> the model's scores on the test rows, computed here
    first: object  # choose_and_test(uri, "final", test)
    logged_after_first: dict  # plan -> the run's test_ metrics right after the first call
    by_recall: object  # choose_and_test(uri, "final", test, metric="val_recall")


@pytest.fixture(scope="module")
def chosen(tracking, mlflow, split, fitted, tmp_path_factory):
    folder = tmp_path_factory.mktemp("choose_and_test")
    uri = fresh_store(folder)
    _, validation, test = split
    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment(
        "final", artifact_location=(folder / "artifacts").as_uri()
    )
    runs = {
        name: log_reference_model(mlflow, fitted[name], validation, experiment_id, metrics)
        for name, metrics in FINAL_PLAN.items()
    }
    mlflow.create_experiment("empty", artifact_location=(folder / "empty").as_uri())
    on_test = {name: scores(model, test) for name, model in fitted.items()}
    assert on_test["good"]["accuracy"] > on_test["weak"]["accuracy"] + 0.05, on_test
    client = mlflow.MlflowClient(uri)
    first = attempt(lambda: tracking.choose_and_test(uri, "final", test))
    logged = {
        name: {
            key: value
            for key, value in client.get_run(run_id).data.metrics.items()
            if key.startswith("test_")
        }
        for name, run_id in runs.items()
    }
    by_recall = attempt(lambda: tracking.choose_and_test(uri, "final", test, metric="val_recall"))
    return Chosen(uri, runs, on_test, first, logged, by_recall)


def attempt(call):
    """The call's result, or the error it raised (kept for the test that needs the result)."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - re-raised by answer() in each test
        return error


def answer(outcome):
    """A result kept by attempt(): re-raise the error the call raised, if it did."""
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def chosen_run(outcome, chosen: Chosen) -> str:
    """Which planned run a result names: 'weak', 'good', 'eager' or what came back."""
    result = answer(outcome)
    run_id = result.get("run_id") if isinstance(result, dict) else result
    names = [name for name, known in chosen.runs.items() if known == run_id]
    return names[0] if names else repr(run_id)


@pytest.mark.points(
    0,
    exercise="choose_and_test",
    hint="Keep the four arguments, the metric defaulting to val_accuracy.",
)
def test_choose_and_test_signature(tracking):
    parameters = inspect.signature(tracking.choose_and_test).parameters
    expected = ["tracking_uri", "experiment_name", "test", "metric"]
    assert list(parameters) == expected, (
        f"expected choose_and_test({', '.join(expected)}), saw {list(parameters)}"
    )
    assert parameters["metric"].default == "val_accuracy", (
        f"expected metric to default to 'val_accuracy', saw {parameters['metric'].default!r}"
    )


@pytest.mark.points(
    3,
    exercise="choose_and_test",
    hint="The choice is made on validation scores alone; the test rows are looked at only "
    "after it, for the chosen model.",
    more="chosen = best_run(tracking_uri, experiment_name, metric); then score only that run's model on test.",
)
def test_chooses_on_validation_not_on_test(chosen):
    seen = chosen_run(chosen.first, chosen)
    why = (
        " (the best model on the test rows: choosing by test scores makes the test score one "
        "more validation score, flattering and unchecked)"
        if seen == "good"
        else ""
    )
    assert seen == "weak", (
        f"expected the run with the best val_accuracy (0.95) to be chosen, saw the {seen} run{why}"
    )


@pytest.mark.points(
    2,
    exercise="choose_and_test",
    hint="Return the chosen model's scores on the test rows, and write them to that run, and "
    "to no other run.",
    more='client.log_metric(run_id, "test_accuracy", ...) and "test_recall" on the chosen run only.',
)
def test_scores_only_the_chosen_model_on_test(chosen):
    result = answer(chosen.first)
    result = result if isinstance(result, dict) else {}
    expected = chosen.on_test["weak"]
    seen = result.get("test")
    assert isinstance(seen, dict) and seen == pytest.approx(expected, abs=1e-12), (
        f"expected 'test' to hold the chosen model's scores on the test rows, {expected}, "
        f"saw {seen!r}"
    )
    assert result.get("validation") == pytest.approx(0.95), (
        f"expected 'validation' to be the chosen run's val_accuracy, 0.95, saw {result.get('validation')!r}"
    )
    logged = chosen.logged_after_first
    wanted = {f"test_{key}": value for key, value in expected.items()}
    assert logged["weak"] == pytest.approx(wanted, abs=1e-12), (
        f"expected the chosen run to get the metrics {wanted}, saw {logged['weak']}"
    )
    others = {name: metrics for name, metrics in logged.items() if name != "weak" and metrics}
    assert not others, (
        f"expected no test_ metric on the runs that were not chosen, saw {others}: every run "
        "scored on the test rows is a run compared on them"
    )


@pytest.mark.points(1, exercise="choose_and_test", hint="Choose by the metric you are asked about.")
def test_choose_uses_the_metric_argument(chosen):
    seen = chosen_run(chosen.by_recall, chosen)
    assert seen == "eager", (
        f"expected the run with the best val_recall (0.90) for metric='val_recall', saw the {seen} run"
    )


@pytest.mark.points(
    1,
    exercise="choose_and_test",
    hint="With nothing to choose from there is nothing to test: the same error as best_run.",
)
def test_choose_from_nothing_raises_value_error(tracking, chosen, split):
    expect_error(
        ValueError,
        lambda: tracking.choose_and_test(chosen.uri, "empty", split[2]),
        "for an experiment with no runs",
    )
