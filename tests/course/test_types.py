"""The type checker: mypy, strict, on the course's package and the capstone's.

``make lint`` runs the same command. What crosses a boundary in the capstone is
a typed contract (churn.contracts), so passing a dict where a verdict belongs
fails here, before any pipeline runs.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

from mlops_course.workspace import COURSE_ROOT

CONFIG = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    """Run mypy with the project's configuration, as `make lint` does."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=COURSE_ROOT, capture_output=True, text=True
    )


def test_mypy_passes_strict_on_both_packages():
    result = mypy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_make_lint_runs_the_same_type_check():
    plan = subprocess.run(
        ["make", "-n", "lint"], cwd=COURSE_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert any(line.strip() == ".venv/bin/mypy" for line in plan.splitlines()), plan


def test_the_configuration_is_strict_with_named_exceptions_only():
    assert CONFIG["strict"] is True
    assert CONFIG["files"] == ["mlops_course", "capstone/src"]
    assert "ignore-without-code" in CONFIG["enable_error_code"]  # no bare `# type: ignore`
    for override in CONFIG.get("overrides", []):
        # The only exception: libraries with no types at all. None of our modules is exempt.
        assert set(override) == {"module", "ignore_missing_imports"}, override
        for module in override["module"]:
            assert not _ships_types(module.removesuffix(".*")), (
                f"{module} has type information now: remove it from the override"
            )


def _ships_types(package: str) -> bool:
    """Whether an installed package has inline types (py.typed) or a stub package."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin, f"{package} is not installed"
    typed = (Path(spec.origin).parent / "py.typed").exists()
    return typed or importlib.util.find_spec(f"{package}-stubs".replace("-", "_")) is not None


def test_a_dict_where_a_contract_belongs_is_caught(tmp_path):
    """The issue's own example: a verdict passed on as a dict reaches the registry."""
    snippet = tmp_path / "hand_off.py"
    snippet.write_text(
        "from churn.registry import register\n"
        "\n"
        "\n"
        "def register_from_json() -> str:\n"
        '    return register({"gate_passed": True, "run_id": "abc", "accuracy": "0.9"})\n'
    )
    result = mypy(str(snippet))
    assert result.returncode == 1, result.stdout
    assert 'has incompatible type "dict[str, object]"; expected "GateVerdict"' in result.stdout
