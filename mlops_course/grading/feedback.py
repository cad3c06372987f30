"""What to fix, in the order a learner should fix it: the failed tests of a lesson, grouped.

One crash (an exception from the learner's code, or a module that cannot be
imported) fails every test that touches it, each with its own hint about
something else entirely. Shown test by test, it buries the one thing to
fix under unrelated advice ("Return a share between 0 and 1" under an
``AttributeError``). So a crash shared by several tests is shown once,
first, with the tests it fails; an exercise not written yet is one line,
"not written yet (N checks waiting)"; every other failure keeps its message
and hint. ``course check`` and the gradebook's feedback both print these.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mlops_course.grading.report import TestResult

NOT_WRITTEN = "not written yet"
CRASH_SIGNS = (" could not be imported: ", " has a syntax error on line ", " is missing")


@dataclass(frozen=True)
class Fix:
    """One thing to fix: a shared crash, an exercise not started, or one failed test."""

    kind: str  # "crash", "waiting" or "failed"
    exercises: tuple[str, ...]
    tests: tuple[TestResult, ...]

    @property
    def message(self) -> str:
        """What went wrong (the first test's message: the same for all in a group)."""
        return self.tests[0].message or "did not run"

    @property
    def hint(self) -> str:
        """The hint to show: none for a crash (the tests' hints are about something else)."""
        return "" if self.kind == "crash" else self.tests[0].hint

    @property
    def more(self) -> str:
        """The concrete fix of a single failed test (``--more``)."""
        return self.tests[0].more if self.kind == "failed" else ""

    def headline(self) -> str:
        """One line naming the exercise(s) and what happened."""
        names = ", ".join(self.exercises)
        if self.kind == "crash":
            return f"{names}: {self.message} (fails {len(self.tests)} checks: fix this first)"
        if self.kind == "waiting":
            return f"{names}: {NOT_WRITTEN} ({len(self.tests)} checks waiting)"
        return f"{names}: {self.tests[0].test}"


def fixes(failed: list[TestResult]) -> list[Fix]:
    """Group failed tests (in test order) into what to fix: shared crashes first."""
    counts = Counter(test.message for test in failed)
    crashes: dict[str, list[TestResult]] = {}
    waiting: dict[str, list[TestResult]] = {}
    rest: list[tuple[str, list[TestResult]]] = []
    for test in failed:
        if is_waiting(test.message):
            if test.exercise not in waiting:
                waiting[test.exercise] = []
                rest.append(("waiting", waiting[test.exercise]))
            waiting[test.exercise].append(test)
        elif counts[test.message] > 1 and is_crash(test.message):
            crashes.setdefault(test.message, []).append(test)
        else:
            rest.append(("failed", [test]))
    groups = [("crash", tests) for tests in crashes.values()] + rest
    return [
        Fix(kind, tuple(dict.fromkeys(test.exercise for test in tests)), tuple(tests))
        for kind, tests in groups
    ]


def is_crash(message: str) -> bool:
    """True for an exception from the learner's code, or a file that is missing or won't import."""
    return message.startswith("your code raised") or any(sign in message for sign in CRASH_SIGNS)


def is_waiting(message: str) -> bool:
    """True when the code is a starter still (``NotImplementedError``), at call or at import."""
    return message.startswith(NOT_WRITTEN) or f"could not be imported: {NOT_WRITTEN}" in message
