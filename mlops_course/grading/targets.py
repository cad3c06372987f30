"""Which tree of exercises a grading run reads: the learner's, the reference, or a submission."""

from __future__ import annotations

from pathlib import Path

from mlops_course.workspace import COURSE_ROOT

NAMED_TARGETS = {"lessons": COURSE_ROOT / "lessons", "solutions": COURSE_ROOT / "solutions"}


def lessons_root(target: str) -> Path:
    """Return the folder holding the ``NN-slug/exercises`` folders of a target.

    Args:
        target: ``lessons`` (the learner's working copy), ``solutions`` (the
            reference) or the path of a submission: a copy of the course, or
            a folder that directly holds ``NN-slug/exercises`` folders.
    """
    if target in NAMED_TARGETS:
        return NAMED_TARGETS[target]
    path = Path(target).expanduser().resolve()
    return path / "lessons" if (path / "lessons").is_dir() else path


def exercises_dir(root: Path, lesson: str) -> Path | None:
    """Return ``root/NN-slug/exercises`` for a lesson number, or None if it is missing."""
    matches = sorted(root.glob(f"{lesson}-*/exercises"))
    return matches[0] if matches else None


def course_lessons() -> dict[str, str]:
    """Map each lesson number of the course to its folder name, e.g. {'01': '01-what-is-mlops'}."""
    return {
        folder.name[:2]: folder.name
        for folder in sorted((COURSE_ROOT / "solutions").glob("[0-9][0-9]-*"))
        if folder.is_dir()
    }
