"""What a sandboxed (learner, lesson) pair is given: its files, read with care, and no more.

The learner's ``lessons/NN-*/exercises/`` folder is read into memory here, on
the grader's side, and handed to the sandbox as bytes, so the sandbox never
sees the learner's folder, let alone the others'. Reading refuses what a copy
would silently follow: a symbolic link (to the reference solution, say), a
pipe or a device, a folder that is itself a link. Caches are skipped.

The pair's tests may read a few course files that live in ``solutions/``:
the lesson's GIVEN files (handed to learners whole) and earlier lessons'
reference modules, loaded with ``reference("04", "tracking")``. Those are
found from the solution markers and from the test file's own text, and
staged; nothing else of ``solutions/`` is.
"""

from __future__ import annotations

import ast
import functools
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mlops_course.grading.runner import lesson_test_file
from mlops_course.workspace import COURSE_ROOT

GIVEN_MARKER = "# GIVEN FILE"
MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 500
SKIPPED = ("__pycache__",)
SKIPPED_SUFFIXES = (".pyc", ".pyo")
LOADERS = ("reference", "load_reference")  # the plugin's ways to load an earlier reference


class Refused(Exception):
    """A submission the grader will not run; ``tampering`` when it can only be an attack."""

    def __init__(self, reason: str, tampering: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tampering = tampering


@dataclass(frozen=True)
class Submission:
    """One learner's exercises of one lesson: ``lessons/NN-slug/exercises/...`` -> bytes."""

    folder: str  # e.g. 01-what-is-mlops
    files: dict[str, bytes]


def read_submission(learner: Path, lesson: str) -> Submission | None:
    """Read a learner's exercises of ``lesson``; None when the lesson is not handed in.

    ``learner`` is a copy of the course (with ``lessons/``) or a folder that
    directly holds ``NN-slug/exercises``.

    Raises:
        Refused: a link or special file, or more than ``MAX_BYTES`` / ``MAX_FILES``.
    """
    _require_folder(learner, learner.name)
    root = learner / "lessons" if _is_folder(learner / "lessons") else learner
    _require_folder(root, "lessons")
    candidates = sorted(entry.name for entry in os.scandir(root) if entry.name[:3] == f"{lesson}-")
    for name in candidates:
        exercises = root / name / "exercises"
        if os.path.lexists(exercises):
            _require_folder(root / name, f"lessons/{name}")
            _require_folder(exercises, f"lessons/{name}/exercises")
            files: dict[str, bytes] = {}
            _read_tree(exercises, f"lessons/{name}/exercises", files)
            return Submission(name, files)
    return None


def needed_from_solutions(lesson: str) -> dict[str, bytes]:
    """The course files under ``solutions/`` the lesson's tests read, by course-relative path.

    Raises:
        ValueError: the tests load the reference of this lesson or a later one.
    """
    return dict(_needed(lesson))


@functools.cache
def _needed(lesson: str) -> tuple[tuple[str, bytes], ...]:
    needed: dict[str, bytes] = {}
    for folder in sorted((COURSE_ROOT / "solutions").glob(f"{lesson}-*/exercises")):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not set(SKIPPED) & set(path.parts):
                content = path.read_bytes()
                if GIVEN_MARKER.encode() in content:
                    needed[path.relative_to(COURSE_ROOT).as_posix()] = content
    for earlier, module in referenced_modules(lesson_test_file(lesson)):
        if earlier >= lesson:
            raise ValueError(
                f"{lesson_test_file(lesson).name} loads lesson {earlier}'s reference: a lesson's "
                "tests may load earlier lessons' references only"
            )
        folders = sorted((COURSE_ROOT / "solutions").glob(f"{earlier}-*/exercises"))
        path = folders[0] / f"{module}.py"
        needed[path.relative_to(COURSE_ROOT).as_posix()] = path.read_bytes()
    return tuple(sorted(needed.items()))


def referenced_modules(test_file: Path) -> list[tuple[str, str]]:
    """The ``reference("NN", "module")`` calls written in a test file, as (lesson, module)."""
    found = set()
    for node in ast.walk(ast.parse(test_file.read_text())):
        if isinstance(node, ast.Call) and _called_name(node.func) in LOADERS:
            values = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            if len(values) == 2 and all(isinstance(value, str) for value in values):
                found.add((str(values[0]), str(values[1])))
    return sorted(found)


def _called_name(function: ast.expr) -> str:
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else ""


def _read_tree(folder: Path, shown: str, files: dict[str, bytes]) -> None:
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        name = f"{shown}/{entry.name}"
        if entry.name in SKIPPED or entry.name.endswith(SKIPPED_SUFFIXES):
            continue
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            raise Refused(f"the submission holds a symbolic link: {name}", tampering=True)
        if stat.S_ISDIR(mode):
            _read_tree(Path(entry.path), name, files)
        elif stat.S_ISREG(mode):
            files[name] = _read_regular(Path(entry.path), name)
        else:
            raise Refused(f"the submission holds a pipe, socket or device: {name}", tampering=True)
        if len(files) > MAX_FILES or sum(map(len, files.values())) > MAX_BYTES:
            raise Refused(
                f"the exercises folder holds more than {MAX_FILES} files or "
                f"{MAX_BYTES // 2**20} MB; hand in the exercises only",
                tampering=False,
            )


def _read_regular(path: Path, shown: str) -> bytes:
    """A file's bytes, refusing one swapped for a link or a pipe between the check and the read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        reason = f"the submission's file {shown} changed while read: {error.strerror}"
        raise Refused(reason, tampering=True) from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Refused(f"the submission's file {shown} is not a regular file", tampering=True)
        return handle.read(MAX_BYTES + 1)


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _require_folder(path: Path, shown: str) -> None:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        raise Refused(f"the submission's folder {shown} is a symbolic link", tampering=True)
    if not stat.S_ISDIR(mode):
        raise Refused(f"the submission's {shown} is not a folder", tampering=True)
