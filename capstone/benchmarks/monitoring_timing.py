"""Benchmark: monitoring one month of 50,000 logged predictions, after the imports.

Builds a 4,000-row training reference and a 50,000-row month under
``price_increase``, then times ``monitor`` (Evidently drift on every column,
the label join, the HTML report and the JSON verdicts) three times.
Usage: python capstone/benchmarks/monitoring_timing.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Print the import time and each monitoring run's time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the monitored month")
    args = parser.parse_args()
    started = time.perf_counter()
    import evidently  # noqa: F401 - imported here to time it apart from the monitoring

    from churn.config import load_params
    from churn.featurize import clean_total_charges, split
    from churn.monitor import FEATURES, monitor
    from churn.paths import PROJECT_DIR
    from churn.train import train_model
    from mlops_course import data

    print(f"imports: {time.perf_counter() - started:.1f} s")
    params = load_params(PROJECT_DIR / "params.yaml")
    train, _ = split(clean_total_charges(data.generate(0, 5000, 7)), 0.2, 42)
    model = train_model(train, params.train)
    month = clean_total_charges(data.generate(3, args.rows, 107, "price_increase"))
    logged = month.drop(columns=["Churn"]).assign(
        churn_probability=model.predict_proba(month[FEATURES])[:, 1], model_version="1"
    )
    labels = month[["customerID", "Churn"]]
    with tempfile.TemporaryDirectory(prefix="churn-monitor-") as scratch:
        for attempt in range(1, 4):
            begin = time.perf_counter()
            verdict = monitor(
                logged, train, params.monitor, f"run-{attempt}", Path(scratch), labels, 0.9
            )
            seconds = time.perf_counter() - begin
            print(
                f"run {attempt}: {args.rows} rows monitored in {seconds:.2f} s "
                f"(drifted: {', '.join(verdict.drifted_columns) or 'none'}; "
                f"accuracy {verdict.accuracy:.3f})"
            )


if __name__ == "__main__":
    main()
