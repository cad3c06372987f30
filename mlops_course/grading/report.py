"""What one grading run reports: the contract between the pytest plugin and its readers.

The plugin writes a ``GradeReport`` as JSON; ``course check`` and ``course
grade`` read it back with the same classes. When the run graded someone
else's code, the report is untrusted input: it is parsed strictly (no unknown
key, no missing field, every type exact), and a report that does not parse is
no report at all.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

MAX_MESSAGE = 1000  # characters of a failure message kept: enough to teach, too few to dump files
MAX_REPORT_BYTES = 8 * 1024 * 1024

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class CollectedTest(BaseModel):
    """One grading test as collected: the lesson and exercise it grades, its points and help."""

    model_config = _STRICT

    test: str
    lesson: str
    exercise: str
    points: float
    hint: str
    more: str


class TestResult(BaseModel):
    """The outcome of one grading test.

    ``message`` says what was expected and seen, ``hint`` teaches the idea,
    ``more`` (the marker's optional ``more=``) gives the concrete fix, shown
    only when asked for (``course check NN --more``).
    """

    model_config = _STRICT
    __test__: ClassVar[bool] = False  # a result, not a test class for pytest to collect

    test: str
    lesson: str
    exercise: str
    points: float
    earned: float
    outcome: Literal["passed", "failed", "skipped"]
    message: str
    hint: str
    more: str


class GradeReport(BaseModel):
    """Everything one run of a lesson's grading tests reports."""

    model_config = _STRICT

    collected: list[CollectedTest]
    results: list[TestResult]
    canaries: list[str]  # the names of the checks planted to fail (empty unless asked for)


def cut(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` shortened to about ``limit`` characters, saying how much was left out.

    The middle goes: a message says what was expected first and what it means
    last, and the values it shows in between are what grows.
    """
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head} ... ({len(text) - len(head) - len(tail)} characters not shown) ... {tail}"
