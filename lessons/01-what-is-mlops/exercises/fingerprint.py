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
    # TODO: hashlib.sha256 over Path(path).read_bytes(), then .hexdigest()
    raise NotImplementedError('TODO: hashlib.sha256 over Path(path).read_bytes(), then .hexdigest()')


def params_digest(params: dict) -> str:
    """Return the SHA-256 hex digest of the parameters in canonical JSON.

    Canonical JSON is ``json.dumps(params, sort_keys=True, separators=(",", ":"))``:
    the same parameters give the same text whatever order the keys were written in.

    Args:
        params: the training parameters, e.g. ``{"seed": 7, "C": 1.0}``.

    Returns:
        64 hex characters.
    """
    # TODO: hash the canonical JSON text (.encode() it), never str(params)
    raise NotImplementedError('TODO: hash the canonical JSON text (.encode() it), never str(params)')


def environment_digest() -> str:
    """Return the SHA-256 hex digest of the Python version and the PACKAGES versions.

    The text hashed has one ``name==version`` line per item, Python first, joined
    by newlines, e.g. ``"python==3.11.7\\npandas==2.3.3\\nnumpy==2.4.6\\nscikit-learn==1.9.1"``.
    Use ``platform.python_version()`` and ``metadata.version(name)``.

    Returns:
        64 hex characters.
    """
    # TODO: lines "python==...", then "name==version" per package; "\n".join
    raise NotImplementedError('TODO: lines "python==...", then "name==version" per package; "\\n".join')


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
    # TODO: one sha256 fed the code files in sorted(str) order; run hashes the 4
    raise NotImplementedError('TODO: one sha256 fed the code files in sorted(str) order; run hashes the 4')
