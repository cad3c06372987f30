"""Checks planted among the grading tests that must fail on every submission.

Code that runs inside the test process can always patch that process: mark
every result passed, replace the report, register a hook. It cannot do so
without touching these checks too, unless it knows them, and it cannot know
them in advance: their names and places come from a secret seed the grader
draws for each (learner, lesson) pair. Each looks like any graded test (a
points marker, an exercise of the lesson) and always fails. The grader then
demands that every one was seen, and seen failing; it strips them from what
it shows. A submission that reads the seed from the process's memory can
still dodge them: that is what the look at the submission's names is for.
"""

from __future__ import annotations

import hashlib
import random

import pytest

COUNT = 3
MESSAGE = "a check that fails on every submission"


def names(seed: str) -> list[str]:
    """The names of the planted checks for ``seed`` (the grader knows them from the seed alone)."""
    digests = (hashlib.sha256(f"{seed}:{index}".encode()).hexdigest() for index in range(COUNT))
    return [f"test_case_{digest[:12]}" for digest in digests]


def plant(items: list[pytest.Item], seed: str) -> None:
    """Insert the planted checks into ``items``: two at random places, one after the last test.

    Each gets a points marker naming an exercise of the graded lesson, so a
    forgery aimed at graded tests hits it as well.
    """
    markers = [m for item in items if (m := item.get_closest_marker("points")) is not None]
    module = next((item.getparent(pytest.Module) for item in items), None)
    if not markers or module is None:
        return
    chooser = random.Random(seed)
    exercises = sorted({str(marker.kwargs.get("exercise", "")) for marker in markers})
    for index, name in enumerate(names(seed)):
        check = pytest.Function.from_parent(module, name=name, callobj=_always_fails)
        check.add_marker(pytest.mark.points(1, exercise=chooser.choice(exercises), hint=""))
        place = len(items) if index == COUNT - 1 else chooser.randint(0, len(items))
        items.insert(place, check)


def _always_fails() -> None:
    pytest.fail(MESSAGE, pytrace=False)  # no traceback to format: a planted check costs nothing
