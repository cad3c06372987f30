"""What the capstone imports, it declares; what its service image runs needs no extra."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib

from churn.paths import PROJECT_DIR

PROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
# Installed only with the pipeline and monitor extras, never in the service's image.
EXTRAS_ONLY = ("mlops_course", "dvc", "ruamel", "evidently")


def _imported_packages(source: str) -> set[str]:
    """The top-level packages a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_course_tooling_the_pipeline_imports_is_declared():
    importers = sorted(
        path.name
        for path in (PROJECT_DIR / "src" / "churn").rglob("*.py")
        if "mlops_course" in _imported_packages(path.read_text())
    )
    assert importers == ["story.py"], importers  # the story drives traffic with the data world
    assert "mlops-course" in PROJECT["optional-dependencies"]["pipeline"]
    assert "ruamel-yaml>=0.19" in PROJECT["optional-dependencies"]["pipeline"]


def test_the_service_runs_without_the_extras():
    """`churn serve` imports only the base dependencies, which are all its image has."""
    code = (
        "import sys\n"
        "from churn import cli\n"
        "import churn.config, churn.paths, churn.serve.app, churn.settings, churn.tracking\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({EXTRAS_ONLY!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"the service imports {result.stdout.strip()}"
