"""Exercise: fingerprint a training run.

A run is reproducible when you can say exactly what went into it: which data,
which code, which parameters and which environment. Give each of the four a
SHA-256 digest (a 64-character hex string that changes when one byte changes),
and the whole run a digest of those four. Two runs with the same run digest
had the same inputs.

What each digest must notice, and what it must ignore:

- data: any changed byte; not the file's name or folder (the same bytes are the
  same data);
- code: any changed byte, a renamed file, a byte moved from one file to another;
  not the order the files are listed in, nor the folder the project sits in;
- params: any changed value; not the order the keys were written in;
- environment: any change to the lock file, which pins every library's exact
  version (lesson 02 makes one), or to the Python version.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path


def file_digest(path: str | Path) -> str:
    """Return the SHA-256 hex digest of one file's bytes.

    Args:
        path: the file to read.

    Returns:
        64 hex characters, e.g. the digest of an empty file is ``e3b0c442...``.
    """
    # BEGIN SOLUTION hint: read the file as bytes, not text, and hash exactly those bytes
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    # END SOLUTION


def code_digest(code_paths: list[str | Path]) -> str:
    """Return one SHA-256 hex digest for a set of code files, in any order.

    Hash each file on its own, together with its name: one line
    ``"<name> <file_digest>"`` per file, where the name is the file's path
    relative to the folder that holds all of them (``src/train.py``). Sort the
    lines, join them with newlines and hash that text. Then:

    - listing the files in another order gives the same digest;
    - renaming a file changes it (an import finds a module by its name);
    - moving a byte from the end of one file to the start of the next changes
      it (concatenating the files' bytes would not notice);
    - copying the whole project to another folder does not change it.

    Args:
        code_paths: the code files a run executes.

    Returns:
        64 hex characters.
    """
    # BEGIN SOLUTION hint: one line per file, its name relative to the folder they share and the digest of its bytes; put the lines in a fixed order, then hash them together
    paths = [Path(path).resolve() for path in code_paths]
    folder = os.path.commonpath([path.parent for path in paths]) if paths else ""
    lines = sorted(f"{path.relative_to(folder).as_posix()} {file_digest(path)}" for path in paths)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    # END SOLUTION


def params_digest(params: dict) -> str:
    """Return the SHA-256 hex digest of the parameters in canonical JSON.

    Canonical JSON is ``json.dumps(params, sort_keys=True, separators=(",", ":"))``:
    the same parameters give the same text whatever order the keys were written
    in, nested dictionaries included.

    Args:
        params: the training parameters, e.g. ``{"seed": 7, "C": 1.0}``.

    Returns:
        64 hex characters.
    """
    # BEGIN SOLUTION hint: hash the canonical JSON text the docstring describes; the printed form of a dict keeps the order its keys were written in
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    # END SOLUTION


def environment_digest(lock_path: str | Path) -> str:
    """Return the SHA-256 hex digest of the environment: the Python version and the lock file.

    A lock file (``uv.lock``, ``requirements.lock``) names the exact version of
    every library the project installs, direct and indirect, so its bytes say
    more than a handful of hand-picked versions. The lock does not pin the
    interpreter, so the text hashed is ``"python==<version>\\n"`` (from
    ``platform.python_version()``) followed by the lock's bytes.

    Args:
        lock_path: the project's lock file.

    Returns:
        64 hex characters.
    """
    # BEGIN SOLUTION hint: the interpreter's version first, then everything the lock holds; where the lock sits on disk is not part of the environment
    digest = hashlib.sha256(f"python=={platform.python_version()}\n".encode())
    digest.update(Path(lock_path).read_bytes())
    return digest.hexdigest()
    # END SOLUTION


def run_fingerprint(
    data_path: str | Path, params: dict, code_paths: list[str | Path], lock_path: str | Path
) -> dict:
    """Fingerprint one training run.

    Args:
        data_path: the data file the run trains on.
        params: the run's parameters.
        code_paths: the code files the run executes, in any order.
        lock_path: the lock file of the environment the run executes in.

    Returns:
        A dict of five SHA-256 hex digests: ``"data"`` (``file_digest``),
        ``"code"`` (``code_digest``), ``"params"`` (``params_digest``),
        ``"environment"`` (``environment_digest``), and ``"run"``, the digest of
        the four above joined into one string in that order.
    """
    # BEGIN SOLUTION hint: the four digests above, then one more over all four in a fixed order
    digests = {
        "data": file_digest(data_path),
        "code": code_digest(code_paths),
        "params": params_digest(params),
        "environment": environment_digest(lock_path),
    }
    joined = "".join(digests[key] for key in ("data", "code", "params", "environment"))
    digests["run"] = hashlib.sha256(joined.encode("utf-8")).hexdigest()
    return digests
    # END SOLUTION
