"""A memory and a process-count limit per (learner, lesson) pair, as control groups.

RLIMIT_DATA limits one process, RLIMIT_NPROC does nothing for root: a
submission that forks two 700 MB children, fills shared memory or forks
without end gets past both. A control group counts every process of the pair
and every page it uses, shared memory and tmpfs included.

Machines differ: cgroup v1 (one hierarchy per controller, as on this CI
machine), v2 (one unified hierarchy, most laptops now) or both (hybrid, where
the controllers live in v1). Nothing is assumed: the mounts and this
process's own groups are read from /proc, and the pairs' groups are made
under this process's own group, inside whatever limits it already has. On
v2 a group can only hand controllers to its children once it holds no
process itself, so the grader first moves the group's processes into a leaf
of their own; where that is not allowed (no delegation), preparing fails
with one line saying how to get a delegated group.
"""

from __future__ import annotations

import errno
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

CONTROLLERS = ("memory", "pids")
DELEGATION_HELP = (
    "run it in a delegated group: systemd-run --user --scope -p Delegate=yes course grade ..."
)


class CgroupError(RuntimeError):
    """No memory and pids control groups can be made here; the message says why in one line."""


@dataclass(frozen=True)
class Mount:
    """One cgroup file system mount: its type, controllers, where it is and which group it shows."""

    fstype: str  # "cgroup" (v1) or "cgroup2"
    controllers: frozenset[str]  # v1 only
    root: str  # the group shown at the mount point
    point: Path


@dataclass(frozen=True)
class Hierarchy:
    """Where the pairs' groups of one hierarchy are made: ``base/<pair>``."""

    name: str  # "memory" or "pids" (v1), "unified" (v2)
    base: Path


@dataclass(frozen=True)
class Cgroups:
    """The grader's groups: one folder per hierarchy under which each pair gets its group."""

    version: int
    hierarchies: tuple[Hierarchy, ...]

    def create(self, pair: str, memory_mb: int, max_processes: int) -> None:
        """Make the pair's group(s) with its memory (swap included) and process limits."""
        limit = str(memory_mb * 1024 * 1024)
        for hierarchy in self.hierarchies:
            folder = hierarchy.base / pair
            folder.mkdir()
            if self.version == 1 and hierarchy.name == "memory":
                _write(folder / "memory.limit_in_bytes", limit)
                _write_if_present(folder / "memory.memsw.limit_in_bytes", limit)
            if self.version == 1 and hierarchy.name == "pids":
                _write(folder / "pids.max", str(max_processes))
            if self.version == 2:
                _write(folder / "memory.max", limit)
                _write_if_present(folder / "memory.swap.max", "0")
                _write(folder / "pids.max", str(max_processes))

    def procs_files(self, pair: str) -> dict[str, Path]:
        """Each hierarchy's ``cgroup.procs`` of the pair: writing ``0`` there moves the writer."""
        return {h.name: h.base / pair / "cgroup.procs" for h in self.hierarchies}

    def oom_kills(self, pair: str) -> int:
        """How many processes of the pair the kernel killed for want of memory."""
        for hierarchy in self.hierarchies:
            events = "memory.oom_control" if self.version == 1 else "memory.events"
            path = hierarchy.base / pair / events
            if hierarchy.name in ("memory", "unified") and path.exists():
                for line in path.read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        return 0

    def remove(self, pair: str) -> None:
        """Remove the pair's groups (its processes are gone; a dying one gets a moment)."""
        for hierarchy in self.hierarchies:
            _rmdir(hierarchy.base / pair)

    def close(self) -> None:
        """Remove the grader's folders once every pair's group is gone."""
        for hierarchy in self.hierarchies:
            _rmdir(hierarchy.base)


def prepare(proc: Path = Path("/proc")) -> Cgroups:
    """Find memory and pids controllers this process may use and make the grader's folders.

    Raises:
        CgroupError: neither v1 nor delegated v2 memory and pids controllers are usable.
    """
    mounts = read_mounts((proc / "self" / "mountinfo").read_text())
    own = read_own_groups((proc / "self" / "cgroup").read_text())
    name = f"course-grade-{os.getpid()}-{secrets.token_hex(3)}"
    v1 = {c: m for m in mounts if m.fstype == "cgroup" for c in m.controllers if c in CONTROLLERS}
    if set(v1) == set(CONTROLLERS):
        folders = {c: _group_folder(v1[c], own.get(c)) for c in CONTROLLERS}
        return Cgroups(1, tuple(_make_base(c, folders[c] / name) for c in CONTROLLERS))
    unified = next((m for m in mounts if m.fstype == "cgroup2"), None)
    if unified is None or "" not in own:
        raise CgroupError(
            "no memory and pids control groups here (cgroup v1 needs both mounted, v2 none found)"
        )
    folder = _group_folder(unified, own[""])
    available = set(_read(folder / "cgroup.controllers").split())
    missing = set(CONTROLLERS) - available
    if missing:
        raise CgroupError(
            f"cgroup v2 gives this process no {' and '.join(sorted(missing))} controller; "
            + DELEGATION_HELP
        )
    try:
        _hand_down_controllers(folder)
        base = _make_base("unified", folder / name)
        _write(base.base / "cgroup.subtree_control", " ".join(f"+{c}" for c in CONTROLLERS))
    except OSError as error:
        raise CgroupError(
            f"cgroup v2 is not delegated to this user ({error.strerror}); " + DELEGATION_HELP
        ) from None
    return Cgroups(2, (base,))


def read_mounts(mountinfo: str) -> list[Mount]:
    """The cgroup mounts listed in a ``/proc/<pid>/mountinfo`` text."""
    mounts = []
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        options = set(tail[2].split(","))
        controllers = frozenset(options & set(CONTROLLERS)) if tail[0] == "cgroup" else frozenset()
        mounts.append(Mount(tail[0], controllers, fields[3], Path(_unescape(fields[4]))))
    return mounts


def read_own_groups(cgroup: str) -> dict[str, str]:
    """Map each controller (``""`` for v2) to this process's group, from ``/proc/self/cgroup``."""
    groups: dict[str, str] = {}
    for line in cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def _group_folder(mount: Mount, own: str | None) -> Path:
    if own is None:
        raise CgroupError(f"this process is in no group of the {mount.point} hierarchy")
    root = mount.root.rstrip("/")
    if root and not (own == root or own.startswith(root + "/")):
        raise CgroupError(f"this process's group {own} is not visible under {mount.point}")
    return mount.point / own[len(root) :].lstrip("/")


def _make_base(name: str, folder: Path) -> Hierarchy:
    try:
        folder.mkdir()
    except OSError as error:
        raise CgroupError(
            f"cannot make a control group in {folder.parent}: {error.strerror}"
        ) from None
    return Hierarchy(name, folder)


def _hand_down_controllers(folder: Path) -> None:
    """Enable memory and pids for the children of ``folder``, its processes moved to a leaf.

    A v2 group with processes of its own cannot hand controllers down, so every
    process of the (delegated) group moves to ``course-grader-<pid>``: the grader,
    and whatever started it in the same scope (``make test``, a shell).
    """
    enabled = set(_read(folder / "cgroup.subtree_control").split())
    if set(CONTROLLERS) <= enabled:
        return
    leaf = folder / f"course-grader-{os.getpid()}"
    leaf.mkdir(exist_ok=True)
    for pid in _read(folder / "cgroup.procs").split():
        try:
            _write(leaf / "cgroup.procs", pid)
        except ProcessLookupError:  # it ended meanwhile
            continue
    _write(folder / "cgroup.subtree_control", " ".join(f"+{c}" for c in CONTROLLERS))


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _write_if_present(path: Path, value: str) -> None:
    if path.exists():
        _write(path, value)


def _rmdir(folder: Path, attempts: int = 50) -> None:
    for _ in range(attempts):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY:  # busy: its last process is still being torn down
                raise
            time.sleep(0.02)
    folder.rmdir()


def _unescape(text: str) -> str:
    """mountinfo writes a space as ``\\040``."""
    return text.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
