"""Noise a learner should not see: echoed comments, news prompts, warnings meant for others."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from mlops_course import servers
from mlops_course.workspace import COURSE_ROOT, QUIET_ENVIRONMENT

BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((COURSE_ROOT / "lessons").glob("[0-9][0-9]-*/lesson.ipynb"))


def test_no_make_recipe_line_is_a_comment():
    # make hands a tab-indented comment to the shell and echoes it to the learner.
    recipe_comments = [
        line
        for line in (COURSE_ROOT / "Makefile").read_text().splitlines()
        if re.match(r"\t@?#", line)
    ]
    assert not recipe_comments, f"move these comments above their rule: {recipe_comments}"


def test_jupyter_lab_never_asks_about_news_or_updates(tmp_path):
    port = servers.free_port()
    command = [
        str(BIN / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.token=course-test",
        "--allow-root",
        f"--notebook-dir={tmp_path}",
    ]
    with servers.running_server("lab", command, tmp_path, port, ready_path="/api") as lab:
        request = urllib.request.Request(
            f"{lab.url}/lab/api/settings/@jupyterlab/apputils-extension:notification",
            headers={"Authorization": "token course-test"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            schema = json.load(answer)["schema"]["properties"]
    # JupyterLab shows its "get Jupyter news?" toast while fetchNews is "none" (ask).
    assert schema["fetchNews"]["default"] == "false", schema["fetchNews"]
    assert schema["checkForUpdates"]["default"] is False


def test_kernels_start_without_the_plain_text_warning(tmp_path):
    notebook = tmp_path / "tiny.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "metadata": {},
                        "source": "print(6 * 7)",
                        "outputs": [],
                        "execution_count": None,
                    }
                ],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    result = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", str(notebook)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "42" in (tmp_path / "tiny.nbconvert.ipynb").read_text()
    assert "without encryption" not in result.stderr, result.stderr


def test_the_course_environment_hides_starlettes_warning_in_mlflow_ui():
    # `mlflow ui` imports starlette.middleware.wsgi, which warns on import.
    command = [sys.executable, "-c", "import starlette.middleware.wsgi"]
    loud = subprocess.run(command, capture_output=True, text=True, env={"PATH": str(BIN)})
    assert "StarletteDeprecationWarning" in loud.stderr, "the warning to hide has changed"
    quiet = subprocess.run(command, capture_output=True, text=True, env=dict(QUIET_ENVIRONMENT))
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    makefile = (COURSE_ROOT / "Makefile").read_text()
    assert f"export PYTHONWARNINGS := {QUIET_ENVIRONMENT['PYTHONWARNINGS']}" in makefile


def test_no_notebook_uses_a_widget_progress_bar():
    # A widget bar is saved as its first frame ("0/10") when a notebook runs headless.
    widget_bars = re.compile(r"from tqdm\.(auto|notebook) import|tqdm\.(auto|notebook)\.")
    users = [str(path) for path in NOTEBOOKS if widget_bars.search(path.read_text())]
    assert not users, f"use text progress (tqdm.std) or printed lines instead: {users}"
