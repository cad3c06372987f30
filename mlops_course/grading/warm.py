"""Grading processes forked from a warm server: the heavy imports are paid once.

Each (learner, lesson) run still gets its own process and limits, but it is
forked from a server (``python -m mlops_course.grading.warm``) that has
already imported pandas, scikit-learn, MLflow and pytest, instead of
importing them again: seconds per run, dozens of runs per class. The server
reads one JSON job per line on stdin and answers one JSON line on stdout.

Two kinds of server:

- **sandboxed** (``--sandboxed CONFIG``, started inside bubblewrap by
  ``sandbox``): each job runs in namespaces of its own (``namespaces``), and
  the answer carries the report. A server that dies or goes silent is
  killed and replaced; it costs the pair it was running, nothing else.
- **plain** (no argument): each job is a forked child in its own session
  with a data-size limit, writing its report where the job says. This is
  how grading worked before the sandbox, kept for ``course grade
  --no-sandbox``, for reference code the course trusts, and as the baseline
  the attack suite measures the sandbox against. It trusts what it runs.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import IO, Any, NoReturn

from mlops_course.processes import kill_group, limit_memory

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
MAX_ANSWER_BYTES = 16 * 1024 * 1024

_local = threading.local()  # each grading thread has its own servers
_servers: list[WarmServer] = []
_servers_lock = threading.Lock()


class WarmServer:
    """One running server and the pipes to it, as seen from the grader."""

    def __init__(self, command: list[str], env: dict[str, str] | None) -> None:
        self.command = command
        self.answered = 0  # a server that dies before its first answer is broken, not killed
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop() and kill()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=env,
            start_new_session=True,
        )
        self._pending = b""
        with _servers_lock:
            _servers.append(self)

    def last_error(self) -> str:
        """The last line the server wrote to stderr (why it could not start, say)."""
        self._errors.seek(0)
        lines = self._errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    def alive(self) -> bool:
        """True while the server process runs."""
        return self.process.poll() is None

    def ask(self, job: dict[str, Any], deadline: float | None) -> dict[str, Any] | None:
        """Send one job and return the answer; None (and the server killed) if none comes.

        No answer means the server died, went silent until ``deadline``
        (``time.monotonic()``; None waits for ever), or wrote something that
        is not one JSON line.
        """
        stdin, stdout = self._pipes()
        try:
            stdin.write(json.dumps(job).encode() + b"\n")
            stdin.flush()
        except BrokenPipeError:
            self.kill()
            return None
        line = self._read_line(stdout, deadline)
        try:
            answer = json.loads(line) if line is not None else None
        except json.JSONDecodeError:
            answer = None
        if not isinstance(answer, dict):
            self.kill()
            return None
        self.answered += 1
        return answer

    def stop(self) -> None:
        """Close its input (the server then exits) and wait for it."""
        stdin, stdout = self._pipes()
        try:
            stdin.close()
            self.process.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.kill()
        stdout.close()
        self._errors.close()

    def kill(self) -> None:
        """Kill the server and everything it started (its own session)."""
        kill_group(self.process.pid)
        self.process.wait()

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("the warm server was started without pipes")
        return stdin, stdout

    def _read_line(self, stdout: IO[bytes], deadline: float | None) -> bytes | None:
        descriptor = stdout.fileno()
        while b"\n" not in self._pending:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            if not select.select([descriptor], [], [], remaining)[0]:
                return None
            chunk = os.read(descriptor, 1 << 16)
            if not chunk or len(self._pending) > MAX_ANSWER_BYTES:
                return None
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line


def server_for(command: list[str], env: dict[str, str] | None) -> WarmServer:
    """This thread's running server for ``command``, started (again) if needed."""
    servers: dict[tuple[str, ...], WarmServer] = _local.__dict__.setdefault("servers", {})
    key = tuple(command)
    server = servers.get(key)
    if server is None or not server.alive():
        server = servers[key] = WarmServer(command, env)
    return server


def run_pytest(
    args: list[str] | None,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    timeout: float | None,
    memory_mb: int | None,
) -> int | None:
    """Run ``pytest.main(args)`` in a child forked from this thread's plain warm server.

    Returns the exit code, or ``None`` when the time limit killed the child.
    The child's output goes to ``log_path``. With ``args`` None the child
    only sets itself up and exits (what ``benchmarks/grading.py`` times).

    Raises:
        RuntimeError: the server died (the plain server trusts what it runs).
    """
    server = server_for([sys.executable, "-m", "mlops_course.grading.warm"], env)
    job = {
        "args": args,
        "env": env,
        "cwd": str(cwd),
        "log": str(log_path),
        "timeout": timeout,
        "memory_mb": memory_mb,
    }
    answer = server.ask(job, deadline=None)
    if answer is None:
        raise RuntimeError(f"the warm grading server died ({server.last_error()})")
    code: int | None = answer["code"]
    return code


def stop_servers() -> None:
    """Stop every warm server this process started (they also stop when it exits)."""
    with _servers_lock:
        servers, _servers[:] = list(_servers), []
    for server in servers:
        server.stop()


def serve(sandboxed: str | None) -> None:
    """The server loop: preload, then run one job per input line."""
    from mlops_course.grading import namespaces

    config = namespaces.ServerConfig.from_json(sandboxed) if sandboxed else None
    with warnings.catch_warnings():  # import-time deprecation notices are not the learner's
        warnings.simplefilter("ignore")
        for module in PRELOAD:
            importlib.import_module(module)
    gc.freeze()  # forked children then leave the preloaded objects' pages shared
    for line in sys.stdin:
        received = time.monotonic()
        job = json.loads(line)
        if config is None:
            answer: dict[str, Any] = {"code": _fork_and_wait(job)}
        else:
            answer = namespaces.grade(job, config, received)
        print(json.dumps(answer), flush=True)


def _fork_and_wait(job: dict[str, Any]) -> int | None:
    pid = os.fork()
    if pid == 0:
        _child(job)
    handle = os.pidfd_open(pid)
    finished, _, _ = select.select([handle], [], [], job["timeout"])
    os.close(handle)
    if not finished:
        kill_group(pid)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if finished else None


def _child(job: dict[str, Any]) -> NoReturn:
    """In the forked child: own session, limits, environment and output; then pytest."""
    try:
        os.setsid()  # its own process group, so a timeout kills all it started
        if job["memory_mb"]:
            limit_memory(job["memory_mb"])
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - stays open for the child's life
        if job["args"] is None:
            os._exit(0)
        import pytest

        code = int(pytest.main(job["args"]))
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return
        code = 3
    os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[2] if sys.argv[1:2] == ["--sandboxed"] else None)
