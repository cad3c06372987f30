"""Benchmark: what ``mlflow.sklearn.log_model`` costs with and without ``pip_requirements``.

Lesson 04 quotes these figures. Uses a throwaway store in a temporary folder.
Usage (from the course folder; output committed beside this file)::

    .venv/bin/python lessons/04-experiment-tracking/benchmarks/log_model_cost.py \
        > lessons/04-experiment-tracking/benchmarks/log_model_cost.txt
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPEATS = 3


def main() -> None:
    """Print the time of one log_model call in each setting, after one warm-up call."""
    from mlops_course import workspace

    workspace.quiet_environment()  # the course's settings: no telemetry, quiet logs
    import mlflow
    from sklearn.linear_model import LogisticRegression

    from mlops_course.mlflow_store import fresh_store

    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    pinned = [f"{name}=={metadata.version(name)}" for name in ("scikit-learn", "skops")]
    with tempfile.TemporaryDirectory(prefix="log-model-") as scratch:
        mlflow.set_tracking_uri(fresh_store(Path(scratch)))
        mlflow.set_experiment("benchmark")

        def log(**options) -> float:
            with mlflow.start_run():
                started = time.perf_counter()
                mlflow.sklearn.log_model(model, name="model", **options)
                return time.perf_counter() - started

        warm_up = log(pip_requirements=pinned)
        timings = {
            "pip_requirements given": [log(pip_requirements=pinned) for _ in range(REPEATS)],
            "requirements inferred": [log() for _ in range(REPEATS)],
        }
    python = platform.python_version()
    print(f"mlflow {mlflow.__version__}, Python {python}, {os.cpu_count()} cores")
    print(f"first log_model in the process (loads skops): {warm_up:.1f} s")
    for setting, seconds in timings.items():
        shown = ", ".join(f"{value:.1f}" for value in seconds)
        print(f"{setting:<24} median {statistics.median(seconds):5.1f} s  ({shown})")


if __name__ == "__main__":
    main()
