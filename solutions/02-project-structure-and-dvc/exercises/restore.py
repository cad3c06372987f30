"""Exercise: put the exact data of an old commit back, and prove it.

Going back to the data a past model trained on takes two steps:

    git checkout <revision> -- data/raw/customers.csv.dvc   # the old pointer
    dvc checkout data/raw/customers.csv.dvc                 # the bytes it names

Git brings back the small pointer; DVC then copies the matching file out of
its cache. Then check, rather than trust: the md5 of the restored file's bytes
must equal the md5 in the pointer. (For a single file, DVC's md5 is the plain
md5 of its bytes.) A cache file that was edited or damaged on disk is copied
out just the same; only the check notices.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import yaml

from mlops_course.shell import tool_environment

CHUNK = 1024 * 1024  # read files a megabyte at a time: data files can be larger than memory


def run(repo: str | Path, *command: str) -> str:
    """Run a command (``"git", ...`` or ``"dvc", ...``) inside ``repo`` and return its output.

    Raises:
        RuntimeError: the command failed; the message holds its output.
    """
    result = subprocess.run(
        list(command), cwd=repo, capture_output=True, text=True, env=tool_environment()
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise RuntimeError(f"`{' '.join(command)}` failed ({result.returncode}):\n{output}")
    return result.stdout


def file_md5(path: str | Path) -> str:
    """Return the md5 hex digest of a file's bytes, as DVC records it for a file.

    Read the file in binary mode, ``CHUNK`` bytes at a time: text mode would
    change line endings and fail on bytes that are not valid text.

    Args:
        path: the file.

    Returns:
        32 lowercase hex characters (an empty file gives
        ``d41d8cd98f00b204e9800998ecf8427e``).
    """
    # BEGIN SOLUTION hint: read the file in binary, one CHUNK at a time, feeding every chunk to the same md5 object
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
    # END SOLUTION


def pointer_target(repo: str | Path, pointer: str | Path) -> tuple[Path, str]:
    """Read a ``.dvc`` pointer file in the working tree: which file it tracks, with which md5.

    The pointer's ``outs[0]["path"]`` is relative to the folder that holds the
    pointer, not to the repository: ``data/raw/customers.csv.dvc`` with
    ``path: customers.csv`` tracks ``data/raw/customers.csv``. Do not guess it
    from the pointer's name: read it.

    Args:
        repo: the repository's top folder.
        pointer: the pointer's path inside the repository.

    Returns:
        ``(data_path, md5)``: the tracked file as ``Path(repo) / ...``, and the
        md5 the pointer records for it.
    """
    # BEGIN SOLUTION hint: the pointer is YAML; its first output names the tracked file, relative to the pointer's own folder, and its md5
    pointer_path = Path(repo) / pointer
    out = yaml.safe_load(pointer_path.read_text())["outs"][0]
    return pointer_path.parent / out["path"], out["md5"]
    # END SOLUTION


def restore_version(repo: str | Path, revision: str, pointer: str | Path) -> Path:
    """Put the data a pointer named at ``revision`` into the working tree, and verify it.

    Steps: ``git checkout <revision> -- <pointer>`` (only the pointer: the
    branch and the other files stay as they are), then ``dvc checkout <pointer>``,
    then compare ``file_md5`` of the data file with the md5 in the pointer.
    Nothing is committed. Use ``run`` for git and dvc.

    Args:
        repo: the repository (git and DVC) top folder.
        revision: the commit, branch or tag whose data you want.
        pointer: the ``.dvc`` file's path inside the repository.

    Returns:
        The restored data file, ``Path(repo) / ...`` (see ``pointer_target``).

    Raises:
        RuntimeError: git or dvc failed (for example, the pointer did not exist
            at that revision, or the data is missing from the cache).
        ValueError: the restored file's md5 differs from the pointer's; the
            message shows both.
    """
    # BEGIN SOLUTION hint: put back the old pointer only (not the whole branch), let DVC bring the bytes it names, then check those bytes yourself against the pointer
    pointer = Path(pointer).as_posix()
    run(repo, "git", "checkout", revision, "--", pointer)
    run(repo, "dvc", "checkout", pointer)
    data_path, expected = pointer_target(repo, pointer)
    seen = file_md5(data_path)
    if seen != expected:
        raise ValueError(
            f"{data_path.name} does not match {pointer} at {revision!r}: "
            f"expected md5 {expected}, saw {seen}. Is the DVC cache damaged?"
        )
    return data_path
    # END SOLUTION
