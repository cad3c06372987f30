"""Benchmark: how far drift scores move in months with no drift, by window size.

The monitor compares a window of traffic with the champion's training data (the
4,000-row training split of month 0) and calls a column drifted at a distance
of 0.1, lesson 10's threshold. That only works if quiet months stay below it,
and a distance's noise grows as the window shrinks. For windows of 500, 800 and
1,000 customers this prints the highest distance of any column over five seeds
and six months of the ``none`` scenario, and how far ``MonthlyCharges`` moves in
the first three months of a 3 %-a-month price increase. ``params.yaml`` quotes
the result (``monitor.min_rows``, ``monitor.numeric_threshold``); its output is
committed beside it as ``drift_noise.txt``.
Usage: python capstone/benchmarks/drift_noise.py > capstone/benchmarks/drift_noise.txt
"""

from __future__ import annotations

import warnings

SEEDS = range(5)
QUIET_MONTHS = range(1, 7)
SIZES = (500, 800, 1000)


def main() -> None:
    """Print the quiet months' highest distance and the price increase's, per window size."""
    warnings.simplefilter("ignore")  # Evidently's import chain warns about its dependencies
    from churn.config import load_params
    from churn.featurize import clean_total_charges, split
    from churn.monitor import column_drift
    from churn.paths import PROJECT_DIR
    from mlops_course import data

    params = load_params(PROJECT_DIR / "params.yaml")
    monitor = params.monitor.model_copy(update={"min_rows": 1})  # judge every size here
    split_args = (params.featurize.test_share, params.featurize.split_seed)
    references = {
        seed: split(clean_total_charges(data.generate(0, 5000, seed)), *split_args)[0]
        for seed in SEEDS
    }

    def scores(month: int, rows: int, seed: int, scenario: str) -> dict[str, float]:
        window = clean_total_charges(data.generate(month, rows, seed + 100, scenario))
        columns, _, _ = column_drift(references[seed], window, monitor)
        return {name: drift.score for name, drift in columns.items() if drift.score is not None}

    print("Reference: the 4,000-row training split of month 0 (seeds 0-4); windows drawn")
    print("with seed + 100, as the story's traffic. Threshold: 0.1 (lesson 10).\n")
    print(
        f"{'rows':>6}  {'quiet months: highest':>22}  {'(column, seed, month)':<32}"
        f"{'price rise, MonthlyCharges: month 1':>36}  {'month 2':>11}  {'month 3':>11}"
    )
    for rows in SIZES:
        quiet = [
            (score, name, seed, month)
            for seed in SEEDS
            for month in QUIET_MONTHS
            for name, score in scores(month, rows, seed, "none").items()
        ]
        top = max(quiet)
        rise = {
            month: [scores(month, rows, seed, "price_increase")["MonthlyCharges"] for seed in SEEDS]
            for month in (1, 2, 3)
        }
        spans = [f"{min(rise[m]):.3f}-{max(rise[m]):.3f}" for m in (1, 2, 3)]
        where = f"({top[1]}, seed {top[2]}, month {top[3]})"
        print(
            f"{rows:>6}  {top[0]:>22.3f}  {where:<32}{spans[0]:>36}  {spans[1]:>11}  {spans[2]:>11}"
        )


if __name__ == "__main__":
    main()
