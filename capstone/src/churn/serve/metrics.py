"""Prometheus metrics of the service: traffic, latency, predictions, the model served.

``/metrics`` answers in Prometheus' text format, for Prometheus to scrape and
Grafana to chart. Each app has its own registry, so tests can build many apps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from churn.contracts import ContractError, MonitoringVerdict

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
PROBABILITY_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServiceMetrics:
    """The service's counters, histograms and gauges, in their own registry.

    Args:
        known_paths: the routes to label by name; any other path counts as ``other``
            (a scanner probing random URLs must not create endless label values).
    """

    def __init__(self, known_paths: set[str], verdict_file: Path | None = None):
        self.known_paths = known_paths
        # The *_created series only add noise to a scrape. (prometheus_client leaves it untyped.)
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "churn_http_requests",
            "HTTP requests by path and status code.",
            ["path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "churn_http_request_duration_seconds",
            "Time from request to response, by path.",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "churn_predictions",
            "Customers scored, by predicted outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.probability = Histogram(
            "churn_predicted_probability",
            "Distribution of the predicted churn probability.",
            buckets=PROBABILITY_BUCKETS,
            registry=self.registry,
        )
        self.batch_rows = Histogram(
            "churn_model_batch_rows",
            "Rows per model call (micro-batching merges concurrent requests).",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.model_info = Gauge(
            "churn_model_info",
            "The model being served (value 1), by name, version and training run.",
            ["name", "version", "run_id"],
            registry=self.registry,
        )
        if verdict_file is not None:
            self.registry.register(MonitoringCollector(verdict_file))

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        """Count one HTTP request and its latency."""
        label = path if path in self.known_paths else "other"
        self.requests.labels(label, str(status)).inc()
        self.latency.labels(label).observe(seconds)

    def observe_scores(self, scores: list[float], threshold: float) -> None:
        """Record one model call's predictions."""
        self.batch_rows.observe(len(scores))
        churners = sum(score >= threshold for score in scores)
        self.predictions.labels("churn").inc(churners)
        self.predictions.labels("stay").inc(len(scores) - churners)
        for score in scores:
            self.probability.observe(score)

    def serving(self, name: str, version: str, run_id: str | None) -> None:
        """Show which model is served now (and only that one)."""
        self.model_info.clear()
        self.model_info.labels(name, version, run_id or "unknown").set(1)

    def render(self) -> bytes:
        """All metrics in Prometheus' text format."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """ASGI middleware timing every HTTP request, bad ones included."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, then record its path, status and duration."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app dies before answering, that is what the client sees

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.metrics.observe_request(scope["path"], status, time.perf_counter() - started)


class MonitoringCollector:
    """Exposes the monitor's latest verdict (a JSON file) as gauges, read at each scrape.

    The monitor runs as a separate job; the service only reports what it wrote,
    so Prometheus can alert on drift next to latency and errors, and on the
    verdict's age: a monitor that stopped looks like a healthy model otherwise.
    The names are lesson 10's, so its alert rules apply unchanged.
    """

    def __init__(self, verdict_file: Path):
        self.verdict_file = Path(verdict_file)

    def collect(self) -> Iterator[Metric]:
        """Yield the verdict's gauges; nothing when no readable verdict exists yet."""
        try:
            verdict = MonitoringVerdict.read(self.verdict_file)
        except (OSError, ContractError):
            return  # no verdict: the staleness alert's `absent()` rule sees it
        yield GaugeMetricFamily(
            "churn_monitor_last_run_timestamp_seconds",
            "When the monitor wrote its latest verdict (Unix time).",
            verdict.checked_at.timestamp(),
        )
        yield GaugeMetricFamily(
            "churn_monitor_data_drift",
            "1 if the last window had data drift.",
            float(verdict.data_drift),
        )
        yield GaugeMetricFamily(
            "churn_monitor_drifted_columns",
            "Columns whose drift passed their threshold in the last window.",
            len(verdict.drifted_columns),
        )
        yield GaugeMetricFamily(
            "churn_monitor_window_problems",
            "Problems found in the last window (unusable values, too few rows, ...).",
            len(verdict.problems),
        )
        scores = GaugeMetricFamily(
            "churn_monitor_column_drift",
            "Drift distance per column, last window (columns it could judge).",
            labels=["column"],
        )
        for column, drift in verdict.columns.items():
            if drift.score is not None:
                scores.add_metric([column], drift.score)
        yield scores
        if verdict.accuracy is not None:
            yield GaugeMetricFamily(
                "churn_monitor_accuracy",
                "Accuracy on the last window once its labels arrived.",
                verdict.accuracy,
            )
        if verdict.baseline_accuracy is not None:
            yield GaugeMetricFamily(
                "churn_monitor_baseline_accuracy",
                "The champion's held-out accuracy, which a drop is measured from.",
                verdict.baseline_accuracy,
            )
