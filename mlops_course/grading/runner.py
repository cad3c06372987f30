"""Run one lesson's grading tests against one target in a separate, limited process."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mlops_course.workspace import COURSE_ROOT, QUIET_ENVIRONMENT

TESTS_DIR = COURSE_ROOT / "tests" / "lessons"


@dataclass
class LessonOutcome:
    """What one grading run of one lesson produced."""

    lesson: str
    status: str  # graded, missing, timeout, crashed
    cause: str = ""
    tests: list[dict] = field(default_factory=list)
    collected: list[dict] = field(default_factory=list)  # every grading test and its points

    @property
    def score(self) -> float:
        """Points earned (0 unless the run finished)."""
        return sum(test["earned"] for test in self.tests) if self.status == "graded" else 0.0


def lesson_test_file(lesson: str) -> Path:
    """Return ``tests/lessons/test_NN_*.py`` for a lesson number."""
    matches = sorted(TESTS_DIR.glob(f"test_{lesson}_*.py"))
    if not matches:
        raise FileNotFoundError(f"no grading tests for lesson {lesson} in {TESTS_DIR}")
    return matches[0]


def collect_points(lessons: list[str]) -> dict[str, list[dict]]:
    """Return, per lesson, every grading test with its points (one collect-only run)."""
    with tempfile.TemporaryDirectory(prefix="course-collect-") as scratch:
        report = Path(scratch) / "collected.json"
        files = [str(lesson_test_file(lesson)) for lesson in lessons]
        command = [*pytest_command(report), "--collect-only", "--target=solutions", *files]
        subprocess.run(
            command, cwd=COURSE_ROOT, capture_output=True, env=grading_environment(scratch)
        )
        collected = json.loads(report.read_text())["collected"] if report.exists() else []
    by_lesson: dict[str, list[dict]] = {lesson: [] for lesson in lessons}
    for test in collected:
        by_lesson.setdefault(test["lesson"], []).append(test)
    return by_lesson


def run_lesson(
    lesson: str,
    target: Path | str,
    timeout: float | None = None,
    memory_mb: int | None = None,
    workspace: Path | None = None,
    hide: str | None = None,
    warm: bool = False,
    first_failure: bool = False,
) -> LessonOutcome:
    """Run one lesson's tests against ``target`` in a child process.

    Args:
        lesson: the lesson number, e.g. ``"04"``.
        target: ``lessons``, ``solutions`` or a folder of ``NN-slug/exercises``.
        timeout: seconds before the whole run is killed (an infinite loop).
        memory_mb: memory (data segment) limit of the child process.
        workspace: the ``COURSE_WORKSPACE`` the tests use (default: a temp folder).
        hide: a path to replace by ``<submission>`` in messages, so reports
            do not depend on where the copy was made.
        warm: fork the run from a process that has imported the heavy
            libraries already (worth it when grading many runs).
        first_failure: stop at the first failing test (pytest ``-x``).
    """
    with tempfile.TemporaryDirectory(prefix=f"course-grade-{lesson}-") as scratch:
        report = Path(scratch) / "report.json"
        command = [*pytest_command(report), f"--target={target}", str(lesson_test_file(lesson))]
        if first_failure:
            command.insert(-1, "-x")
        env = grading_environment(workspace or Path(scratch) / "workspace")
        code, output = (_run_warm if warm else _run_cold)(command, env, scratch, timeout, memory_mb)
        if code is None:
            return LessonOutcome(
                lesson,
                "timeout",
                f"stopped after {timeout:g} s: an endless loop, or code that waits forever?",
            )
        if not report.exists():
            tail = _last_line(output)
            cause = (
                f"the test process ended with exit code {code} before it "
                "could report (a call to os._exit, a crash, or running out of memory?)"
            )
            return LessonOutcome(
                lesson, "crashed", cause + (f"; last output: {tail}" if tail else "")
            )
        written = json.loads(report.read_text())
    tests = written["results"]
    if hide:
        for test in tests:
            test["message"] = test["message"].replace(str(hide), "<submission>")
    return LessonOutcome(lesson, "graded", tests=tests, collected=written["collected"])


def _run_cold(command, env, scratch, timeout, memory_mb) -> tuple[int | None, str]:
    """A fresh ``python -m pytest`` process; returns (exit code or None on timeout, output)."""
    process = subprocess.Popen(
        command,
        cwd=COURSE_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=(lambda: _limit_memory(memory_mb)) if memory_mb else None,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return None, ""
    return process.returncode, output.decode(errors="replace")


def _run_warm(command, env, scratch, timeout, memory_mb) -> tuple[int | None, str]:
    """The same run, forked from the warm grading server."""
    from mlops_course.grading.warm import run_pytest

    log = Path(scratch) / "output.log"
    args = command[3:]  # drop "python -m pytest"
    code = run_pytest(args, env, COURSE_ROOT, log, timeout, memory_mb)
    return code, log.read_text(errors="replace") if log.exists() else ""


def pytest_command(report: Path) -> list[str]:
    """``python -m pytest`` as every grading run starts it, writing its report to ``report``."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-header",
        "-o",
        "console_output_style=classic",
        f"--grade-json={report}",
    ]


def grading_environment(workspace: Path | str) -> dict[str, str]:
    """Environment of a grading process: quiet tools, its own workspace, lean pytest.

    Only the grading plugin is loaded (pyproject's addopts): the notebook,
    Faker and Hydra plugins that other packages bring cost seconds per start.
    """
    env = {**os.environ, **QUIET_ENVIRONMENT}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["COURSE_WORKSPACE"] = str(workspace)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
