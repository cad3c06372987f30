"""Where the capstone lives and where it keeps its state, in one place.

Pipeline outputs stay inside the project (data/, models/, reports/). State that
is not the project's (the DVC cache and remote, later the MLflow store) goes to
the state folder: ``CHURN_STATE_DIR``, else ``$COURSE_WORKSPACE/capstone``,
else the course's ``workspace/capstone``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    """Return the folder for the capstone's state outside the project."""
    if configured := os.environ.get("CHURN_STATE_DIR"):
        return Path(configured).expanduser().resolve()
    if course_workspace := os.environ.get("COURSE_WORKSPACE"):
        return Path(course_workspace).expanduser().resolve() / "capstone"
    return PROJECT_DIR.parent / "workspace" / "capstone"


def dvc_cache_dir() -> Path:
    """The DVC cache: content-addressed copies of every data version."""
    return state_dir() / "dvc-cache"


def dvc_remote_dir() -> Path:
    """The DVC remote, standing in for blob storage (S3, GCS) on one laptop."""
    return state_dir() / "dvc-remote"


def predictions_dir() -> Path:
    """The service's prediction log, read by the monitor."""
    return state_dir() / "predictions"


def monitoring_dir() -> Path:
    """Monitoring reports and verdicts (``latest.json`` feeds the service's /metrics)."""
    return state_dir() / "monitoring"
