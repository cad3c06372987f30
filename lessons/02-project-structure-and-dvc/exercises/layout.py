"""Exercise: lay out a new ML project.

A layout is a promise about where things are. Raw exports go in one place
and are never edited; every later form of the data, the code, the settings
and the models each get their own folder, so a newcomer (or a pipeline)
finds them without asking. The layout is the one the README draws:

    <name>/
        README.md           what the project is; starts with "# <name>"
        .gitignore          what git must never see (gitignore_text)
        pyproject.toml      the project: its name, Python and dependencies (pyproject_text)
        params.yaml         the settings a run reads (lesson 03 fills it)
        data/raw/           exports exactly as they arrived, tracked by DVC
        data/interim/       cleaned and joined data, rebuilt by code
        data/processed/     features ready for training, rebuilt by code
        models/             trained models
        notebooks/          exploration; code that matters moves to src/
        reports/            metrics and figures
        src/<package>/      the project's importable code
        tests/              tests of that code

Git tracks files, not folders: an empty folder would vanish from the
repository, so each folder above that starts empty holds a ``.gitkeep`` file.

``uv lock`` then writes ``uv.lock`` beside ``pyproject.toml`` (every package,
its exact version and hash) and ``uv sync`` builds ``.venv/`` from it, with
the project installed: the notebook shows both.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

# The folders that start empty, each with a .gitkeep so git keeps them.
FOLDERS = (
    "data/raw",
    "data/interim",
    "data/processed",
    "models",
    "notebooks",
    "reports",
    "tests",
)

PARAMS_YAML = "# Settings a run reads. Lesson 03's pipeline adds its own.\nseed: 42\n"

# What the project's code imports, as ranges: the lock pins the exact versions.
DEPENDENCIES = ("pandas>=2.3,<3", "scikit-learn>=1.9", "pyyaml>=6")
# The Pythons the project runs on: the ones this course is tested with.
REQUIRES_PYTHON = ">=3.11,<3.14"


def package_name(name: str) -> str:
    """Turn a project name into the name of its Python package.

    The rules, in order:

    1. lowercase the name;
    2. replace every run of characters other than ``a-z`` and ``0-9`` by one ``_``;
    3. strip ``_`` from both ends;
    4. if the result starts with a digit, put ``project_`` in front;
    5. if the result is a Python keyword (``class``, ``import``...), add ``_`` at the end.

    Examples: ``"Churn Predictor"`` -> ``"churn_predictor"``,
    ``"churn-model v2!"`` -> ``"churn_model_v2"``, ``"2024 churn"`` ->
    ``"project_2024_churn"``, ``"class"`` -> ``"class_"``.

    Args:
        name: the project's name as a person wrote it.

    Returns:
        A valid Python identifier: ``result.isidentifier()`` is true.

    Raises:
        ValueError: the name has no letter or digit at all (``"---"``, ``""``).
    """
    # TODO: apply the rules in order; a regular expression turns each run of unwanted characters into one underscore
    raise NotImplementedError('TODO: apply the rules in order; a regular expression turns each run of unwanted characters into one underscore')


def gitignore_text() -> str:
    """Return the content of the project's top-level ``.gitignore``.

    It must make git ignore what each machine rebuilds for itself and nobody
    should share: the virtual environment ``.venv/``, Python's ``__pycache__/``
    folders and Jupyter's ``.ipynb_checkpoints/`` folders. (DVC keeps its own
    cache, temporary files and local settings out of git: ``dvc init`` writes
    ``.dvc/.gitignore`` for them.)

    It must *not* hide what git has to keep: the ``.dvc`` pointer files
    (``data/raw/customers.csv.dvc``), the folder placeholders
    (``data/raw/.gitkeep``), ``.dvc/config``, ``params.yaml``, ``pyproject.toml``,
    the lock file ``uv.lock`` or the code.
    So do not ignore ``data/`` or ``*.dvc`` as a whole: ``dvc add`` puts the
    pointer next to the data, and writes a ``.gitignore`` there that names
    just the data file.

    Returns:
        The text, one pattern per line, ending with a newline.
    """
    # TODO: one pattern a line for each thing a machine rebuilds for itself; never a pattern that hides the data folder, a pointer or the lock
    raise NotImplementedError('TODO: one pattern a line for each thing a machine rebuilds for itself; never a pattern that hides the data folder, a pointer or the lock')


def pyproject_text(name: str) -> str:
    """Return the content of the project's ``pyproject.toml``.

    It tells a tool such as uv or pip what the project is and how to install it:

    - ``[project]``: ``name``, the distribution name: the project's name
      lowercased, each run of characters other than ``a-z`` and ``0-9``
      replaced by one ``-``, no ``-`` at the ends (``"Churn Predictor"`` ->
      ``"churn-predictor"``); ``version = "0.1.0"``; ``requires-python =
      REQUIRES_PYTHON``; ``dependencies``, the list ``DEPENDENCIES``;
    - ``[build-system]``: ``requires = ["hatchling"]`` and
      ``build-backend = "hatchling.build"``;
    - ``[tool.hatch.build.targets.wheel]``: ``packages = ["src/<package>"]``
      with ``<package>`` = ``package_name(name)``, so the build finds the code
      whatever the project is called.

    Args:
        name: the project's name as a person wrote it.

    Returns:
        TOML text, ending with a newline.

    Raises:
        ValueError: as ``package_name``.
    """
    # TODO: three tables (the project, how to build it, where its package lives); TOML strings are quoted and lists use square brackets
    raise NotImplementedError('TODO: three tables (the project, how to build it, where its package lives); TOML strings are quoted and lists use square brackets')


def create_project(root: str | Path, name: str) -> Path:
    """Create a new project folder, ``root / name``, with the layout above.

    It writes exactly these files (and the folders that hold them):

    - ``README.md``, whose first line is ``# <name>``;
    - ``.gitignore`` with ``gitignore_text()``;
    - ``pyproject.toml`` with ``pyproject_text(name)``;
    - ``params.yaml`` with ``PARAMS_YAML`` (a YAML mapping);
    - ``<folder>/.gitkeep`` (an empty file) for every folder in ``FOLDERS``;
    - ``src/<package>/__init__.py`` with ``<package>`` = ``package_name(name)``.

    ``root`` is created if it does not exist. An existing but empty
    ``root / name`` folder is fine.

    Args:
        root: the folder to create the project in.
        name: the project's name, used as is for the folder.

    Returns:
        The project folder, ``Path(root) / name``.

    Raises:
        FileExistsError: ``root / name`` exists and is a file or a folder that
            is not empty. Nothing is written or changed in that case.
        ValueError: as ``package_name``, before anything is written.
    """
    # TODO: decide whether to refuse before you write anything, so a refused folder is left exactly as it was
    raise NotImplementedError('TODO: decide whether to refuse before you write anything, so a refused folder is left exactly as it was')
