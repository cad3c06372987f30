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


def _top_code_blocks() -> list[list[str]]:
    top = README.split("## ")[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", top, flags=re.MULTILINE | re.DOTALL)
    return [block.splitlines() for block in blocks]


def test_the_first_code_block_is_a_learners_first_steps():
    first = _top_code_blocks()[0]
    commands = [line.split("#")[0].strip() for line in first]
    assert commands == ["make setup", "source .venv/bin/activate", "course check 01", "make lab"]
    setup = first[0]
    assert re.search(r"\d+ min", setup), "say how long the first setup takes"
    assert len(re.findall(r"\d(\.\d)? GB", setup)) == 2, "say what it downloads and stores"


def test_make_test_and_make_capstone_follow_with_their_durations():
    second = _top_code_blocks()[1]
    assert [line.split("#")[0].strip() for line in second] == ["make test", "make capstone"]
    for line in second:
        assert re.search(r"\(about \d+ min", line), f"say how long it takes: {line}"
