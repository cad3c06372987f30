"""Benchmark: what one training run with MLflow logging costs, and log_model alone.

Uses a throwaway state folder (its own SQLite store), so the real store is untouched.
Usage: python capstone/benchmarks/tracking_timing.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Print the import, migration, training-run and log_model timings."""
    with tempfile.TemporaryDirectory(prefix="churn-track-") as scratch:
        os.environ["CHURN_STATE_DIR"] = scratch
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        started = time.perf_counter()
        from churn import tracking

        tracking.use_experiment()  # imports MLflow, creates and migrates the store
        import mlflow
        import mlflow.sklearn

        connected = time.perf_counter() - started

        from churn.config import load_params
        from churn.featurize import clean_total_charges, features_and_target, split
        from churn.paths import PROJECT_DIR
        from churn.train import train_file
        from churn.validate import read_batch

        sample = Path(__file__).parents[1] / "tests" / "data" / "sample_customers.csv"
        train, _ = split(clean_total_charges(read_batch(sample)), 0.2, 0)
        train_path = Path(scratch) / "train.csv"
        train.to_csv(train_path, index=False)
        params = load_params(PROJECT_DIR / "params.yaml").train

        timings = []
        for _ in range(3):
            begin = time.perf_counter()
            run = train_file(
                train_path,
                Path(scratch) / "m.joblib",
                Path(scratch) / "run.json",
                params,
                PROJECT_DIR,
            )
            timings.append(time.perf_counter() - begin)

        from churn.train import train_model

        model = train_model(train, params)
        features, _ = features_and_target(train)
        with mlflow.start_run():
            begin = time.perf_counter()
            mlflow.sklearn.log_model(
                model,
                name="model",
                input_example=features.head(3),
                pip_requirements=["scikit-learn", "skops"],
            )
            log_model = time.perf_counter() - begin

    print(f"import mlflow + migrate a new store:  {connected:5.1f} s")
    print(f"training run with logging, 1st:      {timings[0]:5.1f} s  (lazy imports included)")
    print(f"training run with logging, 2nd/3rd:  {timings[1]:5.1f} s / {timings[2]:.1f} s")
    print(f"log_model alone (warm):              {log_model:5.2f} s")
    print(f"last run: {run.run_id}")


if __name__ == "__main__":
    main()
