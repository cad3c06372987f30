"""What the grading sandbox costs, in figures (issue 11's budgets).

    .venv/bin/python benchmarks/grading.py           # per pair: ~1 minute
    .venv/bin/python benchmarks/grading.py --class   # and the class of five, both ways: minutes

Prints, as medians and 90th percentiles over repeated runs:

- a bare bubblewrap start of Python, the reference the issue gives, beside plain Python;
- per (learner, lesson) pair, through a warm sandboxed server: the sandbox's own work
  (from the fork returning in the pair to the pair ready to run pytest, plus reading its
  report) and the fork of the warm server (the unsandboxed server forks too);
- the round trip of an empty pair (set up, then exit at once) as the grader sees it,
  through the sandboxed and the unsandboxed warm server: their difference is everything
  the sandbox costs a pair, namespaces torn down and control groups included;
- lesson 01's reference graded in full, sandboxed and not;
- with ``--class``: the class of five (complete, starters, endless loop, ``os._exit``,
  nothing) over all eleven lessons with ``--no-sandbox`` (grading as before the sandbox)
  and with the sandbox.

Timings on a shared machine are noisy: compare figures from the same run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mlops_course.grading import gradebook
from mlops_course.grading.classroom import make_class
from mlops_course.grading.runner import collect_points, grading_environment, run_lesson
from mlops_course.grading.sandbox import Sandbox
from mlops_course.grading.warm import run_pytest, stop_servers
from mlops_course.workspace import COURSE_ROOT

WARM_UP = 3


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="repetitions per figure")
    parser.add_argument("--class", dest="whole_class", action="store_true", help="time the class")
    args = parser.parse_args()
    bwrap = shutil.which("bwrap") or "bwrap"
    python = [sys.executable, "-c", "pass"]
    started_bare = [
        bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
        "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *python,
    ]  # fmt: skip
    show("python -c pass", times(lambda: _run(python), args.runs))
    show("bare bwrap start of python (the reference)", times(lambda: _run(started_bare), args.runs))
    sandbox = Sandbox(timeout=120, memory_mb=2048)
    try:
        answers = [sandbox.run({}, None)[0] for _ in range(args.runs + WARM_UP)][WARM_UP:]
        work = [a["setup_ms"] + a["teardown_ms"] for a in answers if a]
        show("sandbox work per pair (setup in the pair + report read)", work)
        show(
            "fork of the warm server per pair (unsandboxed too)",
            [a["fork_ms"] for a in answers if a],
        )
        sandboxed = times(lambda: sandbox.run({}, None), args.runs)
        show("empty pair, round trip, sandboxed server", sandboxed)
        with tempfile.TemporaryDirectory(prefix="course-benchmark-") as scratch:
            env, log = grading_environment(scratch), Path(scratch) / "output.log"
            plain = times(lambda: run_pytest(None, env, COURSE_ROOT, log, 30, None), args.runs)
        show("empty pair, round trip, unsandboxed server", plain)
        cost = [a - b for a, b in zip(sorted(sandboxed), sorted(plain), strict=True)]
        show("the sandbox's cost per pair (quantile by quantile)", cost)
        lesson_01(sandbox, max(3, args.runs // 5))
    finally:
        stop_servers()
        sandbox.close()
    if args.whole_class:
        whole_class()


def lesson_01(sandbox: Sandbox, runs: int) -> None:
    """Lesson 01's reference graded in full, in the sandbox and in the unsandboxed warm server."""
    solutions = COURSE_ROOT / "solutions"
    collected = collect_points(["01"])["01"]
    show("lesson 01 in full, sandboxed", times(
        lambda: sandbox.grade(solutions, "01", collected), runs, unit=1.0), unit="s")  # fmt: skip
    show("lesson 01 in full, no sandbox", times(
        lambda: run_lesson("01", solutions, warm=True), runs, unit=1.0), unit="s")  # fmt: skip


def whole_class() -> None:
    """The class of five over every lesson, before (no sandbox) and after (sandbox)."""
    with tempfile.TemporaryDirectory(prefix="course-benchmark-") as scratch:
        room = make_class(Path(scratch) / "class")
        for label, sandboxed in (("before: --no-sandbox", False), ("after: sandboxed", True)):
            started = time.monotonic()
            gradebook.grade_class(room, Path(scratch) / label, timeout=90, sandbox=sandboxed)
            took = time.monotonic() - started
            print(f"class of five, 11 lessons, {label}: {took:.1f} s")


def times(action: Callable[[], object], runs: int, unit: float = 1000.0) -> list[float]:
    """How long ``action`` takes, ``runs`` times after a warm-up (ms, or s with unit=1)."""
    for _ in range(WARM_UP if unit == 1000.0 else 1):
        action()
    measured = []
    for _ in range(runs):
        started = time.monotonic()
        action()
        measured.append((time.monotonic() - started) * unit)
    return measured


def show(label: str, values: list[float], unit: str = "ms") -> None:
    """One line: the median and 90th percentile of ``values``."""
    p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
    print(f"{label:58s} median {statistics.median(values):8.1f} {unit}   p90 {p90:8.1f} {unit}")


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
