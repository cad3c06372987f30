"""Where a drift threshold of 0.1 sits: the month-to-month noise against the price rise.

For seeds 0-9 of the course's data world, each production month is compared
with month 0 of the same seed and size, column by column: the normed
Wasserstein distance (the Wasserstein distance over the reference's standard
deviation) for tenure, MonthlyCharges and TotalCharges, the Jensen-Shannon
distance between category shares for every other column. These are the
distances lesson 10 names in Evidently; the lesson's grading tests show that
SciPy's computation matches Evidently's to about 1e-15, and SciPy takes
seconds where a hundred Evidently reports take minutes.

Prints the tables lesson 10's README quotes. Its output is committed beside it
as thresholds.txt:

    python lessons/10-monitoring-and-drift/benchmarks/thresholds.py > \\
        lessons/10-monitoring-and-drift/benchmarks/thresholds.txt
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from mlops_course import data

NUMERIC = ("tenure", "MonthlyCharges", "TotalCharges")
FEATURES = [c for c in data.COLUMNS if c not in (data.ID_COLUMN, data.LABEL_COLUMN)]


def numbers(table: pd.DataFrame) -> pd.DataFrame:
    """TotalCharges as numbers: the billing export's blank (a new customer) is 0.0."""
    text = table["TotalCharges"].astype(str).str.strip()
    return table.assign(TotalCharges=pd.to_numeric(text.where(text != "", "0")))


def score(reference: pd.Series, current: pd.Series, numeric: bool) -> float:
    """The lesson's distance between two samples of one column."""
    if numeric:
        spread = max(float(np.std(reference)), 0.001)
        return float(stats.wasserstein_distance(reference, current) / spread)
    keys = sorted(set(reference) | set(current), key=str)
    shares = [
        s.value_counts(normalize=True).reindex(keys, fill_value=0) for s in (reference, current)
    ]
    return float(distance.jensenshannon(shares[0].to_numpy(), shares[1].to_numpy()))


def scores(seed: int, month: int, scenario: str, rows: int) -> dict[str, float]:
    """Every input column's distance between month 0 and ``month``, same seed and size."""
    reference = numbers(data.generate(0, rows, seed))
    current = numbers(data.generate(month, rows, seed, scenario))
    return {c: score(reference[c], current[c], c in NUMERIC) for c in FEATURES}


def main() -> None:
    """Print the noise of quiet months and the size of the price rise, for three batch sizes."""
    print("Normed Wasserstein of MonthlyCharges, reference = month 0 of the same seed.\n")
    print("seeds 0-4, 2,000 customers a month        lowest  highest")
    five = range(5)
    quiet = [scores(s, m, "none", 2000) for s in five for m in range(1, 7)]
    rows = [("none, months 1-6", [q["MonthlyCharges"] for q in quiet])]
    for month in (1, 2, 3):
        rise = [scores(s, month, "price_increase", 2000) for s in five]
        rows.append(
            (f"price_increase, month {month} (+{3 * month} %)", [r["MonthlyCharges"] for r in rise])
        )
        if month == 3:
            total = [r["TotalCharges"] for r in rise]
    for label, values in rows:
        print(f"{label:40} {min(values):7.3f} {max(values):8.3f}")
    print(f"{'TotalCharges, price_increase month 3':40} {min(total):7.3f} {max(total):8.3f}")
    print("\nHighest distance of ANY input column in a month without drift (none, months 1-6):")
    for seeds, rows_a_month in (
        (range(5), 2000),
        (range(10), 2000),
        (range(5), 5000),
        (range(5), 1000),
    ):
        highest = max(
            max(scores(s, m, "none", rows_a_month).values()) for s in seeds for m in range(1, 7)
        )
        which = f"seeds {seeds.start}-{seeds.stop - 1}, {rows_a_month:,} customers a month"
        print(f"  {which}: {highest:.3f}")


if __name__ == "__main__":
    main()
