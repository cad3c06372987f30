"""Lay the course's pages out for MkDocs, mirroring the repository so its links keep working.

The README becomes the home page, each lesson gets three pages (its text, its
notebook, its exercises with the check command) and the capstone its README.
Paths mirror the repository's, so a relative link written for GitHub, such as
``lessons/04-experiment-tracking/README.md`` in the README, works on the site as is.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_course.workspace import COURSE_ROOT

EXERCISES_PAGE = "exercises.md"
LANGUAGES = {".py": "python", ".yml": "yaml", ".yaml": "yaml", ".toml": "toml", ".md": "markdown"}
LINK = re.compile(r"\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Lesson:
    """One lesson as the site shows it."""

    number: str
    folder: str
    title: str

    @property
    def pages(self) -> dict[str, str]:
        """Navigation label -> page path inside the site's sources."""
        base = f"lessons/{self.folder}"
        return {
            "Lesson": f"{base}/README.md",
            "Notebook": f"{base}/lesson.ipynb",
            "Exercises": f"{base}/{EXERCISES_PAGE}",
        }


def lessons(root: Path = COURSE_ROOT) -> list[Lesson]:
    """Return every lesson of the course, in order, titled from its README's first heading."""
    found = []
    for readme in sorted(root.glob("lessons/[0-9][0-9]-*/README.md")):
        heading = readme.read_text().splitlines()[0].lstrip("# ").strip()
        folder = readme.parent.name
        found.append(Lesson(folder[:2], folder, heading))
    return found


def stage(docs: Path, notebooks: dict[str, Path], root: Path = COURSE_ROOT) -> list[Lesson]:
    """Write the site's sources into ``docs`` (emptied first) and return the lessons staged.

    Args:
        docs: the folder MkDocs reads (its ``docs_dir``).
        notebooks: lesson number -> the notebook to show (executed, with outputs);
            a lesson missing here shows its committed notebook, without outputs.
        root: the copy of the course to read.
    """
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    _copy(root / "README.md", docs / "README.md")
    _copy(root / "capstone" / "README.md", docs / "capstone" / "README.md")
    found = lessons(root)
    for lesson in found:
        source = root / "lessons" / lesson.folder
        target = docs / "lessons" / lesson.folder
        for path in sorted(source.rglob("*")):
            part = path.relative_to(source)
            if path.is_file() and part.parts[0] not in ("exercises", "README.md", "lesson.ipynb"):
                _copy(path, target / part)  # figures and other files the text shows
        _copy(notebooks.get(lesson.number, source / "lesson.ipynb"), target / "lesson.ipynb")
        text = (source / "README.md").read_text()
        (target / "README.md").write_text(text + _footer(lesson))
        (target / EXERCISES_PAGE).write_text(_exercises_page(lesson, source / "exercises"))
    _copy_linked_files(docs, root)
    return found


def nav(found: list[Lesson]) -> list[dict[str, Any]]:
    """Return the MkDocs ``nav``: home, one section per lesson, the capstone."""
    sections = [
        {lesson.title: [{label: page} for label, page in lesson.pages.items()]} for lesson in found
    ]
    return [{"Home": "README.md"}, {"Lessons": sections}, {"Capstone": "capstone/README.md"}]


def _footer(lesson: Lesson) -> str:
    return (
        "\n\n---\n\n"
        f"**Your turn.** Run [the notebook](lesson.ipynb) (shown here with its outputs), "
        f"then do [the exercises]({EXERCISES_PAGE}) and check yourself: "
        f"`course check {lesson.number}`.\n"
    )


def _exercises_page(lesson: Lesson, folder: Path) -> str:
    files = sorted(path for path in folder.iterdir() if path.is_file())
    folders = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__")
    lines = [
        f"# {lesson.title}: exercises",
        "",
        f"Your starter files are in `lessons/{lesson.folder}/exercises/` of your copy of the "
        "course: fill in each `TODO`, then check yourself in a terminal where "
        "`source .venv/bin/activate` ran:",
        "",
        "```bash",
        f"course check {lesson.number}",
        "```",
        "",
        "It prints the points per exercise and, for each failing check, what was expected, "
        "what your code gave, and a hint. The text of the lesson is [here](README.md).",
    ]
    if folders:
        named = ", ".join(f"`{name}/`" for name in folders)
        lines += ["", f"The folder also holds {named}, which the lesson's text describes."]
    for path in files:
        text = path.read_text()
        fence = "````" if "```" in text else "```"
        language = "dockerfile" if path.name == "Dockerfile" else LANGUAGES.get(path.suffix, "text")
        lines += ["", f"## `{path.name}`", "", f"{fence}{language}", text.rstrip("\n"), fence]
    return "\n".join(lines) + "\n"


def _copy_linked_files(docs: Path, root: Path) -> None:
    """Copy every repository file a staged page links to, so the link resolves on the site."""
    for page in sorted(docs.rglob("*.md")):
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.startswith(("#", "mailto:")):
                continue
            linked = Path(os.path.normpath(page.parent / target.split("#")[0]))
            source = root / linked.relative_to(docs) if linked.is_relative_to(docs) else None
            if source is not None and source.is_file() and not linked.exists():
                _copy(source, linked)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
