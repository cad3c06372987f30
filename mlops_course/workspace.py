"""Where the lessons keep their state: one git-ignored folder, one subfolder per lesson.

MLflow stores, DVC scratch repos and remotes, reports and pid files all live
under ``workspace/`` at the top of the course, or wherever ``COURSE_WORKSPACE``
points. Nothing here runs at import; call the functions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

WORKSPACE_VARIABLE = "COURSE_WORKSPACE"
COURSE_ROOT = Path(__file__).resolve().parent.parent

# Settings that keep every tool quiet and offline: no telemetry, no update checks.
QUIET_ENVIRONMENT = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "DVC_NO_ANALYTICS": "1",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
    # MLflow would otherwise run `uv export` on every log_model (seconds each).
    "MLFLOW_UV_AUTO_DETECT": "false",
    "MLFLOW_LOG_UV_FILES": "false",
    "GIT_TERMINAL_PROMPT": "0",
    # MLflow's server imports a Starlette module that warns about its own future.
    "PYTHONWARNINGS": "ignore:starlette.middleware.wsgi is deprecated",
}

SCRATCH_GIT_USER = ("Course Learner", "learner@example.invalid")


def root() -> Path:
    """Return the workspace folder (``COURSE_WORKSPACE`` or ``<course>/workspace``)."""
    configured = os.environ.get(WORKSPACE_VARIABLE)
    return Path(configured).expanduser().resolve() if configured else COURSE_ROOT / "workspace"


def lesson_dir(lesson: str | int) -> Path:
    """Return the folder of one lesson, e.g. ``workspace/04`` (not created)."""
    return root() / _lesson_number(lesson)


def reset(lesson: str | int) -> Path:
    """Stop the lesson's servers, empty its folder and return it, ready to use.

    Every notebook calls this first, so running it again starts clean.
    """
    from mlops_course import servers

    folder = lesson_dir(lesson)
    servers.stop_all(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def quiet_environment() -> dict[str, str]:
    """Set the no-telemetry variables in this process and return them."""
    os.environ.update(QUIET_ENVIRONMENT)
    return dict(QUIET_ENVIRONMENT)


def git_init(path: str | Path) -> Path:
    """Create a scratch git repository with a local user name and email.

    The local identity keeps commits working on machines where git has no
    global user configured, and never borrows the learner's real identity.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    name, email = SCRATCH_GIT_USER
    for args in (
        ["init", "--quiet", "--initial-branch=main"],
        ["config", "user.name", name],
        ["config", "user.email", email],
        ["config", "commit.gpgsign", "false"],
    ):
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)
    return path


def _lesson_number(lesson: str | int) -> str:
    text = str(lesson).strip()
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError(f"a lesson is a number such as 04, got {lesson!r}")
    return f"{int(text):02d}"
