"""The prediction log: every answer the service gave, for monitoring to read later.

Writing a file per request would put disk I/O on the request path. Instead the
service hands scored rows to a queue (microseconds) and a background thread
writes them in chunks, one JSON-lines file per flush, under
``<state>/predictions/<date>/``. Each line holds the request id, the time, the
model version, every input and the churn probability. Lesson 10's monitor and
``churn monitor`` read these files back with ``read_predictions``.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

_STOP = object()


class PredictionLog:
    """Writes logged predictions to JSON-lines files from a background thread.

    Args:
        folder: the log's root folder.
        flush_seconds: the longest a prediction waits in memory.
        max_records: flush early when this many are waiting.
    """

    def __init__(self, folder: Path, flush_seconds: float = 1.0, max_records: int = 5000):
        self.folder = Path(folder)
        self.flush_seconds = flush_seconds
        self.max_records = max_records
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._files = 0

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def add(self, model_name: str, model_version: str, rows: list[dict], scores: list[float]):
        """Queue scored rows (each with its ``request_id``); returns at once."""
        self._queue.put((time.time(), model_name, model_version, rows, scores))

    def close(self, timeout: float = 10.0) -> None:
        """Write everything still queued and stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        waiting: list = []
        rows_waiting = 0
        deadline = time.monotonic() + self.flush_seconds
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                self._write(waiting)
                return
            if item is not None:
                waiting.append(item)
                rows_waiting += len(item[3])
            if time.monotonic() >= deadline or rows_waiting >= self.max_records:
                self._write(waiting)
                waiting, rows_waiting = [], 0
                deadline = time.monotonic() + self.flush_seconds

    def _write(self, items: list) -> None:
        if not items:
            return
        now = datetime.now(UTC)
        folder = self.folder / now.strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        self._files += 1
        name = f"{now.strftime('%H%M%S.%f')}-{os.getpid()}-{self._files:06d}.jsonl"
        lines = []
        for at, model_name, version, rows, scores in items:
            logged_at = datetime.fromtimestamp(at, UTC).isoformat()
            for row, score in zip(rows, scores, strict=True):
                record = {"logged_at": logged_at, "model_name": model_name}
                record.update(model_version=version, **row, churn_probability=score)
                lines.append(json.dumps(record))
        try:
            # Write under a temporary name, then rename: a reader never sees half a file.
            partial = folder / f".{name}.partial"
            partial.write_text("\n".join(lines) + "\n")
            partial.rename(folder / name)
        except OSError as error:
            log.error("could not write %d logged predictions: %s", len(lines), error)


def read_predictions(
    folder: Path, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Read logged predictions into one table, optionally only those in ``[since, until)``.

    Returns an empty table when nothing was logged.
    """
    files = sorted(Path(folder).glob("*/*.jsonl"))
    if not files:
        return pd.DataFrame()
    text_columns = {"customerID": str, "request_id": str, "model_version": str}
    table = pd.concat(
        [pd.read_json(path, lines=True, dtype=text_columns) for path in files], ignore_index=True
    )
    logged_at = pd.to_datetime(table["logged_at"], utc=True, format="ISO8601")
    keep = pd.Series(True, index=table.index)
    if since is not None:
        keep &= logged_at >= pd.Timestamp(since)
    if until is not None:
        keep &= logged_at < pd.Timestamp(until)
    return table[keep].reset_index(drop=True)
