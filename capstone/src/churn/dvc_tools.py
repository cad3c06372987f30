"""A thin adapter around the ``dvc`` command line and the project's DVC storage."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from churn import paths
from churn.quiet import QUIET_ENVIRONMENT
from churn.settings import settings

PROJECT_FILES = ("dvc.yaml", "params.yaml", ".dvcignore", "src")


def dvc_environment() -> dict[str, str]:
    """This environment, quiet (no analytics), with the venv's tools first on PATH."""
    env = {**os.environ, **QUIET_ENVIRONMENT}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def dvc(args: list[str], project: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``dvc ARGS`` in the project; return the result (output captured as text)."""
    result = subprocess.run(
        ["dvc", *args], cwd=project, env=dvc_environment(), capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"dvc {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def write_storage_config(
    project: Path, cache: Path, remote: Path | str, autostage: bool = False
) -> Path:
    """Point a project's DVC cache and default remote at two folders; return the config file.

    Writes ``.dvc/config.local`` (git-ignored by DVC): the same file that
    ``dvc config --local`` and ``dvc remote add --local`` write, without paying
    for a DVC start-up each. The remote stands in for blob storage (S3, GCS).
    With ``autostage``, DVC stages what it changes in git itself (and so stops
    printing "run git add" hints).
    """
    if isinstance(remote, Path):
        remote.mkdir(parents=True, exist_ok=True)
    config = project / ".dvc" / "config.local"
    text = (
        "[core]\n"
        "    analytics = false\n"
        "    remote = storage\n" + ("    autostage = true\n" if autostage else "") + "[cache]\n"
        f"    dir = {cache}\n"
        "['remote \"storage\"']\n"
        f"    url = {remote}\n"
    )
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
    return config


def configure_storage(project: Path, autostage: bool = False) -> Path:
    """Keep the project's DVC cache in the state folder; the remote there too, or at
    ``DVC_REMOTE_URL`` when set (e.g. ``s3://bucket/churn`` from a CI secret)."""
    remote = settings().dvc_remote_url or paths.dvc_remote_dir()
    return write_storage_config(project, paths.dvc_cache_dir(), remote, autostage)


def commit(project: Path, message: str) -> str:
    """Commit everything staged in a project copy's git (what changed, as DVC staged it).

    Returns:
        The short commit id.
    """
    git = ["git", "-c", "user.name=Capstone Story", "-c", "user.email=story@example.invalid"]
    for command in (["add", "params.yaml"], ["commit", "--allow-empty", "-qm", message]):
        subprocess.run([*git, *command], cwd=project, check=True, capture_output=True)
    head = [*git, "rev-parse", "--short", "HEAD"]
    found = subprocess.run(head, cwd=project, check=True, capture_output=True, text=True)
    return found.stdout.strip()


def copy_project(project: Path, destination: Path) -> Path:
    """Copy the pipeline into a fresh git + DVC repository (for tests and benchmarks).

    The copy has its own git history, DVC cache and remote under ``destination``,
    so running it never touches the real project's outputs.
    """
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = project / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)
    git = ["git", "-c", "user.name=Capstone Tests", "-c", "user.email=tests@example.invalid"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "pipeline"]):
        subprocess.run([*git, *command], cwd=destination, check=True, capture_output=True)
    dvc(["init", "-q"], destination)
    write_storage_config(destination, destination / ".dvc-cache", destination / ".dvc-remote")
    return destination
