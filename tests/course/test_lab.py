"""`make lab` starts Jupyter Lab, also as root, and lesson 01's notebook opens in a browser.

Jupyter refuses to run as root ("Running as root is not recommended", exit 2)
unless given ``--allow-root``: a container or a CI runner is root. The Makefile
adds the flag only for root, and passes ``LAB_ARGS`` on. The live test starts
the real ``make lab`` and opens the notebook in headless Chromium, the way a
learner does on the first day; its screenshot goes under the test workspace.
"""

from __future__ import annotations

import re
import secrets
import subprocess

import pytest

from mlops_course import browser as chromium
from mlops_course import servers, workspace

NOTEBOOK = "lessons/01-what-is-mlops/lesson.ipynb"


def _lab_command(**variables: str) -> str:
    settings = [f"{name}={value}" for name, value in variables.items()]
    plan = subprocess.run(
        ["make", "-n", "lab", *settings],
        cwd=workspace.COURSE_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plan.returncode == 0, plan.stderr
    return plan.stdout


@pytest.mark.parametrize(("user_id", "allowed"), [("0", True), ("1000", False)])
def test_make_lab_allows_root_only_for_root(user_id, allowed):
    command = _lab_command(USER_ID=user_id, LAB_ARGS="--port=8899 --no-browser")
    assert ("--allow-root" in command) == allowed, command
    assert "--port=8899 --no-browser" in command and "--ServerApp.ip=127.0.0.1" in command


@pytest.mark.live
def test_make_lab_opens_lesson_01_in_a_browser(require_tool, tmp_path, monkeypatch):
    executable = require_tool(*chromium.configured_chromium())
    port, token = servers.free_port(), secrets.token_hex(16)
    # Jupyter's own files (runtime, settings, workspaces) stay in this test's folder.
    for variable in ("JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    lab_args = f"--port={port} --no-browser --IdentityProvider.token={token}"
    command = ["make", "--no-print-directory", "-C", str(workspace.COURSE_ROOT), "lab"]
    command.append(f"LAB_ARGS={lab_args}")
    ready = f"/api/status?token={token}"
    with (
        servers.running_server("make-lab", command, tmp_path, port, ready, 120) as lab,
        chromium.chromium(executable) as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        remote = chromium.record_remote_requests(page)
        try:
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={token}")
            heading = page.get_by_role("heading", name=re.compile(r"^Lesson 01 walkthrough"))
            heading.wait_for(timeout=60_000)
            assert heading.is_visible()
            tab = page.get_by_role("tab", name=re.compile(r"lesson\.ipynb"))
            assert tab.count() >= 1, "the notebook should be open in a tab"
        finally:
            chromium.screenshot(page, "make_lab_lesson_01")
    assert not remote, f"Jupyter Lab asked the network for {remote[:5]}"
    log = (tmp_path / "make-lab.log").read_text()
    assert "Running as root is not recommended" not in log, log[-2000:]
