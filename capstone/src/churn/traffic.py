"""Traffic for the service: a month of customers sent as the CRM would send them.

The story uses it for each month, and ``churn send`` for a file of your own (for
example ``course data --part features``), so a month can be walked through by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from churn.featurize import clean_total_charges
from churn.schema import READ_DTYPES

BATCH = 100  # customers per /predict/batch request


def read_customers(path: Path) -> pd.DataFrame:
    """A CSV of customers as an export writes it (TotalCharges as text, blank when new)."""
    table = pd.read_csv(path, dtype=READ_DTYPES, keep_default_na=False)
    return table.drop(columns=["Churn"], errors="ignore")  # the label is not the CRM's to send


def send(url: str, customers: pd.DataFrame) -> tuple[dict[str, int], datetime]:
    """Score every customer through ``/predict/batch``.

    Returns:
        How many customers each model version answered, and when the first
        request went out (the window's start, for ``churn monitor --since``).
    """
    import httpx

    started = datetime.now(UTC)
    records = clean_total_charges(customers).to_dict(orient="records")
    served: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        for start in range(0, len(records), BATCH):
            response = client.post(
                "/predict/batch", json={"customers": records[start : start + BATCH]}
            )
            response.raise_for_status()
            for prediction in response.json()["predictions"]:
                version = str(prediction["model_version"])
                served[version] = served.get(version, 0) + 1
    return served, started
