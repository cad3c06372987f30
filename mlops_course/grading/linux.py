"""The Linux system calls the sandbox needs and Python 3.11 does not wrap.

``unshare`` (new namespaces), ``mount``, ``prctl`` and ``capset`` through
ctypes, plus bringing the loopback interface up with an ioctl. Each call
raises ``OSError`` with the call's name when the kernel refuses, so a sandbox
that cannot be built fails loudly instead of running a submission half-isolated.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import os
import socket
import struct

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

_CAPABILITY_VERSION_3 = 0x20080522
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFREQ = "16sH14s"


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, call: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{call}: {os.strerror(number)}")


def _text(value: str | None) -> bytes | None:
    return value.encode() if value is not None else None


def unshare(flags: int) -> None:
    """Move this process into new namespaces (``CLONE_NEW*`` flags; a new PID
    namespace applies to the children forked afterwards)."""
    _check(_libc().unshare(flags), "unshare")


def setns(descriptor: int, nstype: int) -> None:
    """Move into the namespace ``descriptor`` refers to (for a PID namespace: the next children)."""
    _check(_libc().setns(descriptor, nstype), "setns")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    """``mount(2)``: e.g. ``mount("tmpfs", "/scratch", "tmpfs", MS_NOSUID, "size=64m")``."""
    result = _libc().mount(_text(source), _text(target), _text(fstype), flags, _text(data))
    _check(result, f"mount {target}")


def unmount(target: str) -> None:
    """Detach the mount at ``target`` (``umount2(target, MNT_DETACH)``)."""
    _check(_libc().umount2(target.encode(), MNT_DETACH), f"umount {target}")


def prctl(option: int, argument: int) -> None:
    """``prctl(2)`` with one argument, e.g. ``prctl(PR_SET_NO_NEW_PRIVS, 1)``."""
    _check(_libc().prctl(option, argument, 0, 0, 0), f"prctl {option}")


def drop_bounding_set() -> None:
    """Remove every capability from the bounding set: no program run later can hold one.

    Needs ``CAP_SETPCAP``: call it before leaving uid 0.
    """
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        prctl(PR_CAPBSET_DROP, capability)


def clear_capabilities() -> None:
    """Empty the ambient, effective, permitted and inheritable sets; set ``no_new_privs``."""
    _check(_libc().prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl ambient")
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc().capset(ctypes.byref(header), data), "capset")
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def capabilities_left() -> dict[str, int]:
    """The capability sets of this process as the kernel reports them (all 0 once dropped)."""
    with open("/proc/self/status") as handle:
        fields = dict(line.split(":", 1) for line in handle if line.startswith("Cap"))
    return {name: int(value, 16) for name, value in fields.items()}


def loopback_up() -> None:
    """Bring up ``lo`` in this network namespace (a new one starts with it down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack(_IFREQ, b"lo", 0, b"")
        flags = struct.unpack(_IFREQ, fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | _IFF_UP, b""))
