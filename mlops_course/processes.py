"""Process groups and memory limits: how the course stops what it starts, in one place.

Everything the course starts in the background (a server, a grading run) gets
its own session, so its process group holds it and whatever it starts in turn
(uvicorn's workers, a notebook's tools). Stopping the group stops them all.
Nothing here runs at import.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
from typing import Any

_GONE = (ProcessLookupError, PermissionError)


def stop_group(pid: int, grace: float = 10.0, child: subprocess.Popen[Any] | None = None) -> bool:
    """Send SIGTERM to the process group led by ``pid``; SIGKILL it after ``grace`` seconds.

    Args:
        pid: the group's leader (a process started with ``start_new_session=True``).
        grace: how long the group may take to exit on its own.
        child: the leader's ``Popen`` if this process started it: it is then waited
            for (and reaped) instead of polled.

    Returns:
        False if the group was gone already, True if it was stopped.
    """
    try:
        os.killpg(pid, signal.SIGTERM)
    except _GONE:
        if child is not None:
            child.wait()
        return False
    if not _ended(pid, grace, child):
        kill_group(pid)
        if child is not None:
            child.wait()
    return True


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` at once; nothing happens if it is gone."""
    with contextlib.suppress(*_GONE):
        os.killpg(pid, signal.SIGKILL)


def limit_memory(megabytes: int) -> None:
    """Cap this process's heap (``RLIMIT_DATA``) at ``megabytes``; its children inherit it.

    Call it in a child before it runs anything else: as ``preexec_fn`` of
    ``subprocess.Popen``, or right after ``os.fork()``. Past the cap, allocations
    fail (``MemoryError`` in Python) instead of the machine running out of memory.
    """
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _ended(pid: int, grace: float, child: subprocess.Popen[Any] | None) -> bool:
    """Wait up to ``grace`` seconds for the group to end; True if it did."""
    if child is not None:
        # Our own child stays a zombie (still in its group) until it is reaped: wait for it.
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except _GONE:
            return True
        time.sleep(0.1)
    return False
