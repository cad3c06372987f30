"""Every lesson notebook: committed clean and shaped right.

Each notebook is executed once per tool, never twice in one run: `make test`
passes the notebooks to pytest with --nbval-lax in the fast setting, and CI's
site step (`make site SITE_FLAGS=--full-size`) runs each through papermill at
the learner's full size, failing on the first cell that does not complete; its
outputs are the pages learners read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlops_course.workspace import COURSE_ROOT

NOTEBOOKS = sorted((COURSE_ROOT / "lessons").glob("[0-9][0-9]-*/lesson.ipynb"))
IDS = [path.parent.name for path in NOTEBOOKS]
IMPORTS_EXERCISES = re.compile(r"^\s*(from|import)\s+\S*exercises|exercises['\"]?\s*\)", re.M)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def test_every_lesson_has_a_notebook():
    lessons = sorted((COURSE_ROOT / "lessons").glob("[0-9][0-9]-*"))
    assert lessons, "no lessons"
    assert [folder.name for folder in lessons] == IDS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    dirty = [
        index
        for index, cell in enumerate(_cells(path))
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"cells {dirty} carry outputs: clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_shape_of_a_lesson_notebook(path):
    lesson = path.parent.name[:2]
    code = [cell for cell in _cells(path) if cell["cell_type"] == "code"]
    parameters = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1, "exactly one code cell tagged 'parameters'"
    assert "COURSE_FAST" in _source(parameters[0]), "the fast setting comes from COURSE_FAST"
    assert f'workspace.reset("{lesson}")' in "".join(_source(c) for c in code[:3]), (
        "the notebook resets its own workspace folder first"
    )
    for cell in code:
        assert not IMPORTS_EXERCISES.search(_source(cell)), "notebooks never import exercises/"
    assert f"course check {lesson}" in _source(_cells(path)[-1]), "end with the self-check"
