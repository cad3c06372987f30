"""Fresh MLflow stores in a blink: copy a pre-migrated SQLite template.

A new SQLite store runs dozens of schema migrations (3-8 s). Tests and
notebooks that need an empty store copy a template made once per MLflow
version under ``<course>/.cache/`` instead.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from importlib.metadata import version
from pathlib import Path

from mlops_course.workspace import COURSE_ROOT, quiet_environment

CACHE_DIR = COURSE_ROOT / ".cache" / "mlflow"


def sqlite_uri(path: Path) -> str:
    """Return the tracking URI of a SQLite file (always absolute)."""
    return f"sqlite:///{Path(path).resolve()}"


def template_database() -> Path:
    """Return the migrated, empty template store, creating it once per MLflow version."""
    template = CACHE_DIR / f"empty-mlflow-{version('mlflow')}.db"
    if template.exists():
        return template
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be creating it right now
        if not template.exists():
            quiet_environment()
            import mlflow

            partial = template.with_suffix(f".{os.getpid()}.tmp")
            mlflow.MlflowClient(tracking_uri=sqlite_uri(partial)).search_experiments()
            os.replace(partial, template)
    return template


def fresh_store(folder: Path, name: str = "mlflow.db") -> str:
    """Put an empty, migrated store at ``folder/name`` and return its tracking URI.

    The store's Default experiment keeps its artifacts in ``folder/artifacts``.
    Create your own experiments with an explicit ``artifact_location`` too:
    a SQLite store otherwise puts artifacts in ``./mlruns`` of whatever folder
    the code happens to run in.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(template_database(), target)
    with sqlite3.connect(target) as connection:
        connection.execute(
            "UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
            ((folder / "artifacts" / "0").resolve().as_uri(),),
        )
    return sqlite_uri(target)
