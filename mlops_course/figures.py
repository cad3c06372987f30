"""Record the figures a lesson's README quotes, by running its notebook at full size.

A notebook that measures something (a latency, a drift score, a loop's outcome)
puts each number its README quotes into ``FIGURES`` and writes them to
``<workspace>/NN/figures.json`` at the end. This command runs the notebook
from top to bottom at full size (``COURSE_FAST=0``) in a scratch workspace and
writes ``lessons/NN-*/figures.md`` beside it: every figure, the machine, the
date and how long the run took. The README then cites that file, so every
number in the text comes from a script whose output is committed.

Usage::

    python -m mlops_course.figures 08 10 11        # run, then write figures.md
    python -m mlops_course.figures --no-write 08   # only prove the full-size run passes

Exit code 1 when a notebook fails. Nothing runs at import.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from mlops_course.workspace import COURSE_ROOT, WORKSPACE_VARIABLE

CELL_TIMEOUT = 600  # seconds; a full-size load test takes a minute or two on 2 cores


def notebook_of(lesson: str) -> Path:
    """The notebook of lesson ``NN``."""
    found = sorted((COURSE_ROOT / "lessons").glob(f"{lesson}-*/lesson.ipynb"))
    if not found:
        raise SystemExit(f"no lesson {lesson}: no lessons/{lesson}-*/lesson.ipynb")
    return found[0]


def run_full_size(lesson: str, workspace: Path) -> tuple[dict[str, object], float]:
    """Run lesson ``NN``'s notebook at full size; return its figures and the seconds it took."""
    import papermill  # type: ignore[import-untyped]

    notebook = notebook_of(lesson)
    previous = {name: os.environ.get(name) for name in ("COURSE_FAST", WORKSPACE_VARIABLE)}
    os.environ.update({"COURSE_FAST": "0", WORKSPACE_VARIABLE: str(workspace)})
    started = time.monotonic()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(workspace / f"{lesson}-executed.ipynb"),
            cwd=str(notebook.parent),
            kernel_name="python3",
            execution_timeout=CELL_TIMEOUT,
            request_save_on_cell_execute=False,
            progress_bar=False,
        )
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    seconds = time.monotonic() - started
    figures_file = workspace / lesson / "figures.json"
    figures: dict[str, object] = (
        json.loads(figures_file.read_text()) if figures_file.exists() else {}
    )
    return figures, seconds


def machine() -> str:
    """A one-line description of where the figures were measured."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]  # fmt: skip
        model = names[0] if names else model
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({model}), {platform.system()}, Python {python}"


def as_markdown(lesson: str, figures: dict[str, object], seconds: float) -> str:
    """The figures.md text: where, when, how long, then one row per figure."""
    notebook = notebook_of(lesson)
    lines = [
        f"# Figures of lesson {lesson}, measured",
        "",
        f"Written by `python -m mlops_course.figures {lesson}`, which runs "
        f"`{notebook.relative_to(COURSE_ROOT)}` at full size (`COURSE_FAST=0`) and copies the "
        "numbers it records. The lesson's README quotes these. Timings depend on the machine "
        "and on what else it is doing: read them as orders of magnitude and ratios.",
        "",
        f"- measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        f"- the whole notebook at full size: {seconds:.0f} s",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {_shown(value)} |" for name, value in figures.items()]
    return "\n".join(lines) + "\n"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    """Run each named lesson's notebook at full size; write its figures.md unless told not to."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="+", help="lesson numbers, e.g. 08 10 11")
    parser.add_argument("--no-write", action="store_true", help="run only; write no figures.md")
    args = parser.parse_args(argv)
    failed = []
    for lesson in args.lessons:
        with tempfile.TemporaryDirectory(prefix=f"figures-{lesson}-") as scratch:
            try:
                figures, seconds = run_full_size(lesson, Path(scratch))
            except Exception as error:  # noqa: BLE001 - report every lesson, then fail
                print(f"lesson {lesson}: the full-size notebook failed: {error}", flush=True)
                failed.append(lesson)
                continue
        print(f"lesson {lesson}: full size in {seconds:.0f} s, {len(figures)} figures", flush=True)
        if not args.no_write:
            target = notebook_of(lesson).parent / "figures.md"
            target.write_text(as_markdown(lesson, figures, seconds))
            print(f"  wrote {target.relative_to(COURSE_ROOT)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
