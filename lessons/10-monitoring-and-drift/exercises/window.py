"""Exercise: read one window of the service's prediction log, the monitor's input.

Lesson 08's service writes one JSON line per customer it answers, in one
folder per UTC day (the capstone's ``churn serve`` writes the same lines)::

    <folder>/2026-03-31/predictions.jsonl
    {"logged_at": "2026-03-31T09:14:02.123456+00:00", "model_name": "churn",
     "model_version": "3", "customerID": "01-00042-QWERT", ..., "churn_probability": 0.81}

A monitor looks at a *window* of that traffic: everything answered from
``since`` up to, not including, ``until`` (yesterday, last week, a month).
Half-open windows put an answer logged exactly at midnight in one day only.

One job is yours: ``read_window``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

ID_COLUMN = "customerID"
TIME_COLUMN = "logged_at"
TEXT_COLUMNS = {ID_COLUMN: str, "model_version": str}  # never numbers: "007" is not 7


def read_window(
    folder: Path, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Every logged answer with ``since <= logged_at < until``, oldest first.

    Read every ``*.jsonl`` file one level below ``folder`` (the day folders)
    as JSON lines, ``customerID`` and ``model_version`` as text (``dtype=``),
    into one table. Parse ``logged_at`` as timezone-aware times
    (``pd.to_datetime(..., utc=True, format="ISO8601")``), keep the rows
    inside the window (either bound may be None: no bound on that side), and
    sort them by ``logged_at`` (a stable sort: answers logged at the same
    instant keep their order). Return a fresh index.

    Args:
        folder: the prediction log's root folder.
        since: the window's start (included), timezone-aware, or None.
        until: the window's end (excluded), timezone-aware, or None.

    Returns:
        The window's rows, with every column the log has.

    Raises:
        ValueError: a bound without a timezone, or no answer in the window
            (nothing to monitor is worth saying loudly).
    """
    # TODO: refuse bounds without a timezone; read every day's file with the id and version kept as text, and stack them; times become timezone-aware; the start is kept, the end is not; sort without shuffling equal times; an empty window is an error that names the folder and the bounds
    raise NotImplementedError("TODO: refuse bounds without a timezone; read every day's file with the id and version kept as text, and stack them; times become timezone-aware; the start is kept, the end is not; sort without shuffling equal times; an empty window is an error that names the folder and the bounds")
