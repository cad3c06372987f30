"""Shared test setup: quiet, offline tools, the tests' own workspace."""

from __future__ import annotations

import os

import pytest

from mlops_course import workspace


def pytest_configure(config: pytest.Config) -> None:
    workspace.quiet_environment()
    # Notebooks run in their fast setting, in a workspace of the tests' own.
    os.environ.setdefault("COURSE_FAST", "1")
    os.environ.setdefault(
        workspace.WORKSPACE_VARIABLE, str(workspace.COURSE_ROOT / "workspace" / "test-run")
    )
