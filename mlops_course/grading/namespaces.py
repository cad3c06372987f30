"""One (learner, lesson) pair in namespaces of its own, forked from the warm grading server.

The server already runs inside bubblewrap, which shows it only an allowlist
of files. Per pair it forks once, as the unsandboxed server does, but into a
new PID namespace, so the pair is PID 1 of its own. The pair then, before
any of the learner's code runs:

- moves into new mount, network, IPC and UTS namespaces and closes every
  descriptor it inherited but its own;
- mounts a size-limited scratch tmpfs holding its files (its own ``/tmp``,
  ``/var/tmp`` and ``/dev/shm`` too), a small read-only tmpfs holding the
  course files its tests read from ``solutions/``, and its own ``/proc``;
- joins its control groups, then hides them; brings up its own loopback;
- sets its limits, gives up every capability (and, when the grader is root,
  becomes ``nobody``), and hands the server a descriptor of its scratch area.

When the pair exits, however it exits, the kernel kills every process left
in its namespace; the server then reads the report through the descriptor,
refusing links, pipes and oversized files, and closing it throws the scratch
area away. Nothing the pair does can reach the server's pipes, another pair
or a file outside its scratch area. One fork, a few mounts and two control
group moves: the sandbox costs milliseconds (``benchmarks/grading.py``).
"""

from __future__ import annotations

import base64
import json
import math
import os
import resource
import select
import signal
import socket
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

# The pair's own (its PID namespace it was forked into: one more here would nest a second).
_NAMESPACES = linux.CLONE_NEWNS | linux.CLONE_NEWIPC | linux.CLONE_NEWNET | linux.CLONE_NEWUTS
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
    """Run one pair (in the server) and return its answer.

    ``job`` holds ``args`` (pytest's, or None to only build the sandbox),
    ``files`` and ``staged`` (relative path -> base64 bytes, written under
    the scratch submission folder and the course root), ``cgroups`` (the
    ``cgroup.procs`` files to join) and ``timeout`` in seconds. ``received``
    is when the job arrived (``time.monotonic()``), for the setup time.
    """
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pair = _fork_into_new_pid_namespace()
    if pair == 0:
        ours.close()
        _pair(job, config, theirs)
    theirs.close()
    with ours:
        message, scratch = _receive(ours, deadline=time.monotonic() + 30)
    started: dict[str, Any] = json.loads(message) if message else {}
    status, timed_out = _wait(pair, job["timeout"] if "ready" in started else 0)
    ended = time.monotonic()
    if "ready" not in started:
        error = started.get("error", "the pair stopped before it was ready")
        return {"error": f"sandbox setup failed: {error}"}
    if scratch is None:
        return {"error": "sandbox setup failed: the pair sent no scratch area"}
    try:
        result = {
            "code": os.waitstatus_to_exitcode(status),
            "timed_out": timed_out,
            "report": _read_safely(scratch, REPORT, MAX_REPORT_BYTES),
            "output": _read_safely(scratch, OUTPUT, OUTPUT_TAIL, tail=True) or "",
            "fork_ms": (started["forked"] - received) * 1000,
            "setup_ms": (started["ready"] - started["forked"]) * 1000,
        }
    finally:
        os.close(scratch)  # the last reference: the scratch area is gone
    result["teardown_ms"] = (time.monotonic() - ended) * 1000
    return result


def _fork_into_new_pid_namespace() -> int:
    """``os.fork()``, the child being PID 1 of a new PID namespace; the server stays put."""
    own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        linux.unshare(linux.CLONE_NEWPID)  # applies to the next child only...
        try:
            pid = os.fork()
        except BaseException:
            linux.setns(own, linux.CLONE_NEWPID)
            raise
        if pid != 0:
            linux.setns(own, linux.CLONE_NEWPID)  # ...so the server's later children are not in it
        return pid
    finally:
        os.close(own)


def _pair(job: dict[str, Any], config: ServerConfig, channel: socket.socket) -> NoReturn:
    """PID 1 of the pair's namespace: confine itself, report ready, run pytest. Never returns."""
    forked = time.monotonic()
    try:
        _keep_only(channel.fileno())
        linux.unshare(_NAMESPACES)
        linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
        owner = (NOBODY, NOBODY) if config.switch_to_nobody else (os.getuid(), os.getgid())
        _make_scratch(job, config, owner)
        linux.mount("proc", "/proc", "proc", _QUIET_MOUNT | linux.MS_NOEXEC)
        _join_control_groups(job["cgroups"])
        linux.loopback_up()
        _set_limits(job, config.limits)
        os.setsid()
        _drop_privileges(config.switch_to_nobody)
        linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)  # after the uid change, which clears it
        _require_readable(Path(config.course_root) / "tests" / "lessons", Path(sys.executable))
        os.chdir(config.course_root)
        _redirect_output()
        scratch = os.open(SCRATCH, os.O_RDONLY | os.O_DIRECTORY)
    except BaseException as error:  # noqa: BLE001 - a sandbox that cannot be built never runs code
        channel.sendall(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode())
        os._exit(126)
    ready = json.dumps({"forked": forked, "ready": time.monotonic()}).encode()
    socket.send_fds(channel, [ready], [scratch])
    channel.close()
    os.close(scratch)
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


def _keep_only(descriptor: int) -> None:
    """Close every inherited descriptor but ``descriptor``; 0, 1 and 2 become /dev/null."""
    nothing = os.open(os.devnull, os.O_RDWR)
    for standard in (0, 1, 2):
        if standard not in (nothing, descriptor):
            os.dup2(nothing, standard)
    keep = sorted({0, 1, 2, descriptor})
    for low, high in zip(keep, keep[1:] + [_MAX_FD], strict=True):
        os.closerange(low + 1, high)


def _make_scratch(job: dict[str, Any], config: ServerConfig, owner: tuple[int, int]) -> None:
    """The pair's tmpfs with its files and folders, and the staged course files, read-only."""
    size = f"size={config.limits.scratch_mb}m,mode=0755,uid={owner[0]},gid={owner[1]}"
    linux.mount("scratch", str(SCRATCH), "tmpfs", _QUIET_MOUNT, size)
    for folder in (SUBMISSION, WORKSPACE, HOME, OUT, SCRATCH / "tmp", SCRATCH / "shm"):
        folder.mkdir()
        folder.chmod(0o1777 if folder.name in ("tmp", "shm") else 0o755)
    _write_files(SUBMISSION, job["files"])
    for path in SCRATCH.rglob("*"):
        os.chown(path, *owner, follow_symlinks=False)
    solutions = Path(config.course_root) / "solutions"
    linux.mount("staged", str(solutions), "tmpfs", _QUIET_MOUNT, "size=16m,mode=0755")
    _write_files(Path(config.course_root), job["staged"])
    linux.mount(None, str(solutions), None, linux.MS_REMOUNT | linux.MS_RDONLY | _QUIET_MOUNT)
    keep = [Path(config.course_root), Path(sys.prefix), Path(sys.base_prefix).resolve()]
    for shared in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
        own = SCRATCH / ("shm" if shared.name == "shm" else "tmp")
        _cover(shared, own, [path for path in keep if path.is_relative_to(shared)])


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


def _join_control_groups(procs_files: list[str]) -> None:
    """Move into the pair's control groups, then hide them (no way back, no way to others)."""
    for path in procs_files:
        with open(path, "w") as handle:
            handle.write("0")
    linux.mount("hidden", str(CGROUP_MOUNTS), "tmpfs", _QUIET_MOUNT, "size=4k,mode=0555")
    linux.unshare(linux.CLONE_NEWCGROUP)  # its own groups now show as "/"


def _set_limits(job: dict[str, Any], limits: Limits) -> None:
    cpu = math.ceil(job["timeout"]) + 10  # a backstop: the server's clock stops it first
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


def _require_readable(*paths: Path) -> None:
    """Fail the setup, saying what to do, if the pair's user cannot read the course."""
    for path in paths:
        if not os.access(path, os.R_OK | os.X_OK):
            raise PermissionError(
                f"the pair's user (uid {os.getuid()}) cannot read {path}: make the course and "
                "its .venv readable by others (chmod -R o+rX)"
            )


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


def _receive(channel: socket.socket, deadline: float) -> tuple[bytes, int | None]:
    """The pair's one message and the descriptor it passed, or nothing by the deadline."""
    channel.settimeout(max(0.0, deadline - time.monotonic()))
    try:
        message, descriptors, _, _ = socket.recv_fds(channel, 1 << 16, 1)
    except TimeoutError:
        return b"", None
    return message, descriptors[0] if descriptors else None


def _read_safely(folder: int, path: Path, limit: int, tail: bool = False) -> str | None:
    """A regular file's text (its last ``limit`` bytes if ``tail``), refusing links and pipes.

    ``path`` is read relative to the descriptor ``folder`` of the scratch area,
    one component at a time, so no link the pair left on the way is followed.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    parts = path.relative_to(SCRATCH).parts
    opened = [folder]
    try:
        for part in parts[:-1]:
            opened.append(os.open(part, flags | os.O_DIRECTORY, dir_fd=opened[-1]))
        descriptor = os.open(parts[-1], flags, dir_fd=opened[-1])
    except OSError:
        return None
    finally:
        for inner in opened[1:]:
            os.close(inner)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or (info.st_size > limit and not tail):
            return None
        if tail and info.st_size > limit:
            handle.seek(info.st_size - limit)
        return handle.read(limit).decode("utf-8", errors="replace")


def probe() -> None:
    """Build one pair from the job on stdin and print its answer (no preloading)."""
    job = json.loads(sys.stdin.read())
    print(json.dumps(grade(job, ServerConfig.from_json(sys.argv[1]), time.monotonic())))


if __name__ == "__main__":
    probe()
