"""One (learner, lesson) pair in namespaces of its own, forked from the warm grading server.

The server already runs inside bubblewrap, which shows it only an allowlist
of files. Per pair, three processes take part:

- the **server** forks a supervisor and waits for its one-line answer;
- the **supervisor** closes every descriptor it inherited, moves into new
  mount, PID, IPC, network and UTS namespaces, mounts a size-limited scratch
  tmpfs holding the pair's files and a small tmpfs holding the course files
  its tests read from ``solutions/``, hides the control groups, and forks
- the **pair**, PID 1 of the new PID namespace: it mounts its own ``/proc``,
  brings up its own loopback, joins its control groups, sets its limits,
  gives up every capability (and, when the grader is root, becomes
  ``nobody``), then runs pytest. When it exits, however it exits, the kernel
  kills every process left in its namespace; when the supervisor exits, the
  last reference to the mount namespace goes and the scratch area with it.

The supervisor keeps the time limit and reads the report the pair wrote,
refusing links, pipes and oversized files, after every process of the pair
is gone. Nothing the pair does can reach the server's pipes, another pair or
a file outside its scratch area.
"""

from __future__ import annotations

import base64
import json
import math
import os
import resource
import select
import signal
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from mlops_course.grading import linux
from mlops_course.grading.report import MAX_REPORT_BYTES

SCRATCH = Path("/scratch")
SUBMISSION = SCRATCH / "submission"
WORKSPACE = SCRATCH / "workspace"
HOME = SCRATCH / "home"
OUT = SCRATCH / "out"
REPORT = OUT / "report.json"
OUTPUT = OUT / "output.log"
CGROUP_MOUNTS = Path("/run/course-cgroups")
NOBODY = 65534
OUTPUT_TAIL = 4096

_NAMESPACES = (
    linux.CLONE_NEWNS
    | linux.CLONE_NEWPID
    | linux.CLONE_NEWIPC
    | linux.CLONE_NEWNET
    | linux.CLONE_NEWUTS
)
_QUIET_MOUNT = linux.MS_NOSUID | linux.MS_NODEV
_MAX_FD = 2**31 - 1


@dataclass(frozen=True)
class Limits:
    """What one pair may use besides its memory and processes (those are control groups)."""

    scratch_mb: int = 512  # the scratch tmpfs: workspace, /tmp, /dev/shm, home
    open_files: int = 1024
    file_mb: int = 256  # largest file a process may write


@dataclass(frozen=True)
class ServerConfig:
    """How a sandboxed server builds its pairs (fixed for the server's life)."""

    course_root: str
    switch_to_nobody: bool  # the grader runs as root: run pairs as nobody, not as root
    limits: Limits

    def to_json(self) -> str:
        """The config as one JSON argument for the server's command line."""
        return json.dumps(
            {
                "course_root": self.course_root,
                "switch_to_nobody": self.switch_to_nobody,
                "limits": self.limits.__dict__,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        """Read back ``to_json``."""
        raw = json.loads(text)
        return cls(raw["course_root"], raw["switch_to_nobody"], Limits(**raw["limits"]))


def grade(job: dict[str, Any], config: ServerConfig, received: float) -> dict[str, Any]:
    """Run one pair (in the server) and return the supervisor's answer.

    ``job`` holds ``args`` (pytest's, or None to only build the sandbox),
    ``files`` and ``staged`` (relative path -> base64 bytes, written under
    the scratch submission folder and the course root), ``cgroups`` (the
    ``cgroup.procs`` files to join) and ``timeout`` in seconds.
    """
    read_end, write_end = os.pipe()
    supervisor = os.fork()
    if supervisor == 0:
        os.close(read_end)
        _supervise(job, config, received, write_end)
    os.close(write_end)
    answer = _read_all(read_end, deadline=time.monotonic() + job["timeout"] + 60)
    os.close(read_end)
    if answer is None:  # the supervisor hung: it, and through its death the pair, is killed
        os.kill(supervisor, signal.SIGKILL)
    os.waitpid(supervisor, 0)
    if not answer:
        return {"error": "the pair's supervisor stopped without an answer"}
    result: dict[str, Any] = json.loads(answer)
    return result


def _supervise(job: dict[str, Any], config: ServerConfig, received: float, answer: int) -> NoReturn:
    """The supervisor: build the pair's namespaces, run it, report. Never returns."""
    try:
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        _keep_only(answer)
        result = _build_and_run(job, config, received)
    except BaseException as error:  # noqa: BLE001 - whatever fails, the server gets an answer
        import traceback; result = {"error": f"sandbox setup failed: {type(error).__name__}: {error}" + traceback.format_exc()}
    data = json.dumps(result).encode()
    while data:
        data = data[os.write(answer, data) :]
    os._exit(0)


def _keep_only(descriptor: int) -> None:
    """Close every inherited descriptor but ``descriptor``; 0, 1 and 2 become /dev/null."""
    nothing = os.open(os.devnull, os.O_RDWR)
    for standard in (0, 1, 2):
        if standard not in (nothing, descriptor):
            os.dup2(nothing, standard)
    keep = sorted({0, 1, 2, descriptor})
    for low, high in zip(keep, keep[1:] + [_MAX_FD], strict=True):
        os.closerange(low + 1, high)


def _build_and_run(job: dict[str, Any], config: ServerConfig, received: float) -> dict[str, Any]:
    linux.unshare(_NAMESPACES)
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    owner = (NOBODY, NOBODY) if config.switch_to_nobody else (os.getuid(), os.getgid())
    _make_scratch(job, config, owner)
    joins = [os.open(path, os.O_WRONLY | os.O_CLOEXEC) for path in job["cgroups"]]
    linux.mount("hidden", str(CGROUP_MOUNTS), "tmpfs", _QUIET_MOUNT, "size=4k,mode=0555")
    ready_read, ready_write = os.pipe()
    pair = os.fork()
    if pair == 0:
        os.close(ready_read)
        _pair(job, config, joins, ready_write)
    os.close(ready_write)
    for join in joins:
        os.close(join)
    ready = _read_all(ready_read, deadline=time.monotonic() + 30)
    os.close(ready_read)
    started = json.loads(ready) if ready else {"error": "the pair stopped before it was ready"}
    status, timed_out = _wait(pair, job["timeout"] if "ready" in started else 0)
    ended = time.monotonic()
    if "error" in started:
        return {"error": f"sandbox setup failed: {started['error']}"}
    result = {
        "code": os.waitstatus_to_exitcode(status),
        "timed_out": timed_out,
        "report": _read_safely(REPORT, MAX_REPORT_BYTES),
        "output": _read_safely(OUTPUT, OUTPUT_TAIL, tail=True) or "",
        "setup_ms": (started["ready"] - received) * 1000,
    }
    result["teardown_ms"] = (time.monotonic() - ended) * 1000
    return result


def _make_scratch(job: dict[str, Any], config: ServerConfig, owner: tuple[int, int]) -> None:
    """The pair's tmpfs with its files and folders, and the staged course files, read-only."""
    size = f"size={config.limits.scratch_mb}m,mode=0755,uid={owner[0]},gid={owner[1]}"
    linux.mount("scratch", str(SCRATCH), "tmpfs", _QUIET_MOUNT, size)
    for folder in (SUBMISSION, WORKSPACE, HOME, OUT, SCRATCH / "tmp", SCRATCH / "shm"):
        folder.mkdir(mode=0o1777 if folder.name in ("tmp", "shm") else 0o755)
        folder.chmod(0o1777 if folder.name in ("tmp", "shm") else 0o755)
    _write_files(SUBMISSION, job["files"])
    for path in SCRATCH.rglob("*"):
        os.chown(path, *owner, follow_symlinks=False)
    keep = [Path(config.course_root), Path(sys.prefix), Path(sys.base_prefix).resolve()]
    for shared in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
        own = SCRATCH / ("shm" if shared.name == "shm" else "tmp")
        _cover(shared, own, [path for path in keep if path.is_relative_to(shared)])
    solutions = Path(config.course_root) / "solutions"
    linux.mount("staged", str(solutions), "tmpfs", _QUIET_MOUNT, "size=16m,mode=0755")
    _write_files(Path(config.course_root), job["staged"])
    linux.mount(None, str(solutions), None, linux.MS_REMOUNT | linux.MS_RDONLY | _QUIET_MOUNT)


def _cover(folder: Path, replacement: Path, beneath: list[Path]) -> None:
    """Mount ``replacement`` over ``folder``, keeping the mounts at ``beneath`` where they were.

    The server's ``/tmp`` is shared by its pairs, so each pair gets its own;
    a course that lives under ``/tmp`` (a test's copy) stays visible in it.
    """
    holds = []
    for index, path in enumerate(beneath):
        hold = SCRATCH / f".hold-{index}"
        hold.mkdir()
        linux.mount(str(path), str(hold), None, linux.MS_BIND | linux.MS_REC)
        holds.append(hold)
    linux.mount(str(replacement), str(folder), None, linux.MS_BIND)
    for path, hold in zip(beneath, holds, strict=True):
        path.mkdir(parents=True, exist_ok=True)
        linux.mount(str(hold), str(path), None, linux.MS_BIND | linux.MS_REC)
        linux.unmount(str(hold))
        hold.rmdir()


def _write_files(root: Path, files: dict[str, str]) -> None:
    for relative, encoded in files.items():
        path = root / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            raise ValueError(f"refusing to write {relative} outside {root}")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        path.write_bytes(base64.b64decode(encoded))
        path.chmod(0o644)


def _pair(job: dict[str, Any], config: ServerConfig, joins: list[int], ready: int) -> NoReturn:
    """PID 1 of the pair's namespace: confine itself, say it is ready, run pytest."""
    try:
        linux.mount("proc", "/proc", "proc", _QUIET_MOUNT | linux.MS_NOEXEC)
        linux.loopback_up()
        for join in joins:
            os.write(join, b"0")
            os.close(join)
        linux.unshare(linux.CLONE_NEWCGROUP)  # its own groups now show as "/"
        _set_limits(job, config.limits)
        os.setsid()
        _drop_privileges(config.switch_to_nobody)
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)  # after the uid change, which clears it
        os.chdir(config.course_root)
        os.closerange(3, ready)
        os.closerange(ready + 1, _MAX_FD)
        _redirect_output()
    except BaseException as error:  # noqa: BLE001 - a sandbox that cannot be built never runs code
        os.write(ready, json.dumps({"error": f"{type(error).__name__}: {error}"}).encode())
        os._exit(126)
    os.write(ready, json.dumps({"ready": time.monotonic()}).encode())
    os.close(ready)
    if job["args"] is None:
        os._exit(0)
    code = 3
    try:
        import pytest

        code = int(pytest.main(job["args"]))
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _set_limits(job: dict[str, Any], limits: Limits) -> None:
    cpu = math.ceil(job["timeout"]) + 10  # a backstop: the supervisor's clock stops it first
    for kind, value in (
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(kind, (value, value))


def _drop_privileges(switch_to_nobody: bool) -> None:
    """No capability in any set, no way to regain one; as root, become nobody as well."""
    linux.drop_bounding_set()
    if switch_to_nobody:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    linux.clear_capabilities()
    left = {name: value for name, value in linux.capabilities_left().items() if value}
    if left:
        raise PermissionError(f"capabilities survived the drop: {left}")


def _redirect_output() -> None:
    """stdout and stderr to the pair's output log (0, 1 and 2 are open: /dev/null)."""
    output = os.open(OUTPUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - fd 0 is /dev/null, open for life


def _wait(pid: int, timeout: float) -> tuple[int, bool]:
    """Wait for the pair; kill it (and so its namespace) after ``timeout`` seconds."""
    handle = os.pidfd_open(pid)
    ready, _, _ = select.select([handle], [], [], timeout)
    os.close(handle)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status, not ready


def _read_all(descriptor: int, deadline: float) -> bytes | None:
    """Everything written to a pipe until it closes, or None at the deadline."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
            return None
        chunk = os.read(descriptor, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _read_safely(path: Path, limit: int, tail: bool = False) -> str | None:
    """A regular file's text (its last ``limit`` bytes if ``tail``), refusing links and pipes."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or (info.st_size > limit and not tail):
            return None
        if tail and info.st_size > limit:
            handle.seek(info.st_size - limit)
        return handle.read(limit).decode("utf-8", errors="replace")


def probe() -> None:
    """Build one pair from the job on stdin and print the supervisor's answer (no preloading)."""
    job = json.loads(sys.stdin.read())
    print(json.dumps(grade(job, ServerConfig.from_json(sys.argv[1]), time.monotonic())))


if __name__ == "__main__":
    probe()
