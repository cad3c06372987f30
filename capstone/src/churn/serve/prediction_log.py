"""The prediction log: every answer the service gave, for monitoring to read later.

Writing a file per request would put disk I/O on the request path. Instead the
service hands scored rows to a queue (microseconds) and a background thread
appends them in chunks, about once a second, to a JSON-lines file under
``<state>/predictions/<date>/``. Each line holds the request id, the time, the
model version, every input and the churn probability. Lesson 10's monitor and
``churn monitor`` read these files back with ``read_predictions``.

A file is closed and the next one started when the UTC hour changes or the
file reaches ``max_file_bytes``: a day of traffic is a few dozen files, not
one per second. Day folders older than ``keep_days`` are deleted, so the log
cannot fill the disk. A reader may catch a file while a chunk is being
appended: it ignores the unfinished last line, which the next read will see.
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pandas as pd

log = logging.getLogger(__name__)

DAY_FORMAT = "%Y-%m-%d"
_STOP = object()


class PredictionLog:
    """Appends logged predictions to hourly JSON-lines files from a background thread.

    Args:
        folder: the log's root folder.
        flush_seconds: the longest a prediction waits in memory.
        max_records: write early when this many rows are waiting.
        max_file_bytes: start a new file once the current one is this large.
        keep_days: delete day folders older than this many days; ``None`` keeps all.
        clock: the current UTC time (tests pass their own to make the hours pass).
    """

    def __init__(
        self,
        folder: Path,
        flush_seconds: float = 1.0,
        max_records: int = 5000,
        max_file_bytes: int = 64 * 2**20,
        keep_days: int | None = 30,
        clock: Callable[[], datetime] | None = None,
    ):
        self.folder = Path(folder)
        self.flush_seconds = flush_seconds
        self.max_records = max_records
        self.max_file_bytes = max_file_bytes
        self.keep_days = keep_days
        self.clock = clock or (lambda: datetime.now(UTC))
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._file: IO[str] | None = None
        self._file_hour: datetime | None = None
        self._file_bytes = 0
        self._files = 0

    def start(self) -> None:
        """Delete expired days, then start the writer thread."""
        prune(self.folder, self.keep_days, self.clock().date())
        self._thread.start()

    def add(
        self, model_name: str, model_version: str, rows: list[dict[str, Any]], scores: list[float]
    ) -> None:
        """Queue scored rows (each with its ``request_id``); returns at once."""
        self._queue.put((time.time(), model_name, model_version, rows, scores))

    def close(self, timeout: float = 10.0) -> None:
        """Write everything still queued, close the file and stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        waiting: list[Any] = []
        rows_waiting = 0
        deadline = time.monotonic() + self.flush_seconds
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                self._write(waiting)
                self._close_file()
                return
            if item is not None:
                waiting.append(item)
                rows_waiting += len(item[3])
            if time.monotonic() >= deadline or rows_waiting >= self.max_records:
                self._write(waiting)
                waiting, rows_waiting = [], 0
                deadline = time.monotonic() + self.flush_seconds

    def _write(self, items: list[Any]) -> None:
        if not items:
            return
        lines = []
        for at, model_name, version, rows, scores in items:
            logged_at = datetime.fromtimestamp(at, UTC).isoformat()
            for row, score in zip(rows, scores, strict=True):
                record = {"logged_at": logged_at, "model_name": model_name}
                record.update(model_version=version, **row, churn_probability=score)
                lines.append(json.dumps(record) + "\n")
        chunk = "".join(lines)
        try:
            # One write of whole lines: a reader sees complete lines, plus at most one partial.
            file = self._file_for(self.clock(), len(chunk))
            file.write(chunk)  # json.dumps escapes to ASCII: characters are bytes
            file.flush()
            self._file_bytes += len(chunk)
        except OSError as error:
            log.error("could not write %d logged predictions: %s", len(lines), error)
            self._close_file()

    def _file_for(self, now: datetime, incoming: int) -> IO[str]:
        """The file to append to: a new one in a new hour, or when this one is full."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        if (
            self._file is None
            or hour != self._file_hour
            or self._file_bytes + incoming > self.max_file_bytes
        ):
            self._close_file()
            if hour.date() != (self._file_hour or hour).date():
                prune(self.folder, self.keep_days, hour.date())
            folder = self.folder / now.strftime(DAY_FORMAT)
            folder.mkdir(parents=True, exist_ok=True)
            self._files += 1
            name = f"{now.strftime('%H%M%S')}-{os.getpid()}-{self._files:06d}.jsonl"
            self._file = open(folder / name, "a", encoding="utf-8")  # open until the next roll
            self._file_hour = hour
            self._file_bytes = 0
        return self._file

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def prune(folder: Path, keep_days: int | None, today: date) -> list[str]:
    """Delete the day folders older than ``keep_days`` before ``today``; return their names.

    Only folders named like a date are touched; ``None`` keeps everything.
    """
    if keep_days is None or not folder.is_dir():
        return []
    oldest_kept = today - timedelta(days=keep_days)
    deleted = []
    for day in sorted(folder.iterdir()):
        day_date = _day_of(day)
        if day_date is not None and day_date < oldest_kept:
            shutil.rmtree(day, ignore_errors=True)
            deleted.append(day.name)
    if deleted:
        log.info("prediction log: deleted %d day(s) older than %d days", len(deleted), keep_days)
    return deleted


def read_predictions(
    folder: Path, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Read logged predictions into one table, optionally only those in ``[since, until)``.

    Returns an empty table when nothing was logged.
    """
    texts = []
    for day in sorted(Path(folder).glob("*")):
        day_date = _day_of(day)
        if day_date is None or (since is not None and day_date < _utc_day(since)):
            continue
        if until is not None and day_date > _utc_day(until):
            continue
        for path in sorted(day.glob("*.jsonl")):
            text = path.read_text(encoding="utf-8")
            complete = text[: text.rfind("\n") + 1]  # a chunk may be half-written right now
            if complete:
                texts.append(complete)
    if not texts:
        return pd.DataFrame()
    text_columns = {"customerID": str, "request_id": str, "model_version": str}
    table = pd.read_json(io.StringIO("".join(texts)), lines=True, dtype=text_columns)
    logged_at = pd.to_datetime(table["logged_at"], utc=True, format="ISO8601")
    keep = pd.Series(True, index=table.index)
    if since is not None:
        keep &= logged_at >= pd.Timestamp(since)
    if until is not None:
        keep &= logged_at < pd.Timestamp(until)
    return table[keep].reset_index(drop=True)


def _day_of(path: Path) -> date | None:
    """The date a day folder stands for, or None for anything else."""
    if not path.is_dir():
        return None
    try:
        return datetime.strptime(path.name, DAY_FORMAT).date()
    except ValueError:
        return None


def _utc_day(moment: datetime) -> date:
    """The UTC date of a moment (a naive one is taken as UTC already)."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
