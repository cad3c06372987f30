"""Every ``course`` command answers a slip with one line naming the problem and the fix.

The three slips of a first hour, per command (n/a: the command has no such input):

| command  | unknown lesson        | missing setup         | wrong folder                          |
|----------|-----------------------|-----------------------|---------------------------------------|
| check    | 99, abc               | refused               | inside another copy of the course     |
| grade    | --lessons 99, abc     | refused               | not a folder, one course copy, empty, |
|          |                       |                       | --out inside the submissions          |
| reset    | 99, abc               | not needed: runs      | inside another copy of the course     |
| starters | 99, abc               | not needed: runs      | inside another copy of the course     |
| stop     | n/a                   | not needed: runs      | inside another copy of the course     |
| data     | n/a                   | not needed: runs      | --out names a folder                  |
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_course import cli, preflight
from mlops_course.workspace import COURSE_ROOT, WORKSPACE_VARIABLE


@pytest.fixture
def scratch_workspace(tmp_path, monkeypatch):
    """A workspace of the test's own, so reset and stop touch nothing else."""
    folder = tmp_path / "workspace"
    monkeypatch.setenv(WORKSPACE_VARIABLE, str(folder))
    return folder


def _one_line_error(capsys, command: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{captured.err}"
    assert lines[0].startswith(f"course {command}: "), lines[0]
    assert "Traceback" not in captured.out + captured.err
    return lines[0]


def _other_copy(tmp_path: Path) -> Path:
    """A second copy of the course, as a learner who cloned twice has."""
    other = tmp_path / "other-clone"
    (other / "mlops_course").mkdir(parents=True)
    (other / "mlops_course" / "cli.py").write_text("")
    (other / "lessons").mkdir()
    (other / "lessons" / "notes").mkdir()
    return other


def _course_without_setup(tmp_path: Path, monkeypatch, stamp: bool = False) -> Path:
    """Make this process look like it runs from a course whose `make setup` did not finish."""
    root = tmp_path / "course"
    (root / ".venv").mkdir(parents=True)
    for name in preflight.SETUP_INPUTS:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    if stamp:
        (root / preflight.SETUP_STAMP).write_text("")
        os.utime(root / preflight.SETUP_STAMP, (1, 1))  # older than every input
    monkeypatch.setattr(preflight, "COURSE_ROOT", root)
    monkeypatch.setattr(sys, "prefix", str(root / ".venv"))
    monkeypatch.chdir(tmp_path)
    return root


# Unknown lessons.


@pytest.mark.parametrize("command", ["check", "reset", "starters"])
@pytest.mark.parametrize("lesson", ["99", "abc", "../etc"])
def test_an_unknown_lesson_is_one_line(command, lesson, capsys, scratch_workspace):
    assert cli.main([command, lesson]) == 2
    line = _one_line_error(capsys, command)
    assert lesson in line and "01 to 11" in line
    assert not scratch_workspace.exists(), "nothing may be created for a lesson that does not exist"


@pytest.mark.parametrize("lesson", ["99", "abc"])
def test_grade_names_an_unknown_lesson(lesson, capsys, tmp_path):
    (tmp_path / "class" / "ada").mkdir(parents=True)
    argv = ["grade", str(tmp_path / "class"), "--out", str(tmp_path / "book"), "--lessons", lesson]
    assert cli.main(argv) == 2
    assert lesson in _one_line_error(capsys, "grade")
    assert not (tmp_path / "book").exists()


def test_a_lesson_number_may_omit_its_leading_zero(scratch_workspace, capsys):
    assert cli.main(["reset", "4"]) == 0
    assert (scratch_workspace / "04").is_dir()


# Missing setup.


@pytest.mark.parametrize("argv", [["check", "01"], ["grade", "{tmp}/class", "--out", "{tmp}/b"]])
@pytest.mark.parametrize("stamp", [False, True], ids=["never-finished", "lock-changed-since"])
def test_grading_commands_refuse_a_missing_setup(argv, stamp, tmp_path, monkeypatch, capsys):
    root = _course_without_setup(tmp_path, monkeypatch, stamp=stamp)
    (tmp_path / "class" / "ada").mkdir(parents=True)
    argv = [part.format(tmp=tmp_path) for part in argv]
    assert cli.main(argv) == 2
    line = _one_line_error(capsys, argv[0])
    assert f"run `make setup` in {root}" in line
    assert ("uv.lock" in line) == stamp, "a stale setup names the file that changed"


@pytest.mark.parametrize(
    "argv",
    [["data", "--out", "{tmp}/m0.csv", "--rows", "50"], ["reset", "02"], ["stop"]]
    + [["starters", "--check"]],
)
def test_commands_that_need_no_setup_still_run(argv, tmp_path, monkeypatch, scratch_workspace):
    _course_without_setup(tmp_path, monkeypatch)
    assert cli.main([part.format(tmp=tmp_path) for part in argv]) == 0


def test_an_environment_made_without_make_is_not_second_guessed(tmp_path, monkeypatch):
    _course_without_setup(tmp_path, monkeypatch)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "conda-env"))  # the conda route
    preflight._check_setup(preflight.COURSE_ROOT, Path(sys.prefix))


# Wrong folder.


@pytest.mark.parametrize("argv", [["check", "01"], ["reset", "04"], ["stop"], ["starters", "02"]])
def test_another_copy_of_the_course_is_named(
    argv, tmp_path, monkeypatch, capsys, scratch_workspace
):
    other = _other_copy(tmp_path)
    monkeypatch.chdir(other / "lessons" / "notes")
    assert cli.main(argv) == 2
    line = _one_line_error(capsys, argv[0])
    assert f"you are in the course at {other}" in line and str(COURSE_ROOT) in line
    assert f"source {other}/.venv/bin/activate" in line
    assert not scratch_workspace.exists()


def test_data_refuses_a_folder_as_its_output(tmp_path, capsys):
    assert cli.main(["data", "--out", str(tmp_path)]) == 2
    assert f"name a file in it, e.g. {tmp_path / 'month0.csv'}" in _one_line_error(capsys, "data")


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("missing", "is not a folder"),
        ("course-copy", "is one copy of the course, not a folder of learners"),
        ("empty", "holds no learner folders"),
        ("out-inside", "would be graded as a learner"),
    ],
)
def test_grade_names_a_wrong_submissions_folder(layout, expected, tmp_path, capsys):
    submissions, out = tmp_path / "class", tmp_path / "book"
    if layout != "missing":
        submissions.mkdir()
    if layout == "course-copy":
        submissions = _other_copy(tmp_path)
    if layout == "out-inside":
        (submissions / "ada").mkdir()
        out = submissions / "book"
    assert cli.main(["grade", str(submissions), "--out", str(out)]) == 2
    assert expected in _one_line_error(capsys, "grade")
    assert not out.exists()


# Which copy was graded, and the real command.


def test_check_says_which_exercises_it_grades_before_grading(monkeypatch, capsys):
    from mlops_course.grading import check

    monkeypatch.setattr(check, "check_lesson", lambda lesson, target: (f"graded {lesson}", True))
    assert cli.main(["check", "1", "--target", "solutions"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Checking {COURSE_ROOT}/solutions/01-what-is-mlops/exercises", "graded 01"]


def test_the_installed_command_prints_no_traceback():
    course = Path(sys.executable).parent / "course"
    result = subprocess.run([course, "check", "abc"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert "not a lesson number" in result.stderr
