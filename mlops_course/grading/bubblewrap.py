"""The warm server's filesystem and environment: an allowlist, built with bubblewrap.

bubblewrap (``bwrap``, Debian/Ubuntu package ``bubblewrap``) starts the
server with an empty root on which only what grading needs is mounted,
read-only: the system's programs and libraries, a few files of ``/etc``,
Python and the course's virtual environment, and of the course itself
``mlops_course``, the grading tests and the few files those tests read.
Nothing else of the instructor's machine exists in there: no home folder,
no ``solutions/`` (the pairs get the few files their tests need, staged),
no ``.git``, no submissions, no gradebook. The environment is an allowlist
too: none of the instructor's variables (tokens, keys) get in.

The server keeps every capability inside its own namespaces so that it can
build each pair's namespaces; each pair then gives them all up.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from mlops_course.grading import namespaces
from mlops_course.workspace import COURSE_ROOT, QUIET_ENVIRONMENT

# Course files the grading tests read (besides mlops_course and tests/lessons); the MLflow
# template store is made beforehand (``mlflow_store.template_database``), read-only in there.
COURSE_FILES = (
    "pyproject.toml", "uv.lock", "Makefile", "tests/conftest.py", "tools/actionlint",
    ".cache/mlflow",
)  # fmt: skip
SYSTEM_FOLDERS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "passwd", "group", "nsswitch.conf", "hosts", "host.conf", "ld.so.cache", "ld.so.conf",
    "ld.so.conf.d", "localtime", "timezone", "mime.types", "os-release", "alternatives",
    "ssl", "ca-certificates", "gitconfig",
)  # fmt: skip
PASSED_THROUGH = ("COURSE_FAST", "COURSE_CI")
INSTALL_HELP = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap)"


class BubblewrapMissing(RuntimeError):
    """``bwrap`` is not on PATH."""


def find_bwrap() -> str:
    """The path of ``bwrap``.

    Raises:
        BubblewrapMissing: it is not installed.
    """
    found = shutil.which("bwrap")
    if found is None:
        raise BubblewrapMissing(f"bubblewrap (bwrap) is not installed: {INSTALL_HELP}")
    return found


def sandbox_environment() -> dict[str, str]:
    """The only variables the server and its pairs see: the same for every pair."""
    venv = Path(sys.prefix)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "VIRTUAL_ENV": str(venv),
        "HOME": str(namespaces.HOME),
        "USER": "learner",
        "LOGNAME": "learner",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "TMPDIR": "/tmp",
        "COURSE_WORKSPACE": str(namespaces.WORKSPACE),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        **QUIET_ENVIRONMENT,
    }
    env.update({name: os.environ[name] for name in PASSED_THROUGH if name in os.environ})
    return env


def server_command(
    config: namespaces.ServerConfig, cgroups: dict[str, Path], program: list[str]
) -> list[str]:
    """The ``bwrap`` command line that runs ``program`` as a sandboxed server.

    Args:
        config: how the server builds pairs (it says whether the grader is root).
        cgroups: host folders under which the pairs' control groups are made,
            by hierarchy name; each is bound, writable, under ``/run/course-cgroups``.
        program: the server's own command, e.g. ``python -m mlops_course.grading.warm ...``.
    """
    command = [find_bwrap(), "--die-with-parent", "--new-session"]
    command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    if not config.switch_to_nobody:  # not root: a user namespace grants the capabilities
        command.append("--unshare-user")
    command += ["--cap-add", "ALL", "--clearenv"]
    for name, value in sorted(sandbox_environment().items()):
        command += ["--setenv", name, value]
    command += ["--perms", "0755", "--dir", "/etc", *_system_mounts()]
    # First the folders each pair covers with its own (the course may live under /tmp).
    command += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    command += ["--perms", "0755", "--dir", "/var", "--perms", "01777", "--dir", "/var/tmp"]
    read_only = [Path(sys.base_prefix).resolve(), Path(sys.prefix), *_imported_from_capstone()]
    read_only += [COURSE_ROOT / "mlops_course", COURSE_ROOT / "tests" / "lessons"]
    read_only += [COURSE_ROOT / name for name in COURSE_FILES if (COURSE_ROOT / name).exists()]
    folders = [*read_only, COURSE_ROOT / "solutions", namespaces.SCRATCH]
    folders += [namespaces.CGROUP_MOUNTS / name for name in cgroups]
    command += _parent_folders(folders)
    for path in read_only:
        command += ["--ro-bind", str(path), str(path)]
    command += ["--dir", str(COURSE_ROOT / "solutions"), "--dir", str(namespaces.SCRATCH)]
    for name, folder in sorted(cgroups.items()):
        command += ["--bind", str(folder), str(namespaces.CGROUP_MOUNTS / name)]
    command += ["--chdir", str(COURSE_ROOT), *program]
    return command


def _imported_from_capstone() -> list[Path]:
    """The capstone files mlops_course imports (its quiet settings), and nothing else of it."""
    import churn
    import churn.quiet

    return [Path(str(module.__file__)).resolve() for module in (churn, churn.quiet)]


def _system_mounts() -> list[str]:
    mounts = ["--ro-bind", "/usr", "/usr"]
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            mounts += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            mounts += ["--ro-bind", folder, folder]
    for name in ETC_FILES:
        mounts += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return mounts


def _parent_folders(paths: list[Path]) -> list[str]:
    """``--dir`` every folder above the mount points, open to all (bwrap copies host modes)."""
    system = [Path(folder) for folder in ("/usr", *SYSTEM_FOLDERS)]
    parents = sorted(
        {
            parent
            for path in paths
            for parent in path.parents
            if parent != Path("/") and not any(parent.is_relative_to(s) for s in system)
        }
    )
    arguments = []
    for parent in parents:
        arguments += ["--perms", "0755", "--dir", str(parent)]
    return arguments
