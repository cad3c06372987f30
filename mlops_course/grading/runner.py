"""Run one lesson's grading tests against one target in a separate, limited process.

This runner trusts the code it runs: ``course check`` (a learner's own
work, on their own machine), the proofs run on the reference solutions, and
``course grade --no-sandbox``. ``sandbox`` grades code nobody vouches for.
Both turn a report into a ``LessonOutcome`` the same way (``scored``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from mlops_course.grading.report import CollectedTest, GradeReport, TestResult
from mlops_course.processes import kill_group, limit_memory
from mlops_course.workspace import COURSE_ROOT, QUIET_ENVIRONMENT

TESTS_DIR = COURSE_ROOT / "tests" / "lessons"
_PROGRESS = re.compile(r"[.FEsxX]+")


@dataclass
class LessonOutcome:
    """What grading one lesson of one learner came to."""

    lesson: str
    status: str  # graded, missing, timeout, crashed, refused, flagged
    cause: str = ""
    tests: list[TestResult] = field(default_factory=list)
    collected: list[CollectedTest] = field(default_factory=list)  # every grading test
    flags: list[str] = field(default_factory=list)  # tampering seen; the lesson then scores 0

    @property
    def score(self) -> float:
        """Points earned (0 unless the run finished and nothing was flagged)."""
        return sum(test.earned for test in self.tests) if self.status == "graded" else 0.0


def lesson_test_file(lesson: str) -> Path:
    """Return ``tests/lessons/test_NN_*.py`` for a lesson number."""
    matches = sorted(TESTS_DIR.glob(f"test_{lesson}_*.py"))
    if not matches:
        raise FileNotFoundError(f"no grading tests for lesson {lesson} in {TESTS_DIR}")
    return matches[0]


def collect_points(lessons: list[str]) -> dict[str, list[CollectedTest]]:
    """Return, per lesson, every grading test with its points (one collect-only run)."""
    with tempfile.TemporaryDirectory(prefix="course-collect-") as scratch:
        report = Path(scratch) / "collected.json"
        files = [str(lesson_test_file(lesson)) for lesson in lessons]
        command = [*pytest_command(report), "--collect-only", "--target=solutions", *files]
        subprocess.run(
            command, cwd=COURSE_ROOT, capture_output=True, env=grading_environment(scratch)
        )
        if not report.exists():
            raise RuntimeError(f"collecting the grading tests of lessons {lessons} failed")
        collected = GradeReport.model_validate_json(report.read_text()).collected
    by_lesson: dict[str, list[CollectedTest]] = {lesson: [] for lesson in lessons}
    for test in collected:
        by_lesson.setdefault(test.lesson, []).append(test)
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
        run = _run_warm if warm else _run_cold
        code, output = run(command, env, Path(scratch), timeout, memory_mb)
        if code is None:
            return timed_out(lesson, timeout)
        text = report.read_text() if report.exists() else None
    outcome = scored(lesson, text, code, output, collected=None)
    if hide:
        outcome.tests = [
            test.model_copy(update={"message": test.message.replace(hide, "<submission>")})
            for test in outcome.tests
        ]
    return outcome


def timed_out(lesson: str, timeout: float | None) -> LessonOutcome:
    """The outcome of a run its time limit stopped."""
    return LessonOutcome(
        lesson,
        "timeout",
        f"stopped after {timeout or 0:g} s: an endless loop, or code that waits forever?",
    )


def scored(
    lesson: str,
    report_text: str | None,
    code: int,
    output: str,
    collected: list[CollectedTest] | None,
) -> LessonOutcome:
    """Turn a run's report into an outcome, scoring by ``collected`` (or the report's own list).

    A test earns its collected points when the report says it passed; the
    report's own points are not taken. Hints and fixes come from ``collected``.
    """
    if report_text is None:
        return crashed(lesson, code, output)
    try:
        report = GradeReport.model_validate_json(report_text)
    except ValidationError:
        return LessonOutcome(lesson, "crashed", "the test process wrote an unreadable report")
    tests_list = report.collected if collected is None else collected
    passed = {result.test for result in report.results if result.outcome == "passed"}
    results = {result.test: result for result in report.results}
    tests = []
    for test in tests_list:
        result = results.get(test.test)
        earned = test.points if test.test in passed else 0.0
        tests.append(
            TestResult(
                test=test.test,
                lesson=test.lesson,
                exercise=test.exercise,
                points=test.points,
                earned=earned,
                outcome=result.outcome if result else "failed",
                message=result.message if result else "did not run",
                hint=test.hint,
                more=test.more,
            )
        )
    return LessonOutcome(lesson, "graded", tests=tests, collected=tests_list)


def crashed(lesson: str, code: int, output: str, cause: str = "") -> LessonOutcome:
    """The outcome of a run that ended without a report."""
    cause = cause or (
        f"the test process ended with exit code {code} before it "
        "could report (a call to os._exit, a crash, or running out of memory?)"
    )
    tail = _last_line(output)
    return LessonOutcome(lesson, "crashed", cause + (f"; last output: {tail}" if tail else ""))


def _run_cold(
    command: list[str],
    env: dict[str, str],
    scratch: Path,
    timeout: float | None,
    memory_mb: int | None,
) -> tuple[int | None, str]:
    """A fresh ``python -m pytest`` process; returns (exit code or None on timeout, output)."""
    process = subprocess.Popen(
        command,
        cwd=COURSE_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=(lambda: limit_memory(memory_mb)) if memory_mb else None,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process.pid)
        process.communicate()
        return None, ""
    return process.returncode, output.decode(errors="replace")


def _run_warm(
    command: list[str],
    env: dict[str, str],
    scratch: Path,
    timeout: float | None,
    memory_mb: int | None,
) -> tuple[int | None, str]:
    """The same run, forked from the plain warm grading server."""
    from mlops_course.grading.warm import run_pytest

    log = scratch / "output.log"
    args = command[3:]  # drop "python -m pytest"
    code = run_pytest(args, env, COURSE_ROOT, log, timeout, memory_mb)
    return code, log.read_text(errors="replace") if log.exists() else ""


def pytest_options(report: Path) -> list[str]:
    """The pytest options of every grading run, writing its report to ``report``."""
    return [
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-header",
        "-o",
        "console_output_style=classic",
        f"--grade-json={report}",
    ]


def pytest_command(report: Path) -> list[str]:
    """``python -m pytest`` as every grading run starts it, writing its report to ``report``."""
    return [sys.executable, "-m", "pytest", *pytest_options(report)]


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


def _last_line(output: str) -> str:
    """The last line a run printed, pytest's progress dots left out (they vary with the order)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    lines = [line for line in lines if not _PROGRESS.fullmatch(line)]
    return lines[-1][:200] if lines else ""
