"""The environment is read once, in one place: churn.settings."""

from __future__ import annotations

import ast
from pathlib import Path

from churn import paths
from churn.settings import settings
from churn.tracking import tracking_uri

SOURCE = Path(paths.__file__).parent


def _reads_a_variable(node: ast.AST) -> bool:
    """``os.environ.get(...)``, ``os.getenv(...)``, ``os.environ[...]`` or ``... in os.environ``."""
    text = ast.unparse(node)
    if isinstance(node, ast.Call):
        return text.startswith(("os.environ.get(", "os.getenv(", "environ.get(", "getenv("))
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        return ast.unparse(node.value) in ("os.environ", "environ")
    if isinstance(node, ast.Compare):
        return any(ast.unparse(c) in ("os.environ", "environ") for c in node.comparators)
    return False


def test_only_the_settings_module_reads_environment_variables():
    readers = {
        f"{path.relative_to(SOURCE)}:{node.lineno}: {ast.unparse(node)}"
        for path in SOURCE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if _reads_a_variable(node)
    }
    assert not readers, f"read the environment through churn.settings instead: {sorted(readers)}"


def test_the_scan_finds_a_reader(tmp_path):
    """The check above would see one: here is one it catches."""
    tree = ast.parse('import os\nuri = os.environ.get("MLFLOW_TRACKING_URI") or "x"\n')
    assert any(_reads_a_variable(node) for node in ast.walk(tree))


def test_the_environment_is_read_once(tmp_path, monkeypatch):
    monkeypatch.setenv("CHURN_STATE_DIR", str(tmp_path / "first"))
    assert paths.state_dir() == tmp_path / "first"
    monkeypatch.setenv("CHURN_STATE_DIR", str(tmp_path / "second"))
    assert paths.state_dir() == tmp_path / "first", "read again: not once"
    assert settings() is settings()
    settings.cache_clear()  # what a test that changes the environment does
    assert paths.state_dir() == tmp_path / "second"


def test_an_empty_variable_counts_as_unset(tmp_path, monkeypatch):
    """CI passes `MLFLOW_TRACKING_URI: ${{ secrets.X }}`, empty when the secret is missing."""
    monkeypatch.setenv("CHURN_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    monkeypatch.setenv("DVC_REMOTE_URL", "")
    assert tracking_uri() == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert settings().dvc_remote_url is None


def test_the_state_folder_follows_the_course_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("CHURN_STATE_DIR", raising=False)
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path))
    assert paths.state_dir() == tmp_path / "capstone"
    settings.cache_clear()
    monkeypatch.delenv("COURSE_WORKSPACE")
    assert paths.state_dir() == paths.PROJECT_DIR.parent / "workspace" / "capstone"
