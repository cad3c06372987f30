"""The README's promises stay true: the syllabus matches the lessons, the commands exist."""

from __future__ import annotations

import re
import subprocess

from mlops_course.workspace import COURSE_ROOT

README = (COURSE_ROOT / "README.md").read_text()


def _syllabus() -> dict[str, str]:
    rows = re.findall(r"^\| (\d\d) \| (.+)$", README, flags=re.MULTILINE)
    return dict(rows)


def test_the_syllabus_lists_eleven_lessons():
    assert list(_syllabus()) == [f"{n:02d}" for n in range(1, 12)]


def test_every_lesson_that_exists_is_linked_and_marked_available():
    lessons = sorted((COURSE_ROOT / "lessons").glob("[0-9][0-9]-*/README.md"))
    syllabus = _syllabus()
    for readme in lessons:
        number, folder = readme.parent.name[:2], readme.parent.name
        row = syllabus[number]
        assert f"(lessons/{folder}/README.md)" in row, f"lesson {number} is not linked"
        assert row.rstrip(" |").endswith("available"), f"lesson {number} is not marked available"
    present = {readme.parent.name[:2] for readme in lessons}
    for number, row in syllabus.items():
        if number not in present:
            assert not row.rstrip(" |").endswith("available"), f"lesson {number} does not exist yet"


def test_the_two_commands_at_the_top_are_make_targets():
    top = README.split("## ")[0]
    for target in re.findall(r"^make (\w+)", top, flags=re.MULTILINE):
        result = subprocess.run(["make", "-n", target], cwd=COURSE_ROOT, capture_output=True)
        assert result.returncode == 0, target
    assert "make test" in top and "make capstone" in top
