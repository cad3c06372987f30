"""Process groups and memory limits: what the course starts, it can stop and cap."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from mlops_course.processes import kill_group, limit_memory, stop_group


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start(code: str) -> subprocess.Popen[bytes]:
    """Python running ``code`` in its own session; it prints one line once it is set up."""
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
    return process


def test_stopping_a_group_stops_what_its_leader_started():
    leader = _start(
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        "print('ready', flush=True); time.sleep(300)\n"
    )
    assert stop_group(leader.pid, grace=10, child=leader) is True
    assert leader.returncode is not None
    deadline = time.monotonic() + 10  # the grandchild is reaped by init, not by us
    while _group_alive(leader.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _group_alive(leader.pid), "the leader's own child outlived the stop"


def test_a_group_that_ignores_sigterm_is_killed_after_the_grace():
    stubborn = _start(
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True); time.sleep(300)\n"
    )
    started = time.monotonic()
    assert stop_group(stubborn.pid, grace=0.5, child=stubborn) is True
    assert stubborn.returncode == -9 and time.monotonic() - started < 5


def test_a_group_that_is_gone_is_reported_as_gone():
    quick = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    quick.wait()
    assert stop_group(quick.pid, grace=1, child=quick) is False
    kill_group(quick.pid)  # nothing to kill: no error either


def test_a_memory_limit_stops_an_allocation_past_it():
    code = "import sys; block = bytearray(int(sys.argv[1]) * 2**20); print('allocated')"

    def run(megabytes: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, str(megabytes)],
            capture_output=True,
            text=True,
            preexec_fn=lambda: limit_memory(300),
        )

    assert run(20).stdout.strip() == "allocated"
    refused = run(600)
    assert refused.returncode != 0 and "MemoryError" in refused.stderr
