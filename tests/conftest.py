"""Shared test setup: quiet, offline tools and the rule for missing optional tools."""

from __future__ import annotations

import os
import shutil

import pytest

from mlops_course import workspace


def pytest_configure(config: pytest.Config) -> None:
    workspace.quiet_environment()
    # Notebooks run in their fast setting, in a workspace of the tests' own.
    os.environ.setdefault("COURSE_FAST", "1")
    os.environ.setdefault(
        workspace.WORKSPACE_VARIABLE, str(workspace.COURSE_ROOT / "workspace" / "test-run")
    )


def in_ci() -> bool:
    """True when running under the course's CI, where every optional tool must exist."""
    return os.environ.get("COURSE_CI") == "1"


def find_tool(name: str, path: str | None = None) -> str:
    """Return the tool's path; skip with a reason if it is missing, or fail under CI.

    Args:
        name: the command, looked up on PATH unless ``path`` is given.
        path: an explicit file that must exist instead.
    """
    found = path if path and os.path.exists(path) else (None if path else shutil.which(name))
    if found:
        return found
    reason = f"{name} is not installed here ({path or 'not on PATH'}); run `make setup`"
    if in_ci():
        pytest.fail(f"{reason}. COURSE_CI=1 requires it.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require_tool():
    """The ``find_tool`` function, for tests that need an optional tool (Node, Docker)."""
    return find_tool
