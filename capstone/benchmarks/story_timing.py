"""Benchmark: the whole capstone story (`make capstone`) from an empty state folder.

Runs ``churn story`` in a fresh, throwaway state folder (new MLflow store, DVC
cache and remote, nothing reused), prints its output's step headers with the
time each was reached, and the total.
Usage: python capstone/benchmarks/story_timing.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Run the story once and print when each step started and the total time."""
    with tempfile.TemporaryDirectory(prefix="churn-story-") as scratch:
        env = {**os.environ, "CHURN_STATE_DIR": scratch}
        env.pop("MLFLOW_TRACKING_URI", None)
        churn = Path(sys.executable).parent / "churn"
        started = time.perf_counter()
        with subprocess.Popen(
            [str(churn), "story"], env=env, stdout=subprocess.PIPE, text=True
        ) as story:
            for line in story.stdout:
                if line.startswith("==") or line.strip().startswith(("month ", "Done")):
                    print(f"{time.perf_counter() - started:6.1f} s  {line.rstrip()}", flush=True)
        print(f"exit code {story.returncode}; total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
