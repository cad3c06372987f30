"""Exercise 5: the batch job: a month's file in, scores out, no server at all.

The morning call list does not need a service: nobody waits for one customer's
answer. A batch job loads the champion once, reads the month's customers, scores
them in large chunks (a model call costs about the same for 1 row as for
1,000), writes one score per customer, and exits. It is the simplest and
fastest way to score many customers; the notebook compares it with the service.

Given below: ``BatchSummary`` and ``main`` (the command line: it resolves the
champion with exercise 3's ``Champion``, calls ``score_file`` and prints the
rows per second). One job is yours: ``score_file``.

Run it yourself, from this folder, on the registry the lesson's notebook made::

    python batch.py --tracking-uri sqlite:////abs/path/to/workspace/08/mlflow.db \\
        --input month-1.csv --output scores-month-1.csv
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

CHUNK_ROWS = 10_000  # rows per model call: large enough to pay the call's fixed cost rarely
ID_COLUMN = "customerID"
# The model's inputs, in the order of the data.
FEATURES = [
    "gender",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "tenure",
    "PhoneService",
    "MultipleLines",
    "InternetService",
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
    "Contract",
    "PaperlessBilling",
    "PaymentMethod",
    "MonthlyCharges",
    "TotalCharges",
]
OUTPUT_COLUMNS = [ID_COLUMN, "churn_probability", "churn", "model_version"]
THRESHOLD = 0.5  # the service's threshold: the same customer gets the same label both ways


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did: how many customers, how long, with which model version."""

    rows: int
    seconds: float
    version: str

    @property
    def rows_per_second(self) -> float:
        """Customers scored per second (0 when nothing was scored)."""
        return self.rows / self.seconds if self.rows and self.seconds > 0 else 0.0


def score_file(
    model: Any, version: str, source: Path, destination: Path, chunk_rows: int = CHUNK_ROWS
) -> BatchSummary:
    """Score every customer of a CSV file and write one row of scores per customer.

    ``source`` is a month as the billing export writes it (``data.write_batch``):
    ``customerID``, the 19 inputs with ``TotalCharges`` as text (a blank for a
    customer not billed yet, which is 0.0), and maybe a ``Churn`` column,
    which the model must never see.

    - Read ``customerID`` as text, and the file in chunks of at most
      ``chunk_rows`` rows (``pd.read_csv(..., chunksize=...)``): memory stays
      bounded whatever the file's size, and each chunk is ONE model call on the
      ``FEATURES`` columns, ``predict_proba(...)[:, 1]``. Never call the model
      with zero rows (scikit-learn refuses an empty table).
    - Write ``destination`` (its folder created if needed) with exactly the
      columns ``OUTPUT_COLUMNS``, one row per customer in the order of the
      file: the id, the probability, ``churn`` (probability at or above
      ``THRESHOLD``) and ``model_version``. A file with no customers gives a
      file with the header only.
    - Time the whole job with ``time.perf_counter()``.

    Args:
        model: a fitted pipeline with ``predict_proba``.
        version: the registered version of ``model``, written on every row.
        source: the month's CSV file.
        destination: where the scores go (CSV).
        chunk_rows: the most rows per model call.

    Returns:
        ``BatchSummary(rows, seconds, version)``.
    """
    # BEGIN SOLUTION hint: read the ids as text and the file chunk by chunk; turn blank TotalCharges into 0.0 before the model sees them; one model call per chunk on the inputs only; write the header even when there are no rows, and every chunk below it
    started = time.perf_counter()
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    pd.DataFrame(columns=OUTPUT_COLUMNS).to_csv(destination, index=False)
    chunks = pd.read_csv(source, dtype={ID_COLUMN: str}, chunksize=chunk_rows)
    for chunk in chunks:
        if chunk.empty:
            continue
        features = chunk[FEATURES].copy()
        text = features["TotalCharges"].astype(str).str.strip()
        features["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"))
        probabilities = model.predict_proba(features)[:, 1]
        scores = pd.DataFrame(
            {
                ID_COLUMN: chunk[ID_COLUMN].to_numpy(),
                "churn_probability": probabilities,
                "churn": probabilities >= THRESHOLD,
                "model_version": str(version),
            }
        )
        scores.to_csv(destination, mode="a", header=False, index=False)
        rows += len(chunk)
    return BatchSummary(rows=rows, seconds=time.perf_counter() - started, version=str(version))
    # END SOLUTION


def main(argv: list[str] | None = None) -> int:
    """Score a month's file with the champion; print the rows per second. Returns the exit code."""
    parser = argparse.ArgumentParser(description="Score a month's customers with the champion.")
    parser.add_argument("--tracking-uri", required=True, help="the MLflow store with the registry")
    parser.add_argument("--model", default="churn", help="the registered model")
    parser.add_argument("--alias", default="champion", help="the role to score with")
    parser.add_argument("--input", type=Path, required=True, help="the month's CSV file")
    parser.add_argument("--output", type=Path, required=True, help="where the scores go")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows per model call")
    args = parser.parse_args(argv)
    from hot_reload import Champion  # exercise 3, beside this file

    champion = Champion(args.tracking_uri, args.model, args.alias)
    champion.refresh()
    if champion.served is None:
        print(f"no model to score with: {champion.last_error}")
        return 1
    summary = score_file(
        champion.served.model, champion.served.version, args.input, args.output, args.chunk_rows
    )
    calls = math.ceil(summary.rows / args.chunk_rows)
    print(
        f"scored {summary.rows:,} customers with {args.model} version {summary.version} in "
        f"{summary.seconds:.2f} s ({calls} model calls): {summary.rows_per_second:,.0f} rows/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
