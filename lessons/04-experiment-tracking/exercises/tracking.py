"""Exercise: record every training run in MLflow, choose on validation rows, test once.

A tracked run answers the questions a file name never could: which settings,
which score, which data, which code, and where the model is. Four jobs, in the
order a careful team does them:

1. ``train_and_log``: train one model on the training rows and record the run:
   its parameters, its scores on the *validation* rows, the git commit and data
   hash that produced it, and the model itself with a signature and an input
   example.
2. ``best_run``: ask the store which finished run scored best on validation,
   instead of scrolling through run names.
3. ``reload_and_score``: load the model a run logged and score it again: the
   same rows must give the same number that was logged.
4. ``choose_and_test``: pick the best run by its validation score, then score
   that one model on the test rows, once. The test rows never take part in the
   choice, so their score stays an honest estimate of the next month.

The model and its preprocessing are given (``features_and_target``,
``build_pipeline``): this exercise is about tracking, not modelling.
Lessons 07 and 11 reuse ``train_and_log`` and ``evaluate`` as they are: keep
their arguments.
"""

from __future__ import annotations

from importlib import metadata

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlops_course.data import CATEGORICAL_COLUMNS, ID_COLUMN, LABEL_COLUMN

NUMERIC_FEATURES = ("SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges")
MODEL_PARAMS = ("C", "class_weight", "max_iter")  # what build_pipeline understands
METRICS = ("accuracy", "recall")  # what evaluate measures
VALIDATION = "val_"  # train_and_log logs val_accuracy and val_recall: scores on validation rows
TEST = "test_"  # choose_and_test logs test_accuracy and test_recall, on the chosen run only
MODEL_NAME = "model"  # the name every run gives its logged model
EXAMPLE_ROWS = 5  # rows of the input example stored with the model


# --- given: the model, its preprocessing and its requirements ---------------------------


def features_and_target(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Split a raw month into model inputs and the 0/1 churn target.

    ``TotalCharges`` arrives as text, blank for customers in their first month:
    a blank becomes 0.0 (nothing billed yet). The numeric columns become
    float64, so the model's signature says "double" and accepts missing values.

    Returns:
        ``(features, target)``: every column but ``customerID`` and ``Churn``,
        and 1 for a customer who left, 0 for one who stayed.
    """
    features = table.drop(columns=[ID_COLUMN, LABEL_COLUMN])
    text = features["TotalCharges"].astype(str).str.strip()
    features["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"))
    numeric = list(NUMERIC_FEATURES)
    features[numeric] = features[numeric].astype("float64")
    return features, (table[LABEL_COLUMN] == "Yes").astype(int)


def build_pipeline(params: dict) -> Pipeline:
    """Return an unfitted pipeline: scale the numbers, one-hot the categories, logistic regression.

    Args:
        params: any of ``C`` (default 1.0), ``class_weight`` (None or
            "balanced") and ``max_iter`` (default 1000).

    Raises:
        ValueError: a key the pipeline does not know (a typo must not pass silently).
    """
    unknown = sorted(set(params) - set(MODEL_PARAMS))
    if unknown:
        raise ValueError(f"unknown model parameters {unknown}: use {list(MODEL_PARAMS)}")
    encode = ColumnTransformer(
        [
            ("numbers", StandardScaler(), list(NUMERIC_FEATURES)),
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL_COLUMNS)),
        ]
    )
    classifier = LogisticRegression(
        C=float(params.get("C", 1.0)),
        class_weight=params.get("class_weight"),
        max_iter=int(params.get("max_iter", 1000)),
    )
    return Pipeline([("encode", encode), ("classify", classifier)])


def pip_requirements() -> list[str]:
    """The packages a logged model needs, pinned to the versions installed here.

    Passing them to ``log_model`` saves the 10-20 s MLflow otherwise spends
    working them out in a subprocess. Models are saved with skops by default.
    """
    return [f"{name}=={metadata.version(name)}" for name in ("scikit-learn", "skops")]


# --- 1. train_and_log ----------------------------------------------------------------------


def get_or_create_experiment(tracking_uri: str, name: str, artifact_location: str) -> str:
    """Return the id of the experiment called ``name``, creating it if it does not exist.

    A new experiment gets ``artifact_location``; an existing one keeps its own.

    Args:
        tracking_uri: the store, e.g. ``sqlite:////abs/path/mlflow.db``.
        name: the experiment's name.
        artifact_location: where a new experiment keeps its artifacts, as a
            URI (``Path(folder).as_uri()``, or ``s3://bucket/prefix`` in a team).

    Returns:
        The experiment id (a string).
    """
    # TODO: look the name up in the store first; only when the store says there is no such experiment, create one that keeps its files where you were told
    raise NotImplementedError('TODO: look the name up in the store first; only when the store says there is no such experiment, create one that keeps its files where you were told')


def evaluate(model, table: pd.DataFrame) -> dict[str, float]:
    """Score a fitted model on a raw table (labels included).

    Returns:
        ``{"accuracy": ..., "recall": ...}`` as floats. Recall is the share of
        real churners (``Churn == "Yes"``) the model predicts as churners;
        it is 0.0 when the table has no churner.
    """
    # TODO: the model takes the features without the label; recall counts the churners caught among all real churners, and a table with no churner must not divide by zero
    raise NotImplementedError('TODO: the model takes the features without the label; recall counts the churners caught among all real churners, and a table with no churner must not divide by zero')


def train_and_log(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    params: dict,
    tracking_uri: str,
    experiment_name: str,
    artifact_location: str,
    git_commit: str,
    data_hash: str,
) -> str:
    """Train ``build_pipeline(params)`` on ``train`` alone and record the run in MLflow.

    The run, in the experiment ``experiment_name`` (created with
    ``artifact_location`` if it does not exist yet), holds:

    - every key of ``params`` as a parameter;
    - the metrics of ``METRICS`` measured on ``validation`` (see ``evaluate``),
      logged with the prefix ``VALIDATION``: ``val_accuracy``, ``val_recall``;
    - the tags ``git_commit`` and ``data_hash``, so the model can be traced
      back to the code and the data that made it;
    - the fitted pipeline as a model named ``MODEL_NAME``, with a signature
      (its input columns and types, its output) and an input example of
      ``EXAMPLE_ROWS`` validation rows, logged with ``pip_requirements()``.

    The model learns from ``train`` only: the validation rows judge it, and a
    model that has seen them would be judged on its own homework.

    Args:
        train: raw customers with labels, as ``mlops_course.data.generate`` makes them.
        validation: other raw customers with labels, held out to compare runs.
        params: the model's settings, e.g. ``{"C": 0.1, "class_weight": "balanced"}``.
        tracking_uri: the store's URI (absolute, e.g. from ``fresh_store``).
        experiment_name: the experiment to log into.
        artifact_location: a URI, used only when the experiment is created.
        git_commit: the commit of the code that trains (``git rev-parse HEAD``).
        data_hash: the hash of the training data file (e.g. the md5 DVC records).

    Returns:
        The run id.
    """
    # TODO: point MLflow at the store, open a run in the right experiment and train inside it (a crash then marks the run FAILED); record settings, validation scores under their val_ names, the two tags, and the model with its input columns and a few example rows
    raise NotImplementedError('TODO: point MLflow at the store, open a run in the right experiment and train inside it (a crash then marks the run FAILED); record settings, validation scores under their val_ names, the two tags, and the model with its input columns and a few example rows')


# --- 2. best_run ---------------------------------------------------------------------------


def best_run(tracking_uri: str, experiment_name: str, metric: str = "val_accuracy") -> dict:
    """Return the finished run of an experiment with the highest value of ``metric``.

    Only runs whose status is FINISHED and that logged ``metric`` count: a run
    that crashed halfway may have logged a score but left no usable model.
    When runs tie, the earliest started wins: a newer run must beat the
    champion, not merely equal it.

    Returns:
        ``{"run_id": str, "value": float, "params": dict}``, the params as
        MLflow stores them (strings, e.g. ``{"C": "0.1"}``).

    Raises:
        ValueError: no experiment of that name, or no finished run in it that
            logged ``metric``.
    """
    # TODO: let the store sort, highest first, and break ties by age; a crashed run does not count, and runs that never logged the metric come last, so look at the first one before trusting it
    raise NotImplementedError('TODO: let the store sort, highest first, and break ties by age; a crashed run does not count, and runs that never logged the metric come last, so look at the first one before trusting it')


# --- 3. reload_and_score -------------------------------------------------------------------


def logged_model_uri(tracking_uri: str, run_id: str) -> str:
    """Return the URI (``models:/m-...``) of the model named ``MODEL_NAME`` that a run logged.

    Raises:
        ValueError: the run logged no such model.
    """
    # TODO: since MLflow 3 a model is an object of its own that remembers which run made it: search the run's experiment for the models made by this run, and keep the one with the expected name
    raise NotImplementedError("TODO: since MLflow 3 a model is an object of its own that remembers which run made it: search the run's experiment for the models made by this run, and keep the one with the expected name")


def reload_and_score(tracking_uri: str, run_id: str, table: pd.DataFrame) -> dict[str, float]:
    """Load the model a run logged, from the store at ``tracking_uri``, and score it.

    Scored on the rows the run was measured on, the result equals the logged
    scores: the proof that the stored model is the one that was measured.

    Returns:
        ``evaluate``'s ``{"accuracy": ..., "recall": ...}`` on ``table``.

    Raises:
        ValueError: the run logged no model named ``MODEL_NAME``.
    """
    # TODO: a models:/ address is resolved through whichever store is current, so make the given store current before loading; then score with the function you already wrote
    raise NotImplementedError('TODO: a models:/ address is resolved through whichever store is current, so make the given store current before loading; then score with the function you already wrote')


# --- 4. choose_and_test --------------------------------------------------------------------


def choose_and_test(
    tracking_uri: str, experiment_name: str, test: pd.DataFrame, metric: str = "val_accuracy"
) -> dict:
    """Choose the best run on validation, then score its model on the test rows, once.

    The choice uses ``best_run`` (validation scores only). Then the chosen
    run's model, and no other, is scored on ``test``, and those scores are
    logged to that run with the prefix ``TEST`` (``test_accuracy``,
    ``test_recall``). Scoring every run on ``test`` and keeping the best would
    turn the test rows into one more validation set: the winner's test score
    would then flatter it, and nothing would be left to check it.

    Returns:
        ``{"run_id": str, "validation": float (the chosen run's metric),
        "test": {"accuracy": float, "recall": float}}``.

    Raises:
        ValueError: as ``best_run`` (nothing to choose from), or the chosen
            run logged no model.
    """
    # TODO: the choice must not look at the test rows at all; once one run is chosen, score its model on them and write those scores back to that run, under their test_ names
    raise NotImplementedError('TODO: the choice must not look at the test rows at all; once one run is chosen, score its model on them and write those scores back to that run, under their test_ names')
