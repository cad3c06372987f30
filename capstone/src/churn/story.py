"""The capstone end to end: train, serve, watch months of traffic, retrain, roll back.

``churn story`` (``make capstone``) works on a copy of the project in the state
folder, so your own capstone folder stays as you left it. It prints each step
and ends with a month-by-month summary and where every artefact lives.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from churn import paths
from churn.config import Params
from churn.contracts import GateVerdict
from churn.dvc_tools import configure_storage, copy_project, dvc
from churn.tracking import tracking_uri

BATCH = 100  # customers per /predict/batch request


@dataclass
class Month:
    """One month of the story, as the summary shows it."""

    month: int
    served_by: str
    drifted: str
    accuracy: float | None
    decision: str
    promoted: str | None = None


def run_story(
    project: Path | None = None,
    scenario: str = "price_increase",
    months: int = 4,
    rows_per_month: int = 1000,
) -> int:
    """Run the whole loop on a copy of the project and print a summary; return 0 or 1."""
    import logging

    from churn.config import load_params

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per request
    started = time.monotonic()
    source = (project or paths.PROJECT_DIR).resolve()
    story_dir = paths.state_dir() / "story"
    shutil.rmtree(story_dir, ignore_errors=True)
    paths.retraining_state_file().unlink(missing_ok=True)  # a new story: never retrained yet
    work = copy_project(source, story_dir / "project")
    configure_storage(work)
    params = load_params(work / "params.yaml")
    _say("1. Storage", f"project copy {work}")
    print(f"   DVC cache {paths.dvc_cache_dir()}, remote {paths.dvc_remote_dir()}")
    print(f"   MLflow tracking store {tracking_uri()}")

    _say("2. Month 0: the pipeline trains the first champion", "dvc repro, then promote")
    if not _pipeline(work):
        return 1
    _promote_and_report(work)

    _say("3. Serve", "churn serve on 127.0.0.1, following the champion alias")
    with _service(story_dir) as url:
        _show_one_prediction(url)
        rows = _months(url, work, story_dir, scenario, months, rows_per_month, params)
        _rollback_if_possible(url, rows, params.registry.model_name)
    _summary(rows, story_dir)
    print(f"\nDone in {time.monotonic() - started:.1f} s.")
    return 0


def _pipeline(work: Path) -> bool:
    """dvc repro and push; print the stages' output; False if the pipeline stopped."""
    repro = dvc(["repro"], work, check=False)
    print(_indent(repro.stdout + repro.stderr))
    if repro.returncode != 0:
        print("The pipeline stopped: see the messages above. Nothing downstream ran.")
        return False
    dvc(["push", "--quiet"], work)
    verdict = GateVerdict.read(work / "reports" / "metrics.json")
    print(
        f"   accuracy {verdict.accuracy:.3f}, churn recall {verdict.recall:.3f}, "
        f"gate {'passed' if verdict.gate_passed else 'FAILED'}; data version pushed"
    )
    print(f"   MLflow run {verdict.run_id} (model {verdict.model_uri})")
    return True


def _promote_and_report(project: Path) -> None:
    """Give the registered challenger its chance, then show who serves production."""
    from churn.config import load_params
    from churn.promotion import promote_on_held_out
    from churn.registry import RegistryError, describe_status

    params = load_params(project / "params.yaml").registry
    test = project / "data" / "processed" / "test.csv"
    try:
        decision = promote_on_held_out(test, params.margin, name=params.model_name)
        print(f"   version {decision.challenger}: {decision.reason}")
    except RegistryError as nothing_to_do:
        print(f"   {nothing_to_do}")
    for line in describe_status(params.model_name):
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

    answer = _post(url, "/predict", EXAMPLE_CUSTOMER)
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
    """Each month: traffic, late labels, monitoring, the retraining policy, maybe a retrain."""
    from churn.featurize import clean_total_charges
    from churn.monitor import monitor_window
    from churn.retrain import judge_window, record_retrain, retrain
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
        customers = clean_total_charges(features).to_dict(orient="records")
        since = datetime.now(UTC)
        served: dict[str, int] = {}
        for start in range(0, len(customers), BATCH):
            answer = _post(url, "/predict/batch", {"customers": customers[start : start + BATCH]})
            for prediction in answer["predictions"]:
                served[prediction["model_version"]] = served.get(prediction["model_version"], 0) + 1
        _wait_until_logged(since, len(customers))
        labels_path = story_dir / "labels" / f"month-{month}.csv"
        labels_path.parent.mkdir(parents=True, exist_ok=True)
        labels.to_csv(labels_path, index=False)  # weeks later, the month's outcomes arrive
        verdict = monitor_window(
            f"month-{month}", since, None, params.monitor, labels_path, params.registry.model_name
        )
        # The same policy step as `churn retrain`: its state file carries the cooldown.
        trigger = judge_window(verdict, params.retrain, paths.retraining_state_file())
        row = Month(
            month=month,
            served_by=", ".join(f"v{v}" for v in sorted(served)),
            drifted=", ".join(verdict.drifted_columns) or "-",
            accuracy=verdict.accuracy,
            decision=trigger.reason,
        )
        accuracy = "-" if verdict.accuracy is None else f"{verdict.accuracy:.3f}"
        print(f"\n   month {month}: {len(customers)} customers scored by {row.served_by}")
        print(f"     drifted columns: {row.drifted}; accuracy once labelled {accuracy}")
        for alert in verdict.alerts:
            print(f"     ALERT {alert}")
        print(f"     report {verdict.report}")
        if trigger.retrain:
            print(f"     retrain: {trigger.reason}; dvc repro on month {month}'s data ...")
            result = retrain(work, month, scenario)
            record_retrain(paths.retraining_state_file(), verdict.window)
            print(f"     version {result.version}: {result.reason}")
            if result.promoted and result.version is not None:
                row.promoted = result.version
                row.decision = f"retrained: promoted v{result.version}"
                _wait_for_version(url, result.version)
                print(f"     the service now answers with v{result.version} (no restart)")
            elif not result.pipeline_passed:
                row.decision = "retrained: stopped by the pipeline (gate or validation)"
            else:
                row.decision = "retrained: kept the champion"
        rows.append(row)
    return rows


def _rollback_if_possible(url: str, rows: list[Month], name: str) -> None:
    """Show the one-command rollback; if no retrain was promoted, after a promotion by hand."""
    from churn.registry import RegistryError, promote_by_hand, rollback, status

    _say("5. Rollback", "one command gives production back to the previous champion")
    if not any(row.promoted for row in rows):
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


def _summary(rows: list[Month], story_dir: Path) -> None:
    _say("6. Summary", "month by month")
    print(f"   {'month':<6}{'served by':<11}{'drifted columns':<30}{'accuracy':<10}decision")
    for row in rows:
        accuracy = "-" if row.accuracy is None else f"{row.accuracy:.3f}"
        columns = f"{row.month:<6}{row.served_by:<11}{row.drifted:<30}{accuracy:<10}"
        print(f"   {columns}{row.decision}")
    for label, location in (
        ("prediction log", paths.predictions_dir()),
        ("monitoring reports and verdicts", paths.monitoring_dir()),
        ("the story's project copy (params, dvc.lock)", story_dir / "project"),
        ("MLflow store", tracking_uri()),
    ):
        print(f"   {label:<45} {location}")


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
