"""The ``churn`` command: one subcommand per pipeline stage, plus the end-to-end story.

Each stage's options are exactly its DVC deps and outs; its tunables come from
params.yaml. ``main(argv)`` returns an exit code, so tests call it directly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from churn.contracts import ContractError
from churn.paths import PROJECT_DIR
from churn.quiet import quiet_tools

Handler = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    """Run the ``churn`` command line and return its exit code."""
    args = _parser().parse_args(argv)
    if args.params is None:
        # In a stage, DVC runs us in the project folder; elsewhere, use the project's file.
        local = Path("params.yaml")
        args.params = local if local.exists() else PROJECT_DIR / "params.yaml"
    quiet_tools()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per request
    handler: Handler = args.handler
    try:
        return handler(args)
    except ValidationError as error:
        print(f"churn: {args.params} is not valid:\n{error}", file=sys.stderr)
        return 2
    except ContractError as error:
        print(f"churn: {error}", file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(f"churn: {error.strerror}: {error.filename}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="churn", description="The churn capstone pipeline.")
    parser.add_argument(
        "--params",
        type=Path,
        default=None,
        help="params file (default: ./params.yaml, else the project's)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a raw batch against the schema")
    validate.add_argument("--input", type=Path, required=True, help="raw CSV")
    validate.add_argument("--output", type=Path, required=True, help="accepted copy")
    validate.add_argument("--report", type=Path, required=True, help="JSON verdict")
    validate.set_defaults(handler=_validate)

    featurize = commands.add_parser("featurize", help="clean and split validated data")
    featurize.add_argument("--input", type=Path, required=True, help="validated CSV")
    featurize.add_argument("--train", type=Path, required=True, help="training split")
    featurize.add_argument("--test", type=Path, required=True, help="held-out split")
    featurize.set_defaults(handler=_featurize)

    train = commands.add_parser("train", help="fit the model")
    train.add_argument("--train", type=Path, required=True, help="training split")
    train.add_argument("--model", type=Path, required=True, help="where the model goes")
    train.add_argument("--run", type=Path, required=True, help="MLflow run record (JSON)")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="score the model and apply the gate")
    evaluate.add_argument("--model", type=Path, required=True, help="the trained model")
    evaluate.add_argument("--test", type=Path, required=True, help="held-out split")
    evaluate.add_argument("--run", type=Path, required=True, help="the train stage's run record")
    evaluate.add_argument("--metrics", type=Path, required=True, help="metrics and verdict JSON")
    evaluate.set_defaults(handler=_evaluate)

    register = commands.add_parser("register", help="register a gated model as challenger")
    register.add_argument("--metrics", type=Path, required=True, help="the evaluate verdict")
    register.add_argument("--out", type=Path, required=True, help="registration record (JSON)")
    register.set_defaults(handler=_register)

    promote = commands.add_parser(
        "promote", help="decide whether the challenger replaces the champion (by the margin)"
    )
    evidence = promote.add_mutually_exclusive_group(required=True)
    evidence.add_argument("--test", type=Path, help="held-out CSV: score both models on it")
    evidence.add_argument(
        "--labels",
        type=Path,
        nargs="+",
        help="labels of the live traffic: judge the challenger's shadow answers beside the "
        "champion's on the labelled rows",
    )
    promote.add_argument(
        "--version", default=None, help="with --test: version to promote (default: challenger)"
    )
    promote.set_defaults(handler=_promote)

    approve = commands.add_parser("approve", help="a person lets a pending version take over")
    approve.add_argument("--version", required=True, help="the pending version")
    approve.add_argument("--reason", required=True, help="what you checked, for the audit trail")
    approve.set_defaults(handler=_approve)

    rollback = commands.add_parser("rollback", help="give production back to the previous champion")
    rollback.add_argument("--reason", required=True, help="why, for the audit trail")
    rollback.set_defaults(handler=_rollback)

    status = commands.add_parser("status", help="show the champion and the challenger")
    status.set_defaults(handler=_status)

    history = commands.add_parser("history", help="show the registry's audit trail")
    history.set_defaults(handler=_history)

    next_month = commands.add_parser(
        "next-month", help="the data month after the champion's (0 without a champion)"
    )
    next_month.add_argument(
        "--apply", action="store_true", help="also set ingest.month in the params file to it"
    )
    next_month.set_defaults(handler=_next_month)

    serve = commands.add_parser("serve", help="serve the champion model over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface (0.0.0.0 in a container)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port")
    serve.add_argument(
        "--poll-seconds", type=float, default=5.0, help="how often to check the champion alias"
    )
    serve.add_argument(
        "--model-uri", default=None, help="serve this model and ignore the registry (baked in)"
    )
    serve.add_argument("--no-log", action="store_true", help="do not log predictions")
    serve.add_argument(
        "--log-keep-days", type=int, default=30, help="days of prediction log to keep (default 30)"
    )
    serve.set_defaults(handler=_serve)

    send = commands.add_parser("send", help="send a CSV of customers to the service")
    send.add_argument(
        "--csv", type=Path, required=True, help="customers, e.g. course data --part features"
    )
    send.add_argument("--url", default="http://127.0.0.1:8000", help="the service")
    send.set_defaults(handler=_send)

    storage = commands.add_parser(
        "storage", help="point DVC's cache and remote at the state folder"
    )
    storage.add_argument("--project", type=Path, default=None, help="the capstone folder")
    storage.set_defaults(handler=_storage)

    monitor = commands.add_parser("monitor", help="check logged traffic for drift (and accuracy)")
    monitor.add_argument("--window", required=True, help="a name for the window, e.g. month-3")
    monitor.add_argument("--since", type=_utc_time, default=None, help="ISO time (default: all)")
    monitor.add_argument("--until", type=_utc_time, default=None, help="ISO time (default: now)")
    monitor.add_argument("--labels", type=Path, default=None, help="late labels CSV, if arrived")
    monitor.set_defaults(handler=_monitor)

    retrain = commands.add_parser("retrain", help="retrain on a newer month if the verdict says so")
    retrain.add_argument("--month", type=int, required=True, help="the month whose data arrived")
    retrain.add_argument(
        "--scenario",
        default=None,
        choices=["none", "price_increase", "concept_shift", "schema_break"],
        help="the data world's scenario of the new month (default: params.yaml's)",
    )
    retrain.add_argument("--verdict", type=Path, default=None, help="monitor verdict (JSON)")
    retrain.add_argument(
        "--force",
        action="store_true",
        help="retrain whatever the verdict (a person's call, e.g. after the loop escalated)",
    )
    retrain.add_argument(
        "--project", type=Path, default=None, help="the capstone folder (default: --params' folder)"
    )
    retrain.set_defaults(handler=_retrain)

    story = commands.add_parser("story", help="run the whole capstone end to end and report")
    story.add_argument("--project", type=Path, default=None, help="the capstone folder")
    story.add_argument(
        "--scenario",
        default="price_increase",
        choices=["none", "price_increase", "concept_shift", "schema_break"],
        help="what happens to the world after month 0",
    )
    story.add_argument("--months", type=int, default=4, help="months of traffic")
    story.add_argument("--rows", type=int, default=1000, help="customers per month")
    story.set_defaults(handler=_story)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from churn.validate import BatchRejected, validate_file

    try:
        validate_file(args.input, args.output, args.report)
    except BatchRejected as rejected:
        print(str(rejected), file=sys.stderr)
        print(f"full report: {args.report}", file=sys.stderr)
        return 1
    return 0


def _featurize(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.featurize import featurize_file

    params = load_params(args.params).featurize
    featurize_file(args.input, args.train, args.test, params.test_share, params.split_seed)
    return 0


def _train(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.train import train_file

    project = args.params.resolve().parent
    params = load_params(args.params)
    train_file(args.train, args.model, args.run, params.train, project, params.ingest)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.evaluate import evaluate_file

    params = load_params(args.params).evaluate
    verdict = evaluate_file(args.model, args.test, args.run, args.metrics, params)
    if not verdict.gate_passed:
        print("quality gate FAILED: " + "; ".join(verdict.gate_reasons), file=sys.stderr)
        print(f"verdict: {args.metrics}", file=sys.stderr)
        return 1
    return 0


def _register(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.contracts import GateVerdict, Registration
    from churn.registry import RegistryError, register

    name = load_params(args.params).registry.model_name
    try:
        version = register(GateVerdict.read(args.metrics), name)
    except RegistryError as refused:
        print(f"churn register: {refused}", file=sys.stderr)
        return 1
    Registration(name=name, version=version).write(args.out)
    print(f"registered {name} version {version} as challenger")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.registry import Decision, NothingToPromote, RegistryError

    params = load_params(args.params).registry
    try:
        if args.test is not None:
            from churn.promotion import promote_on_held_out

            decision: Decision | None = promote_on_held_out(args.test, params, args.version)
        else:
            from churn.paths import shadow_dir
            from churn.shadow import promote_on_shadow

            if args.version is not None:
                print("churn promote: --version goes with --test only", file=sys.stderr)
                return 2
            evidence, decision = promote_on_shadow(args.labels, params, shadow_dir())
            print(f"shadow: {evidence.reason}")
    except NothingToPromote as nothing:
        print(f"churn promote: {nothing}")
        return 0
    except RegistryError as refused:
        print(f"churn promote: {refused}", file=sys.stderr)
        return 1
    if decision is None:
        return 0
    verb = "promoted" if decision.promoted else "pending approval" if decision.pending else "kept"
    print(f"version {decision.challenger}: {verb} ({decision.reason})")
    if decision.pending:
        print(f"approve it with: churn approve --version {decision.challenger} --reason '...'")
    return 0


def _approve(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.registry import RegistryError, approve

    try:
        replaced = approve(args.version, args.reason, load_params(args.params).registry.model_name)
    except RegistryError as refused:
        print(f"churn approve: {refused}", file=sys.stderr)
        return 1
    instead = f" instead of version {replaced}" if replaced else " (the first champion)"
    print(f"approved: version {args.version} is champion{instead}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.registry import RegistryError, rollback

    try:
        version = rollback(args.reason, load_params(args.params).registry.model_name)
    except RegistryError as refused:
        print(f"churn rollback: {refused}", file=sys.stderr)
        return 1
    print(f"rolled back: version {version} is champion again ({args.reason})")
    return 0


def _status(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.registry import describe_status

    print("\n".join(describe_status(load_params(args.params).registry.model_name)))
    return 0


def _history(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.registry import describe_history

    print("\n".join(describe_history(load_params(args.params).registry.model_name)) or "none")
    return 0


def _next_month(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.params_file import set_data_version
    from churn.registry import RegistryError, next_data_month

    try:
        month = next_data_month(load_params(args.params).registry.model_name)
    except RegistryError as refused:
        print(f"churn next-month: {refused}", file=sys.stderr)
        return 1
    if args.apply:
        set_data_version(args.params, month)
        print(f"ingest.month: {month} in {args.params}")
    else:
        print(month)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from churn.config import load_params
    from churn.paths import LATEST_VERDICT, monitoring_dir, predictions_dir
    from churn.serve.app import ServiceSettings, create_app
    from churn.settings import settings as environment
    from churn.tracking import tracking_uri

    settings = ServiceSettings(
        tracking_uri=tracking_uri(),
        model_name=load_params(args.params).registry.model_name,
        fixed_model_uri=args.model_uri or environment().churn_model_uri,
        poll_seconds=args.poll_seconds,
        prediction_log=None if args.no_log else predictions_dir(),
        log_keep_days=args.log_keep_days,
        monitoring_verdict=monitoring_dir() / LATEST_VERDICT,
    )
    print(f"churn service on http://{args.host}:{args.port} (docs: /docs)", flush=True)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,  # one log line per request costs more than the prediction
        log_level="warning",
    )
    return 0


def _send(args: argparse.Namespace) -> int:
    from churn.traffic import read_customers, send

    customers = read_customers(args.csv)
    served, started = send(args.url, customers)
    versions = ", ".join(f"{count} by v{version}" for version, count in sorted(served.items()))
    print(f"{len(customers)} customers scored ({versions}); the window began at")
    print(f"  --since {started.isoformat()}")
    return 0


def _storage(args: argparse.Namespace) -> int:
    from churn.dvc_tools import configure_storage
    from churn.paths import PROJECT_DIR

    config = configure_storage(args.project or PROJECT_DIR)
    print(f"DVC storage configured in {config}")
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.monitor import monitor_window

    params = load_params(args.params)
    try:
        verdict = monitor_window(
            args.window, args.since, args.until, params.monitor, args.labels,
            params.registry.model_name,
        )  # fmt: skip
    except ValueError as nothing:
        print(f"churn monitor: {nothing}", file=sys.stderr)
        return 1
    print(f"window {verdict.window}: {verdict.rows} predictions by version {verdict.model_version}")
    print(f"drifted columns: {', '.join(verdict.drifted_columns) or 'none'}")
    for problem in verdict.problems:
        print(f"PROBLEM {problem}")
    if verdict.accuracy is not None:
        print(f"accuracy on {verdict.labelled_rows} labelled rows: {verdict.accuracy:.3f}")
    for alert in verdict.alerts:
        print(f"ALERT {alert}")
    print(f"report: {verdict.report}")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    from churn import paths
    from churn.config import load_params
    from churn.contracts import MonitoringVerdict
    from churn.retrain import judge_window, record_retrain, retrain

    params_path = args.params.resolve()
    project = (args.project or params_path.parent).resolve()
    if params_path != project / "params.yaml":
        print(
            f"churn retrain: --params {args.params} is not the params.yaml of --project "
            f"{project}: retraining edits the project's own params.yaml, the one DVC reads",
            file=sys.stderr,
        )
        return 2
    policy = load_params(params_path).retrain
    state_file = paths.retraining_state_file()
    window = None
    if not args.force:
        verdict = MonitoringVerdict.read(
            args.verdict or paths.monitoring_dir() / paths.LATEST_VERDICT
        )
        trigger = judge_window(verdict, policy, state_file)
        print(f"policy on window {verdict.window}: {trigger.reason}")
        if trigger.escalate:
            print("ALERT retraining stopped: a person must look (then churn retrain --force)")
            return 1
        if not trigger.retrain:
            return 0
        window = verdict.window
    result = retrain(project, args.month, args.scenario)
    state = record_retrain(state_file, window, result)
    print(f"month {result.month}: {result.reason}")
    if state.failed_gates_in_a_row:
        print(f"failed gates in a row: {state.failed_gates_in_a_row} of {policy.max_failed_gates}")
    return 0 if result.pipeline_passed else 1


def _story(args: argparse.Namespace) -> int:
    from churn.story import run_story

    return run_story(args.project, args.scenario, args.months, args.rows)


def _utc_time(text: str) -> datetime:
    from datetime import UTC

    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(main())
