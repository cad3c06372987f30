"""What the learner-facing pages tell a learner to type works, and writes where it should."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from mlops_course.workspace import COURSE_ROOT

README = (COURSE_ROOT / "README.md").read_text()
LESSON_01 = (COURSE_ROOT / "lessons" / "01-what-is-mlops" / "README.md").read_text()


def _code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_lesson_01_shows_how_to_run_the_baseline_and_what_it_prints():
    blocks = [block for block in _code_blocks(LESSON_01, "python") if "majority_baseline(" in block]
    assert len(blocks) == 1, "lesson 01 shows one way to run majority_baseline on month 0"
    promised = re.search(r"# (\d\.\d+)\s*$", blocks[0].strip())
    assert promised, "the snippet says what it prints"
    result = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=COURSE_ROOT / "solutions" / "01-what-is-mlops" / "exercises",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == promised.group(1)


def test_course_data_examples_write_under_the_workspace():
    examples = re.findall(r"course data [^`\n]*", README + LESSON_01)
    assert examples, "the README shows how to make a month of data"
    for example in examples:
        words = shlex.split(example)
        if "--out" in words:
            out = words[words.index("--out") + 1]
            assert out.startswith("workspace/"), f"{example}: write under workspace/, not {out}"


def test_each_lesson_text_is_a_30_to_45_minute_read():
    """1,500 to 3,000 words, counted as `wc -w` counts them (code and tables included)."""
    lengths = {
        readme.parent.name: len(readme.read_text().split())
        for readme in sorted((COURSE_ROOT / "lessons").glob("[0-9][0-9]-*/README.md"))
    }
    assert len(lengths) == 11, lengths
    outside = {lesson: words for lesson, words in lengths.items() if not 1500 <= words <= 3000}
    assert not outside, f"lesson texts outside 1,500-3,000 words: {outside}"
