"""Exercise: which data did a past commit use? Read it from git, without touching anything.

``dvc add data/raw/customers.csv`` writes a small pointer file,
``data/raw/customers.csv.dvc``, and git versions that pointer like any code:

    outs:
    - md5: 21730f7d74fb465c619b35865f976b6a
      size: 288863
      hash: md5
      path: customers.csv

The md5 names the exact bytes of the data. So "which data did the model of
commit ``a1b2c3d`` train on?" is a question git can answer: read the pointer
*as it was at that commit* with ``git show a1b2c3d:data/raw/customers.csv.dvc``.
Reading the file in your folder instead tells you about today's data, whatever
revision you asked for.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from mlops_course.shell import tool_environment


def git(repo: str | Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``git <args>`` inside ``repo`` and return the finished process.

    It never raises: check ``.returncode`` (0 means success), and read
    ``.stdout`` and ``.stderr`` (text).
    """
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, env=tool_environment()
    )


def data_hash_at(repo: str | Path, revision: str, pointer: str | Path) -> str:
    """Return the md5 that a DVC pointer file records at a git revision.

    The working tree is not touched: nothing is checked out or written.

    Args:
        repo: the git repository (its top folder).
        revision: anything git understands as a commit: a hash, ``HEAD~1``,
            a branch or a tag.
        pointer: the ``.dvc`` file's path inside the repository, e.g.
            ``data/raw/customers.csv.dvc``.

    Returns:
        The ``md5`` of the pointer's first output (``outs[0]``), 32 hex characters.

    Raises:
        FileNotFoundError: git cannot show the pointer at that revision (it did
            not exist yet, or the revision is unknown); the message names both
            the pointer and the revision.
    """
    # BEGIN SOLUTION hint: ask git for the pointer's text as it was at that revision, without checking anything out; if git cannot show it, it was not there
    shown = git(repo, "show", f"{revision}:{Path(pointer).as_posix()}")
    if shown.returncode != 0:
        raise FileNotFoundError(
            f"{pointer} does not exist at revision {revision!r}: {shown.stderr.strip()}"
        )
    return yaml.safe_load(shown.stdout)["outs"][0]["md5"]
    # END SOLUTION


def data_versions(repo: str | Path, pointer: str | Path) -> list[tuple[str, str]]:
    """List every version of the data a pointer has had on the current branch.

    Args:
        repo: the git repository.
        pointer: the ``.dvc`` file's path inside the repository.

    Returns:
        One ``(commit, md5)`` pair per commit that changed the pointer, oldest
        first; ``commit`` is the full 40-character hash. Commits that did not
        touch the pointer are left out. A pointer that was never committed
        gives an empty list.
    """
    # BEGIN SOLUTION hint: ask git's history for the commits that touched the pointer, oldest first, then read the md5 at each
    log = git(repo, "log", "--reverse", "--format=%H", "--", Path(pointer).as_posix())
    if log.returncode != 0:
        raise RuntimeError(f"git log failed: {log.stderr.strip()}")
    commits = log.stdout.split()
    return [(commit, data_hash_at(repo, commit, pointer)) for commit in commits]
    # END SOLUTION
