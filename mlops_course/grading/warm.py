"""Grading processes forked from a warm server: the heavy imports are paid once.

Each (learner, lesson) run still gets its own process, session, memory limit
and time limit, but it is forked from a server (``python -m
mlops_course.grading.warm``) that has already imported pandas, scikit-learn,
MLflow and pytest, instead of importing them again: seconds per run, dozens
of runs per class. The server reads one JSON job per line on stdin and answers
one JSON line on stdout: the child's exit code, or null when the time limit
killed it.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

PRELOAD = [
    "numpy",
    "pandas",
    "yaml",
    "sklearn.compose",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "mlflow",
    "mlflow.sklearn",
    "mlflow.store.tracking.sqlalchemy_store",  # SQLAlchemy and Alembic: ~1 s per MLflow test
    "skops.io",
    "fastapi",
    "fastapi.testclient",
    "evidently",
    "evidently.metrics",
    "evidently.presets",
    "pytest",
    "mlops_course.data",
    "mlops_course.grading.plugin",
]

_local = threading.local()  # one server per grading thread
_servers: list[subprocess.Popen] = []
_servers_lock = threading.Lock()


def run_pytest(
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    timeout: float | None,
    memory_mb: int | None,
) -> int | None:
    """Run ``pytest.main(args)`` in a child forked from this thread's warm server.

    Returns the exit code, or ``None`` when the time limit killed the child.
    The child's output goes to ``log_path``.
    """
    server = getattr(_local, "server", None)
    if server is None or server.poll() is not None:
        server = _local.server = _start_server(env)
    job = {
        "args": args,
        "env": env,
        "cwd": str(cwd),
        "log": str(log_path),
        "timeout": timeout,
        "memory_mb": memory_mb,
    }
    server.stdin.write(json.dumps(job) + "\n")
    server.stdin.flush()
    answer = server.stdout.readline()
    if not answer:
        raise RuntimeError("the warm grading server died")
    return json.loads(answer)["code"]


def stop_servers() -> None:
    """Stop every warm server this process started (they also stop when it exits)."""
    with _servers_lock:
        servers, _servers[:] = list(_servers), []
    for server in servers:
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()


def _start_server(env: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "mlops_course.grading.warm"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    with _servers_lock:
        _servers.append(server)
    return server


def serve() -> None:
    """The server loop: preload, then fork one limited child per job line."""
    with warnings.catch_warnings():  # import-time deprecation notices are not the learner's
        warnings.simplefilter("ignore")
        for module in PRELOAD:
            importlib.import_module(module)
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps({"code": _fork_and_wait(job)}), flush=True)


def _fork_and_wait(job: dict) -> int | None:
    pid = os.fork()
    if pid == 0:
        _child(job)
    deadline = None if job["timeout"] is None else time.monotonic() + job["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if deadline is not None and time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return None
        time.sleep(0.05)


def _child(job: dict) -> None:
    """In the forked child: own session, limits, environment and output; then pytest."""
    try:
        os.setsid()  # its own process group, so a timeout kills all it started
        if job["memory_mb"]:
            limit = job["memory_mb"] * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.stdin = open(os.devnull)
        import pytest

        code = int(pytest.main(job["args"]))
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return
        code = 3
    os._exit(code)


if __name__ == "__main__":
    serve()
