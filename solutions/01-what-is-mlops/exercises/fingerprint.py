"""Exercise: fingerprint a training run.

A run is reproducible when you can say exactly what went into it: which data,
which code, which parameters and which environment. Give each of the four a
SHA-256 digest (a 64-character hex string that changes when one byte changes),
and the whole run a digest of those four. Two runs with the same run digest
had the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

# The libraries whose versions can change a trained model.
PACKAGES = ("pandas", "numpy", "scikit-learn")


def file_digest(path: str | Path) -> str:
    """Return the SHA-256 hex digest of one file's bytes.

    Args:
        path: the file to read.

    Returns:
        64 hex characters, e.g. the digest of an empty file is ``e3b0c442...``.
    """
    # BEGIN SOLUTION hint: hashlib.sha256 over Path(path).read_bytes(), then .hexdigest()
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    # END SOLUTION


def params_digest(params: dict) -> str:
    """Return the SHA-256 hex digest of the parameters in canonical JSON.

    Canonical JSON is ``json.dumps(params, sort_keys=True, separators=(",", ":"))``:
    the same parameters give the same text whatever order the keys were written in.

    Args:
        params: the training parameters, e.g. ``{"seed": 7, "C": 1.0}``.

    Returns:
        64 hex characters.
    """
    # BEGIN SOLUTION hint: hash the canonical JSON text (.encode() it), never str(params)
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    # END SOLUTION


def environment_digest() -> str:
    """Return the SHA-256 hex digest of the Python version and the PACKAGES versions.

    The text hashed has one ``name==version`` line per item, Python first, joined
    by newlines, e.g. ``"python==3.11.7\\npandas==2.3.3\\nnumpy==2.4.6\\nscikit-learn==1.9.1"``.
    Use ``platform.python_version()`` and ``metadata.version(name)``.

    Returns:
        64 hex characters.
    """
    # BEGIN SOLUTION hint: lines "python==...", then "name==version" per package; "\n".join
    lines = [f"python=={platform.python_version()}"]
    lines += [f"{name}=={metadata.version(name)}" for name in PACKAGES]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    # END SOLUTION


def run_fingerprint(data_path: str | Path, params: dict, code_paths: list[str | Path]) -> dict:
    """Fingerprint one training run.

    Args:
        data_path: the data file the run trains on.
        params: the run's parameters.
        code_paths: the code files the run executes, in any order.

    Returns:
        A dict of five SHA-256 hex digests:

        - ``"data"``: of the data file's bytes (``file_digest``);
        - ``"code"``: of the code files' bytes, read one after another into one
          hash in the order of their paths sorted as text (``sorted(map(str, code_paths))``),
          so the order you pass them in does not matter;
        - ``"params"``: ``params_digest(params)``;
        - ``"environment"``: ``environment_digest()``;
        - ``"run"``: of the four digests above joined into one string in the
          order data, code, params, environment.
    """
    # BEGIN SOLUTION hint: one sha256 fed the code files in sorted(str) order; run hashes the 4
    code = hashlib.sha256()
    for path in sorted(str(path) for path in code_paths):
        code.update(Path(path).read_bytes())
    digests = {
        "data": file_digest(data_path),
        "code": code.hexdigest(),
        "params": params_digest(params),
        "environment": environment_digest(),
    }
    joined = "".join(digests[key] for key in ("data", "code", "params", "environment"))
    digests["run"] = hashlib.sha256(joined.encode("utf-8")).hexdigest()
    return digests
    # END SOLUTION
