"""The plausible-mistake catalogue: each mistake a learner would make must cost points.

``tests/mistakes/NN-slug.yaml`` lists, per lesson, small patches on the reference
solution, each written as a learner would err, with a phrase the feedback must
contain (see ``tests/mistakes/README.md``). Every patched solution becomes one
learner of a class graded by ``course grade``'s own machinery, in one warm,
parallel pass. Each must lose points, be told what it got wrong, and raise no
tampering flag: an honest mistake is not an attack.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mlops_course.grading import gradebook
from mlops_course.grading.targets import course_lessons
from mlops_course.workspace import COURSE_ROOT

CATALOGUE = COURSE_ROOT / "tests" / "mistakes"
MIN_PER_LESSON = 6
TIMEOUT = 90.0


class PatchError(ValueError):
    """A mistake's patch that no longer applies to the reference solution."""


@dataclass(frozen=True)
class Edit:
    """Replace ``find`` (exactly one occurrence) by ``replace`` in one exercise file."""

    file: str
    find: str
    replace: str


@dataclass(frozen=True)
class Mistake:
    """One plausible learner mistake in one lesson."""

    folder: str  # the lesson's folder, e.g. 01-what-is-mlops
    number: int  # its place in the lesson's catalogue, from 1
    name: str
    feedback: str
    edits: tuple[Edit, ...]

    @property
    def lesson(self) -> str:
        """The lesson number, e.g. '01'."""
        return self.folder[:2]

    @property
    def learner(self) -> str:
        """The learner folder this mistake is graded as."""
        return f"{self.lesson}-{self.number:02d}"


def load_catalogue() -> list[Mistake]:
    """Read every lesson's mistakes; a malformed entry fails loudly, naming the file."""
    lessons = set(course_lessons().values())
    mistakes = []
    for path in sorted(CATALOGUE.glob("[0-9][0-9]-*.yaml")):
        if path.stem not in lessons:
            raise ValueError(f"{path.name}: no lesson folder named {path.stem}")
        entries = yaml.safe_load(path.read_text()) or []
        for number, entry in enumerate(entries, start=1):
            mistakes.append(_mistake(path, number, entry))
    return mistakes


def _mistake(path: Path, number: int, entry: dict) -> Mistake:
    where = f"{path.name} entry {number}"
    known = {"mistake", "feedback", "file", "find", "replace", "edits"}
    if not isinstance(entry, dict) or set(entry) - known:
        raise ValueError(f"{where}: expected the keys {sorted(known)}, saw {entry!r}")
    if not entry.get("mistake") or not entry.get("feedback"):
        raise ValueError(f"{where}: every mistake needs a 'mistake' and a 'feedback' phrase")
    raw_edits = entry.get("edits") or [{key: entry.get(key) for key in ("file", "find", "replace")}]
    edits = []
    for raw in raw_edits:
        if not raw.get("file") or not raw.get("find") or raw.get("replace") is None:
            raise ValueError(f"{where}: each edit needs 'file', 'find' and 'replace'")
        edits.append(Edit(raw["file"], raw["find"], raw["replace"]))
    return Mistake(path.stem, number, entry["mistake"], entry["feedback"], tuple(edits))


def apply_edit(text: str, edit: Edit) -> str:
    """Apply one edit to a file's text.

    A one-line ``find`` is a plain substring. A ``find`` of several lines is
    matched line by line at whatever indentation it has in the file (YAML block
    scalars lose it), and ``replace`` is indented the same way.

    Raises:
        PatchError: ``find`` occurs zero or several times.
    """
    find = textwrap.dedent(edit.find).strip("\n")
    replace = textwrap.dedent(edit.replace).strip("\n")
    if "\n" not in find:
        count = text.count(find)
        if count != 1:
            raise PatchError(f"{edit.file}: {find!r} occurs {count} times, expected once")
        return text.replace(find, replace)
    lines = text.splitlines()
    wanted = find.splitlines()
    starts = []
    for start in range(len(lines) - len(wanted) + 1):
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        if all(_same_line(lines[start + i], indent, line) for i, line in enumerate(wanted)):
            starts.append((start, indent))
    if len(starts) != 1:
        raise PatchError(
            f"{edit.file}: the {len(wanted)} lines starting {wanted[0]!r} occur "
            f"{len(starts)} times, expected once"
        )
    start, indent = starts[0]
    new = [indent + line if line else "" for line in replace.splitlines()] if replace else []
    ending = "\n" if text.endswith("\n") else ""
    return "\n".join(lines[:start] + new + lines[start + len(wanted) :]) + ending


def _same_line(actual: str, indent: str, wanted: str) -> bool:
    """A file's line equals a wanted line at that indentation (blank matches blank)."""
    return actual == indent + wanted if wanted else not actual.strip()


def write_submission(mistake: Mistake, room: Path) -> None:
    """Copy the lesson's reference exercises into the room as one learner, with the mistake."""
    source = COURSE_ROOT / "solutions" / mistake.folder / "exercises"
    copy = room / mistake.learner / "lessons" / mistake.folder / "exercises"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for edit in mistake.edits:
        path = copy / edit.file
        if not path.is_file():
            raise PatchError(f"{edit.file}: no such exercise file in {mistake.folder}")
        path.write_text(apply_edit(path.read_text(), edit))


def lesson_section(feedback: str, lesson: str) -> str:
    """The ``## Lesson NN`` part of a learner's feedback file."""
    marker = f"## Lesson {lesson}"
    if marker not in feedback:
        return ""
    return feedback.split(marker, 1)[1].split("\n## ", 1)[0]


MISTAKES = load_catalogue()


@pytest.fixture(scope="module")
def graded_catalogue(request, tmp_path_factory):
    """Grade the selected mistakes as one class: (gradebook, feedback folder, patch errors).

    Only the mistakes whose tests were selected are graded, so
    ``pytest tests/course/test_mistakes.py -k 04-`` grades lesson 04's alone.
    """
    selected = [
        item.callspec.params["mistake"]
        for item in request.session.items
        if getattr(item, "callspec", None) and "mistake" in item.callspec.params
    ]
    room = tmp_path_factory.mktemp("mistakes")
    broken: dict[str, str] = {}
    for mistake in selected:
        try:
            write_submission(mistake, room)
        except PatchError as error:
            broken[mistake.learner] = str(error)
            shutil.rmtree(room / mistake.learner, ignore_errors=True)
    out = tmp_path_factory.mktemp("mistakes-gradebook")
    lessons = sorted({mistake.lesson for mistake in selected})
    book = gradebook.grade_class(room, out, lessons=lessons, timeout=TIMEOUT)
    return book, out / "feedback", broken


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.learner}-{m.name[:40]}" for m in MISTAKES])
def test_the_mistake_loses_points_and_is_named(mistake, graded_catalogue):
    book, feedback, broken = graded_catalogue
    assert mistake.learner not in broken, (
        f"{mistake.folder} mistake {mistake.number} ({mistake.name}) no longer applies to "
        f"the solution: {broken.get(mistake.learner)}. Update its find text."
    )
    entry = book["learners"][mistake.learner]["lessons"][mistake.lesson]
    assert entry["score"] < entry["max"], (
        f"{mistake.folder}: '{mistake.name}' still earns full marks ({entry['score']:g})"
    )
    section = lesson_section((feedback / f"{mistake.learner}.md").read_text(), mistake.lesson)
    assert mistake.feedback.lower() in section.lower(), (
        f"{mistake.folder}: the feedback on '{mistake.name}' does not say "
        f"{mistake.feedback!r}:\n{section[:1500]}"
    )
    flags = entry.get("flags") or []
    assert not flags, f"an honest mistake was flagged as tampering: {flags}"


def test_every_lesson_has_its_mistakes():
    counts = {lesson: 0 for lesson in course_lessons()}
    for mistake in MISTAKES:
        counts[mistake.lesson] += 1
    thin = {lesson: count for lesson, count in counts.items() if count < MIN_PER_LESSON}
    assert not thin, f"lessons with fewer than {MIN_PER_LESSON} catalogued mistakes: {thin}"


def test_a_patch_that_no_longer_applies_fails_loudly():
    edit = Edit("baseline.py", "return max(counts)", "return min(counts)")
    with pytest.raises(PatchError, match="occurs 0 times"):
        apply_edit("def f():\n    return 1\n", edit)
    block = Edit("a.py", "if x:\n    return 1\n", "if x:\n    return 2\n")
    text = "def f(x):\n    if x:\n        return 1\n    if x:\n        return 1\n"
    with pytest.raises(PatchError, match="occur 2 times"):
        apply_edit(text, block)


def test_a_block_keeps_its_indentation():
    text = "def f(x):\n    if x:\n        return 1\n    return 0\n"
    edit = Edit("a.py", "if x:\n    return 1\n", "if not x:\n    return 1\n")
    assert apply_edit(text, edit) == "def f(x):\n    if not x:\n        return 1\n    return 0\n"
