"""Tampering made evident: what a submission's code names, and whether its report adds up.

Code that runs inside the test process can patch that process; the sandbox
only keeps the damage inside the pair. Two checks make a patched grade show:

- **Names.** Forging a result needs tools no exercise needs: pytest's
  internals, the garbage collector's object list, stack frames, ``/proc``,
  ctypes, forking, the grader's own modules, the reference solutions. Each
  submitted file is read (not run) and every such name it uses that the
  lesson's reference solution and starter never use is a flag.
- **The report.** The checks planted to fail (``canaries``) must all be
  listed, run and failed; every result must name a real test.

A flag is a reason, worded the same way every time, so a gradebook stays
deterministic. A flagged pair scores 0 for its lesson.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mlops_course import starters
from mlops_course.grading import canaries
from mlops_course.grading.report import CollectedTest, GradeReport
from mlops_course.workspace import COURSE_ROOT

# Modules, and module.attribute, whose use in an exercise is a tell-tale.
WATCHED_MODULES = frozenset(
    {
        "_pytest", "pytest", "pluggy", "gc", "ctypes", "cffi", "inspect", "importlib", "builtins",
        "subprocess", "multiprocessing", "signal", "socket", "pty", "fcntl", "resource", "mmap",
        "marshal", "codecs", "base64", "zlib", "atexit", "tests", "conftest",
        "mlops_course.grading", "mlops_course.workspace",
        "os.fork", "os.forkpty", "os.setsid", "os.setpgid", "os.setpgrp", "os.kill", "os.killpg",
        "os.getppid", "os.system", "os.popen", "os.symlink", "os.mkfifo", "os.mknod", "os.dup2",
        "os.unshare", "os.posix_spawn", "os.posix_spawnp", "os.execv", "os.execve", "os.execvp",
        "os.execvpe", "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.spawnv",
        "os.spawnve", "os.spawnl", "os.spawnle", "os.pidfd_open", "os.memfd_create",
        "sys.modules", "sys._getframe", "sys.settrace", "sys.setprofile", "sys.addaudithook",
        "sys.meta_path", "sys.path_hooks", "sys.exc_info", "sys.argv",
    }
)  # fmt: skip
# Attributes whose use on any object is a tell-tale.
WATCHED_ATTRIBUTES = frozenset(
    {
        "get_objects", "get_referrers", "get_referents", "f_back", "f_globals", "f_locals",
        "f_builtins", "f_code", "tb_frame", "gi_frame", "cr_frame", "__subclasses__",
        "__globals__", "__builtins__", "__code__", "__closure__", "__loader__", "__reduce__",
        "pluginmanager", "hookimpl", "hookwrapper", "stash", "getoption", "TestResult",
        "GradeReport", "load_reference", "load_exercise", "create_subprocess_exec",
        "create_subprocess_shell", "prctl", "ptrace", "__doc__",
    }
)  # fmt: skip
# Built-in functions whose plain call is a tell-tale (``re.compile`` is fine, ``compile`` is not).
WATCHED_BUILTINS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "globals",
        "vars",
        "breakpoint",
        "__import__",
        "setattr",
        "delattr",
        "__doc__",
    }
)
# Text that is a tell-tale inside any string, and in a non-Python file.
WATCHED_TEXT = (
    "/proc", "/sys/", "/dev/shm", "/dev/tcp", "solutions", "_pytest", "conftest", "report.json",
    "grade-json", "grades.csv", "grades.json", "feedback/", "mlops_course", "tests/lessons",
    ".git/", "LD_PRELOAD", "cgroup",
)  # fmt: skip
# Shell words that are a tell-tale in a non-Python file (a DVC stage's cmd, a compose file).
WATCHED_WORDS = (
    "kill", "pkill", "killall", "nohup", "setsid", "disown", "curl", "wget", "nc", "socat",
    "python -c", "base64", "eval", "exec",
)  # fmt: skip


def _pattern(text: str) -> re.Pattern[str]:
    """``text`` as a whole word: ``/proc`` matches ``/proc/1`` but not ``data/processed``."""
    before = r"(?<![\w-])" if re.match(r"\w", text) else r"(?<!\w)"
    after = r"(?![\w-])" if re.search(r"\w$", text) else ""
    return re.compile(before + re.escape(text) + after)


_TEXT_PATTERNS = {text: _pattern(text) for text in WATCHED_TEXT}
_WORD_PATTERNS = {word: _pattern(word) for word in WATCHED_WORDS}

REPORT_NOT_THE_GRADERS = (
    "the test report was not written by the grader (its planted checks are missing)"
)
PLANTED_CHECK_PASSED = (
    "a planted check that fails on every submission was reported passed: "
    "the test process was tampered with"
)
UNKNOWN_TESTS = "the test report lists tests that do not exist"


@dataclass(frozen=True)
class Findings:
    """The tell-tale names found in one submitted file."""

    file: str
    names: tuple[str, ...]


def scan(files: dict[str, bytes], lesson: str) -> list[str]:
    """Flags for the tell-tale names each submitted file uses beyond the lesson's own code."""
    allowed = _allowed(lesson)
    flags = []
    for path, content in sorted(files.items()):
        found = _shortest({name for name in tell_tales(path, content) if not allowed(name)})
        if found:
            shown = path.rsplit("/", 1)[-1]
            flags.append(
                f"{shown} uses {', '.join(found)}, which the grader watches for and "
                f"lesson {lesson}'s exercises never need"
            )
    return flags


def _shortest(names: set[str]) -> list[str]:
    """The names to show: ``gc.get_objects`` stands for ``gc`` and ``get_objects`` too."""
    return sorted(
        name
        for name in names
        if not any(
            other != name and (other.startswith(f"{name}.") or other.endswith(f".{name}"))
            for other in names
        )
    )


def check_report(report: GradeReport, seed: str, collected: Iterable[CollectedTest]) -> list[str]:
    """Flags for a report whose planted checks are missing or passed, or that invents tests."""
    planted = canaries.names(seed)
    flags = []
    if sorted(report.canaries) != sorted(planted):
        flags.append(REPORT_NOT_THE_GRADERS)
    outcomes = {result.test: result.outcome for result in report.results}
    if any(outcomes.get(name, "failed") != "failed" for name in planted):
        flags.append(PLANTED_CHECK_PASSED)
    known = {test.test for test in collected} | set(planted)
    if set(outcomes) - known:
        flags.append(UNKNOWN_TESTS)
    return flags


def tell_tales(path: str, content: bytes) -> set[str]:
    """Every watched name or text a file uses (Python is parsed; other files are read as text)."""
    text = content.decode("utf-8", errors="replace")
    if not path.endswith(".py"):
        return _text_tell_tales(text)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()  # a file that does not parse cannot run: the tests say so
    docstrings = {id(node) for node in _docstrings(tree)}
    aliases = _aliases(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) not in docstrings:
            found |= _node_tell_tales(node, aliases)
    return found


def _aliases(tree: ast.Module) -> dict[str, str]:
    """What each imported name stands for: ``import os as _os`` makes ``_os`` mean ``os``."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _docstrings(tree: ast.Module) -> list[ast.Constant]:
    """The docstrings of the module, its classes and functions: prose, not data."""
    owners = [tree] + [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    strings = []
    for owner in owners:
        first = owner.body[0] if owner.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            strings.append(first.value)
    return strings


def _node_tell_tales(node: ast.AST, aliases: dict[str, str]) -> set[str]:
    names: set[str] = set()
    if isinstance(node, ast.Import):
        names = {prefix for alias in node.names for prefix in _prefixes(alias.name)}
    elif isinstance(node, ast.ImportFrom) and node.module:
        names = set(_prefixes(node.module))
        names |= {f"{node.module}.{alias.name}" for alias in node.names}
    elif isinstance(node, ast.Attribute):
        names = {node.attr}
        if isinstance(node.value, ast.Name) and node.value.id in aliases:
            names.add(f"{aliases[node.value.id]}.{node.attr}")
    elif isinstance(node, ast.Name):
        return {node.id} & (WATCHED_BUILTINS | WATCHED_ATTRIBUTES)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _matches(_TEXT_PATTERNS, node.value)
    return {name for name in names if _watched(name)}


def _watched(name: str) -> bool:
    return any(prefix in WATCHED_MODULES for prefix in _prefixes(name)) or (
        name in WATCHED_ATTRIBUTES
    )


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: index + 1]) for index in range(len(parts))]


def _text_tell_tales(text: str) -> set[str]:
    return _matches(_TEXT_PATTERNS, text) | _matches(_WORD_PATTERNS, text)


def _matches(patterns: dict[str, re.Pattern[str]], text: str) -> set[str]:
    return {name for name, pattern in patterns.items() if pattern.search(text)}


@dataclass(frozen=True)
class _Allowed:
    """What a lesson's own code uses: those names, and anything of the modules it imports."""

    names: frozenset[str]
    modules: frozenset[str]

    def __call__(self, name: str) -> bool:
        if name in self.names:
            return True
        module = name.split(".")[0]  # pytest.raises is fine in a lesson whose code uses pytest
        return (
            "." in name
            and module in self.modules
            and name.split(".")[-1] not in (WATCHED_ATTRIBUTES)
        )


@functools.cache
def _allowed(lesson: str) -> _Allowed:
    """Everything the lesson's reference solution and its starter use themselves."""
    names: set[str] = set()
    for source, _ in starters.solution_files(COURSE_ROOT, lesson):
        text = source.read_text()
        for version in (text, starters.make_starter(text, source.name)):
            names |= tell_tales(source.name, version.encode())
    modules = {name for name in names if name in WATCHED_MODULES and "." not in name}
    return _Allowed(frozenset(names), frozenset(modules))
