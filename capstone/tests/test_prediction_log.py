"""The prediction log: whole files per hour (or size), old days deleted, readers never trip.

No service here: the log is fed rows directly and its clock is moved by hand.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from churn.serve.prediction_log import PredictionLog, prune, read_predictions

START = datetime(2026, 3, 1, 10, 58, tzinfo=UTC)


class Clock:
    """A UTC clock the test moves forward."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _rows(first: int, count: int) -> tuple[list[dict], list[float]]:
    rows = [
        {"customerID": f"C-{i:05d}", "request_id": f"r{i}", "tenure": i % 72}
        for i in range(first, first + count)
    ]
    return rows, [0.25] * count


def _wait_written(log: PredictionLog, last_id: str) -> None:
    """Wait until the row with customer id ``last_id`` is in the log's files."""
    deadline = time.monotonic() + 10
    while True:
        logged = read_predictions(log.folder)
        if not logged.empty and last_id in set(logged["customerID"]):
            return
        assert time.monotonic() < deadline, f"the log did not write {last_id} within 10 s"
        time.sleep(0.02)


def _files(folder) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.glob("*/*.jsonl"))


def test_many_flushes_append_to_one_file(tmp_path):
    log = PredictionLog(tmp_path, flush_seconds=0.01, clock=Clock(START))
    log.start()
    for batch in range(20):
        log.add("churn", "1", *_rows(batch * 5, 5))
        time.sleep(0.02)  # each batch is its own flush
    log.close()
    assert len(_files(tmp_path)) == 1, _files(tmp_path)
    logged = read_predictions(tmp_path)
    assert list(logged["customerID"]) == [f"C-{i:05d}" for i in range(100)]


def test_a_new_file_starts_each_hour_and_when_one_is_full(tmp_path):
    clock = Clock(START)
    log = PredictionLog(tmp_path, flush_seconds=0.01, max_file_bytes=2000, clock=clock)
    log.start()
    log.add("churn", "1", *_rows(0, 5))
    _wait_written(log, "C-00004")
    clock.now = START + timedelta(minutes=3)  # 11:01, the next hour
    log.add("churn", "1", *_rows(5, 5))
    _wait_written(log, "C-00009")
    for first in range(10, 40, 5):  # 30 more rows, about 180 bytes each: past 2,000 bytes
        log.add("churn", "1", *_rows(first, 5))
        _wait_written(log, f"C-{first + 4:05d}")
    log.close()
    files = _files(tmp_path)
    assert files[0].startswith("2026-03-01/105800-") and files[1].startswith("2026-03-01/110100-")
    assert len(files) >= 4, files
    sizes = [(tmp_path / name).stat().st_size for name in files]
    assert max(sizes) <= 2000, sizes
    assert len(read_predictions(tmp_path)) == 40


def test_days_older_than_the_retention_are_deleted(tmp_path):
    clock = Clock(START)
    log = PredictionLog(tmp_path, flush_seconds=0.01, keep_days=2, clock=clock)
    log.start()
    for day in range(5):
        clock.now = START + timedelta(days=day)
        log.add("churn", "1", *_rows(day * 10, 10))
        _wait_written(log, f"C-{day * 10 + 9:05d}")
    log.close()
    days = sorted(path.name for path in tmp_path.iterdir())
    assert days == ["2026-03-03", "2026-03-04", "2026-03-05"], days


def test_prune_deletes_only_old_day_folders(tmp_path):
    for name in ("2026-02-27", "2026-02-28", "2026-03-01", "notes", "2026-13-01"):
        (tmp_path / name).mkdir()
    deleted = prune(tmp_path, keep_days=1, today=START.date())
    assert deleted == ["2026-02-27"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "2026-02-28",
        "2026-03-01",
        "2026-13-01",
        "notes",
    ]
    assert prune(tmp_path, keep_days=None, today=START.date()) == []


def test_a_reader_ignores_the_line_being_written(tmp_path):
    day = tmp_path / "2026-03-01"
    day.mkdir()
    line = (
        '{"logged_at": "2026-03-01T10:00:00+00:00", "customerID": "C-1", "churn_probability": 0.5}'
    )
    (day / "100000-1-000001.jsonl").write_text(line + "\n" + line[:40])
    logged = read_predictions(tmp_path)
    assert list(logged["customerID"]) == ["C-1"]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [(None, None, 3), (START + timedelta(days=1), None, 2), (None, START + timedelta(days=1), 1)],
)
def test_a_window_reads_only_its_days(tmp_path, since, until, expected):
    for day in range(3):
        moment = START + timedelta(days=day)
        folder = tmp_path / moment.strftime("%Y-%m-%d")
        folder.mkdir()
        record = f'{{"logged_at": "{moment.isoformat()}", "customerID": "C-{day}"}}\n'
        (folder / "105800-1-000001.jsonl").write_text(record)
    assert len(read_predictions(tmp_path, since, until)) == expected
