"""``python -m mlops_course.site``: execute the notebooks and build the course site."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mlops_course.site.build import build_site
from mlops_course.site.execute import execute_notebooks
from mlops_course.workspace import COURSE_ROOT


def main(argv: list[str] | None = None) -> int:
    """Build the site (notebooks executed unless ``--no-execute``) and print where it is."""
    parser = argparse.ArgumentParser(prog="python -m mlops_course.site", description=__doc__)
    parser.add_argument("--build", type=Path, default=COURSE_ROOT / "build", help="scratch folder")
    parser.add_argument(
        "--no-execute", action="store_true", help="show the committed notebooks, without outputs"
    )
    parser.add_argument(
        "--full-size",
        action="store_true",
        help="run the notebooks at the learner's full size (default: the tests' fast setting)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    executed = {}
    try:
        if not args.no_execute:
            notebooks = sorted(COURSE_ROOT.glob("lessons/[0-9][0-9]-*/lesson.ipynb"))
            runs = execute_notebooks(
                notebooks,
                args.build / "notebooks",
                args.build / "workspace",
                fast=not args.full_size,
            )
            for lesson, path, seconds in runs:
                print(f"  notebook {lesson} executed in {seconds:5.1f} s", flush=True)
                executed[lesson] = path
        site = build_site(args.build, executed)
    except RuntimeError as error:
        print(f"make site: {error}", file=sys.stderr)
        return 1
    print(
        f"site: {site.pages} pages ({len(site.lessons)} lessons, {len(executed)} notebooks "
        f"executed) in {time.monotonic() - started:.0f} s (MkDocs and link check "
        f"{site.seconds:.0f} s)\nopen {site.site / 'index.html'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
