"""The interpreter is one the course supports, and the one a CI run meant to test.

A CI run sets ``COURSE_EXPECT_PYTHON`` (``.ci/prove-python`` to 3.13, each leg of the
GitHub matrix to its version), so a run that quietly fell back to another Python fails.
"""

from __future__ import annotations

import os
import platform
import tomllib

from packaging.specifiers import SpecifierSet

from mlops_course.workspace import COURSE_ROOT


def test_the_interpreter_is_supported_and_the_one_expected():
    project = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["project"]
    supported = SpecifierSet(project["requires-python"])
    running = platform.python_version()
    assert running in supported, f"Python {running} is outside requires-python {supported}"
    expected = os.environ.get("COURSE_EXPECT_PYTHON")
    if expected:
        assert running.startswith(f"{expected}."), f"expected Python {expected}, running {running}"
