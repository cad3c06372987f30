"""Run one learner's pytest suite against several implementations, in one process.

Used by tests/lessons/test_05_testing_and_quality_gates.py (not a test file):

    python run_suite.py RESULTS.json FOLDER [FOLDER ...]

Each FOLDER holds the learner's ``test_preprocessing.py`` beside one version of
``preprocessing.py``. The suite runs in each folder in turn, in this process,
so Python, pytest and pandas start once rather than once per version. The
first folder holds the correct version: if the suite fails there, the others
are not run, since a suite that fails correct code earns nothing anyway.

RESULTS.json gets one entry per folder run so far, written after each one, so
a suite that crashes the process still leaves the earlier verdicts:
``{"folder name": {"exit_code": int, "failures": ["test name: first line", ...]}}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest


class FailureRecorder:
    """A pytest plugin object that keeps the name and first message line of each failure."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failures.append(f"{report.nodeid.split('::', 1)[-1]}: {_first_line(report)}")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.failures.append(f"collecting {Path(report.nodeid).name}: {_first_line(report)}")


def _first_line(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else "failed"


def run_in(folder: Path) -> dict:
    """Run the suite in ``folder`` with no configuration file and no cache; return its verdict."""
    saved_path = list(sys.path)
    for name in [name for name in sys.modules if name.split(".")[0] in _FRESH_MODULES]:
        del sys.modules[name]
    recorder = FailureRecorder()
    args = ["-x", "-q", "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(folder)]
    exit_code = pytest.main([*args, str(folder / "test_preprocessing.py")], plugins=[recorder])
    sys.path[:] = saved_path
    return {"exit_code": int(exit_code), "failures": recorder.failures}


# Modules that must be imported afresh in every folder: the code under test and the suite.
_FRESH_MODULES = {"preprocessing", "test_preprocessing", "conftest"}


def main(argv: list[str]) -> int:
    results_path, *folders = argv
    results: dict[str, dict] = {}
    for index, folder in enumerate(map(Path, folders)):
        os.chdir(folder)
        results[folder.name] = run_in(folder)
        Path(results_path).write_text(json.dumps(results, indent=1))
        if index == 0 and results[folder.name]["exit_code"] != 0:
            break
    return 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    raise SystemExit(main(sys.argv[1:]))
