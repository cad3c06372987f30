"""Run the lesson notebooks for the site, so its pages show outputs from a real execution.

Committed notebooks carry no outputs (a test insists). ``make site`` runs each one
top to bottom here, in a workspace of its own so a learner's state is never touched,
and the site shows the executed copies. A cell that fails stops the build.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlops_course.workspace import COURSE_ROOT, WORKSPACE_VARIABLE, quiet_environment

CELL_TIMEOUT = 600
# A widget is saved as its first frame ("0/10") and shows nothing in a static page.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
JUPYTER_CONFIG = COURSE_ROOT / "tools" / "jupyter" / "jupyter_config.json"


def execute_notebooks(
    notebooks: list[Path], out: Path, workspace: Path, fast: bool
) -> Iterator[tuple[str, Path, float]]:
    """Execute each notebook with papermill and save it, outputs included, under ``out``.

    Args:
        notebooks: ``lessons/NN-slug/lesson.ipynb`` paths.
        out: where the executed copies go, one ``NN-slug.ipynb`` each.
        workspace: the ``COURSE_WORKSPACE`` the notebooks write their state to.
        fast: run in the fast setting the tests use, instead of the learner's full size.

    Yields:
        (lesson number, executed notebook, seconds it took), as each one finishes.

    Raises:
        RuntimeError: a cell failed (the message names the notebook, cell and error), or
            a notebook saved a widget, which a static page cannot show.
    """
    import papermill  # type: ignore[import-untyped]
    from traitlets.config import Config

    # The kernels get the course's settings: CurveZMQ keys, so no plain-text warning.
    config = Config(json.loads(JUPYTER_CONFIG.read_text()))
    out.mkdir(parents=True, exist_ok=True)
    with _environment(workspace, fast):
        for notebook in notebooks:
            lesson_folder = notebook.parent.name
            target = out / f"{lesson_folder}.ipynb"
            started = time.monotonic()
            try:
                papermill.execute_notebook(
                    str(notebook),
                    str(target),
                    cwd=str(notebook.parent),
                    kernel_name="python3",
                    execution_timeout=CELL_TIMEOUT,
                    request_save_on_cell_execute=False,
                    progress_bar=False,
                    config=config,
                    # One stream per cell with carriage returns applied: a text progress
                    # bar shows its last state, not every update on a line of its own.
                    coalesce_streams=True,
                )
            except papermill.PapermillExecutionError as error:
                raise RuntimeError(
                    f"{lesson_folder}/lesson.ipynb failed in cell [{error.exec_count}] "
                    f"({'full size' if not fast else 'fast setting'}): {error.ename}: "
                    f"{error.evalue or '(no message)'}; the run with its outputs is {target}"
                ) from error
            refuse_widgets(target)
            yield lesson_folder[:2], target, time.monotonic() - started


@contextmanager
def _environment(workspace: Path, fast: bool) -> Iterator[None]:
    """Set the variables the kernels inherit, and restore the caller's afterwards."""
    saved = dict(os.environ)
    quiet_environment()
    os.environ[WORKSPACE_VARIABLE] = str(workspace)
    os.environ["COURSE_FAST"] = "1" if fast else "0"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def refuse_widgets(notebook: Path) -> None:
    """Raise RuntimeError if an executed notebook saved a widget, which a page cannot show."""
    cells = json.loads(notebook.read_text())["cells"]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                raise RuntimeError(
                    f"{notebook.name}, cell {index}: a widget output shows nothing on a static "
                    "page; print text instead (e.g. tqdm.std for a progress bar)"
                )
