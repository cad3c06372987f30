"""Exercise 4: the prediction log, what the service answered, for monitoring to read later.

Whether a customer really left is known weeks after the service scored them.
To measure the model then (lesson 10), the service must remember now what it
answered: which customer, with which inputs, which probability, and which
model version. Nothing else can tell later which model said what.

The format is the one lesson 10's monitor and the capstone's ``churn monitor``
read: JSON lines (one JSON object per line, one line per customer), in one
folder per UTC day::

    <folder>/2026-03-31/predictions.jsonl

    {"logged_at": "2026-03-31T09:14:02.123456+00:00", "model_name": "churn",
     "model_version": "3", "customerID": "01-00042-QWERT", "gender": "Female",
     ..., "TotalCharges": 402.6, "churn_probability": 0.8123}

Appending a few lines to a file costs microseconds, next to the milliseconds of
the model call. The service answers from several threads at once, so writes go
through one lock: two requests never interleave their lines.

One job is yours: ``log_predictions``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "predictions.jsonl"
LOG_LOCK = threading.Lock()  # one writer at a time, across the service's threads


def log_predictions(
    folder: Path,
    model_name: str,
    version: str,
    customers: Sequence[dict],
    probabilities: Sequence[float],
    at: datetime | None = None,
) -> Path:
    """Append one line per customer to the day's log file; return that file's path.

    Each line is a JSON object with, in this order: ``logged_at`` (``at`` in
    UTC, ISO 8601 with its offset, e.g. ``2026-03-31T22:30:00+00:00``),
    ``model_name``, ``model_version`` (text), every key of the customer as
    given (``customerID`` and the 19 inputs), and ``churn_probability`` (a
    plain float). The file is ``<folder>/<UTC date of at>/predictions.jsonl``:
    the folders are created if needed, and the lines are *added* to what the
    file already holds, under ``LOG_LOCK``.

    Args:
        folder: the log's root folder.
        model_name: the registered model that answered, e.g. ``churn``.
        version: the version that answered: the one that computed these
            probabilities.
        customers: the customers as the request sent them (dicts).
        probabilities: their churn probabilities, in the same order.
        at: when they were scored, timezone-aware; default now.

    Raises:
        ValueError: customers and probabilities differ in length, or ``at``
            has no timezone (a naive time cannot say which day it is in UTC).
    """
    # TODO: check the two lengths and the timezone first; the day's folder comes from the time converted to UTC; build every line first, then add them to the end of the file in one write, holding the lock
    raise NotImplementedError("TODO: check the two lengths and the timezone first; the day's folder comes from the time converted to UTC; build every line first, then add them to the end of the file in one write, holding the lock")
