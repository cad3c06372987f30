"""The variables that keep every tool quiet and offline: no telemetry, no update checks.

Defined once, for the capstone (its service image included) and the course's
tooling, which imports it from here. This module imports nothing heavy: the
course imports it in every notebook.
"""

from __future__ import annotations

import os

QUIET_ENVIRONMENT = {
    # "1" is not honoured by MLflow: it must be "true".
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "DVC_NO_ANALYTICS": "1",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
    # MLflow would otherwise run `uv export` on every log_model (seconds each).
    "MLFLOW_UV_AUTO_DETECT": "false",
    "MLFLOW_LOG_UV_FILES": "false",
    "GIT_TERMINAL_PROMPT": "0",
    # MLflow's server (`mlflow ui`) imports a Starlette module that warns about its own future.
    "PYTHONWARNINGS": "ignore:starlette.middleware.wsgi is deprecated",
}


def quiet_tools() -> None:
    """Turn telemetry and update checks off in this process (values already set are kept)."""
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
