"""The FastAPI app: routes and the model's lifecycle.

``create_app(settings)`` builds the app; nothing loads at import. The lifespan
loads the champion, starts the registry watcher, the micro-batcher and the
prediction log, and stops them in reverse order on shutdown. How a request
body is read is ``body.py``'s job; every refusal and its documented shape is
``errors.py``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline

from churn.schema import CATEGORICAL_COLUMNS, CHURN_THRESHOLD, NUMERIC_COLUMNS
from churn.serve import errors
from churn.serve.batcher import MicroBatcher, NoModel, Row
from churn.serve.body import strict_json_route
from churn.serve.head import HeadAsGet
from churn.serve.metrics import MetricsMiddleware, ServiceMetrics
from churn.serve.model_source import LoadedModel, ModelSource
from churn.serve.prediction_log import PredictionLog
from churn.serve.schemas import (
    MAX_BATCH_ROWS,
    BatchPredictions,
    Customer,
    CustomerBatch,
    ModelMetadata,
    Prediction,
    Readiness,
)

FEATURES = NUMERIC_COLUMNS + CATEGORICAL_COLUMNS
PATHS = {"/predict", "/predict/batch", "/health", "/ready", "/metadata", "/metrics"}


@dataclass(frozen=True)
class ServiceSettings:
    """How the service finds its model and where it logs.

    Attributes:
        tracking_uri: the MLflow tracking and registry store.
        model_name: the registered model to serve.
        alias: the alias to follow (``champion``).
        fixed_model_uri: serve this model and ignore the registry (a baked-in model).
        poll_seconds: how often to ask the registry where the alias points.
        prediction_log: folder of the prediction log; ``None`` logs nothing.
        log_keep_days: days of prediction log kept; ``None`` keeps all.
        log_max_file_bytes: a log file this large is closed and a new one started.
        threshold: churn probability from which ``will_churn`` is true.
        max_body_bytes: larger request bodies are refused with 413.
        monitoring_verdict: the monitor's ``latest.json``, shown in /metrics.
    """

    tracking_uri: str
    model_name: str = "churn"
    alias: str = "champion"
    fixed_model_uri: str | None = None
    poll_seconds: float = 5.0
    prediction_log: Path | None = None
    log_keep_days: int | None = 30
    log_max_file_bytes: int = 64 * 2**20
    threshold: float = CHURN_THRESHOLD
    max_body_bytes: int = 2_000_000
    monitoring_verdict: Path | None = None


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the service; the model loads when the app starts, not here."""
    source = ModelSource(
        settings.model_name, settings.alias, settings.tracking_uri, settings.fixed_model_uri
    )
    metrics = ServiceMetrics(PATHS, settings.monitoring_verdict)
    prediction_log = None
    if settings.prediction_log is not None:
        prediction_log = PredictionLog(
            settings.prediction_log,
            max_file_bytes=settings.log_max_file_bytes,
            keep_days=settings.log_keep_days,
        )

    def scored(model: LoadedModel, rows: list[Row], scores: list[float]) -> None:
        metrics.observe_scores(scores, settings.threshold)
        if prediction_log is not None:
            prediction_log.add(model.name, model.version, rows, scores)

    batcher = MicroBatcher(source, FEATURES, MAX_BATCH_ROWS, scored)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _refresh(source, metrics)
        if prediction_log is not None:
            prediction_log.start()
        batcher.start()
        watcher = None
        if settings.fixed_model_uri is None:
            watcher = asyncio.create_task(_watch(source, metrics, settings.poll_seconds))
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            await batcher.stop()
            if prediction_log is not None:
                prediction_log.close()

    # Swagger UI and ReDoc from the installed package: /docs works with no network.
    app = FastAPIOffline(
        title="Churn risk service",
        version="1.0",
        description="Scores customers with the registry's champion churn model.",
        lifespan=lifespan,
    )
    app.router.route_class = strict_json_route(settings.max_body_bytes)
    app.state.source = source
    app.state.prediction_log = prediction_log
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(HeadAsGet)  # outermost: the metrics see a HEAD /health as /health
    errors.install(app)

    # The routes answer with ready-made JSON: the answer is built from trusted values,
    # so FastAPI's second validation of it (response_model) would only cost time.
    # `responses=` keeps the documented schema in /docs.
    @app.post("/predict", responses={200: {"model": Prediction}, **errors.BODY_RESPONSES})
    async def predict(customer: Customer) -> Response:
        """Churn risk of one customer."""
        request_id = uuid.uuid4().hex
        model, scores = await batcher.score([{**customer.model_dump(), "request_id": request_id}])
        answer = _prediction(customer.customerID, scores[0], model, request_id, settings.threshold)
        return _json(answer)

    @app.post(
        "/predict/batch", responses={200: {"model": BatchPredictions}, **errors.BODY_RESPONSES}
    )
    async def predict_batch(batch: CustomerBatch) -> Response:
        """Churn risk of up to 1,000 customers, in the order sent."""
        request_id = uuid.uuid4().hex
        rows = [{**c.model_dump(), "request_id": request_id} for c in batch.customers]
        model, scores = await batcher.score(rows)
        predictions = [
            _prediction(c.customerID, score, model, request_id, settings.threshold)
            for c, score in zip(batch.customers, scores, strict=True)
        ]
        return _json({"predictions": predictions})

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers. It says nothing about the model."""
        return {"status": "ok"}

    @app.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
    async def ready() -> Readiness | JSONResponse:
        """Readiness: a model is loaded and predictions can be answered."""
        model = source.current
        if model is None:
            return JSONResponse(
                Readiness(ready=False, reason=source.problem).model_dump(), status_code=503
            )
        return Readiness(ready=True, model_version=model.version)

    @app.get("/metadata", response_model=ModelMetadata, responses=errors.MODEL_RESPONSES)
    async def metadata() -> ModelMetadata:
        """Which model answers: name, version, alias, training run."""
        model = source.current
        if model is None:
            raise NoModel(source.problem or "no model loaded")
        return ModelMetadata(
            name=model.name,
            version=model.version,
            alias=model.alias,
            run_id=model.run_id,
            model_uri=model.model_uri,
            loaded_at=model.loaded_at,
        )

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Metrics in Prometheus' text format."""
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    return app


async def _watch(source: ModelSource, metrics: ServiceMetrics, every_seconds: float) -> None:
    """Follow the alias; a model that failed to load at startup is retried here too."""
    while True:
        await asyncio.sleep(every_seconds)
        await _refresh(source, metrics)


async def _refresh(source: ModelSource, metrics: ServiceMetrics) -> None:
    """Load the alias's version if it moved (in a thread); keep the model gauge in step."""
    changed = await asyncio.to_thread(source.refresh)
    model = source.current
    if changed and model is not None:
        metrics.serving(source.name, model.version, model.run_id)


def _prediction(
    customer_id: str, score: float, model: LoadedModel, request_id: str, threshold: float
) -> dict[str, Any]:
    """One answer, with exactly the fields of ``Prediction``."""
    return {
        "customerID": customer_id,
        "churn_probability": round(score, 6),
        "will_churn": score >= threshold,
        "model_version": model.version,
        "request_id": request_id,
    }


def _json(content: dict[str, Any]) -> Response:
    return Response(json.dumps(content, separators=(",", ":")), media_type="application/json")
