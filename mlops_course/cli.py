"""The ``course`` command: data, workspace housekeeping, starters, checking and grading."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from mlops_course import preflight


def main(argv: list[str] | None = None) -> int:
    """Run the ``course`` command line and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        for line in preflight.run_checks(args):
            print(line, flush=True)
    except preflight.CourseError as error:
        print(f"course {args.command}: {error}", file=sys.stderr)
        return 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Tools of the MLOps workbook.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", dest="command")

    data = commands.add_parser("data", help="write one month of the churn data world as CSV")
    data.add_argument("--month", type=int, default=0, help="0 = training history, 1.. = production")
    data.add_argument("--rows", type=int, default=5000, help="customers in the month")
    data.add_argument("--seed", type=int, default=7, help="the world's seed")
    data.add_argument(
        "--scenario",
        default="none",
        help="none, price_increase, concept_shift or schema_break (months 1 and later)",
    )
    data.add_argument(
        "--part", default="full", help="full, features (no Churn) or labels (customerID, Churn)"
    )
    data.add_argument("--out", required=True, type=Path, help="the CSV file to write")
    data.set_defaults(handler=_data)

    reset = commands.add_parser("reset", help="stop a lesson's servers and empty its workspace")
    reset.add_argument("lesson", help="lesson number, e.g. 04")
    reset.set_defaults(handler=_reset)

    stop = commands.add_parser("stop", help="stop every server the lessons left running")
    stop.set_defaults(handler=_stop)

    starters = commands.add_parser("starters", help="write the learner starters from solutions/")
    starters.add_argument("lesson", nargs="?", default=None, help="one lesson, e.g. 05")
    starters.add_argument(
        "--check", action="store_true", help="only report starters that are stale (exit 1)"
    )
    starters.set_defaults(handler=_starters)

    check = commands.add_parser("check", help="grade your own exercises of one lesson")
    check.add_argument("lesson", help="lesson number, e.g. 01")
    check.add_argument("--target", default="lessons", help=argparse.SUPPRESS)
    check.set_defaults(handler=_check)

    grade = commands.add_parser("grade", help="grade a folder of learner submissions")
    grade.add_argument("submissions", type=Path, help="one folder per learner")
    grade.add_argument("--out", type=Path, required=True, help="where the gradebook goes")
    grade.add_argument("--lessons", nargs="*", help="lesson numbers (default: all)")
    grade.add_argument("--timeout", type=float, default=None, help="seconds per learner and lesson")
    grade.add_argument("--memory-mb", type=int, default=None, help="memory per learner and lesson")
    grade.add_argument("--jobs", type=int, default=2, help="grading runs at once")
    grade.add_argument(
        "--docker", action="store_true", help="also build and run lesson 09's images (Docker)"
    )
    grade.set_defaults(handler=_grade)
    return parser


def _data(args: argparse.Namespace) -> int:
    from mlops_course import data

    try:
        path = data.write_batch(
            args.out, args.month, args.rows, args.seed, args.scenario, args.part
        )
    except ValueError as error:
        print(f"course data: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from mlops_course import workspace

    folder = workspace.reset(args.lesson)
    print(f"reset {folder}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from mlops_course import servers, workspace

    stopped = servers.stop_all(workspace.root())
    print("stopped: " + ", ".join(stopped) if stopped else "no servers were running")
    return 0


def _starters(args: argparse.Namespace) -> int:
    from mlops_course import starters
    from mlops_course.workspace import COURSE_ROOT

    try:
        if args.check:
            stale = starters.stale_starters(COURSE_ROOT)
            for problem in stale:
                print(f"stale starter: {problem}")
            if stale:
                print("run 'course starters' to regenerate them")
            return 1 if stale else 0
        lesson = f"{int(args.lesson):02d}" if args.lesson else "[0-9][0-9]"
        written = starters.write_starters(COURSE_ROOT, lesson)
    except starters.MarkerError as error:
        print(f"course starters: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} starter files")
    return 0


def _check(args: argparse.Namespace) -> int:
    from mlops_course.grading.check import check_lesson

    report, complete = check_lesson(f"{int(args.lesson):02d}", args.target)
    print(report)
    return 0 if complete else 1


def _grade(args: argparse.Namespace) -> int:
    from mlops_course.grading import gradebook

    if args.docker:
        from mlops_course.grading.docker_check import DockerUnavailable, docker_ready

        try:
            docker_ready()
        except DockerUnavailable as missing:
            print(f"course grade --docker: {missing}", file=sys.stderr)
            return 2
    book = gradebook.grade_class(
        args.submissions,
        args.out,
        lessons=args.lessons,
        timeout=args.timeout or gradebook.DEFAULT_TIMEOUT,
        memory_mb=args.memory_mb or gradebook.DEFAULT_MEMORY_MB,
        jobs=args.jobs,
        docker=args.docker,
    )
    print(gradebook.summary_table(book))
    print(f"\ngradebook written to {args.out}/ (grades.csv, grades.json, feedback/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
