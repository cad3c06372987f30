"""Benchmark: how long a full `dvc repro`, a no-op repro and a parameter change take.

Runs in a scratch copy of the pipeline, so the real project is untouched.
Usage: python capstone/benchmarks/pipeline_timing.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import yaml

from churn.dvc_tools import copy_project, dvc
from churn.paths import PROJECT_DIR
from churn.tracking import use_experiment


def timed_repro(project: Path) -> tuple[float, list[str]]:
    """Run `dvc repro` once; return the seconds it took and the stages that ran."""
    started = time.perf_counter()
    result = dvc(["repro"], project)
    return time.perf_counter() - started, re.findall(r"Running stage '(\w+)'", result.stdout)


def main() -> None:
    """Print the three timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000, help="customers in the batch")
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory(prefix="churn-bench-") as scratch:
        # Its own state folder: the real MLflow store and registry stay untouched.
        os.environ["CHURN_STATE_DIR"] = str(Path(scratch) / "state")
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        use_experiment()  # create and migrate the store now, outside the timings
        project = copy_project(PROJECT_DIR, Path(scratch) / "churn")
        params_path = project / "params.yaml"
        params = yaml.safe_load(params_path.read_text())
        params["ingest"]["rows"] = rows
        params_path.write_text(yaml.safe_dump(params, sort_keys=False))

        full, ran_full = timed_repro(project)
        noop, ran_noop = timed_repro(project)
        params["train"]["C"] = params["train"]["C"] / 2
        params_path.write_text(yaml.safe_dump(params, sort_keys=False))
        changed, ran_changed = timed_repro(project)

    print(f"rows per batch:            {rows}")
    print(f"full dvc repro:            {full:6.1f} s  ran {', '.join(ran_full)}")
    print(f"no-op dvc repro:           {noop:6.1f} s  ran {', '.join(ran_noop) or 'nothing'}")
    print(f"after changing train.C:   {changed:6.1f} s  ran {', '.join(ran_changed)}")


if __name__ == "__main__":
    main()
