"""Exercise 2: a FastAPI service that serves the champion churn model.

The service loads ``models:/<name>@champion`` once, when it starts, and
answers three questions:

- ``GET /health``: is the process alive? (given: always yes if it answers)
- ``GET /ready``: can it score? 200 with the model version it serves, or 503
  with the reason it cannot (no champion, store unreachable...).
- ``POST /predict``: the churn probability and a yes/no label per customer.

The model is lesson 04's pipeline: it holds the encoding and the scaling, so
the service hands it the customers' columns as they are and does no
preprocessing of its own. That is what keeps serving and training from
disagreeing.

Four jobs are yours: ``load_champion``, the ``validation_error`` handler,
and, inside ``create_app``, the start-up (``lifespan``), ``/ready`` and
``/predict``.

This file imports your ``schemas.py`` (exercise 1). To run it yourself, from
this folder, on the registry the lesson's notebook made (``workspace/08/mlflow.db``)::

    MLFLOW_TRACKING_URI=sqlite:////abs/path/to/workspace/08/mlflow.db python -c \\
      "import os, uvicorn, app; uvicorn.run(app.create_app(os.environ['MLFLOW_TRACKING_URI'], 'churn'))"

then open http://127.0.0.1:8000/docs.
"""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import mlflow
import pandas as pd
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from schemas import Prediction, PredictRequest, PredictResponse  # exercise 1, beside this file

log = logging.getLogger("churn_service")

THRESHOLD = 0.5  # a churn probability at or above this is labelled churn=True


@dataclass(frozen=True)
class Served:
    """The model a service answers with: its registered name and version, and the pipeline."""

    name: str
    version: str  # as text, e.g. "3", like the version in models:/churn/3
    model: Any  # the fitted scikit-learn Pipeline


def load_champion(tracking_uri: str, model_name: str, alias: str = "champion") -> Served:
    """Load the version that ``alias`` points at, and say which version that is.

    Ask the registry which version holds the alias, then load *that version*
    (``models:/<name>/<version>``) with ``mlflow.sklearn.load_model``: the
    version you report is then the one you loaded, even if somebody moves the
    alias in between. The scikit-learn flavour gives the Pipeline itself, with
    ``predict_proba``.

    Args:
        tracking_uri: the store holding the registry, e.g. ``sqlite:////abs/mlflow.db``.
        model_name: the registered model, e.g. ``churn``.
        alias: the role to serve.

    Returns:
        ``Served(name, version as text, pipeline)``.

    Raises:
        MlflowException: no such registered model, or no such alias on it.
    """
    # BEGIN SOLUTION hint: MlflowClient(tracking_uri).get_model_version_by_alias(model_name, alias).version (an int: make it text); mlflow.set_tracking_uri(tracking_uri); mlflow.sklearn.load_model(f"models:/{model_name}/{version}")
    client = mlflow.MlflowClient(tracking_uri)
    version = str(client.get_model_version_by_alias(model_name, alias).version)
    mlflow.set_tracking_uri(tracking_uri)  # models:/ URIs resolve through it
    model = mlflow.sklearn.load_model(f"models:/{model_name}/{version}")
    return Served(name=model_name, version=version, model=model)
    # END SOLUTION


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
    # BEGIN SOLUTION hint: JSONResponse(status_code=422, content={"detail": [...]}) with only "loc" (as a list), "msg" and "type" of each item of error.errors()
    problems = [
        {"loc": list(problem["loc"]), "msg": problem["msg"], "type": problem["type"]}
        for problem in error.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": problems})
    # END SOLUTION


def create_app(tracking_uri: str, model_name: str, alias: str = "champion") -> FastAPI:
    """Build the service. Nothing is loaded here: the model is loaded when the app starts.

    Args:
        tracking_uri: the MLflow store with the registry.
        model_name: the registered model to serve, e.g. ``churn``.
        alias: which version to serve, by role.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        """Start-up: load the champion onto ``app.state``; then serve until shutdown.

        On success: ``app.state.served`` is the ``Served`` model and
        ``app.state.reason`` is None; then ``gc.freeze()``, so the garbage
        collector stops re-scanning the hundreds of thousands of objects
        loading created (a full pass costs ~185 ms: a latency spike).

        On *any* failure the service still starts: ``served`` is None and
        ``reason`` says what failed, naming the model and the alias. It stays
        alive (``/health``), not ready (``/ready`` 503), so an orchestrator sends
        it no traffic and an operator can read why.
        """
        # BEGIN SOLUTION hint: app.state.served = None and app.state.reason = None first; try: app.state.served = load_champion(...); except Exception as error: app.state.reason = f"models:/{model_name}@{alias}: {error}"; else: gc.freeze()
        app.state.served = None
        app.state.reason = None
        try:
            app.state.served = load_champion(tracking_uri, model_name, alias)
        except Exception as error:  # noqa: BLE001 - any failure: stay up, report not ready
            app.state.reason = f"could not load models:/{model_name}@{alias}: {error}"
            log.error("not ready: %s", app.state.reason)
        else:
            gc.freeze()
            log.info("serving %s version %s", model_name, app.state.served.version)
        # END SOLUTION
        yield

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

    @app.get("/ready", responses={503: {"description": "no model loaded; the body says why"}})
    def ready(request: Request, response: Response) -> dict:
        """Readiness: 200 ``{"status": "ready", "model": "churn", "version": "3"}`` when a
        model is loaded, else 503 ``{"status": "not ready", "reason": "..."}``.
        """
        # BEGIN SOLUTION hint: served = request.app.state.served; if None: response.status_code = 503 and return the reason from app.state; else the model's name and version
        served = request.app.state.served
        if served is None:
            response.status_code = 503
            return {"status": "not ready", "reason": request.app.state.reason}
        return {"status": "ready", "model": served.name, "version": served.version}
        # END SOLUTION

    @app.post(
        "/predict",
        response_model=PredictResponse,
        responses={503: {"description": "no model loaded"}},
    )
    def predict(body: PredictRequest, request: Request) -> PredictResponse:
        """The churn probability of each customer, and the label at ``THRESHOLD``.

        One call of the model for the whole batch: the pipeline costs about the
        same for 1 row as for 100. 503 when no model is loaded.
        """
        # BEGIN SOLUTION hint: read request.app.state.served once (None: HTTPException(503)); frame = pd.DataFrame([c.model_dump() for c in body.customers]); model.predict_proba(frame)[:, 1]; PredictResponse(model_version=..., predictions=[Prediction(...)])
        served = request.app.state.served  # read once: this request uses this model throughout
        if served is None:
            raise HTTPException(status_code=503, detail="no model loaded: see GET /ready")
        frame = pd.DataFrame([customer.model_dump() for customer in body.customers])
        probabilities = served.model.predict_proba(frame)[:, 1]
        return PredictResponse(
            model_version=served.version,
            predictions=[
                Prediction(churn_probability=float(p), churn=bool(p >= THRESHOLD))
                for p in probabilities
            ],
        )
        # END SOLUTION

    return app
