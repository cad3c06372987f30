"""Exercise: record every training run in MLflow, find the best one, and prove it reloads.

A tracked run answers the questions a file name never could: which settings,
which score, which data, which code, and where the model is. Three jobs:

1. ``train_and_log``: train one model and record the run: its parameters, its
   test metrics, the git commit and data hash that produced it, and the model
   itself with a signature and an input example.
2. ``best_run``: ask the store which finished run scored best, instead of
   scrolling through run names.
3. ``reload_and_score``: load the model a run logged and score it again: the
   same data must give the same number that was logged.

The model and its preprocessing are given (``features_and_target``,
``build_pipeline``): this exercise is about tracking, not modelling.
Lesson 07 reuses ``train_and_log`` as it is: keep its signature.
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
METRICS = ("accuracy", "recall")  # the names train_and_log logs
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
    # TODO: MlflowClient(tracking_uri).get_experiment_by_name(name); None -> create_experiment(name, artifact_location=...)
    raise NotImplementedError('TODO: MlflowClient(tracking_uri).get_experiment_by_name(name); None -> create_experiment(name, artifact_location=...)')


def evaluate(model, table: pd.DataFrame) -> dict[str, float]:
    """Score a fitted model on a raw table (labels included).

    Returns:
        ``{"accuracy": ..., "recall": ...}`` as floats. Recall is the share of
        real churners (``Churn == "Yes"``) the model predicts as churners;
        it is 0.0 when the table has no churner.
    """
    # TODO: features_and_target(table), model.predict(features); recall_score of class 1 with zero_division=0
    raise NotImplementedError('TODO: features_and_target(table), model.predict(features); recall_score of class 1 with zero_division=0')


def train_and_log(
    train: pd.DataFrame,
    test: pd.DataFrame,
    params: dict,
    tracking_uri: str,
    experiment_name: str,
    artifact_location: str,
    git_commit: str,
    data_hash: str,
) -> str:
    """Train ``build_pipeline(params)`` on ``train`` and record the run in MLflow.

    The run, in the experiment ``experiment_name`` (created with
    ``artifact_location`` if it does not exist yet), holds:

    - every key of ``params`` as a parameter;
    - the metrics of ``METRICS``, measured on ``test`` (see ``evaluate``);
    - the tags ``git_commit`` and ``data_hash``, so the model can be traced
      back to the code and the data that made it;
    - the fitted pipeline as a model named ``MODEL_NAME``, with a signature
      (its input columns and types, its output) and an input example of
      ``EXAMPLE_ROWS`` test rows, logged with ``pip_requirements()``.

    Args:
        train, test: raw months with labels, as ``mlops_course.data.generate`` makes them.
        params: the model's settings, e.g. ``{"C": 0.1, "class_weight": "balanced"}``.
        tracking_uri: the store's URI (absolute, e.g. from ``fresh_store``).
        experiment_name: the experiment to log into.
        artifact_location: a URI, used only when the experiment is created.
        git_commit: the commit of the code that trains (``git rev-parse HEAD``).
        data_hash: the hash of the training data file (e.g. the md5 DVC records).

    Returns:
        The run id.
    """
    # TODO: set the tracking URI; fit; start_run(experiment_id=...); log_params, log_metrics, set_tags; sklearn.log_model(name=, signature=infer_signature(...), input_example=, pip_requirements=)
    raise NotImplementedError('TODO: set the tracking URI; fit; start_run(experiment_id=...); log_params, log_metrics, set_tags; sklearn.log_model(name=, signature=infer_signature(...), input_example=, pip_requirements=)')


# --- 2. best_run ---------------------------------------------------------------------------


def best_run(tracking_uri: str, experiment_name: str, metric: str = "accuracy") -> dict:
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
    # TODO: search_runs(filter_string="attributes.status = 'FINISHED'", order_by=[f"metrics.`{metric}` DESC", "attributes.start_time ASC"]); ValueError when nothing is found
    raise NotImplementedError('TODO: search_runs(filter_string="attributes.status = \'FINISHED\'", order_by=[f"metrics.`{metric}` DESC", "attributes.start_time ASC"]); ValueError when nothing is found')


# --- 3. reload_and_score -------------------------------------------------------------------


def logged_model_uri(tracking_uri: str, run_id: str) -> str:
    """Return the URI (``models:/m-...``) of the model named ``MODEL_NAME`` that a run logged.

    Raises:
        ValueError: the run logged no such model.
    """
    # TODO: client.search_logged_models(experiment_ids=[the run's experiment], filter_string=f"source_run_id = '{run_id}'"); keep name == MODEL_NAME
    raise NotImplementedError('TODO: client.search_logged_models(experiment_ids=[the run\'s experiment], filter_string=f"source_run_id = \'{run_id}\'"); keep name == MODEL_NAME')


def reload_and_score(tracking_uri: str, run_id: str, test: pd.DataFrame) -> float:
    """Load the model a run logged, from the store at ``tracking_uri``, and score it.

    Scored on the same test rows, the result equals the accuracy the run
    logged: the proof that the stored model is the one that was measured.

    Returns:
        The model's accuracy on ``test``.

    Raises:
        ValueError: the run logged no model named ``MODEL_NAME``.
    """
    # TODO: set the tracking URI (models:/ URIs resolve through it), mlflow.sklearn.load_model(logged_model_uri(...)), evaluate(...)["accuracy"]
    raise NotImplementedError('TODO: set the tracking URI (models:/ URIs resolve through it), mlflow.sklearn.load_model(logged_model_uri(...)), evaluate(...)["accuracy"]')
