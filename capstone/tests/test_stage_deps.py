"""dvc.yaml lists each stage's real code: every module its command runs, and nothing else.

DVC re-runs a stage only when something it lists changes. A module the stage
runs but does not list (say ``schema.py``, whose ``CATEGORIES`` build the
model's one-hot encoding) would let a change slip through with a stale model.

A stage's code is derived here from the source: the ``churn`` subcommand in its
``cmd``, the modules that subcommand's handler imports (the CLI imports them
lazily, inside the handler, so the entry point does not drag in every stage),
and everything those import in turn within ``churn``, at the top of a module
or inside a function. Imports made only for the type checker do not run, so
they do not count.
"""

from __future__ import annotations

import ast
import inspect
import shlex
from pathlib import Path

import pytest
import yaml

from churn import cli
from churn.paths import PROJECT_DIR

SOURCE = PROJECT_DIR / "src"
PIPELINE = yaml.safe_load((PROJECT_DIR / "dvc.yaml").read_text())["stages"]
CHURN_STAGES = sorted(
    name for name, stage in PIPELINE.items() if shlex.split(stage["cmd"])[0] == "churn"
)


def module_file(module: str) -> Path | None:
    """The file of a ``churn`` module, or None if the name is not a module of the package."""
    base = SOURCE.joinpath(*module.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def churn_imports(tree: ast.AST) -> set[str]:
    """The ``churn`` modules a piece of code imports when it runs (type-checking-only excluded)."""
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from churn import paths` imports the module churn.paths; `from churn.x import f`
            # imports churn.x.
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name.split(".")[0] == "churn" and module_file(name)}
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree, skipping ``if TYPE_CHECKING:`` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def stage_code(stage: str) -> set[str]:
    """The source files a stage's command runs, as dvc.yaml paths (``src/churn/x.py``)."""
    argv = shlex.split(PIPELINE[stage]["cmd"])[1:]
    handler = cli._parser().parse_args(argv).handler
    waiting = churn_imports(ast.parse(inspect.getsource(handler)))
    seen: set[str] = set()
    while waiting:
        module = waiting.pop()
        if module in seen:
            continue
        seen.add(module)
        waiting |= churn_imports(ast.parse(module_file(module).read_text()))
    return {str(module_file(name).relative_to(PROJECT_DIR)) for name in seen}


def listed_code(stage: str) -> set[str]:
    return {dep for dep in PIPELINE[stage].get("deps", []) if dep.startswith("src/")}


def test_every_churn_command_of_the_pipeline_is_checked():
    assert CHURN_STAGES == ["evaluate", "featurize", "register", "train", "validate"]


@pytest.mark.parametrize("stage", CHURN_STAGES)
def test_a_stage_lists_exactly_the_code_it_runs(stage):
    real, listed = stage_code(stage), listed_code(stage)
    assert real, f"found no code for {stage}: is its handler's import lazy and within churn?"
    missing, extra = sorted(real - listed), sorted(listed - real)
    assert not missing, f"dvc.yaml stage {stage} runs but does not list {missing}"
    assert not extra, f"dvc.yaml stage {stage} lists {extra}, which it never runs"


def test_packages_hold_no_code():
    """Package ``__init__`` files run with every import, so they must stay docstring-only."""
    for init in SOURCE.rglob("__init__.py"):
        body = ast.parse(init.read_text()).body
        assert all(isinstance(node, ast.Expr) for node in body), f"{init} holds code"


def test_the_derivation_follows_lazy_and_transitive_imports():
    """train's handler imports churn.train, which imports churn.tracking only inside a function."""
    code = stage_code("train")
    assert {"src/churn/train.py", "src/churn/tracking.py", "src/churn/schema.py"} <= code
    assert "src/churn/registry.py" not in code and "src/churn/cli.py" not in code
