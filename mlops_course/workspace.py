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

# No telemetry, no update checks: one set for the lessons and the capstone, defined where
# the capstone's service (whose image has no course tooling) can read it too.
from churn.quiet import QUIET_ENVIRONMENT as QUIET_ENVIRONMENT

WORKSPACE_VARIABLE = "COURSE_WORKSPACE"
COURSE_ROOT = Path(__file__).resolve().parent.parent

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
