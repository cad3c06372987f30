"""The capstone end to end: train, approve, serve, watch months of traffic, retrain, shadow,
approve, roll back.

``churn story`` (``make capstone``) works on a copy of the project in the state
folder, so your own capstone folder stays as you left it. It prints each step
and ends with a month-by-month summary and where every artefact lives.

Three sets of customers appear, and their accuracies differ for that reason:
each month's *export* (5,000 customers with outcomes, what ``ingest.month``
names) trains a model and gates it on its held-out fifth; the month's *live
traffic* (1,000 other customers) is what the service answers and the monitor
judges once their labels arrive; and a challenger in *shadow* is compared with
the champion on exactly that live traffic, so the champion's shadow score is
the month's monitored accuracy.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from churn import paths
from churn.config import Params
from churn.contracts import GateVerdict, MonitoringVerdict
from churn.dvc_tools import commit, configure_storage, copy_project, dvc
from churn.params_file import edit_params
from churn.tracking import tracking_uri


@dataclass
class Month:
    """One month of the story, as the summary shows it."""

    month: int
    served_by: str
    drifted: str
    accuracy: float | None
    shadow: str = "-"
    decision: str = ""
    approved: str | None = None  # the version a person approved from shadow this month


def run_story(
    project: Path | None = None,
    scenario: str = "price_increase",
    months: int = 4,
    rows_per_month: int = 1000,
) -> int:
    """Run the whole loop on a copy of the project and print a summary; return 0 or 1."""
    from churn.config import load_params

    started = time.monotonic()
    source = (project or paths.PROJECT_DIR).resolve()
    story_dir = paths.state_dir() / "story"
    shutil.rmtree(story_dir, ignore_errors=True)
    paths.retraining_state_file().unlink(missing_ok=True)  # a new story: never retrained yet
    work = copy_project(source, story_dir / "project")
    configure_storage(work, autostage=True)  # DVC stages its changes; the story commits them
    # The story's team signs off every promotion: a winner waits for a person (lesson 07).
    edit_params(work / "params.yaml", {"registry": {"needs_approval": True}})
    params = load_params(work / "params.yaml")
    _say("1. Storage", f"project copy {work} (its own git history: one commit per data version)")
    print("   registry.needs_approval: true in the copy: a winner waits for a person's approval")
    print(f"   DVC cache {paths.dvc_cache_dir()}, remote {paths.dvc_remote_dir()}")
    print(f"   MLflow tracking store {tracking_uri()}")

    _say("2. Month 0: the pipeline trains the first champion", "dvc repro, promote, approve")
    if not _pipeline(work, "month 0: the training history"):
        return 1
    _first_champion(work, params)

    _say("3. Serve", "churn serve on 127.0.0.1, following the champion alias")
    with _service(story_dir) as url:
        _show_one_prediction(url)
        rows = _months(url, work, story_dir, scenario, months, rows_per_month, params)
        _rollback_if_possible(url, rows, params.registry.model_name)
    _summary(rows, story_dir, params.registry.model_name)
    print(f"\nDone in {time.monotonic() - started:.1f} s.")
    return 0


def _pipeline(work: Path, data_version: str) -> bool:
    """dvc repro, push and commit; print the stages' output; False if the pipeline stopped."""
    repro = dvc(["repro"], work, check=False)
    print(_indent(repro.stdout + repro.stderr))
    if repro.returncode != 0:
        print("The pipeline stopped: see the messages above. Nothing downstream ran.")
        return False
    dvc(["push", "--quiet"], work)
    verdict = GateVerdict.read(work / "reports" / "metrics.json")
    revision = commit(work, f"{data_version}: params.yaml and dvc.lock")
    print(
        f"   accuracy {verdict.accuracy:.3f}, churn recall {verdict.recall:.3f} on "
        f"{verdict.test_rows} held-out customers of this export; gate "
        f"{'passed' if verdict.gate_passed else 'FAILED'}"
    )
    slices = ", ".join(f"{name} {found.accuracy:.3f}" for name, found in verdict.slices.items())
    print(f"   accuracy per {verdict.thresholds.slice_column}: {slices}")
    print(f"   data version pushed; committed as {revision}; MLflow run {verdict.run_id}")
    return True


def _first_champion(work: Path, params: Params) -> None:
    """Promote the first registered model on held-out rows; a person approves it."""
    from churn.promotion import promote_on_held_out
    from churn.registry import approve, describe_status

    registry = params.registry
    decision = promote_on_held_out(work / "data" / "processed" / "test.csv", registry)
    print(f"   version {decision.challenger}: {decision.reason}")
    if decision.pending:
        reason = "first champion: gate report and per-contract scores reviewed"
        approve(decision.challenger, reason, registry.model_name)
        print(f"   churn approve --version {decision.challenger} --reason '{reason}'")
    for line in describe_status(registry.model_name):
        print(f"   {line}")


@contextlib.contextmanager
def _service(folder: Path) -> Iterator[str]:
    """``churn serve`` on a free port, following the champion; stopped on exit, whatever happens."""
    from mlops_course import servers

    port = servers.free_port()
    command = [str(Path(sys.executable).parent / "churn"), "serve", "--port", str(port)]
    command += ["--poll-seconds", "1"]
    # Ready means a model is loaded: /ready answers 503 until then.
    with servers.running_server("service", command, folder, port, "/ready", 90) as server:
        print(f"   {server.url} is ready (pid {server.process.pid}); docs at {server.url}/docs")
        yield server.url
    print(f"\n   service stopped; its log: {folder / 'service.log'}")


def _show_one_prediction(url: str) -> None:
    from churn.serve.schemas import EXAMPLE_CUSTOMER

    answer = _post(url, "/predict", dict(EXAMPLE_CUSTOMER))
    print(
        f"   POST /predict for customer {answer['customerID']} (new, month-to-month): "
        f"churn probability {answer['churn_probability']:.3f}, model version "
        f"{answer['model_version']}"
    )


def _months(
    url: str,
    work: Path,
    story_dir: Path,
    scenario: str,
    months: int,
    rows_per_month: int,
    params: Params,
) -> list[Month]:
    """Each month: traffic, late labels, monitoring, shadow, the retraining policy."""
    from churn.monitor import monitor_window
    from churn.retrain import judge_window
    from churn.traffic import send
    from mlops_course import data

    _say(
        f"4. Months 1-{months} of traffic",
        f"scenario '{scenario}', {rows_per_month} customers a month",
    )
    seed = params.ingest.seed
    rows = []
    for month in range(1, months + 1):
        table = data.generate(month=month, rows=rows_per_month, seed=seed + 100, scenario=scenario)
        features, labels = data.split_labels(table)
        served, since = send(url, features)
        _wait_until_logged(since, len(features))
        labels_path = story_dir / "labels" / f"month-{month}.csv"
        labels_path.parent.mkdir(parents=True, exist_ok=True)
        labels.to_csv(labels_path, index=False)  # weeks later, the month's outcomes arrive
        verdict = monitor_window(
            f"month-{month}", since, None, params.monitor, labels_path, params.registry.model_name
        )
        row = Month(
            month=month,
            served_by=", ".join(f"v{v}" for v in sorted(served)),
            drifted=", ".join(verdict.drifted_columns) or "-",
            accuracy=verdict.accuracy,
        )
        _print_month(row, len(features), verdict)
        _shadow_step(url, row, sorted(labels_path.parent.glob("*.csv")), params)
        # The same policy step as `churn retrain`: its state file carries the cooldown.
        trigger = judge_window(verdict, params.retrain, paths.retraining_state_file())
        row.decision = trigger.reason
        if trigger.escalate:
            print(f"     ALERT {trigger.reason}")
        elif trigger.retrain:
            row.decision = _retrain_step(work, month, scenario, verdict.window, trigger.reason)
        rows.append(row)
    return rows


def _print_month(row: Month, customers: int, verdict: MonitoringVerdict) -> None:
    accuracy = "-" if verdict.accuracy is None else f"{verdict.accuracy:.3f}"
    print(f"\n   month {row.month}: {customers} customers scored by {row.served_by}")
    print(
        f"     drifted columns: {row.drifted}; accuracy of the live answers once labelled "
        f"{accuracy} ({verdict.labelled_rows} rows)"
    )
    for alert in verdict.alerts:
        print(f"     ALERT {alert}")
    print(f"     report {verdict.report}")


def _shadow_step(url: str, row: Month, labels: list[Path], params: Params) -> None:
    """A challenger waiting in shadow scored the traffic; decide once enough of it is labelled."""
    from churn.registry import approve
    from churn.shadow import promote_on_shadow, waiting_challenger

    registry = params.registry
    if waiting_challenger(registry.model_name) is None:
        return
    evidence, decision = promote_on_shadow(labels, registry, paths.shadow_dir())
    print(f"     shadow: {evidence.reason}")
    if decision is None:
        row.shadow = f"waiting ({evidence.labelled} labelled)"
        return
    row.shadow = (
        f"v{evidence.challenger} {evidence.challenger_accuracy:.3f} "
        f"vs v{evidence.champion} {evidence.champion_accuracy:.3f}"
    )
    print(
        f"     (the champion's {evidence.champion_accuracy:.3f} is this month's accuracy above: "
        "the same customers and labels)"
    )
    print(f"     decision: {decision.reason}")
    if not decision.pending:
        return
    reason = (
        f"shadow win on {evidence.labelled} labelled live rows; call lists of both "
        "models compared with the retention team"
    )
    approve(decision.challenger, reason, registry.model_name)
    print(f"     churn approve --version {decision.challenger} --reason '{reason}'")
    _wait_for_version(url, decision.challenger)
    print(f"     the service now answers with v{decision.challenger} (no restart)")
    row.approved = decision.challenger


def _retrain_step(work: Path, month: int, scenario: str, window: str, why: str) -> str:
    """Retrain on the month's export; the challenger it registers runs in shadow next month."""
    from churn.retrain import record_retrain, retrain

    print(f"     retrain: {why}; dvc repro on month {month}'s export ...")
    result = retrain(work, month, scenario)
    state = record_retrain(paths.retraining_state_file(), window, result)
    if not result.pipeline_passed:
        print(f"     {result.reason}")
        failed = f"failed gates in a row: {state.failed_gates_in_a_row}"
        return f"retrained: stopped at {result.failed_stage or 'the pipeline'} ({failed})"
    verdict = GateVerdict.read(work / "reports" / "metrics.json")
    commit(work, f"month {month}: params.yaml and dvc.lock")
    print(
        f"     {result.reason} (accuracy {verdict.accuracy:.3f} on {verdict.test_rows} held-out "
        "customers of the export, not on live traffic)"
    )
    print(f"     v{result.version} now scores the live traffic in shadow; the champion answers")
    return f"retrained: v{result.version} into shadow"


def _rollback_if_possible(url: str, rows: list[Month], name: str) -> None:
    """Show the one-command rollback; if no new champion was approved, after a hand override."""
    from churn.registry import RegistryError, promote_by_hand, rollback, status

    _say("5. Rollback", "one command gives production back to the previous champion")
    if not any(row.approved for row in rows):
        challenger = status(name)["challenger"]
        if challenger is None:
            print("   no challenger was registered, so there is nothing to roll back")
            return
        reason = "story: a hurried engineer overrides the refusal"
        promote_by_hand(challenger.version, reason, name)
        _wait_for_version(url, challenger.version)
        print(
            f"   v{challenger.version} was promoted by hand, against the policy; "
            "the service follows"
        )
    try:
        version = rollback("story: demonstrating the one-command rollback", name)
    except RegistryError as refused:
        print(f"   {refused}")
        return
    _wait_for_version(url, version)
    print(f"   churn rollback --reason ...: champion is v{version} again; the service followed")


def _summary(rows: list[Month], story_dir: Path, name: str) -> None:
    from churn.registry import describe_history

    _say("6. Summary", "month by month")
    print(
        f"   {'month':<6}{'served by':<11}{'drifted columns':<29}{'accuracy':<10}"
        f"{'shadow (same live rows)':<26}decision"
    )
    for row in rows:
        accuracy = "-" if row.accuracy is None else f"{row.accuracy:.3f}"
        columns = f"{row.month:<6}{row.served_by:<11}{row.drifted:<29}{accuracy:<10}"
        approved = f"approved v{row.approved}; " if row.approved else ""
        print(f"   {columns}{row.shadow:<26}{approved}{row.decision}")
    print("\n   the registry's audit trail (churn history), one tag per event:")
    for line in describe_history(name):
        print(f"   {line}")
    print()
    for label, location in (
        ("prediction log", paths.predictions_dir()),
        ("monitoring reports and verdicts", paths.monitoring_dir()),
        ("shadow answers", paths.shadow_dir()),
        ("the story's project copy (git log: data versions)", story_dir / "project"),
        ("MLflow store", tracking_uri()),
    ):
        print(f"   {label:<50} {location}")


def _wait_for_version(url: str, version: str) -> None:
    """Wait (at most 15 s) until the service answers with the given model version."""
    _wait_for(
        lambda: _get(url, "/metadata").get("version") == version,
        15,
        f"the service to serve v{version}",
    )


def _wait_until_logged(since: datetime, expected: int, timeout: float = 15) -> None:
    from churn.serve.prediction_log import read_predictions

    _wait_for(
        lambda: len(read_predictions(paths.predictions_dir(), since)) >= expected,
        timeout,
        "the prediction log to catch up",
    )


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"waited {timeout} s for {what}")
        time.sleep(0.3)


def _get(url: str, path: str) -> dict[str, Any]:
    """GET a JSON answer; an empty dict while the service is not answering yet."""
    import httpx

    try:
        answer: dict[str, Any] = httpx.get(url + path, timeout=10).json()
    except httpx.HTTPError:
        return {}
    return answer


def _post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import httpx

    response = httpx.post(url + path, json=body, timeout=30)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _say(title: str, detail: str) -> None:
    print(f"\n== {title}\n   {detail}", flush=True)


def _indent(text: str) -> str:
    return "\n".join(f"   | {line}" for line in text.strip().splitlines())
