"""The ``churn`` command: one subcommand per pipeline stage, plus the end-to-end story.

Each stage's options are exactly its DVC deps and outs; its tunables come from
params.yaml. ``main(argv)`` returns an exit code, so tests call it directly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pydantic import ValidationError


def main(argv: list[str] | None = None) -> int:
    """Run the ``churn`` command line and return its exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    try:
        return args.handler(args)
    except ValidationError as error:
        print(f"churn: {args.params} is not valid:\n{error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="churn", description="The churn capstone pipeline.")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file")
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

    story = commands.add_parser("story", help="run the whole capstone end to end and report")
    story.add_argument("--project", type=Path, default=None, help="the capstone folder")
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
    train_file(args.train, args.model, args.run, load_params(args.params).train, project)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from churn.config import load_params
    from churn.evaluate import evaluate_file

    params = load_params(args.params).evaluate
    verdict = evaluate_file(args.model, args.test, args.run, args.metrics, params)
    if not verdict["gate_passed"]:
        print("quality gate FAILED: " + "; ".join(verdict["gate_reasons"]), file=sys.stderr)
        print(f"verdict: {args.metrics}", file=sys.stderr)
        return 1
    return 0


def _story(args: argparse.Namespace) -> int:
    from churn.story import run_story

    return run_story(args.project)


if __name__ == "__main__":
    sys.exit(main())
