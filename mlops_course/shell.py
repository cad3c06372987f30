"""Run the course's command-line tools (git, dvc, mlflow, ...) from notebooks and tests.

The tools live next to the Python that runs the notebook (``.venv/bin``), which
is not always first on PATH inside a Jupyter kernel; ``run`` puts it there.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from mlops_course.workspace import QUIET_ENVIRONMENT


def tool_environment() -> dict[str, str]:
    """Return this process's environment with the venv's ``bin`` first on PATH, quietly."""
    env = {**os.environ, **QUIET_ENVIRONMENT}
    # Jupyter sets FORCE_COLOR, which makes DVC draw spinners into captured output.
    env.pop("FORCE_COLOR", None)
    env["TTY_COMPATIBLE"] = "0"
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    return env


def run(
    command: Sequence[str | Path],
    cwd: str | Path | None = None,
    check: bool = True,
    show: bool = True,
) -> str:
    """Run a command, print it and its output like a terminal would, and return the output.

    Args:
        command: the program and its arguments, e.g. ``["dvc", "add", "data.csv"]``.
        cwd: the folder to run it in.
        check: raise ``RuntimeError`` with the output when the command fails.
        show: print ``$ command`` and the output (for notebooks).
    """
    args = [str(part) for part in command]
    result = subprocess.run(args, cwd=cwd, env=tool_environment(), capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if show:
        print(f"$ {shlex.join(args)}")
        if output:
            print(output)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"`{shlex.join(args)}` failed with exit code {result.returncode}:\n{output}"
        )
    return output
