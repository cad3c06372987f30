"""Where the capstone lives and where it keeps its state, in one place.

Pipeline outputs stay inside the project (data/, models/, reports/). State that
is not the project's (the DVC cache and remote, the MLflow store, the prediction
log, monitoring) goes to the state folder: ``CHURN_STATE_DIR``, else
``$COURSE_WORKSPACE/capstone``, else the course's ``workspace/capstone``.
"""

from __future__ import annotations

from pathlib import Path

from churn.settings import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
LATEST_VERDICT = "latest.json"  # in the monitoring folder: the newest verdict, shown in /metrics


def state_dir() -> Path:
    """Return the folder for the capstone's state outside the project."""
    configured = settings()
    if configured.churn_state_dir is not None:
        return configured.churn_state_dir.expanduser().resolve()
    if configured.course_workspace is not None:
        return configured.course_workspace.expanduser().resolve() / "capstone"
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


def retraining_state_file() -> Path:
    """The retraining policy's memory: windows checked since the last retrain."""
    return state_dir() / "retraining.json"


def shadow_dir() -> Path:
    """The challengers' shadow answers beside the champion's, one table per challenger."""
    return state_dir() / "shadow"
