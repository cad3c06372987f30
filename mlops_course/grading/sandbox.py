"""Grading code nobody vouches for: each (learner, lesson) pair in a sandbox of its own.

From the grader's side, per pair: read the learner's files (``staging``),
look at their names (``tamper.scan``), make the pair's control groups, send
the files with a fresh secret seed to this thread's warm server (started
inside bubblewrap, replaced if it ever dies), and decide the score here,
outside the sandbox, from the tests the grader collected itself. A report
that lacks or passes the planted checks is a flag; so is one that does not
parse. Messages are cut short and anything quoting the grading tests is
removed before they reach the feedback.

Where no sandbox can be had, ``Sandbox()`` raises ``SandboxUnavailable``
with one line that says why and how to allow it.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from mlops_course import mlflow_store
from mlops_course.grading import bubblewrap, cgroups, namespaces, staging, tamper
from mlops_course.grading.report import CollectedTest, GradeReport, TestResult, cut
from mlops_course.grading.runner import (
    LessonOutcome,
    crashed,
    lesson_test_file,
    pytest_options,
    scored,
    timed_out,
)
from mlops_course.grading.warm import server_for
from mlops_course.workspace import COURSE_ROOT

DEFAULT_MAX_PROCESSES = 256
SERVER_DIED = "the grading server stopped while grading this lesson (a new one grades the next)"
USER_NAMESPACE_HELP = (
    "unprivileged user namespaces are blocked (Ubuntu 24.04: AppArmor); see the README's "
    "instructor section to allow bubblewrap, or pass --no-sandbox to trust the submissions"
)
_MIN_QUOTE = 24  # a line of a grading test this long, found in a message, is a quote


class SandboxUnavailable(RuntimeError):
    """No sandbox here; the message is one line saying why."""


class SandboxBroken(RuntimeError):
    """The sandbox failed to build for a pair: grading stops rather than run it unconfined."""


class Sandbox:
    """Everything needed to grade pairs in sandboxes; ``close()`` when done."""

    def __init__(
        self,
        timeout: float,
        memory_mb: int,
        max_processes: int = DEFAULT_MAX_PROCESSES,
        limits: namespaces.Limits | None = None,
    ) -> None:
        """Check that a sandbox can be built here and prepare the control groups.

        Raises:
            SandboxUnavailable: not Linux, no bubblewrap, no usable control
                groups, or namespaces refused.
        """
        if not sys.platform.startswith("linux"):
            raise SandboxUnavailable(f"the grading sandbox needs Linux, not {sys.platform}")
        try:
            bubblewrap.find_bwrap()
            mlflow_store.template_database()  # tests copy it; the sandbox cannot write it
            self.cgroups = cgroups.prepare()
        except (bubblewrap.BubblewrapMissing, cgroups.CgroupError) as error:
            raise SandboxUnavailable(str(error)) from None
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.max_processes = max_processes
        self.config = namespaces.ServerConfig(
            str(COURSE_ROOT), os.geteuid() == 0, limits or namespaces.Limits()
        )
        mounts = {h.name: h.base for h in self.cgroups.hierarchies}
        program = [sys.executable, "-m", "mlops_course.grading.warm", "--sandboxed"]
        self.command = bubblewrap.server_command(
            self.config, mounts, [*program, self.config.to_json()]
        )
        self._probe_command = bubblewrap.server_command(
            self.config,
            mounts,
            [sys.executable, "-m", "mlops_course.grading.namespaces", self.config.to_json()],
        )
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        try:
            self.probe()
        except BaseException:
            self.cgroups.close()
            raise

    def probe(self) -> dict[str, Any]:
        """Build one empty pair, the whole way, without the warm server's imports (~0.2 s).

        Returns the pair's answer (its fork, setup and teardown times).

        Raises:
            SandboxUnavailable: bubblewrap or the namespaces were refused.
        """
        pair = self._new_pair()
        try:
            job = self._job(pair, args=None, files={}, staged={}, timeout=10)
            process = subprocess.run(
                self._probe_command, input=json.dumps(job), capture_output=True, text=True
            )
        finally:
            self.cgroups.remove(pair)
        if process.returncode != 0 or not process.stdout.strip():
            said = (process.stderr.strip().splitlines() or ["no message"])[-1]
            blocked = ("namespace", "uid map", "Operation not permitted", "Permission denied")
            hint = USER_NAMESPACE_HELP if any(sign in said for sign in blocked) else ""
            raise SandboxUnavailable(f"bubblewrap could not start the sandbox ({said}) {hint}")
        answer: dict[str, Any] = json.loads(process.stdout)
        if "error" in answer:
            raise SandboxUnavailable(f"the sandbox could not be built here: {answer['error']}")
        return answer

    def grade(self, learner: Path, lesson: str, collected: list[CollectedTest]) -> LessonOutcome:
        """Grade one learner's lesson in a fresh sandbox."""
        try:
            submission = staging.read_submission(learner, lesson)
        except staging.Refused as refused:
            flags = [refused.reason] if refused.tampering else []
            status = "flagged" if refused.tampering else "refused"
            return LessonOutcome(lesson, status, refused.reason, flags=flags)
        if submission is None:
            return LessonOutcome(
                lesson,
                "missing",
                f"lesson {lesson} is missing: no lessons/{lesson}-*/exercises/ folder",
            )
        seed = secrets.token_hex(16)
        answer, out_of_memory = self.run(submission.files, lesson, seed)
        if answer is not None and "error" in answer:
            raise SandboxBroken(str(answer["error"]))
        outcome = (
            self._outcome(lesson, answer, seed, collected, out_of_memory)
            if answer is not None
            else LessonOutcome(lesson, "crashed", SERVER_DIED)
        )
        flags = tamper.scan(submission.files, lesson) + outcome.flags
        if flags:
            outcome.status, outcome.flags = "flagged", flags
            outcome.cause = "tampering: " + "; ".join(flags)
        return outcome

    def run(
        self, files: dict[str, bytes], lesson: str | None, seed: str = ""
    ) -> tuple[dict[str, Any] | None, bool]:
        """Run a lesson's tests on ``files`` in a fresh sandbox, on this thread's server.

        With ``lesson`` None the sandbox is built and nothing runs in it (what
        ``benchmarks/grading.py`` times). Returns the pair's answer (None when
        the server died or went silent: it is then replaced) and whether the
        pair ran out of memory.
        """
        args = None
        if lesson is not None:
            args = [*pytest_options(namespaces.REPORT), f"--target={namespaces.SUBMISSION}"]
            args += [f"--grade-canaries={seed}", str(lesson_test_file(lesson))]
        pair = self._new_pair()
        try:
            job = self._job(
                pair,
                args=args,
                files=files,
                staged=staging.needed_from_solutions(lesson) if lesson else {},
                timeout=self.timeout,
            )
            server = server_for(self.command, env=None)
            answer = server.ask(job, deadline=time.monotonic() + self.timeout + 90)
            if answer is None and not server.answered:
                raise SandboxBroken(f"the grading server could not start: {server.last_error()}")
            return answer, self.cgroups.oom_kills(pair) > 0
        finally:
            self.cgroups.remove(pair)

    def close(self) -> None:
        """Remove the grader's control groups (stop the servers first: ``warm.stop_servers``)."""
        self.cgroups.close()

    def _outcome(
        self,
        lesson: str,
        answer: dict[str, Any],
        seed: str,
        collected: list[CollectedTest],
        out_of_memory: bool,
    ) -> LessonOutcome:
        if answer["timed_out"]:
            return timed_out(lesson, self.timeout)
        report = answer["report"]
        if report is None:
            cause = (
                f"ran out of memory: a lesson's processes may use {self.memory_mb} MB together"
                if out_of_memory
                else ""
            )
            return crashed(lesson, answer["code"], redact(answer["output"], lesson), cause)
        try:
            parsed = GradeReport.model_validate_json(report)
        except ValueError:  # cut short (a full scratch area) or scribbled on: no points either way
            return LessonOutcome(lesson, "crashed", "the test process left an unreadable report")
        flags = tamper.check_report(parsed, seed, collected)
        outcome = scored(lesson, report, answer["code"], "", collected)
        outcome.tests = [_cleaned(test, lesson) for test in outcome.tests]
        outcome.flags = flags
        ran = {result.test for result in parsed.results}
        missing = [test.test for test in collected if test.test not in ran]
        if missing and not flags:
            return LessonOutcome(
                lesson,
                "crashed",
                f"the tests stopped before the end ({len(missing)} did not run)",
                tests=outcome.tests,
                collected=collected,
            )
        return outcome

    def _new_pair(self) -> str:
        with self._lock:
            pair = f"pair-{next(self._numbers)}"
        self.cgroups.create(pair, self.memory_mb, self.max_processes)
        return pair

    def _job(
        self,
        pair: str,
        args: list[str] | None,
        files: dict[str, bytes],
        staged: dict[str, bytes],
        timeout: float,
    ) -> dict[str, Any]:
        procs = self.cgroups.procs_files(pair)
        return {
            "args": args,
            "files": _encoded(files),
            "staged": _encoded(staged),
            "timeout": timeout,
            "cgroups": [
                str(namespaces.CGROUP_MOUNTS / name / pair / "cgroup.procs") for name in procs
            ],
        }


def redact(message: str, lesson: str) -> str:
    """A message fit for feedback: no quote of the grading tests, no scratch paths, not too long."""
    source = _test_source_lines(lesson)
    if any(line in message for line in source):
        return "(a message that quoted the grading tests was removed)"
    return cut(message.replace(str(namespaces.SUBMISSION), "<submission>"))


def _cleaned(test: TestResult, lesson: str) -> TestResult:
    return test.model_copy(update={"message": redact(test.message, lesson)})


@functools.cache
def _test_source_lines(lesson: str) -> frozenset[str]:
    lines = lesson_test_file(lesson).read_text().splitlines()
    return frozenset(line.strip() for line in lines if len(line.strip()) >= _MIN_QUOTE)


def _encoded(files: dict[str, bytes]) -> dict[str, str]:
    return {path: base64.b64encode(content).decode() for path, content in files.items()}
