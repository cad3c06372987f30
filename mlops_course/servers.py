"""Background servers the lessons start: a free port, a pid file, a clean stop.

A lesson starts a server with ``running_server``; the ``with`` block stops it
in a ``finally`` even when a cell fails. Pid files under the workspace let
``course stop`` clean up anything a crashed kernel left behind.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_course.processes import stop_group

PID_SUFFIX = ".pid"


@dataclass(frozen=True)
class Server:
    """A started server: its process, port and pid file."""

    name: str
    process: subprocess.Popen[Any]
    port: int
    pid_file: Path

    @property
    def url(self) -> str:
        """Base URL on the loopback interface."""
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    """Ask the operating system for a TCP port nobody uses on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    name: str,
    command: Sequence[str],
    folder: Path,
    port: int,
    log_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Server:
    """Start ``command`` in its own process group and record its pid in ``folder``.

    Args:
        name: a short name; the pid file is ``folder/<name>.pid``.
        command: the full command line, already holding the port.
        folder: the lesson's workspace folder.
        port: the port the command listens on.
        log_file: where its output goes (default ``folder/<name>.log``).
        env: its environment (default: this process's).
    """
    folder.mkdir(parents=True, exist_ok=True)
    log_path = log_file or folder / f"{name}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            start_new_session=True,
        )
    pid_file = folder / f"{name}{PID_SUFFIX}"
    pid_file.write_text(f"{process.pid}\n")
    return Server(name=name, process=process, port=port, pid_file=pid_file)


def wait_until_up(server: Server, path: str = "/", timeout: float = 60.0) -> None:
    """Poll ``server.url + path`` until it answers, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode}; "
                f"see its log next to {server.pid_file}"
            )
        try:
            with urllib.request.urlopen(server.url + path, timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"{server.name} did not answer on {server.url}{path} in {timeout:.0f} s")


def stop(server: Server, grace: float = 10.0) -> None:
    """Stop a server's whole process group and remove its pid file."""
    stop_group(server.process.pid, grace, child=server.process)
    server.pid_file.unlink(missing_ok=True)


@contextlib.contextmanager
def running_server(
    name: str,
    command: Sequence[str],
    folder: Path,
    port: int,
    ready_path: str = "/",
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """Start a server, wait until it answers, and always stop it afterwards."""
    server = start(name, command, folder, port, env=env)
    try:
        wait_until_up(server, ready_path, timeout)
        yield server
    finally:
        stop(server)


def stop_all(folder: Path) -> list[str]:
    """Stop every server with a pid file under ``folder``; return what was stopped."""
    stopped: list[str] = []
    if not folder.exists():
        return stopped
    for pid_file in sorted(folder.rglob(f"*{PID_SUFFIX}")):
        try:
            pid = int(pid_file.read_text().strip())
        except ValueError:
            pid = None
        if pid is not None and stop_group(pid, grace=5.0):
            stopped.append(f"{pid_file.stem} (pid {pid})")
        pid_file.unlink(missing_ok=True)
    return stopped
