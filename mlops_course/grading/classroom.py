"""A class of five learners, to prove and time ``course grade`` on every lesson.

``ada`` hands in every solution (and a ``tests/conftest.py`` that must never
run), ``bo`` the untouched starters, ``cy`` every solution with an endless
loop in lesson 01, ``di`` every solution with ``os._exit(1)`` in lesson 01,
and ``ed`` nothing. ``benchmarks/grading.py`` grades it so. The grading tests
give cy and di only lessons 01, 06 and 11: two intact lessons show that a broken
one costs only itself, and ``ada`` already proves every lesson's solution earns
full marks in the sandbox.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mlops_course import starters
from mlops_course.grading.targets import course_lessons
from mlops_course.workspace import COURSE_ROOT

LEARNERS = ("ada", "bo", "cy", "di", "ed")
# The lessons cy and di hand in for the tests: the broken one (01) and two intact ones.
BROKEN_LEARNERS_LESSONS = ("01", "06", "11")
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".venv-canary", "workspace", "node_modules", "__pycache__", ".cache"
)


def make_class(room: Path, broken_learners_lessons: tuple[str, ...] | None = None) -> Path:
    """Write the five learners' folders into ``room`` (created) and return it.

    Args:
        room: the class folder to write.
        broken_learners_lessons: the lessons cy and di hand in (default: every lesson).
    """
    room.mkdir(parents=True, exist_ok=True)
    for learner in ("ada", "bo", "cy", "di"):
        shutil.copytree(COURSE_ROOT, room / learner, ignore=COPY_IGNORE)
    use_solutions(room / "ada")
    use_fresh_starters(room / "bo")
    use_solutions(room / "cy", broken_learners_lessons)
    add_to_first_exercise(room / "cy", "01", "while True:\n    pass")
    use_solutions(room / "di", broken_learners_lessons)
    add_to_first_exercise(room / "di", "01", "import os\nos._exit(1)")
    # A learner's own conftest must never run: this one would fail everything.
    (room / "ada" / "tests" / "conftest.py").write_text(
        "raise SystemExit('learner conftest ran')\n"
    )
    (room / "ed").mkdir()  # handed in nothing
    return room


def use_solutions(course_copy: Path, lessons: tuple[str, ...] | None = None) -> None:
    """Replace a copy's exercises by the reference solutions; other lessons' are removed.

    Args:
        course_copy: a learner's copy of the course.
        lessons: the lessons handed in (default: all); the others are graded "missing".
    """
    for lesson, folder in course_lessons().items():
        target = course_copy / "lessons" / folder / "exercises"
        shutil.rmtree(target, ignore_errors=True)
        if lessons is None or lesson in lessons:
            shutil.copytree(COURSE_ROOT / "solutions" / folder / "exercises", target)


def use_fresh_starters(course_copy: Path) -> None:
    """Write a copy's exercises as starters, fresh from the solutions."""
    for source, target in starters.solution_files(COURSE_ROOT):
        copy = course_copy / target.relative_to(COURSE_ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(starters.make_starter(source.read_text(), source.name))


def add_to_first_exercise(course_copy: Path, lesson: str, code: str) -> None:
    """Append module-level code (it runs on import) to a lesson's first exercise file."""
    path = sorted((course_copy / "lessons").glob(f"{lesson}-*/exercises/*.py"))[0]
    path.write_text(path.read_text() + "\n" + code + "\n")
