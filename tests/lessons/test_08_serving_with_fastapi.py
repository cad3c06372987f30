"""Grading tests for lesson 08: schema, service, hot reload, prediction log, batch job.

Each exercise is graded on its own:

- ``schemas.py`` is validated directly with pydantic.
- ``app.py`` imports ``schemas``, ``hot_reload`` and ``prediction_log``. Its
  tests hand it this file's own stand-ins for those three (a schema module, a
  ``Champion`` that serves planned models, a log that records its calls), so an
  unfinished exercise 1, 3 or 4 never costs points in exercise 2, and the
  stand-ins can watch what the app does: how often it reads what is served,
  whether the model runs on the event loop, whether polling runs in a thread.
  The app starts inside FastAPI's ``TestClient``, so its lifespan really runs.
- ``hot_reload.py`` runs against a real MLflow registry: a pre-migrated SQLite
  store (``fresh_store``) in a temporary folder holding two real churn
  pipelines. Version 1 is the champion; version 2 is newer and scores
  differently, so loading "the latest" instead of the alias is caught.
- ``prediction_log.py`` and ``batch.py`` write real files in ``tmp_path``.

The pipelines are trained once per module with lesson 04's *reference*
pipeline (``reference("04", ...)``), never the learner's lesson 04.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import json
import math
import sys
import threading
import types
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

import pytest

from mlops_course import data
from mlops_course.mlflow_store import fresh_store

TRAIN_ROWS = 1500  # small: the tests are about serving, not about a good model
PLANS = {"1": {"C": 1.0}, "2": {"C": 0.05, "class_weight": "balanced"}}  # version -> settings
FEATURES = [column for column in data.COLUMNS if column not in (data.ID_COLUMN, data.LABEL_COLUMN)]
MAX_BATCH = 1000
THRESHOLD = 0.5
LOG_COLUMNS = ["logged_at", "model_name", "model_version", data.ID_COLUMN, *FEATURES]
OUTPUT_COLUMNS = [data.ID_COLUMN, "churn_probability", "churn", "model_version"]
# A customer in their first month: tenure 0 and nothing billed yet.
NEW_CUSTOMER = {
    "customerID": "09-99999-NEWCU",
    "gender": "Male",
    "SeniorCitizen": 1,
    "Partner": "No",
    "Dependents": "No",
    "tenure": 0,
    "PhoneService": "No",
    "MultipleLines": "No phone service",
    "InternetService": "DSL",
    "OnlineSecurity": "No",
    "OnlineBackup": "No",
    "DeviceProtection": "No",
    "TechSupport": "No",
    "StreamingTV": "No",
    "StreamingMovies": "No",
    "Contract": "Month-to-month",
    "PaperlessBilling": "Yes",
    "PaymentMethod": "Electronic check",
    "MonthlyCharges": 45.3,
    "TotalCharges": 0.0,
}


def customers_from(table) -> list[dict]:
    """Raw rows of the data world as request customers: id kept, no label, numbers as numbers.

    The billing export's blank TotalCharges becomes 0.0, as in training (lesson 04).
    """
    customers = []
    for row in table.drop(columns=[data.LABEL_COLUMN]).to_dict("records"):
        text = str(row.get("TotalCharges", "")).strip()
        row["TotalCharges"] = float(text) if text else 0.0
        for column in ("SeniorCitizen", "tenure"):
            if column in row:
                row[column] = int(row[column])
        if "MonthlyCharges" in row:
            row["MonthlyCharges"] = float(row["MonthlyCharges"])
        customers.append(row)
    return customers


def as_frame(customers: list[dict]):
    """Customers as the DataFrame lesson 04's pipeline was trained on (this file's code)."""
    import pandas as pd

    return pd.DataFrame(customers)[FEATURES].astype(
        {name: "float64" for name in ("SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges")}
    )


def close(seen, expected, tolerance: float = 1e-9) -> bool:
    """Two lists of probabilities agree, position by position."""
    seen, expected = list(seen), list(expected)
    return len(seen) == len(expected) and all(
        abs(float(a) - float(b)) < tolerance for a, b in zip(seen, expected, strict=True)
    )


# --- shared fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lesson04(reference):
    """Lesson 04's reference solution: this lesson's tests supply it, not the learner."""
    return reference("04", "tracking")


@pytest.fixture(scope="module")
def pipelines(lesson04) -> dict:
    """Two fitted churn pipelines, by version text; they score month 1 differently."""
    features, target = lesson04.features_and_target(data.generate(month=0, rows=TRAIN_ROWS, seed=7))
    models = {
        version: lesson04.build_pipeline(params).fit(features, target)
        for version, params in PLANS.items()
    }
    sample = as_frame(customers_from(data.generate(month=1, rows=12, seed=11)))
    one, two = (models[v].predict_proba(sample)[:, 1] for v in ("1", "2"))
    assert max(abs(a - b) for a, b in zip(one, two, strict=True)) > 0.05, (one, two)
    return models


def probabilities_of(pipelines, version: str, customers: list[dict]) -> list[float]:
    """What the pipeline of ``version`` says for these customers, computed here."""
    return [float(p) for p in pipelines[version].predict_proba(as_frame(customers))[:, 1]]


@dataclass
class Registry:
    """A store with the two pipelines logged; ``register`` makes registered models of them."""

    uri: str
    client: object
    logged: dict  # version text -> its logged model (model_uri, model_id)

    def register(self, name: str, versions: list[str], **aliases) -> None:
        """A registered model ``name`` whose versions 1, 2... point at the logged models listed."""
        self.client.create_registered_model(name)
        for version in versions:
            logged = self.logged[version]
            self.client.create_model_version(
                name, source=logged.model_uri, model_id=logged.model_id
            )
        for alias, version in aliases.items():
            self.client.set_registered_model_alias(name, alias, str(version))


@pytest.fixture(scope="module")
def registry(mlflow, lesson04, pipelines, tmp_path_factory) -> Registry:
    """A real store: both pipelines logged once; each test registers the models it needs."""
    folder = tmp_path_factory.mktemp("registry")
    uri = fresh_store(folder)
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient(uri)
    experiment = client.create_experiment("churn", artifact_location=(folder / "art").as_uri())
    logged = {}
    for version, model in pipelines.items():
        with mlflow.start_run(experiment_id=experiment):
            logged[version] = mlflow.sklearn.log_model(
                model, name="model", pip_requirements=lesson04.pip_requirements()
            )
    return Registry(uri, client, logged)


@pytest.fixture(scope="module")
def month1() -> list[dict]:
    """Twelve production customers of month 1 and one brand-new customer."""
    return customers_from(data.generate(month=1, rows=12, seed=11)) + [dict(NEW_CUSTOMER)]


# --- exercise 1: schemas -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def schemas(exercise):
    return exercise("08", "schemas")


def problems(model, payload) -> list[dict] | None:
    """The validation errors of ``payload`` for a pydantic model, or None if it is accepted."""
    from pydantic import ValidationError

    try:
        model.model_validate(payload)
    except ValidationError as error:
        return error.errors()
    return None


def locations(errors) -> list[tuple]:
    return [tuple(error["loc"]) for error in errors or []]


@pytest.mark.points(
    0,
    exercise="schemas",
    hint="Keep Customer and PredictRequest as pydantic models, and the batch limit at 1,000.",
)
def test_schemas_structure(schemas):
    from pydantic import BaseModel

    for name in ("Customer", "PredictRequest", "Prediction", "PredictResponse"):
        model = getattr(schemas, name, None)
        assert isinstance(model, type) and issubclass(model, BaseModel), (
            f"expected schemas.{name} to be a pydantic BaseModel class, saw {model!r}"
        )
    assert schemas.MAX_BATCH == MAX_BATCH, f"expected MAX_BATCH = 1000, saw {schemas.MAX_BATCH!r}"


@pytest.mark.points(
    2,
    exercise="schemas",
    hint="One field per training column plus the customer's id, named exactly as in the data; "
    "ranges wide enough for real customers (a new customer has been with you 0 months).",
    more="The fields are customerID and the 19 columns of data.COLUMNS without Churn.",
)
def test_every_customer_of_the_data_world_is_accepted(schemas):
    fields = sorted(schemas.Customer.model_fields)
    expected = sorted([data.ID_COLUMN, *FEATURES])
    assert fields == expected, (
        f"expected Customer's fields to be customerID and the 19 training columns {expected}, "
        f"saw {fields}"
    )
    customers = customers_from(data.generate(month=0, rows=400, seed=3))
    assert any(customer["tenure"] == 0 for customer in customers)  # the edge is in the sample
    for customer in customers:
        errors = problems(schemas.Customer, customer)
        assert errors is None, (
            f"expected every customer of the data world to be accepted, saw {customer} refused: "
            f"{[(e['loc'], e['msg']) for e in errors]}"
        )
    dumped = schemas.Customer.model_validate(customers[0]).model_dump()
    assert dumped == customers[0], (
        f"expected model_dump() to give back the customer's values, saw {dumped} for {customers[0]}"
    )


@pytest.mark.points(
    1,
    exercise="schemas",
    hint="The id is text the labels are joined by: required, never empty, and not a novel.",
    more="customerID: str = Field(min_length=1, max_length=64).",
)
def test_the_customer_id_is_required_text(schemas):
    cases = [
        ("a missing id", {k: v for k, v in NEW_CUSTOMER.items() if k != "customerID"}, False),
        ("an empty id", dict(NEW_CUSTOMER, customerID=""), False),
        ("a number", dict(NEW_CUSTOMER, customerID=42), False),
        ("65 characters", dict(NEW_CUSTOMER, customerID="X" * 65), False),
        ("64 characters", dict(NEW_CUSTOMER, customerID="X" * 64), True),
        ("one character", dict(NEW_CUSTOMER, customerID="X"), True),
    ]
    for situation, payload, accepted in cases:
        errors = problems(schemas.Customer, payload)
        if accepted:
            assert errors is None, (
                f"expected {situation} as customerID to be accepted, saw "
                f"{[(e['loc'], e['msg']) for e in errors]}"
            )
        else:
            assert errors is not None and locations(errors) == [("customerID",)], (
                f"expected {situation} as customerID to be refused at 'customerID', saw "
                f"{'it accepted' if errors is None else locations(errors)}"
            )


@pytest.mark.points(
    2,
    exercise="schemas",
    hint="Whole months from 0 to 72; a bill above zero; a total of zero or more; the senior "
    "flag is 0 or 1 and nothing else. Check both edges of each range.",
    more="tenure: int = Field(ge=0, le=72); MonthlyCharges: Field(gt=0); "
    "TotalCharges: Field(ge=0); SeniorCitizen: Literal[0, 1].",
)
def test_ranges_at_their_edges(schemas):
    cases = [
        ("tenure", 0, True),
        ("tenure", 72, True),
        ("tenure", -1, False),
        ("tenure", 73, False),
        ("tenure", 12.5, False),
        ("MonthlyCharges", 0.01, True),
        ("MonthlyCharges", 0, False),
        ("MonthlyCharges", -20.0, False),
        ("TotalCharges", 0, True),
        ("TotalCharges", -0.01, False),
        ("SeniorCitizen", 1, True),
        ("SeniorCitizen", 2, False),
    ]
    for field_name, value, accepted in cases:
        errors = problems(schemas.Customer, dict(NEW_CUSTOMER, **{field_name: value}))
        if accepted:
            assert errors is None, (
                f"expected {field_name}={value!r} to be accepted (the edge of its range), saw "
                f"{[(e['loc'], e['msg']) for e in errors]}"
            )
        else:
            assert errors is not None and locations(errors) == [(field_name,)], (
                f"expected {field_name}={value!r} to be refused with an error located at "
                f"{field_name!r}, saw {'it accepted' if errors is None else locations(errors)}"
            )


@pytest.mark.points(
    2,
    exercise="schemas",
    hint="A categorical column accepts exactly the values of the data, spelled the same way: "
    "with a plain text field, an unknown category is scored silently as 'none of them'.",
    more="One Literal[...] per categorical column, from mlops_course.data.CATEGORIES.",
)
def test_unknown_categories_are_refused_naming_the_field(schemas):
    for column, allowed in data.CATEGORIES.items():
        for value in allowed:
            errors = problems(schemas.Customer, dict(NEW_CUSTOMER, **{column: value}))
            assert errors is None, (
                f"expected {column}={value!r} to be accepted (a value of the data), saw "
                f"{[(e['loc'], e['msg']) for e in errors]}"
            )
    wrong = {
        "Contract": "Monthly",
        "Partner": "yes",
        "InternetService": "Fiber Optic",
        "PaymentMethod": "Digital wallet",
        "OnlineSecurity": "",
        "gender": "F",
    }
    for column, value in wrong.items():
        errors = problems(schemas.Customer, dict(NEW_CUSTOMER, **{column: value}))
        assert errors is not None and locations(errors) == [(column,)], (
            f"expected {column}={value!r} to be refused with an error located at {column!r}, saw "
            f"{'it accepted (a plain str field?)' if errors is None else locations(errors)}"
        )


@pytest.mark.points(
    2,
    exercise="schemas",
    hint="A lower bound of 0 does not stop infinity, and Python's JSON parser reads NaN and "
    "Infinity happily: refuse them for every number of the model.",
    more="model_config = ConfigDict(allow_inf_nan=False).",
)
def test_nan_and_infinity_are_refused(schemas):
    for field_name in ("MonthlyCharges", "TotalCharges"):
        for value in (math.nan, math.inf, -math.inf):
            errors = problems(schemas.Customer, dict(NEW_CUSTOMER, **{field_name: value}))
            assert errors is not None and locations(errors) == [(field_name,)], (
                f"expected {field_name}={value} to be refused at {field_name!r}, saw "
                f"{'it accepted' if errors is None else locations(errors)}"
            )
    text = json.dumps(NEW_CUSTOMER).replace('"TotalCharges": 0.0', '"TotalCharges": Infinity')
    from pydantic import ValidationError

    try:
        schemas.Customer.model_validate_json(text)
    except ValidationError as error:
        seen = locations(error.errors())
    else:
        seen = "accepted"
    assert seen == [("TotalCharges",)], (
        f'expected the JSON text ..."TotalCharges": Infinity... to be refused at TotalCharges, '
        f"saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="schemas",
    hint="An unknown key must be an error, not silently dropped: a client sending the label "
    "(or a field it thinks counts) should hear about it.",
    more="model_config = ConfigDict(extra='forbid').",
)
def test_unknown_keys_and_a_schema_break_are_refused(schemas):
    errors = problems(schemas.Customer, dict(NEW_CUSTOMER, Churn="No"))
    assert errors is not None and locations(errors) == [("Churn",)], (
        "expected a customer sent with an extra key 'Churn' (the label!) to be refused at "
        f"'Churn', saw {'it accepted (extras are ignored by default)' if errors is None else locations(errors)}"
    )
    # Lesson 10's upstream change: MonthlyCharges renamed, a new payment method.
    broken = customers_from(data.generate(month=2, rows=40, seed=7, scenario="schema_break"))
    for customer in broken:
        seen = set(locations(problems(schemas.Customer, customer)))
        assert {("MonthlyCharges",), ("monthly_charges",)} <= seen, (
            "expected a customer with 'monthly_charges' instead of 'MonthlyCharges' to be refused "
            f"naming both (missing and unknown), saw errors at {sorted(seen) or 'none'}"
        )


@pytest.mark.points(
    2,
    exercise="schemas",
    hint="A request holds 1 to 1,000 customers, each checked as a Customer (so an error "
    "points at the customer's position), and no other key.",
    more="customers: list[Customer] = Field(min_length=1, max_length=MAX_BATCH), "
    "and extra='forbid' on PredictRequest too.",
)
def test_batch_size_limits(schemas):
    request = schemas.PredictRequest
    cases = [(0, False), (1, True), (MAX_BATCH, True), (MAX_BATCH + 1, False)]
    for size, accepted in cases:
        errors = problems(request, {"customers": [NEW_CUSTOMER] * size})
        outcome = "accepted" if errors is None else f"refused at {locations(errors)}"
        assert (errors is None) == accepted and (
            accepted or locations(errors) == [("customers",)]
        ), (
            f"expected a batch of {size} customers to be "
            f"{'accepted' if accepted else 'refused at customers'}, saw it {outcome}"
        )
    errors = problems(request, {"customers": [NEW_CUSTOMER], "threshold": 0.3})
    assert locations(errors) == [("threshold",)], (
        f"expected an unknown top-level key 'threshold' to be refused, saw {locations(errors) or 'it accepted'}"
    )
    bad = dict(NEW_CUSTOMER, tenure=99)
    errors = problems(request, {"customers": [NEW_CUSTOMER, bad]})
    assert locations(errors) == [("customers", 1, "tenure")], (
        "expected the second customer's tenure of 99 to be refused at ('customers', 1, 'tenure') "
        f"(items typed as Customer), saw {locations(errors) or 'it accepted'}"
    )


# --- exercise 2: the app, with this file's stand-ins for exercises 1, 3 and 4 ------------------


def standin_schemas() -> types.ModuleType:
    """This file's own request and response models, as the module ``schemas``."""
    from pydantic import BaseModel, ConfigDict, Field, create_model

    strict = ConfigDict(extra="forbid", allow_inf_nan=False)
    fields = {"customerID": (str, Field(min_length=1, max_length=64))}
    fields.update({c: (Literal[tuple(v)], ...) for c, v in data.CATEGORIES.items()})
    fields.update(
        SeniorCitizen=(Literal[0, 1], ...),
        tenure=(int, Field(ge=0, le=72)),
        MonthlyCharges=(float, Field(gt=0)),
        TotalCharges=(float, Field(ge=0)),
    )
    customer = create_model("Customer", __config__=strict, **fields)
    request = create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        customers=(list[customer], Field(min_length=1, max_length=MAX_BATCH)),
    )

    class Prediction(BaseModel):
        customerID: str
        churn_probability: float = Field(ge=0, le=1)
        churn: bool

    class PredictResponse(BaseModel):
        model_version: str
        predictions: list[Prediction]

    module = types.ModuleType("schemas")
    module.__dict__.update(
        Customer=customer,
        PredictRequest=request,
        Prediction=Prediction,
        PredictResponse=PredictResponse,
        MAX_BATCH=MAX_BATCH,
        EXAMPLE_CUSTOMER=dict(NEW_CUSTOMER),
    )
    return module


class WatchedModel:
    """A fitted pipeline that remembers each ``predict_proba`` call, and where it ran."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.calls: list[dict] = []

    def predict_proba(self, table):
        try:
            asyncio.get_running_loop()
            on_event_loop = True
        except RuntimeError:
            on_event_loop = False
        self.calls.append(
            {"rows": len(table), "columns": list(table.columns), "on_event_loop": on_event_loop}
        )
        return self.pipeline.predict_proba(table)


@dataclass(frozen=True)
class StandInServed:
    """What a stand-in champion serves: a version and a model."""

    version: str
    model: object


@dataclass
class Plan:
    """What a stand-in champion does for one model name.

    ``serves`` is what a read of ``served`` gives after a refresh; with two, the
    reads alternate, as if a swap happened between any two reads. Empty: nothing
    serves and ``error`` is the last error. ``raises``: refresh raises it.
    """

    serves: list = field(default_factory=list)
    error: str = ""
    raises: Exception | None = None


class StandInChampion:
    """Exercise 3's Champion, as the app sees it, following this file's plans."""

    plans: dict[str, Plan] = {}
    made: list = []

    def __init__(self, tracking_uri, model_name, alias="champion", loader=None):
        self.tracking_uri, self.model_name, self.alias = tracking_uri, model_name, alias
        self.plan = self.plans[model_name]
        self.refreshed = False
        self.last_error = None
        self.reads = 0
        self.refreshes = 0
        self.polls: list[dict] = []
        StandInChampion.made.append(self)

    @property
    def served(self):
        if not self.refreshed or not self.plan.serves:
            return None
        self.reads += 1
        return self.plan.serves[(self.reads - 1) % len(self.plan.serves)]

    def refresh(self) -> bool:
        self.refreshes += 1
        if self.plan.raises is not None:
            raise self.plan.raises
        if not self.plan.serves:
            self.last_error = self.plan.error
            return False
        self.refreshed = True
        return True

    def poll(self, interval, stop) -> None:
        try:
            asyncio.get_running_loop()
            on_event_loop = True
        except RuntimeError:
            on_event_loop = False
        self.polls.append({"interval": interval, "stop": stop, "on_event_loop": on_event_loop})
        if on_event_loop:
            raise RuntimeError(
                "Champion.poll was called on the event loop: it loops until stop is set, so "
                "start-up would never finish (run it in a background thread)"
            )
        stop.wait(5)


class LogRecorder:
    """The prediction log, as the app sees it: remembers every call, writes nothing."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, folder, model_name, version, customers, probabilities, at=None):
        self.calls.append(
            {
                "folder": folder,
                "model_name": model_name,
                "version": str(version),
                "customers": [dict(c) for c in customers],
                "probabilities": [float(p) for p in probabilities],
            }
        )


@pytest.fixture(scope="module")
def log_recorder() -> LogRecorder:
    return LogRecorder()


@pytest.fixture(scope="module")
def service(exercise, log_recorder):
    """The learner's app.py, importing this file's stand-ins as its three sibling modules."""
    prediction_log = types.ModuleType("prediction_log")
    prediction_log.__dict__.update(
        log_predictions=log_recorder, LOG_LOCK=threading.Lock(), FILE_NAME="predictions.jsonl"
    )
    hot_reload = types.ModuleType("hot_reload")
    hot_reload.__dict__.update(Champion=StandInChampion, Served=StandInServed)
    siblings = {
        "schemas": standin_schemas(),
        "hot_reload": hot_reload,
        "prediction_log": prediction_log,
    }
    before = {name: sys.modules.get(name) for name in siblings}
    sys.modules.update(siblings)
    try:
        yield exercise("08", "app")
    finally:
        for name, module in before.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@pytest.fixture(scope="module")
def test_client_class():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
        from fastapi.testclient import TestClient
    return TestClient


@pytest.fixture
def champions(pipelines):
    """Per test: fresh plans and served models (v1, v2), and the champions the app makes."""
    served = {v: StandInServed(v, WatchedModel(pipelines[v])) for v in ("1", "2")}
    StandInChampion.plans = {
        "churn": Plan(serves=[served["1"]]),
        "churn-swapping": Plan(serves=[served["1"], served["2"]]),
        "churn-unreleased": Plan(error="no alias 'champion' on model 'churn-unreleased' (#4417)"),
        "churn-down": Plan(raises=RuntimeError("registry unreachable (#5521)")),
    }
    StandInChampion.made = []
    return served


@contextlib.contextmanager
def running(service, test_client_class, name: str, **options):
    """Start the learner's app (its lifespan runs) and yield a client; fail plainly if it can't."""
    app = service.create_app("sqlite:////no/store/used.db", name, **options)
    client = test_client_class(app, raise_server_exceptions=False)
    try:
        client.__enter__()
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - say what happened at start-up
        pytest.fail(
            f"expected the app to start for models:/{name}@champion, saw start-up fail with "
            f"{type(error).__name__}: {error}",
            pytrace=False,
        )
    try:
        yield client
    finally:
        client.__exit__(None, None, None)
        gc.unfreeze()  # the app may gc.freeze() at start-up: fine for a service, not for a test run


def post_customers(client, customers):
    return client.post("/predict", json={"customers": customers})


def the_champion() -> StandInChampion:
    """The one champion the app made at start-up."""
    made = StandInChampion.made
    assert len(made) == 1, (
        f"expected the app to make one Champion (exercise 3) at start-up, saw {len(made)}"
    )
    return made[0]


@pytest.mark.points(
    0,
    exercise="app",
    hint="Keep create_app's five parameters and their defaults (the champion alias, no log, "
    "no polling).",
)
def test_app_signature(service):
    parameters = inspect.signature(service.create_app).parameters
    expected = ["tracking_uri", "model_name", "alias", "log_dir", "poll_seconds"]
    assert list(parameters) == expected, (
        f"expected create_app({', '.join(expected)}), saw {list(parameters)}"
    )
    defaults = [parameters[name].default for name in expected[2:]]
    assert defaults == ["champion", None, 0.0], (
        f"expected the defaults alias='champion', log_dir=None, poll_seconds=0.0, saw {defaults}"
    )


@pytest.mark.points(
    3,
    exercise="app",
    hint="At start-up, make one Champion for this model and alias, keep it on the app's state "
    "and refresh it once; /ready then reports the version being served.",
    more="app.state.champion = Champion(tracking_uri, model_name, alias); "
    "champion.refresh(); /ready returns model_name and champion.served.version.",
)
def test_ready_names_the_version_the_champion_serves(service, test_client_class, champions):
    frozen_before = gc.get_freeze_count()
    with running(service, test_client_class, "churn") as client:
        frozen = gc.get_freeze_count() > frozen_before
        health = client.get("/health")
        ready = client.get("/ready")
    champion = the_champion()
    assert (champion.model_name, champion.alias, champion.refreshes) == ("churn", "champion", 1), (
        "expected Champion(tracking_uri, 'churn', 'champion') refreshed once at start-up, saw "
        f"model {champion.model_name!r}, alias {champion.alias!r}, {champion.refreshes} refresh(es)"
    )
    assert health.status_code == 200, f"expected /health to answer 200, saw {health.status_code}"
    body = ready.json() if ready.status_code < 500 else ready.text
    assert ready.status_code == 200, (
        f"expected /ready to answer 200 once the champion serves, saw {ready.status_code}: {body}"
    )
    seen = (str(body.get("model")), str(body.get("version")))
    assert seen == ("churn", "1"), (
        "expected /ready to name model 'churn' and the version being served, '1', "
        f"saw model {seen[0]!r} and version {seen[1]!r}"
    )
    assert frozen, "expected gc.freeze() at start-up, once the model is loaded"


@pytest.mark.points(
    3,
    exercise="app",
    hint="One model call for the whole batch, on the 19 input columns; the churn probability "
    "is the second column of what the model returns; each answer keeps its customer's id.",
    more="probabilities = served.model.predict_proba(pd.DataFrame(customers)[FEATURES])[:, 1]; "
    "churn = probability >= THRESHOLD.",
)
def test_predict_scores_with_the_served_model(
    service, test_client_class, champions, pipelines, month1
):
    with running(service, test_client_class, "churn") as client:
        answer = post_customers(client, month1)
        documented = client.get("/openapi.json").json()
    assert answer.status_code == 200, (
        f"expected 200 for {len(month1)} valid customers, saw {answer.status_code}: {answer.text[:300]}"
    )
    body = answer.json()
    assert str(body.get("model_version")) == "1", (
        f"expected model_version '1' (what the champion serves), saw {body.get('model_version')!r}"
    )
    predictions = body.get("predictions") or []
    assert len(predictions) == len(month1), (
        f"expected one prediction per customer ({len(month1)}), saw {len(predictions)}"
    )
    expected = probabilities_of(pipelines, "1", month1)
    seen = [p.get("churn_probability") for p in predictions]
    assert close(seen, expected), (
        "expected each customer's churn probability from the served pipeline, in the order "
        f"sent, saw {[round(p or 0, 4) for p in seen]}, expected {[round(p, 4) for p in expected]}"
    )
    ids = [p.get("customerID") for p in predictions]
    assert ids == [c["customerID"] for c in month1], (
        f"expected each answer to carry its customer's id, in order, saw {ids[:3]}..."
    )
    labels = [p.get("churn") for p in predictions]
    assert labels == [p >= THRESHOLD for p in expected], (
        f"expected churn = churn_probability >= {THRESHOLD}, saw {labels}"
    )
    calls = champions["1"].model.calls
    assert len(calls) == 1 and calls[0]["rows"] == len(month1), (
        f"expected ONE model call for the {len(month1)} customers (the pipeline costs about the "
        f"same for 1 row as for 100), saw calls of {[c['rows'] for c in calls]} rows"
    )
    assert "/predict" in documented.get("paths", {}), "expected /predict in the OpenAPI document"


@pytest.mark.points(
    3,
    exercise="app",
    hint="When the champion serves nothing after the first refresh, or the refresh itself "
    "fails, the service still starts: alive, not ready, with the champion's reason; "
    "scoring answers 503 meanwhile.",
    more="In the lifespan: try: champion.refresh() except Exception as error: "
    "champion.last_error = str(error); /ready: 503 with champion.last_error.",
)
def test_without_a_model_it_starts_alive_but_not_ready(service, test_client_class, champions):
    for name, reason in (("churn-unreleased", "#4417"), ("churn-down", "#5521")):
        with running(service, test_client_class, name) as client:
            health = client.get("/health")
            ready = client.get("/ready")
            predict = post_customers(client, [NEW_CUSTOMER])
        assert health.status_code == 200, (
            f"expected /health 200 even without a model ({name}): the process is alive; "
            f"saw {health.status_code}"
        )
        assert ready.status_code == 503, (
            f"expected /ready 503 when models:/{name}@champion serves nothing, saw "
            f"{ready.status_code}: {ready.text[:200]}"
        )
        said = str(ready.json().get("reason", ""))
        assert reason in said, (
            f"expected /ready's reason to pass on why ({reason}: the champion's last error"
            + (", or the refresh's exception" if name == "churn-down" else "")
            + f"), saw {said!r}"
        )
        assert predict.status_code == 503, (
            f"expected /predict 503 without a model (not {predict.status_code}): the caller "
            "should retry elsewhere, not think its request was wrong"
        )


@pytest.mark.points(
    2,
    exercise="app",
    hint="A swap can happen between any two lines of a request: take what is served once, at "
    "the start, and take both the model and its version from that one object.",
    more="served = request.app.state.champion.served, then served.model and served.version only.",
)
def test_one_request_uses_one_version_throughout(
    service, test_client_class, champions, pipelines, month1
):
    with running(service, test_client_class, "churn-swapping") as client:
        answers = [post_customers(client, month1[:6]) for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 200, f"expected 200, saw {answer.status_code}: {answer.text}"
        body = answer.json()
        version = str(body["model_version"])
        seen = [p["churn_probability"] for p in body["predictions"]]
        matches = [v for v in ("1", "2") if close(seen, probabilities_of(pipelines, v, month1[:6]))]
        assert matches == [version], (
            f"expected the probabilities to come from the version the answer names ({version}), "
            f"saw probabilities of version {matches[0] if matches else 'neither'}: what is served "
            "was read more than once, and a swap in between mixed two versions"
        )


@pytest.mark.points(
    2,
    exercise="app",
    hint="Scoring is blocking work: in an async route it runs on the event loop and every "
    "other request (health checks included) waits for it. A plain route runs in FastAPI's "
    "thread pool.",
    more="Declare the route with def predict(...), not async def.",
)
def test_the_model_runs_off_the_event_loop(service, test_client_class, champions, month1):
    with running(service, test_client_class, "churn") as client:
        answer = post_customers(client, month1[:3])
    calls = champions["1"].model.calls
    assert answer.status_code == 200 and calls, (
        f"expected a scored request, saw {answer.status_code}: {answer.text[:200]}"
    )
    assert not any(call["on_event_loop"] for call in calls), (
        "expected predict_proba to run in FastAPI's thread pool, saw it run on the event loop "
        "(an async def route calling the model blocks every other request meanwhile)"
    )


@pytest.mark.points(
    2,
    exercise="app",
    hint="With a poll interval above 0, the champion's poll loop runs in a background thread "
    "from start-up, and the event it waits on is set at shutdown; with 0, no polling.",
    more="stop = threading.Event(); threading.Thread(target=champion.poll, "
    "args=(poll_seconds, stop), daemon=True).start(); yield; stop.set().",
)
def test_polling_runs_in_a_thread_and_stops_at_shutdown(service, test_client_class, champions):
    with running(service, test_client_class, "churn", poll_seconds=0.25) as client:
        client.get("/ready")
        champion = the_champion()
        for _ in range(100):  # the thread may take a moment to start
            if champion.polls:
                break
            threading.Event().wait(0.02)
        polls = list(champion.polls)
    assert len(polls) == 1 and polls[0]["interval"] == 0.25, (
        "expected champion.poll(0.25, stop) to be started once at start-up, saw "
        f"{[p['interval'] for p in polls] or 'no call'}"
    )
    stop = polls[0]["stop"]
    assert isinstance(stop, threading.Event) and stop.is_set(), (
        "expected the stop event passed to poll to be set when the app shut down, saw "
        f"{stop!r} (is_set: {getattr(stop, 'is_set', lambda: None)()})"
    )
    StandInChampion.made = []
    with running(service, test_client_class, "churn") as client:
        client.get("/ready")
    assert not the_champion().polls, "expected no polling with poll_seconds=0"


@pytest.mark.points(
    2,
    exercise="app",
    hint="Every answered batch goes into the prediction log, with the version that computed "
    "it; without a log folder nothing is logged.",
    more="if log_dir is not None: log_predictions(log_dir, model_name, served.version, "
    "customers, probabilities).",
)
def test_answers_go_into_the_prediction_log(
    service, test_client_class, champions, log_recorder, month1, tmp_path
):
    log_recorder.calls.clear()
    with running(service, test_client_class, "churn-swapping", log_dir=tmp_path) as client:
        answers = [post_customers(client, month1[:4]).json() for _ in range(2)]
    assert len(log_recorder.calls) == 2, (
        f"expected one log_predictions call per answered request (2), saw {len(log_recorder.calls)}"
    )
    for answer, call in zip(answers, log_recorder.calls, strict=True):
        assert str(call["folder"]) == str(tmp_path) and call["model_name"] == "churn-swapping", (
            f"expected log_predictions(log_dir, model_name, ...), saw folder {call['folder']!r} "
            f"and model {call['model_name']!r}"
        )
        assert call["version"] == str(answer["model_version"]), (
            f"expected the logged version to be the one that answered ({answer['model_version']}), "
            f"saw {call['version']}"
        )
        assert [c.get("customerID") for c in call["customers"]] == [
            c["customerID"] for c in month1[:4]
        ], "expected the logged customers to be the request's, ids included, in order"
        assert close(
            call["probabilities"], [p["churn_probability"] for p in answer["predictions"]]
        ), "expected the logged probabilities to be the ones answered"
    log_recorder.calls.clear()
    with running(service, test_client_class, "churn") as client:
        post_customers(client, month1[:2])
    assert not log_recorder.calls, "expected nothing logged without a log_dir"


@pytest.mark.points(
    2,
    exercise="app",
    hint="FastAPI's default 422 repeats the refused value; NaN cannot be written as JSON, so "
    "that answer becomes a 500. Answer only where, what and which kind of problem.",
    more="JSONResponse(status_code=422, content={'detail': [{'loc': list(e['loc']), "
    "'msg': e['msg'], 'type': e['type']} for e in error.errors()]}).",
)
def test_refused_input_is_a_422_never_a_500(service, test_client_class, champions):
    good = json.dumps({"customers": [NEW_CUSTOMER]})
    bodies = {
        "TotalCharges": good.replace('"TotalCharges": 0.0', '"TotalCharges": NaN'),
        "MonthlyCharges": good.replace('"MonthlyCharges": 45.3', '"MonthlyCharges": Infinity'),
        "tenure": good.replace('"tenure": 0', '"tenure": 99'),
        "Contract": good.replace('"Month-to-month"', '"Monthly"'),
    }
    with running(service, test_client_class, "churn") as client:
        answers = {
            name: client.post(
                "/predict", content=body, headers={"content-type": "application/json"}
            )
            for name, body in bodies.items()
        }
        after = client.post("/predict", content=good, headers={"content-type": "application/json"})
    for name, answer in answers.items():
        assert answer.status_code == 422, (
            f"expected 422 for a request with a bad {name}, saw {answer.status_code} "
            f"{answer.text[:120]!r}"
            + (
                " (the default handler fails to write NaN/Infinity as JSON)"
                if answer.status_code == 500
                else ""
            )
        )
        detail = answer.json().get("detail")
        located = [list(item.get("loc", [])) for item in detail] if isinstance(detail, list) else []
        assert ["body", "customers", 0, name] in located, (
            f"expected the 422's detail to locate the problem at ['body', 'customers', 0, {name!r}], "
            f"saw {detail!r}"
        )
    assert after.status_code == 200, (
        f"expected a valid request after the refused ones to get 200, saw {after.status_code}"
    )


# --- exercise 3: hot reload --------------------------------------------------------------------


@pytest.fixture(scope="module")
def hot_reload(exercise):
    return exercise("08", "hot_reload")


class CountingLoader:
    """Wraps the given load_version: remembers each call and what was served meanwhile."""

    def __init__(self, hot_reload, fail_versions=(), during=None):
        self.load = hot_reload.load_version
        self.fail_versions = set(fail_versions)
        self.during = during  # called with the version, while it loads
        self.calls: list[str] = []
        self.served_during: list = []  # champion.served at the moment of each load
        self.champion = None

    def __call__(self, tracking_uri, model_name, version):
        self.calls.append(str(version))
        self.served_during.append(self.champion.served if self.champion else None)
        if self.during is not None:
            self.during(str(version))
        if str(version) in self.fail_versions:
            raise OSError(f"artifact store unreachable while loading version {version}")
        return self.load(tracking_uri, model_name, version)


def watch(hot_reload, registry, name, loader):
    champion = hot_reload.Champion(registry.uri, name, loader=loader)
    loader.champion = champion
    return champion


def same_model(pipelines, model, version, customers) -> bool:
    seen = [float(p) for p in model.predict_proba(as_frame(customers))[:, 1]]
    return close(seen, probabilities_of(pipelines, version, customers))


@pytest.mark.points(
    0,
    exercise="hot_reload",
    hint="Keep Champion's four parameters (the store, the model name, the alias, the loader) "
    "and its two attributes.",
)
def test_hot_reload_structure(hot_reload):
    parameters = list(inspect.signature(hot_reload.Champion).parameters)
    assert parameters == ["tracking_uri", "model_name", "alias", "loader"], (
        f"expected Champion(tracking_uri, model_name, alias, loader), saw {parameters}"
    )
    champion = hot_reload.Champion("sqlite:///unused.db", "churn")
    assert champion.served is None and champion.last_error is None, (
        "expected a new Champion to serve nothing yet (served None, last_error None)"
    )


@pytest.mark.points(
    1,
    exercise="hot_reload",
    hint="MLflow gives the version as a number: answer text. MLflow's own error for a missing "
    "model or alias means 'none': answer None, and let other errors through.",
    more="str(MlflowClient(self.tracking_uri).get_model_version_by_alias(...).version); "
    "except MlflowException: return None.",
)
def test_registry_version_is_text_or_none(hot_reload, registry):
    registry.register("churn-rv", ["1", "2"], champion="2")
    seen = hot_reload.Champion(registry.uri, "churn-rv").registry_version()
    assert seen == "2", f"expected '2' (text) for the alias on version 2, saw {seen!r}"
    registry.client.delete_registered_model_alias("churn-rv", "champion")
    for name in ("churn-rv", "no-such-model"):
        seen = hot_reload.Champion(registry.uri, name).registry_version()
        assert seen is None, f"expected None when {name!r} has no champion alias, saw {seen!r}"


@pytest.mark.points(
    2,
    exercise="hot_reload",
    hint="Nothing serves yet and the alias points at version 1: load version 1 through the "
    "loader you were given, and serve it as version '1'.",
    more="model = self.loader(self.tracking_uri, self.model_name, wanted); "
    "self.served = Served(wanted, model).",
)
def test_first_refresh_loads_the_champion(hot_reload, registry, pipelines, month1):
    registry.register("churn-first", ["1", "2"], champion="1")
    loader = CountingLoader(hot_reload)
    champion = watch(hot_reload, registry, "churn-first", loader)
    result = champion.refresh()
    served = champion.served
    assert result is True and served is not None and served.version == "1", (
        "expected the first refresh to load the champion and return True, saw return "
        f"{result!r} and served {served!r}"
    )
    assert loader.calls == ["1"], (
        f"expected one call of the loader, for version '1', saw {loader.calls}"
    )
    assert same_model(pipelines, served.model, "1", month1), (
        "expected served.model to be the pipeline the loader returned for version 1"
    )


@pytest.mark.points(
    2,
    exercise="hot_reload",
    hint="A poll every few seconds must not reload the model: when the alias still points at "
    "the version being served, load nothing and say nothing changed.",
    more="if self.served is not None and self.served.version == wanted: return False.",
)
def test_an_unchanged_alias_loads_nothing(hot_reload, registry):
    registry.register("churn-steady", ["1", "2"], champion="1")
    loader = CountingLoader(hot_reload)
    champion = watch(hot_reload, registry, "churn-steady", loader)
    champion.refresh()
    first = champion.served
    results = [champion.refresh(), champion.refresh()]
    assert results == [False, False] and loader.calls == ["1"], (
        "expected refreshes with an unchanged alias to return False and load nothing (a poll "
        f"every few seconds must not reload the model), saw returns {results} and loads {loader.calls}"
    )
    assert champion.served is first, "expected the same Served object to keep serving"


@pytest.mark.points(
    3,
    exercise="hot_reload",
    hint="Load the new version while the old one still answers, then replace what is served "
    "with a new object in one assignment; never change the old object.",
    more="model = self.loader(...) first; then self.served = Served(wanted, model).",
)
def test_a_new_champion_is_loaded_beside_the_old_and_swapped(
    hot_reload, registry, pipelines, month1
):
    registry.register("churn-promoted", ["1", "2"], champion="1")
    loader = CountingLoader(hot_reload)
    champion = watch(hot_reload, registry, "churn-promoted", loader)
    champion.refresh()
    in_flight = champion.served  # what a request that started now is holding
    old_model = in_flight.model
    registry.client.set_registered_model_alias("churn-promoted", "champion", "2")  # a promotion
    result = champion.refresh()
    during = loader.served_during[-1] if loader.served_during else None
    assert result is True and loader.calls == ["1", "2"], (
        f"expected the refresh after the promotion to load version 2 and return True, saw return "
        f"{result!r} and loads {loader.calls}"
    )
    assert during is in_flight, (
        "expected version 1 to keep serving while version 2 loaded (no gap with nothing served), "
        f"saw served = {during!r} during the load"
    )
    assert champion.served.version == "2" and same_model(
        pipelines, champion.served.model, "2", month1
    ), f"expected version 2 to serve after the swap, saw {champion.served!r}"
    assert in_flight.version == "1" and in_flight.model is old_model, (
        "expected the Served object a request in flight holds to stay version 1 with its model "
        f"(swap the reference, never change the object), saw {in_flight!r}"
    )
    assert champion.last_error is None, f"expected last_error None, saw {champion.last_error!r}"


@pytest.mark.points(
    2,
    exercise="hot_reload",
    hint="Ask the registry once per refresh and record the version you loaded: asking again "
    "after the load labels the old model with the new number if the alias moved meanwhile.",
    more="wanted = self.registry_version() once; self.loader(..., wanted); Served(wanted, model).",
)
def test_the_version_served_is_the_version_loaded(hot_reload, registry, pipelines, month1):
    registry.register("churn-race", ["1", "2"], champion="1")

    def promote_during_the_load(version: str) -> None:
        if version == "1":  # someone promotes version 2 while version 1 is loading
            registry.client.set_registered_model_alias("churn-race", "champion", "2")

    loader = CountingLoader(hot_reload, during=promote_during_the_load)
    champion = watch(hot_reload, registry, "churn-race", loader)
    champion.refresh()
    served = champion.served
    assert served is not None and loader.calls == ["1"], (
        f"expected one load, of version 1, saw loads {loader.calls} and served {served!r}"
    )
    assert served.version == "1" and same_model(pipelines, served.model, "1", month1), (
        "expected version 1's model to be served as version '1' (the alias moved to 2 while it "
        f"loaded), saw it served as version {served.version!r}: the version was looked up "
        "again after the load"
    )
    champion.refresh()
    assert champion.served.version == "2" and loader.calls == ["1", "2"], (
        "expected the next refresh to load version 2, saw loads "
        f"{loader.calls} and served {champion.served!r}"
    )


@pytest.mark.points(
    2,
    exercise="hot_reload",
    hint="A missing alias or a load that raises keeps the old model serving, explains itself "
    "in last_error, and answers False; the next refresh tries again.",
    more="try: model = self.loader(...) except Exception as error: self.last_error = ...; "
    "return False.",
)
def test_failures_keep_the_old_model_serving(hot_reload, registry):
    registry.register("churn-flaky", ["1", "2"], champion="1")
    loader = CountingLoader(hot_reload, fail_versions={"2"})
    champion = watch(hot_reload, registry, "churn-flaky", loader)
    champion.refresh()
    serving = champion.served
    registry.client.set_registered_model_alias("churn-flaky", "champion", "2")
    result = champion.refresh()
    assert result is False and champion.served is serving, (
        "expected a failed load of version 2 to return False and keep version 1 serving, saw "
        f"return {result!r} and served {champion.served!r}"
    )
    error = champion.last_error or ""
    assert "2" in error and "churn-flaky" in error, (
        f"expected last_error to name the model and the version that failed, saw {error!r}"
    )
    loader.fail_versions.clear()  # the store is back
    result = champion.refresh()
    assert result is True and champion.served.version == "2" and champion.last_error is None, (
        "expected the next refresh to try again and swap to version 2 (last_error cleared), saw "
        f"return {result!r}, served {champion.served!r}, last_error {champion.last_error!r}"
    )
    serving = champion.served
    registry.client.delete_registered_model_alias("churn-flaky", "champion")
    result = champion.refresh()
    assert (
        result is False and champion.served is serving and "champion" in (champion.last_error or "")
    ), (
        "expected a deleted alias to keep version 2 serving, return False and say so in "
        f"last_error (naming the alias), saw return {result!r}, served {champion.served!r}, "
        f"last_error {champion.last_error!r}"
    )


# --- exercise 4: the prediction log ------------------------------------------------------------


@pytest.fixture(scope="module")
def prediction_log(exercise):
    return exercise("08", "prediction_log")


def read_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def logged_files(folder) -> list:
    return sorted(folder.rglob("*.jsonl"))


@pytest.mark.points(
    2,
    exercise="prediction_log",
    hint="One JSON object per line and per customer: when, which model and version, the "
    "customer as sent, the probability; in a folder named after the day.",
    more="json.dumps({'logged_at': at.isoformat(), 'model_name': ..., 'model_version': "
    "str(version), **customer, 'churn_probability': float(p)}) per customer.",
)
def test_one_line_per_customer_with_the_version(prediction_log, pipelines, month1, tmp_path):
    import pandas as pd

    at = datetime(2026, 3, 14, 9, 30, 5, 250000, tzinfo=UTC)
    customers = month1[:3]
    probabilities = pipelines["1"].predict_proba(as_frame(customers))[:, 1]
    returned = prediction_log.log_predictions(tmp_path, "churn", "3", customers, probabilities, at)
    files = logged_files(tmp_path)
    expected_path = tmp_path / "2026-03-14" / "predictions.jsonl"
    assert files == [expected_path] and str(returned) == str(expected_path), (
        f"expected one file, <folder>/2026-03-14/predictions.jsonl, returned; saw files "
        f"{[str(f.relative_to(tmp_path)) for f in files]} and return {returned!r}"
    )
    lines = read_lines(expected_path)
    assert len(lines) == 3, f"expected one line per customer (3), saw {len(lines)}"
    for line, customer, probability in zip(lines, customers, probabilities, strict=True):
        keys = list(line)
        assert keys == [*LOG_COLUMNS, "churn_probability"], (
            f"expected the keys {[*LOG_COLUMNS, 'churn_probability']} in that order, saw {keys}"
        )
        expected = {
            "logged_at": "2026-03-14T09:30:05.250000+00:00",
            "model_name": "churn",
            "model_version": "3",
            **customer,
            "churn_probability": float(probability),
        }
        assert line == expected, f"expected the line {expected}, saw {line}"
    table = pd.read_json(expected_path, lines=True, dtype={data.ID_COLUMN: str})
    assert list(table[data.ID_COLUMN]) == [c["customerID"] for c in customers], (
        "expected pandas to read the file back as JSON lines"
    )


@pytest.mark.points(
    2,
    exercise="prediction_log",
    hint="The file collects a whole day of answers: each call adds its lines after the ones "
    "already there, it never starts the file again.",
    more="Open the file in append mode, 'a', not 'w'.",
)
def test_calls_add_to_the_file(prediction_log, month1, tmp_path):
    at = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    prediction_log.log_predictions(tmp_path, "churn", "1", month1[:2], [0.1, 0.2], at)
    prediction_log.log_predictions(
        tmp_path, "churn", "2", month1[2:5], [0.3, 0.4, 0.5], at + timedelta(minutes=1)
    )
    lines = read_lines(tmp_path / "2026-03-14" / "predictions.jsonl")
    seen = [(line.get("customerID"), line.get("model_version")) for line in lines]
    expected = [(c["customerID"], "1") for c in month1[:2]] + [
        (c["customerID"], "2") for c in month1[2:5]
    ]
    assert seen == expected, (
        f"expected both calls' lines, the first call's first ({len(expected)} lines), saw {seen}"
        + (" - the second call replaced the file" if len(seen) == 3 else "")
    )


@pytest.mark.points(
    2,
    exercise="prediction_log",
    hint="Days are UTC days: a time given in another zone goes to the folder of its UTC date, "
    "and a time without a zone cannot be placed at all.",
    more="at = at.astimezone(UTC); folder at.strftime('%Y-%m-%d'); a naive at: ValueError.",
)
def test_the_day_is_the_utc_day(prediction_log, month1, tmp_path):
    from mlops_course.grading.plugin import expect_error

    evening_in_new_york = datetime(2026, 3, 31, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    prediction_log.log_predictions(tmp_path, "churn", "1", month1[:1], [0.25], evening_in_new_york)
    files = [str(f.relative_to(tmp_path)) for f in logged_files(tmp_path)]
    assert files == ["2026-04-01/predictions.jsonl"], (
        "expected 21:30 on 31 March at UTC-5 (02:30 on 1 April in UTC) in the folder "
        f"2026-04-01, saw {files}"
    )
    line = read_lines(tmp_path / "2026-04-01" / "predictions.jsonl")[0]
    assert line.get("logged_at") == "2026-04-01T02:30:00+00:00", (
        f"expected logged_at in UTC, 2026-04-01T02:30:00+00:00, saw {line.get('logged_at')!r}"
    )
    expect_error(
        ValueError,
        lambda: prediction_log.log_predictions(
            tmp_path, "churn", "1", month1[:1], [0.25], datetime(2026, 4, 1, 12, 0)
        ),
        "for a time without a timezone (which day is it in UTC?)",
    )


@pytest.mark.points(
    1,
    exercise="prediction_log",
    hint="One probability per customer: a mismatch is a bug upstream, refused before anything "
    "is written.",
)
def test_a_length_mismatch_writes_nothing(prediction_log, month1, tmp_path):
    from mlops_course.grading.plugin import expect_error

    at = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    expect_error(
        ValueError,
        lambda: prediction_log.log_predictions(tmp_path, "churn", "1", month1[:3], [0.5, 0.5], at),
        "for 3 customers and 2 probabilities",
    )
    written = [f for f in logged_files(tmp_path) if f.stat().st_size]
    assert not written, f"expected nothing written after the refusal, saw {written}"


# --- exercise 5: the batch job -----------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(exercise):
    return exercise("08", "batch")


def month_file(path, rows: int, part: str = "features", new_share: float = 0.0, seed: int = 5):
    """A month's CSV as the billing export writes it; ``new_share`` of it not billed yet."""
    import numpy as np

    table = data.generate(month=1, rows=rows, seed=seed)
    if new_share:
        new = np.random.default_rng(seed).random(rows) < new_share
        table.loc[new, "tenure"] = 0
        table.loc[new, "TotalCharges"] = " "
    if part == "features":
        table = table.drop(columns=[data.LABEL_COLUMN])
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\n")
    return table


def expected_scores(pipelines, table) -> list[float]:
    return probabilities_of(pipelines, "1", customers_from(table.assign(Churn="No")))


def read_scores(path):
    import pandas as pd

    return pd.read_csv(path, dtype={data.ID_COLUMN: str, "model_version": str})


def run_batch(batch, pipelines, tmp_path, source, chunk_rows):
    model = WatchedModel(pipelines["1"])
    destination = tmp_path / "out" / "scores.csv"
    summary = batch.score_file(model, "1", source, destination, chunk_rows)
    return model, destination, summary


@pytest.mark.points(
    0,
    exercise="batch",
    hint="Keep score_file's five parameters, the chunk size of 10,000 and the four output columns.",
)
def test_batch_structure(batch):
    parameters = list(inspect.signature(batch.score_file).parameters)
    assert parameters == ["model", "version", "source", "destination", "chunk_rows"], (
        f"expected score_file(model, version, source, destination, chunk_rows), saw {parameters}"
    )
    assert batch.CHUNK_ROWS == 10_000 and list(batch.OUTPUT_COLUMNS) == OUTPUT_COLUMNS, (
        f"expected CHUNK_ROWS 10000 and OUTPUT_COLUMNS {OUTPUT_COLUMNS}, saw "
        f"{batch.CHUNK_ROWS} and {batch.OUTPUT_COLUMNS}"
    )


@pytest.mark.points(
    3,
    exercise="batch",
    hint="Read the file a chunk at a time and make one model call per chunk, never one per "
    "customer; write one row per customer, in the file's order.",
    more="for chunk in pd.read_csv(source, dtype={'customerID': str}, chunksize=chunk_rows): "
    "one predict_proba(chunk[FEATURES])[:, 1] per chunk, appended to the output.",
)
def test_every_customer_is_scored_in_chunks(batch, pipelines, tmp_path):
    source = tmp_path / "month-1.csv"
    table = month_file(source, 1234)
    model, destination, summary = run_batch(batch, pipelines, tmp_path, source, 500)
    rows = [call["rows"] for call in model.calls]
    assert rows == [500, 500, 234], (
        f"expected 3 model calls of 500, 500 and 234 rows for 1,234 customers in chunks of 500, "
        f"saw {len(rows)} calls" + (f" of {rows[:5]} rows" if rows else "")
    )
    scores = read_scores(destination)
    assert list(scores.columns) == OUTPUT_COLUMNS, (
        f"expected exactly the columns {OUTPUT_COLUMNS}, saw {list(scores.columns)}"
    )
    assert list(scores[data.ID_COLUMN]) == list(table[data.ID_COLUMN]), (
        "expected one row per customer, in the order of the file"
    )
    expected = expected_scores(pipelines, table)
    assert close(scores["churn_probability"], expected, 1e-6), (
        "expected each customer's churn probability from the model, saw "
        f"{list(scores['churn_probability'][:3])}..., expected {expected[:3]}..."
    )
    assert list(scores["churn"]) == [p >= THRESHOLD for p in expected] and set(
        scores["model_version"]
    ) == {"1"}, "expected churn = probability >= 0.5 and model_version '1' on every row"


@pytest.mark.points(
    2,
    exercise="batch",
    hint="A blank TotalCharges is a customer not billed yet: the model needs the number 0.0, "
    "and the customer still gets a score.",
    more="text = chunk['TotalCharges'].astype(str).str.strip(); "
    "pd.to_numeric(text.where(text != '', '0')).",
)
def test_blank_total_charges_are_scored_as_zero(batch, pipelines, tmp_path):
    source = tmp_path / "new-customers.csv"
    table = month_file(source, 300, new_share=0.3)
    assert (table["TotalCharges"] == " ").any()
    _, destination, summary = run_batch(batch, pipelines, tmp_path, source, 10_000)
    scores = read_scores(destination)
    assert len(scores) == 300 and summary.rows == 300, (
        f"expected all 300 customers scored, new ones included, saw {len(scores)} rows"
    )
    assert close(scores["churn_probability"], expected_scores(pipelines, table), 1e-6), (
        "expected the new customers scored with TotalCharges 0.0"
    )


@pytest.mark.points(
    2,
    exercise="batch",
    hint="A file that divides into whole chunks ends without an extra, empty call (the model "
    "refuses zero rows), and a file with no customers gives a header and nothing else.",
)
def test_chunk_edges_and_an_empty_month(batch, pipelines, tmp_path):
    source = tmp_path / "exact.csv"
    month_file(source, 1000)
    model, destination, summary = run_batch(batch, pipelines, tmp_path, source, 500)
    rows = [call["rows"] for call in model.calls]
    assert rows == [500, 500] and summary.rows == 1000, (
        f"expected exactly 2 calls of 500 rows for 1,000 customers, saw {rows}"
    )
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(data.COLUMNS[:-1]) + "\n")
    model, destination, summary = run_batch(batch, pipelines, tmp_path, empty, 500)
    text = destination.read_text().strip().splitlines() if destination.exists() else None
    assert text == [",".join(OUTPUT_COLUMNS)] and not model.calls and summary.rows == 0, (
        "expected a file with no customers to give the header line only, no model call and "
        f"rows 0, saw {text} and {len(model.calls)} model call(s)"
    )


@pytest.mark.points(
    1,
    exercise="batch",
    hint="Hand the model the 19 inputs only: a month file may carry the label, and the id is "
    "no input either.",
    more="predict_proba(chunk[FEATURES]).",
)
def test_only_the_inputs_reach_the_model(batch, pipelines, tmp_path):
    source = tmp_path / "with-labels.csv"
    month_file(source, 50, part="full")
    model, destination, _ = run_batch(batch, pipelines, tmp_path, source, 500)
    columns = model.calls[0]["columns"] if model.calls else None
    assert columns == FEATURES, f"expected the model to get exactly {FEATURES}, saw {columns}"
    assert list(read_scores(destination).columns) == OUTPUT_COLUMNS, (
        "expected the label not to reach the output"
    )


@pytest.mark.points(
    1,
    exercise="batch",
    hint="The summary says how many customers, how long the whole job took, and with which "
    "version.",
)
def test_the_summary(batch, pipelines, tmp_path):
    source = tmp_path / "month.csv"
    month_file(source, 700)
    _, _, summary = run_batch(batch, pipelines, tmp_path, source, 500)
    assert isinstance(summary, batch.BatchSummary), (
        f"expected a BatchSummary, saw {type(summary).__name__}"
    )
    assert (summary.rows, summary.version) == (700, "1") and summary.seconds > 0, (
        f"expected 700 rows with version '1' in some positive time, saw {summary}"
    )
    assert math.isclose(summary.rows_per_second, 700 / summary.seconds), (
        f"expected rows_per_second = rows / seconds, saw {summary.rows_per_second}"
    )
