"""Grading tests for lesson 08: the request schema, the FastAPI service, the hot reload.

The service is graded through FastAPI's ``TestClient`` inside a ``with`` block,
so the app's start-up (its lifespan) really runs, against a real MLflow
registry: a pre-migrated SQLite store (``fresh_store``) in a temporary folder,
holding two real churn pipelines, trained once per module with lesson 04's
*reference* pipeline (loaded from solutions/, never from the learner's lesson
04). Version 1 is the champion; version 2 is newer and scores differently, so
a service that loads "the latest" instead of the alias is caught.

``app.py`` imports ``schemas``. The app's tests give it a stand-in built here
from the data world's columns (``stand_in_schemas``), so an unfinished
exercise 1 never costs points in exercise 2, and grading never needs this
lesson's own reference; the schema tests grade the learner's own ``schemas.py``.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import json
import math
import sys
import warnings
from dataclasses import dataclass
from types import ModuleType

import pytest

from mlops_course import data
from mlops_course.mlflow_store import fresh_store

TRAIN_ROWS = 1500  # small: the tests are about serving, not about a good model
PLANS = {"1": {"C": 1.0}, "2": {"C": 0.05, "class_weight": "balanced"}}  # version -> settings
FEATURES = [column for column in data.COLUMNS if column not in (data.ID_COLUMN, data.LABEL_COLUMN)]
MAX_BATCH = 1000
THRESHOLD = 0.5
# A customer in their first month: tenure 0 and nothing billed yet.
NEW_CUSTOMER = {
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
    """Raw rows of the data world as request customers: no id, no label, numbers as numbers.

    The billing export's blank TotalCharges becomes 0.0, as in training (lesson 04).
    """
    customers = []
    for row in table.drop(columns=[data.ID_COLUMN, data.LABEL_COLUMN]).to_dict("records"):
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


# --- shared fixtures -------------------------------------------------------------------------


@dataclass
class Registry:
    """A store with two real churn pipelines, registered as versions 1 and 2 of ``churn``."""

    uri: str
    client: object
    models: dict  # version text -> the fitted pipeline
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

    def probabilities(self, version: str, customers: list[dict]) -> list[float]:
        """What the pipeline of ``version`` says for these customers, computed here."""
        return [float(p) for p in self.models[version].predict_proba(as_frame(customers))[:, 1]]


@pytest.fixture(scope="module")
def lesson04(reference):
    """Lesson 04's reference solution: this lesson's tests supply it, not the learner."""
    return reference("04", "tracking")


@pytest.fixture(scope="module")
def registry(mlflow, lesson04, tmp_path_factory) -> Registry:
    """Train lesson 04's pipeline twice, log both, register ``churn`` 1 (champion) and 2."""
    folder = tmp_path_factory.mktemp("registry")
    uri = fresh_store(folder)
    mlflow.set_tracking_uri(uri)
    client = mlflow.MlflowClient(uri)
    experiment = client.create_experiment("churn", artifact_location=(folder / "art").as_uri())
    features, target = lesson04.features_and_target(data.generate(month=0, rows=TRAIN_ROWS, seed=7))
    models, logged = {}, {}
    for version, params in PLANS.items():
        model = lesson04.build_pipeline(params).fit(features, target)
        with mlflow.start_run(experiment_id=experiment):
            info = mlflow.sklearn.log_model(
                model, name="model", pip_requirements=lesson04.pip_requirements()
            )
        models[version], logged[version] = model, info
    store = Registry(uri, client, models, logged)
    store.register("churn", ["1", "2"], champion="1")
    # The tests tell the versions apart by their answers: they must differ, or a test is wrong.
    sample = customers_from(data.generate(month=1, rows=12, seed=11))
    one, two = store.probabilities("1", sample), store.probabilities("2", sample)
    assert max(abs(a - b) for a, b in zip(one, two, strict=True)) > 0.05, (one, two)
    return store


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
    hint="Keep Customer and PredictRequest as pydantic BaseModel classes, and MAX_BATCH = 1000.",
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
    hint="One field per training column, named exactly as in the data; ranges wide enough for real customers (tenure 0 is a new customer).",
)
def test_every_customer_of_the_data_world_is_accepted(schemas):
    fields = sorted(schemas.Customer.model_fields)
    assert fields == sorted(FEATURES), (
        f"expected Customer's fields to be exactly the 19 training columns {sorted(FEATURES)}, "
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
    2,
    exercise="schemas",
    hint="tenure: int = Field(ge=0, le=72); MonthlyCharges: Field(gt=0); TotalCharges: Field(ge=0); SeniorCitizen: Literal[0, 1].",
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
    for field, value, accepted in cases:
        errors = problems(schemas.Customer, dict(NEW_CUSTOMER, **{field: value}))
        if accepted:
            assert errors is None, (
                f"expected {field}={value!r} to be accepted (the edge of its range), saw "
                f"{[(e['loc'], e['msg']) for e in errors]}"
            )
        else:
            assert errors is not None and locations(errors) == [(field,)], (
                f"expected {field}={value!r} to be refused with an error located at {field!r}, "
                f"saw {'it accepted' if errors is None else locations(errors)}"
            )


@pytest.mark.points(
    2,
    exercise="schemas",
    hint="A Literal[...] of the allowed values per categorical column, not str: an unknown category is scored silently otherwise.",
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
    hint="ConfigDict(allow_inf_nan=False): Field(ge=0) alone lets Infinity through, and JSON parsers in Python accept NaN and Infinity.",
)
def test_nan_and_infinity_are_refused(schemas):
    for field in ("MonthlyCharges", "TotalCharges"):
        for value in (math.nan, math.inf, -math.inf):
            errors = problems(schemas.Customer, dict(NEW_CUSTOMER, **{field: value}))
            assert errors is not None and locations(errors) == [(field,)], (
                f"expected {field}={value} to be refused at {field!r}, saw "
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
    hint="ConfigDict(extra='forbid'): an unknown key must be an error, not silently dropped.",
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
    hint="customers: list[Customer] = Field(min_length=1, max_length=MAX_BATCH), and extra='forbid'.",
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


# --- exercise 2: the app -----------------------------------------------------------------------


def stand_in_schemas() -> ModuleType:
    """The models app.py imports from ``schemas``, built from ``mlops_course.data``'s columns."""
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, Field, create_model

    fields = {column: (Literal[values], ...) for column, values in data.CATEGORIES.items()}
    fields.update(
        SeniorCitizen=(Literal[0, 1], ...),
        tenure=(int, Field(ge=0, le=72)),
        MonthlyCharges=(float, Field(gt=0)),
        TotalCharges=(float, Field(ge=0)),
    )
    customer = create_model(
        "Customer", __config__=ConfigDict(extra="forbid", allow_inf_nan=False), **fields
    )
    request = create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        customers=(list[customer], Field(min_length=1, max_length=MAX_BATCH)),
    )

    class Prediction(BaseModel):
        churn_probability: float = Field(ge=0, le=1)
        churn: bool

    class PredictResponse(BaseModel):
        model_version: str
        predictions: list[Prediction]

    schemas = ModuleType("schemas")
    schemas.__dict__.update(
        Customer=customer,
        PredictRequest=request,
        Prediction=Prediction,
        PredictResponse=PredictResponse,
        MAX_BATCH=MAX_BATCH,
    )
    return schemas


@pytest.fixture(scope="module")
def service(exercise):
    """The learner's app.py, importing the stand-in schemas as ``schemas``."""
    schemas = stand_in_schemas()
    before = sys.modules.get("schemas")
    sys.modules["schemas"] = schemas
    try:
        yield exercise("08", "app")
    finally:
        if before is None:
            sys.modules.pop("schemas", None)
        else:
            sys.modules["schemas"] = before


@pytest.fixture(scope="module")
def test_client_class():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
        from fastapi.testclient import TestClient
    return TestClient


@contextlib.contextmanager
def running(service, test_client_class, uri: str, name: str):
    """Start the learner's app (its lifespan runs) and yield a client; fail plainly if it can't."""
    app = service.create_app(uri, name)
    client = test_client_class(app, raise_server_exceptions=False)
    try:
        client.__enter__()
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - say what happened at start-up
        pytest.fail(
            f"expected the app to start for models:/{name}@champion, saw start-up fail with "
            f"{type(error).__name__}: {error} (catch load failures in the lifespan)",
            pytrace=False,
        )
    try:
        yield client
    finally:
        client.__exit__(None, None, None)
        gc.unfreeze()  # the app may gc.freeze() at start-up: fine for a service, not for a test run


def post_customers(client, customers):
    return client.post("/predict", json={"customers": customers})


@pytest.mark.points(
    0, exercise="app", hint="Keep create_app(tracking_uri, model_name, alias='champion')."
)
def test_app_signature(service):
    parameters = inspect.signature(service.create_app).parameters
    assert list(parameters) == ["tracking_uri", "model_name", "alias"], (
        f"expected create_app(tracking_uri, model_name, alias), saw {list(parameters)}"
    )
    assert parameters["alias"].default == "champion", (
        f"expected alias to default to 'champion', saw {parameters['alias'].default!r}"
    )


@pytest.mark.points(
    3,
    exercise="app",
    hint="Resolve the alias to a version (get_model_version_by_alias) and load models:/name/<that version>; /ready reports it.",
)
def test_ready_names_the_champion_version_not_the_latest(service, test_client_class, registry):
    with running(service, test_client_class, registry.uri, "churn") as client:
        health = client.get("/health")
        ready = client.get("/ready")
    assert health.status_code == 200, f"expected /health to answer 200, saw {health.status_code}"
    body = ready.json() if ready.status_code < 500 else ready.text
    assert ready.status_code == 200, (
        f"expected /ready to answer 200 once the champion is loaded, saw {ready.status_code}: {body}"
    )
    seen = (str(body.get("model")), str(body.get("version")))
    assert seen == ("churn", "1"), (
        "expected /ready to name model 'churn' and version '1' (the champion; version 2 is "
        f"newer but not champion), saw model {seen[0]!r} and version {seen[1]!r}"
    )


@pytest.mark.points(
    3,
    exercise="app",
    hint="One predict_proba call on pd.DataFrame([c.model_dump() for c in body.customers]); column 1 is churn; churn = p >= THRESHOLD.",
)
def test_predict_scores_with_the_champion_pipeline(service, test_client_class, registry, month1):
    with running(service, test_client_class, registry.uri, "churn") as client:
        answer = post_customers(client, month1)
    assert answer.status_code == 200, (
        f"expected 200 for {len(month1)} valid customers, saw {answer.status_code}: {answer.text[:300]}"
    )
    body = answer.json()
    assert str(body.get("model_version")) == "1", (
        f"expected model_version '1' (the champion), saw {body.get('model_version')!r}"
    )
    predictions = body.get("predictions") or []
    assert len(predictions) == len(month1), (
        f"expected one prediction per customer ({len(month1)}), saw {len(predictions)}"
    )
    expected = registry.probabilities("1", month1)
    seen = [p["churn_probability"] for p in predictions]
    assert all(abs(a - b) < 1e-9 for a, b in zip(seen, expected, strict=True)), (
        "expected each customer's churn probability from the champion pipeline, in the order "
        f"sent (predict_proba(...)[:, 1]), saw {[round(p, 4) for p in seen]}, expected "
        f"{[round(p, 4) for p in expected]}"
    )
    labels = [p["churn"] for p in predictions]
    assert labels == [p >= THRESHOLD for p in expected], (
        f"expected churn = churn_probability >= {THRESHOLD}, saw {labels} for {[round(p, 3) for p in expected]}"
    )


@pytest.mark.points(
    3,
    exercise="app",
    hint="In the lifespan, catch the load error: served None and a reason naming model and alias; /ready 503 with it; /predict 503.",
)
def test_without_a_champion_it_starts_alive_but_not_ready(service, test_client_class, registry):
    registry.register("churn-unreleased", ["1"])  # registered, never promoted: no alias
    for name in ("churn-unreleased", "no-such-model"):
        with running(service, test_client_class, registry.uri, name) as client:
            health = client.get("/health")
            ready = client.get("/ready")
            predict = post_customers(client, [NEW_CUSTOMER])
        assert health.status_code == 200, (
            f"expected /health 200 even without a model ({name}): the process is alive; "
            f"saw {health.status_code}"
        )
        assert ready.status_code == 503, (
            f"expected /ready 503 when models:/{name}@champion cannot be loaded, saw "
            f"{ready.status_code}: {ready.text[:200]}"
        )
        reason = str(ready.json().get("reason", ""))
        assert name in reason and "champion" in reason, (
            f"expected /ready's reason to name the model {name!r} and the alias 'champion', "
            f"saw {reason!r}"
        )
        assert predict.status_code == 503, (
            f"expected /predict 503 without a model (not {predict.status_code}): the caller "
            "should retry elsewhere, not think its request was wrong"
        )


@pytest.mark.points(
    2,
    exercise="app",
    hint="FastAPI's default 422 echoes the input; NaN can't be JSON, so it becomes a 500. Return loc, msg and type only.",
)
def test_refused_input_is_a_422_never_a_500(service, test_client_class, registry):
    good = json.dumps({"customers": [NEW_CUSTOMER]})
    bodies = {
        "TotalCharges": good.replace('"TotalCharges": 0.0', '"TotalCharges": NaN'),
        "MonthlyCharges": good.replace('"MonthlyCharges": 45.3', '"MonthlyCharges": Infinity'),
        "tenure": good.replace('"tenure": 0', '"tenure": 99'),
        "Contract": good.replace('"Month-to-month"', '"Monthly"'),
    }
    with running(service, test_client_class, registry.uri, "churn") as client:
        answers = {
            field: client.post(
                "/predict", content=body, headers={"content-type": "application/json"}
            )
            for field, body in bodies.items()
        }
        after = client.post("/predict", content=good, headers={"content-type": "application/json"})
    for field, answer in answers.items():
        assert answer.status_code == 422, (
            f"expected 422 for a request with a bad {field}, saw {answer.status_code} "
            f"{answer.text[:120]!r}"
            + (
                " (the default handler fails to write NaN/Infinity as JSON)"
                if answer.status_code == 500
                else ""
            )
        )
        detail = answer.json().get("detail")
        located = [list(item.get("loc", [])) for item in detail] if isinstance(detail, list) else []
        assert ["body", "customers", 0, field] in located, (
            f"expected the 422's detail to locate the problem at ['body', 'customers', 0, {field!r}], "
            f"saw {detail!r}"
        )
    assert after.status_code == 200, (
        f"expected a valid request after the refused ones to get 200, saw {after.status_code}"
    )


@pytest.mark.points(
    2,
    exercise="app",
    hint="Load once, in the lifespan: a running service keeps the version it loaded; it does not ask the registry per request.",
)
def test_the_model_is_loaded_once_at_start_up(service, test_client_class, registry, month1):
    registry.register("churn-moving", ["1", "2"], champion="1")
    with running(service, test_client_class, registry.uri, "churn-moving") as client:
        registry.client.set_registered_model_alias("churn-moving", "champion", "2")
        ready = client.get("/ready").json()
        answer = post_customers(client, month1[:3]).json()
    assert str(ready.get("version")) == "1" and str(answer.get("model_version")) == "1", (
        "expected the running service to keep serving version 1, the one it loaded at start-up, "
        f"after the alias moved; saw /ready version {ready.get('version')!r} and predictions "
        f"from {answer.get('model_version')!r}"
    )
    with running(service, test_client_class, registry.uri, "churn-moving") as client:
        ready = client.get("/ready").json()
        answer = post_customers(client, month1[:3]).json()
    seen = [p["churn_probability"] for p in answer.get("predictions", [])]
    expected = registry.probabilities("2", month1[:3])
    assert str(ready.get("version")) == "2" and all(
        abs(a - b) < 1e-9 for a, b in zip(seen, expected, strict=True)
    ), (
        "expected a restarted service to load the new champion, version 2, and score with it; "
        f"saw version {ready.get('version')!r} and probabilities {seen}"
    )


# --- exercise 3: hot reload --------------------------------------------------------------------


@pytest.fixture(scope="module")
def hot_reload(exercise):
    return exercise("08", "hot_reload")


class CountingLoader:
    """Wraps the given load_version: remembers each call and what was served meanwhile."""

    def __init__(self, hot_reload, fail_versions=()):
        self.load = hot_reload.load_version
        self.fail_versions = set(fail_versions)
        self.calls: list[str] = []
        self.served_during: list = []  # champion.served at the moment of each load
        self.champion = None

    def __call__(self, tracking_uri, model_name, version):
        self.calls.append(str(version))
        self.served_during.append(self.champion.served if self.champion else None)
        if str(version) in self.fail_versions:
            raise OSError(f"artifact store unreachable while loading version {version}")
        return self.load(tracking_uri, model_name, version)


def watch(hot_reload, registry, name, loader):
    champion = hot_reload.Champion(registry.uri, name, loader=loader)
    loader.champion = champion
    return champion


def same_model(registry, model, version, customers) -> bool:
    seen = [float(p) for p in model.predict_proba(as_frame(customers))[:, 1]]
    expected = registry.probabilities(version, customers)
    return all(abs(a - b) < 1e-9 for a, b in zip(seen, expected, strict=True))


@pytest.mark.points(
    0,
    exercise="hot_reload",
    hint="Keep Champion(tracking_uri, model_name, alias='champion', loader=load_version) and its attributes.",
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
    hint="get_model_version_by_alias(...).version is an int: return str(...); an MlflowException means no alias: None.",
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
    hint="Nothing served yet and the alias points at version 1: load it with self.loader, then self.served = Served('1', model).",
)
def test_first_refresh_loads_the_champion(hot_reload, registry, month1):
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
    assert same_model(registry, served.model, "1", month1), (
        "expected served.model to be the pipeline the loader returned for version 1"
    )


@pytest.mark.points(
    2,
    exercise="hot_reload",
    hint="Compare the alias's version with self.served.version first: same version, nothing to load, return False.",
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
    hint="Load the new version while self.served still answers, then swap with ONE assignment of a new Served; never change the old one.",
)
def test_a_new_champion_is_loaded_beside_the_old_and_swapped(hot_reload, registry, month1):
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
        registry, champion.served.model, "2", month1
    ), f"expected version 2 to serve after the swap, saw {champion.served!r}"
    assert in_flight.version == "1" and in_flight.model is old_model, (
        "expected the Served object a request in flight holds to stay version 1 with its model "
        f"(swap the reference, never change the object), saw {in_flight!r}"
    )
    assert champion.last_error is None, f"expected last_error None, saw {champion.last_error!r}"


@pytest.mark.points(
    2,
    exercise="hot_reload",
    hint="If registry_version() is None or the loader raises: keep self.served, set last_error, return False; the next refresh tries again.",
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
