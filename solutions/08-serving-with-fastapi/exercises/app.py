"""Exercise 2: a FastAPI service that serves the champion churn model, and logs what it said.

The service follows ``models:/<name>@champion`` with exercise 3's ``Champion``:
it loads the champion when it starts, and, if asked to, keeps polling the
registry and swaps in a new champion without a restart. It answers:

- ``GET /health``: is the process alive? (given: always yes if it answers)
- ``GET /ready``: can it score? 200 with the model version it serves, or 503
  with the reason it cannot (no champion, store unreachable...).
- ``POST /predict``: the churn probability and a yes/no label per customer,
  and the version that answered. Every answer also goes into exercise 4's
  prediction log, which lesson 10's monitor reads.

The model is lesson 04's pipeline: it holds the encoding and the scaling, so
the service hands it the customers' columns as they are and does no
preprocessing of its own. That is what keeps serving and training from
disagreeing.

``/predict`` is a plain ``def``: FastAPI runs it in its thread pool, so while
the model computes, the event loop keeps answering other requests (``/health``
from the orchestrator, ``/ready`` from the load balancer). An ``async def``
would run the model call on the event loop itself and hold every other request
until it finished.

Four jobs are yours: the ``validation_error`` handler and, inside
``create_app``, the start-up (``lifespan``), ``/ready`` and ``/predict``.

This file imports your ``schemas.py``, ``hot_reload.py`` and
``prediction_log.py`` (exercises 1, 3 and 4). To run it yourself, from this
folder, on the registry the lesson's notebook made (``workspace/08/mlflow.db``)::

    MLFLOW_TRACKING_URI=sqlite:////abs/path/to/workspace/08/mlflow.db python -c \\
      "import os, uvicorn, app; uvicorn.run(app.create_app(os.environ['MLFLOW_TRACKING_URI'], \\
      'churn', log_dir='predictions', poll_seconds=10))"

then open http://127.0.0.1:8000/docs.
"""

from __future__ import annotations

import gc
import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import pandas as pd
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from hot_reload import Champion  # exercise 3, beside this file
from prediction_log import log_predictions  # exercise 4, beside this file
from schemas import Prediction, PredictRequest, PredictResponse  # exercise 1, beside this file

log = logging.getLogger("churn_service")

THRESHOLD = 0.5  # a churn probability at or above this is labelled churn=True
# The model's inputs, in the order of the data. customerID is not one of them.
FEATURES = [
    "gender",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "tenure",
    "PhoneService",
    "MultipleLines",
    "InternetService",
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
    "Contract",
    "PaperlessBilling",
    "PaymentMethod",
    "MonthlyCharges",
    "TotalCharges",
]


async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """Answer a request the schemas refused: 422, saying where and what, never echoing the input.

    FastAPI's own handler puts each refused value in its answer. A refused
    ``NaN`` or ``Infinity`` cannot be written as JSON, so that answer itself
    fails and the caller gets a 500 for *their* mistake. Answer instead::

        {"detail": [{"loc": ["body", "customers", 0, "tenure"],
                     "msg": "Input should be less than or equal to 72",
                     "type": "less_than_equal"}]}

    one entry per problem in ``error.errors()``, ``loc`` as a list.
    """
    # BEGIN SOLUTION hint: build the 422 yourself from the list of problems the error carries, keeping for each only where it is, the message and its kind, never the value that was refused
    problems = [
        {"loc": list(problem["loc"]), "msg": problem["msg"], "type": problem["type"]}
        for problem in error.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": problems})
    # END SOLUTION


def create_app(
    tracking_uri: str,
    model_name: str,
    alias: str = "champion",
    log_dir: Path | None = None,
    poll_seconds: float = 0.0,
) -> FastAPI:
    """Build the service. Nothing is loaded here: the model is loaded when the app starts.

    Args:
        tracking_uri: the MLflow store with the registry.
        model_name: the registered model to serve, e.g. ``churn``.
        alias: which version to serve, by role.
        log_dir: the prediction log's folder; None logs nothing.
        poll_seconds: how often to ask the registry where the alias points
            now; 0 loads once, at start-up, and never looks again.

    Yours, inside:

    - ``lifespan``: see its docstring.
    - ``GET /ready``: 200 ``{"status": "ready", "model": "churn", "version": "3"}``
      when a model serves, else 503 ``{"status": "not ready", "reason": "..."}``.
    - ``POST /predict``, a plain ``def`` taking a ``PredictRequest`` and
      answering a ``PredictResponse``: 503 when no model serves; else one
      ``predict_proba`` call for the whole batch on the ``FEATURES`` columns,
      the label at ``THRESHOLD``, each customer's id, and the version that
      computed them. Read the champion's ``served`` once, at the start, and
      use that object throughout: a swap during the request must not mix one
      version's probabilities with another's number. With a ``log_dir``, log
      the batch with ``log_predictions`` before answering.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        """Start-up: follow the champion; then serve until shutdown; then stop following.

        Make a ``Champion(tracking_uri, model_name, alias)``, keep it on
        ``app.state.champion`` and ``refresh()`` it once. If it serves nothing
        after that, log why (``last_error``): the service stays up anyway,
        alive (``/health``) but not ready (``/ready`` 503), so an orchestrator
        sends it no traffic and an operator can read why. Should ``refresh``
        itself raise, keep the error's text in ``last_error`` and carry on.

        With ``poll_seconds`` above 0, run ``champion.poll(poll_seconds, stop)``
        in a background thread (``daemon=True``), ``stop`` being a
        ``threading.Event`` you set after the ``yield``, at shutdown. Never
        call ``poll`` directly here: it loops until ``stop`` is set, and the
        service would never finish starting.

        Last before serving: ``gc.freeze()``, so the garbage collector stops
        re-scanning the hundreds of thousands of objects loading created.
        """
        # BEGIN SOLUTION hint: one Champion kept on the app's state and refreshed once, inside a guard that turns any failure into a reason; a background thread only when asked to poll, stopped by an event you set when the app shuts down; freeze the collector, then yield
        champion = Champion(tracking_uri, model_name, alias)
        app.state.champion = champion
        try:
            champion.refresh()
        except Exception as error:  # noqa: BLE001 - any failure: stay up, report not ready
            champion.last_error = f"could not load models:/{model_name}@{alias}: {error}"
        if champion.served is None:
            log.error("not ready: %s", champion.last_error)
        stop = threading.Event()
        if poll_seconds > 0:
            threading.Thread(
                target=champion.poll, args=(poll_seconds, stop), name="poll", daemon=True
            ).start()
        gc.freeze()
        yield
        stop.set()
        # END SOLUTION

    app = FastAPI(
        title="Churn scoring",
        description="Which customers will leave next month: the champion model, by alias.",
        version="1.0",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, validation_error)

    @app.get("/health")
    def health() -> dict:
        """Liveness: the process is up and answering. Says nothing about the model."""
        return {"status": "alive"}

    # BEGIN SOLUTION hint: the route answers 503 with the champion's last error while nothing serves; otherwise the model's name and the version being served
    @app.get("/ready", responses={503: {"description": "no model loaded; the body says why"}})
    def ready(request: Request, response: Response) -> dict:
        """Readiness: 200 with the model and version served, else 503 with the reason."""
        champion = request.app.state.champion
        served = champion.served
        if served is None:
            response.status_code = 503
            return {"status": "not ready", "reason": champion.last_error}
        return {"status": "ready", "model": model_name, "version": served.version}

    # END SOLUTION

    # BEGIN SOLUTION hint: a plain def route (the thread pool runs it, the event loop stays free); take what is served once, into a local name, and use only that; score the batch in one call on the feature columns; log the batch when a folder was given; answer each customer's id, probability and label with the version that computed them
    @app.post(
        "/predict",
        response_model=PredictResponse,
        responses={503: {"description": "no model loaded"}},
    )
    def predict(body: PredictRequest, request: Request) -> PredictResponse:
        """The churn probability of each customer, and the label at ``THRESHOLD``."""
        served = request.app.state.champion.served  # read once: a swap cannot mix versions
        if served is None:
            raise HTTPException(status_code=503, detail="no model loaded: see GET /ready")
        customers = [customer.model_dump() for customer in body.customers]
        probabilities = served.model.predict_proba(pd.DataFrame(customers)[FEATURES])[:, 1]
        if log_dir is not None:
            log_predictions(log_dir, model_name, served.version, customers, probabilities)
        return PredictResponse(
            model_version=served.version,
            predictions=[
                Prediction(
                    customerID=customer["customerID"],
                    churn_probability=float(probability),
                    churn=bool(probability >= THRESHOLD),
                )
                for customer, probability in zip(customers, probabilities, strict=True)
            ],
        )

    # END SOLUTION

    return app
