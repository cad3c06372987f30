"""Starters are generated from solutions, and bad markers are refused."""

from __future__ import annotations

import pytest

from mlops_course import cli, starters
from mlops_course.workspace import COURSE_ROOT

PYTHON_SOLUTION = '''def area(width, height):
    """Return the area."""
    # BEGIN SOLUTION hint: multiply the sides
    result = width * height
    return result
    # END SOLUTION


def double(x):
    # BEGIN SOLUTION hint: add it to itself
    return x + x
    # END SOLUTION
'''

YAML_SOLUTION = """stages:
  train:
    # BEGIN SOLUTION hint: list what train reads
    deps:
      - data.csv
    # END SOLUTION
    # STARTER:
    # deps: []
    # END STARTER
    # BEGIN SOLUTION hint: name the model file
    outs:
      - model.pkl
    # END SOLUTION
"""


def test_python_region_becomes_todo_and_raise():
    starter = starters.make_starter(PYTHON_SOLUTION, "geometry.py")
    assert "width * height" not in starter and "x + x" not in starter
    assert (
        "    # TODO: multiply the sides\n    raise NotImplementedError('TODO: multiply the sides')"
        in starter
    )
    assert '"""Return the area."""' in starter
    namespace: dict = {}
    exec(compile(starter, "geometry.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="multiply"):
        namespace["area"](2, 3)


def test_yaml_region_becomes_its_starter_block_or_a_todo():
    starter = starters.make_starter(YAML_SOLUTION, "dvc.yaml")
    assert "    # TODO: list what train reads\n    deps: []\n" in starter
    assert "    # TODO: name the model file\n" in starter
    assert "data.csv" not in starter and "model.pkl" not in starter
    assert "STARTER" not in starter


def test_stubbing_one_region_keeps_the_others():
    first = starters.make_starter(PYTHON_SOLUTION, "geometry.py", only=0)
    second = starters.make_starter(PYTHON_SOLUTION, "geometry.py", only=1)
    assert "width * height" not in first and "x + x" in first
    assert "width * height" in second and "x + x" not in second


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "needs a hint"),
        ("# BEGIN SOLUTION hint:   \nx = 1\n# END SOLUTION\n", "needs a hint"),
        ("# BEGIN SOLUTION hint: a\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "without BEGIN"),
        ("# BEGIN SOLUTION hint: a\n# BEGIN SOLUTION hint: b\n# END SOLUTION\n", "inside another"),
    ],
)
def test_bad_markers_are_errors(text, problem):
    with pytest.raises(starters.MarkerError, match=problem):
        starters.make_starter(text, "broken.py")


def test_unclosed_starter_block_is_an_error():
    text = "# BEGIN SOLUTION hint: a\nx: 1\n# END SOLUTION\n# STARTER:\n# x: 0\n"
    with pytest.raises(starters.MarkerError, match="END STARTER"):
        starters.make_starter(text, "params.yaml")


def test_committed_starters_are_current(capsys):
    assert starters.solution_files(COURSE_ROOT), "no solution files found"
    assert cli.main(["starters", "--check"]) == 0, capsys.readouterr().out


def test_check_reports_a_stale_starter(tmp_path, capsys, monkeypatch):
    solution = tmp_path / "solutions" / "01-demo" / "exercises" / "geometry.py"
    solution.parent.mkdir(parents=True)
    solution.write_text(PYTHON_SOLUTION)
    assert starters.write_starters(tmp_path)
    assert starters.stale_starters(tmp_path) == []
    solution.write_text(PYTHON_SOLUTION.replace("sides", "two sides"))
    assert starters.stale_starters(tmp_path) == [
        "lessons/01-demo/exercises/geometry.py: differs from "
        "solutions/01-demo/exercises/geometry.py"
    ]


def test_every_solution_file_has_a_region():
    """Except files given whole to the learner, which say so with a '# GIVEN FILE' line."""
    for source, _ in starters.solution_files(COURSE_ROOT):
        if "# GIVEN FILE" in source.read_text():
            continue
        if source.suffix in {".py", ".yaml", ".yml"} or source.name == "Dockerfile":
            assert starters.count_regions(source) >= 1, f"{source} has no graded region"
