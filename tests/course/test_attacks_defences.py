"""The sandbox's parts one by one, without a grading server: fast, and each able to fail.

``test_attacks.py`` proves the whole against real attacks; these pin down the pieces an
attack or an unusual machine would probe: what is staged and what refused, which names
are flags, what a report must hold, what reaches the feedback, how control groups are
found on cgroup v1, v2 and hybrid machines, what the server's allowlist lets in, and
what happens when a server dies or no sandbox can be had.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from mlops_course import cli, starters
from mlops_course.grading import (
    bubblewrap,
    canaries,
    cgroups,
    check,
    feedback,
    gradebook,
    namespaces,
    sandbox,
    staging,
    tamper,
    warm,
)
from mlops_course.grading.plugin import in_ci
from mlops_course.grading.report import CollectedTest, GradeReport, TestResult
from mlops_course.grading.runner import LessonOutcome
from mlops_course.grading.targets import course_lessons
from mlops_course.workspace import COURSE_ROOT

LESSONS = course_lessons()


def result(test: str, message: str = "", exercise: str = "add", **fields: object) -> TestResult:
    values = {
        "test": test,
        "lesson": "99",
        "exercise": exercise,
        "points": 1.0,
        "earned": 0.0,
        "outcome": "failed",
        "message": message,
        "hint": f"hint of {test}",
        "more": f"fix of {test}",
    }
    return TestResult.model_validate({**values, **fields})


# --- staging: what a pair receives ---------------------------------------------------------------


def _learner(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "ada" / "lessons" / "01-what-is-mlops" / "exercises"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return tmp_path / "ada"


def test_a_submission_is_read_without_caches(tmp_path):
    learner = _learner(tmp_path, {"baseline.py": "x = 1\n"})
    (learner / "lessons/01-what-is-mlops/exercises/__pycache__").mkdir()
    (learner / "lessons/01-what-is-mlops/exercises/__pycache__/baseline.pyc").write_bytes(b"\0")
    submission = staging.read_submission(learner, "01")
    assert submission is not None
    assert submission.files == {"lessons/01-what-is-mlops/exercises/baseline.py": b"x = 1\n"}
    assert staging.read_submission(learner, "07") is None


@pytest.mark.parametrize("kind", ["file link", "folder link", "pipe"])
def test_links_and_pipes_are_refused_as_tampering(tmp_path, kind):
    learner = _learner(tmp_path, {"maturity.py": "x = 1\n"})
    folder = learner / "lessons/01-what-is-mlops/exercises"
    reference = COURSE_ROOT / "solutions/01-what-is-mlops/exercises/baseline.py"
    if kind == "file link":
        (folder / "baseline.py").symlink_to(reference)
    elif kind == "folder link":
        (folder / "more").symlink_to(reference.parent, target_is_directory=True)
    else:
        os.mkfifo(folder / "baseline.py")
    with pytest.raises(staging.Refused) as refused:
        staging.read_submission(learner, "01")
    assert refused.value.tampering, refused.value.reason


def test_a_huge_submission_is_refused_but_not_flagged(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "MAX_BYTES", 10)
    learner = _learner(tmp_path, {"baseline.py": "x = 12345678901234567890\n"})
    with pytest.raises(staging.Refused) as refused:
        staging.read_submission(learner, "01")
    assert not refused.value.tampering


def test_only_given_files_and_earlier_references_are_staged():
    assert staging.needed_from_solutions("01") == {}
    given = staging.needed_from_solutions("05")
    assert list(given) == ["solutions/05-testing-and-quality-gates/exercises/preprocessing.py"]
    assert list(staging.needed_from_solutions("07")) == [
        "solutions/04-experiment-tracking/exercises/tracking.py"
    ]
    for lesson in LESSONS:
        for path in staging.needed_from_solutions(lesson):
            earlier = path.split("/")[1][:2]
            given = staging.GIVEN_MARKER.encode() in (COURSE_ROOT / path).read_bytes()
            assert earlier < lesson or (earlier == lesson and given), f"{lesson} stages {path}"


def test_a_test_loading_its_own_lessons_reference_is_caught(tmp_path):
    test_file = tmp_path / "test_08_demo.py"
    test_file.write_text("def test_x(reference):\n    reference('08', 'schemas')\n")
    assert staging.referenced_modules(test_file) == [("08", "schemas")]


# --- tamper: names and reports ----------------------------------------------------------------


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_solutions_and_starters_raise_no_flag(lesson):
    files = {}
    for source, _ in starters.solution_files(COURSE_ROOT, lesson):
        text = source.read_text()
        files[f"solution/{source.name}"] = text.encode()
        files[f"starter/{source.name}"] = starters.make_starter(text, source.name).encode()
    assert tamper.scan(files, lesson) == []


def test_the_names_an_attack_needs_are_flags():
    code = b'''"""A docstring may say solutions and /proc: prose, not data."""
import gc as collector
from os import getppid
import mlops_course.grading.plugin as grader
pattern = re.compile("x")
path = "/proc/%d/fd/1" % getppid()
objects = collector.get_objects()
grader.TestResult
'''
    flags = tamper.scan({"lessons/01-what-is-mlops/exercises/baseline.py": code}, "01")
    assert len(flags) == 1 and flags[0].startswith("baseline.py uses ")
    for name in ("/proc", "gc.get_objects", "os.getppid", "mlops_course.grading.plugin.TestResult"):
        assert name in flags[0]
    assert "compile" not in flags[0].split("uses ")[1], "re.compile is not the compile builtin"
    assert "solutions" not in flags[0], "docstrings are prose"


def test_a_lesson_may_use_what_its_own_code_uses():
    suite = b"import pytest\n\ndef test_x():\n    with pytest.raises(ValueError):\n        pass\n"
    assert tamper.scan({"test_preprocessing.py": suite}, "05") == []
    assert tamper.scan({"test_preprocessing.py": b"import pytest\npytest.hookimpl\n"}, "05")


def _report(names: list[str], planted: list[str], outcome: str = "failed") -> GradeReport:
    results = [result(name, outcome="passed", earned=1.0) for name in names]
    results += [result(name, outcome=outcome) for name in planted]
    return GradeReport(collected=[], results=results, canaries=planted)


def test_a_report_must_carry_its_planted_checks_failed():
    seed = "seed"
    collected = [
        CollectedTest(test="test_a", lesson="99", exercise="add", points=1, hint="", more="")
    ]
    planted = canaries.names(seed)
    assert tamper.check_report(_report(["test_a"], planted), seed, collected) == []
    assert tamper.check_report(_report(["test_a"], []), seed, collected) == [
        tamper.REPORT_NOT_THE_GRADERS
    ]
    passed = tamper.check_report(_report(["test_a"], planted, "passed"), seed, collected)
    assert passed == [tamper.PLANTED_CHECK_PASSED]
    invented = tamper.check_report(_report(["test_a", "test_b"], planted), seed, collected)
    assert invented == [tamper.UNKNOWN_TESTS]


def test_feedback_quotes_no_grading_test_and_no_scratch_path():
    quote = "def test_run_fingerprint_exists(fingerprint):"
    assert "fingerprint" not in sandbox.redact(f"RuntimeError: {quote}", "01")
    moved = sandbox.redact(f"FileNotFoundError: {namespaces.SUBMISSION}/lessons/x.py", "01")
    assert moved == "FileNotFoundError: <submission>/lessons/x.py"
    assert len(sandbox.redact("x" * 5000, "01")) < 1100


# --- what a learner reads ----------------------------------------------------------------------


def test_a_shared_crash_comes_first_and_once_and_starters_wait_in_one_line():
    crash = "your code raised AttributeError: 'NoneType' has no 'mean' (baseline.py, line 3)"
    failed = [
        result("test_share", "expected 0.5, saw 0.4", exercise="share"),
        result("test_a", crash, exercise="baseline"),
        result("test_b", "not written yet (TODO)", exercise="split"),
        result("test_c", crash, exercise="baseline"),
        result("test_d", "x.py could not be imported: not written yet (TODO)", exercise="split"),
    ]
    fixes = feedback.fixes(failed)
    assert [fix.kind for fix in fixes] == ["crash", "failed", "waiting"]
    assert [test.test for test in fixes[0].tests] == ["test_a", "test_c"] and not fixes[0].hint
    assert fixes[2].headline() == "split: not written yet (2 checks waiting)"


def test_course_check_prints_the_fix_only_when_asked(monkeypatch):
    tests = [result("test_add", "expected 5, saw -1"), result("test_ok", earned=1.0)]
    outcome = LessonOutcome("99", "graded", tests=tests)
    monkeypatch.setattr(check, "run_lesson", lambda *args, **kwargs: outcome)
    plain, complete = check.check_lesson("99")
    assert not complete and "hint: hint of test_add" in plain and "fix of" not in plain
    more, _ = check.check_lesson("99", more=True)
    lines = more.splitlines()
    assert lines[lines.index("    hint: hint of test_add") + 1] == "    more: fix of test_add"


def test_the_gradebook_feedback_groups_and_names_flags():
    crash = "your code raised KeyError: 'Churn' (baseline.py, line 9)"
    tests = [result(name, crash).model_dump() for name in ("test_a", "test_b", "test_c")]
    entry = {
        "total": 0.0,
        "lessons": {
            "01": {"score": 0.0, "max": 3.0, "status": "graded", "cause": "", "flags": [],
                   "tests": tests},
            "02": {"score": 0.0, "max": 3.0, "status": "flagged", "cause": "", "tests": [],
                   "flags": ["baseline.py uses gc.get_objects, which ..."]},
        },
    }  # fmt: skip
    text = gradebook._feedback("ada", entry, {"max_total": 6.0})
    assert text.count("KeyError") == 1 and "hint of" not in text
    assert "flagged it for tampering" in text and "gc.get_objects" in text


# --- control groups on every kind of machine ---------------------------------------------------

V1 = """30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
31 25 0:27 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
32 25 0:28 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
"""


def test_hybrid_machines_use_their_v1_memory_and_pids():
    mounts = cgroups.read_mounts(V1)
    assert [(m.fstype, sorted(m.controllers)) for m in mounts] == [
        ("cgroup", ["memory"]),
        ("cgroup", ["pids"]),
        ("cgroup2", []),
    ]
    own = cgroups.read_own_groups("9:pids:/\n4:memory:/grader\n0::/\n")
    assert own == {"pids": "/", "memory": "/grader", "": "/"}


def _fake_proc(tmp_path: Path, mountinfo: str, own: str) -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "mountinfo").write_text(mountinfo)
    (proc / "self" / "cgroup").write_text(own)
    return proc


def test_delegated_v2_moves_the_grader_to_a_leaf_and_hands_down_controllers(tmp_path):
    root = tmp_path / "unified"
    group = root / "user.slice" / "me"
    group.mkdir(parents=True)
    (group / "cgroup.controllers").write_text("cpu memory pids\n")
    (group / "cgroup.subtree_control").write_text("")
    (group / "cgroup.procs").write_text(f"{os.getpid()}\n")
    proc = _fake_proc(
        tmp_path, f"32 25 0:28 / {root} rw - cgroup2 cgroup2 rw\n", "0::/user.slice/me\n"
    )
    made = cgroups.prepare(proc)
    assert made.version == 2 and made.hierarchies[0].base.parent == group
    assert (group / f"course-grader-{os.getpid()}" / "cgroup.procs").read_text() == str(os.getpid())
    assert (group / "cgroup.subtree_control").read_text() == "+memory +pids"


def test_v2_without_the_controllers_says_how_to_delegate(tmp_path):
    root = tmp_path / "unified"
    (root / "me").mkdir(parents=True)
    (root / "me" / "cgroup.controllers").write_text("cpu\n")
    proc = _fake_proc(tmp_path, f"32 25 0:28 / {root} rw - cgroup2 cgroup2 rw\n", "0::/me\n")
    with pytest.raises(cgroups.CgroupError, match="Delegate=yes"):
        cgroups.prepare(proc)


def test_no_cgroup_at_all_is_refused(tmp_path):
    with pytest.raises(cgroups.CgroupError, match="no memory and pids"):
        cgroups.prepare(_fake_proc(tmp_path, "", "0::/\n"))


# --- the server: its allowlist, its death, and no sandbox at all -------------------------------


def test_the_server_sees_an_allowlist_and_no_secret(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    config = namespaces.ServerConfig(
        str(COURSE_ROOT), switch_to_nobody=True, limits=namespaces.Limits()
    )
    command = bubblewrap.server_command(
        config, {"memory": Path("/sys/fs/cgroup/memory/x")}, ["true"]
    )
    mounted = {command[i + 1] for i, word in enumerate(command) if word in ("--ro-bind", "--bind")}
    assert str(COURSE_ROOT / "mlops_course") in mounted
    assert str(COURSE_ROOT / "tests" / "lessons") in mounted
    for never in ("solutions", "lessons", ".git", "workspace", "capstone", "tests/course"):
        assert str(COURSE_ROOT / never) not in mounted, never
    assert "/" not in mounted and str(Path.home()) not in mounted
    assert "do-not-leak" not in command and "--clearenv" in command


def test_a_server_that_dies_is_replaced(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(
        "import json, os, sys\n"
        "for line in sys.stdin:\n"
        "    if json.loads(line).get('die'):\n"
        "        os._exit(9)\n"
        "    print(json.dumps({'pid': os.getpid()}), flush=True)\n"
    )
    command = [sys.executable, str(script)]
    try:
        first = warm.server_for(command, env=None).ask({}, deadline=None)
        assert warm.server_for(command, env=None).ask({"die": True}, deadline=None) is None
        again = warm.server_for(command, env=None).ask({}, deadline=None)
        assert first and again and again["pid"] != first["pid"]
    finally:
        warm.stop_servers()


def test_no_sandbox_here_is_one_line_and_no_gradebook(tmp_path, monkeypatch, capsys):
    def unavailable(*args, **kwargs):
        raise sandbox.SandboxUnavailable("bubblewrap (bwrap) is not installed: install it")

    monkeypatch.setattr(gradebook, "Sandbox", unavailable)
    (tmp_path / "class" / "ed").mkdir(parents=True)
    code = cli.main(
        ["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--lessons", "01"]
    )
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1 and "bwrap" in error
    assert not (tmp_path / "out").exists()


def test_grading_without_the_sandbox_is_recorded(tmp_path, capsys):
    (tmp_path / "class" / "ed").mkdir(parents=True)  # hands in nothing: no server starts
    out = tmp_path / "out"
    code = cli.main(
        ["grade", str(tmp_path / "class"), "--out", str(out), "--lessons", "01", "--no-sandbox"]
    )
    assert code == 0 and "WITHOUT a sandbox" in capsys.readouterr().out
    assert '"sandboxed": false' in (out / "grades.json").read_text()


def test_a_server_that_cannot_start_stops_grading_rather_than_fail_every_pair(monkeypatch):
    try:
        grader = sandbox.Sandbox(timeout=5, memory_mb=256)
    except sandbox.SandboxUnavailable as error:
        if in_ci():
            pytest.fail(f"no grading sandbox here ({error}); COURSE_CI=1 requires one")
        pytest.skip(f"no grading sandbox here: {error}")
    try:
        grader.command = [sys.executable, "-c", "import sys; sys.exit('cannot import churn')"]
        with pytest.raises(sandbox.SandboxBroken, match="cannot import churn"):
            grader.run({}, None)
    finally:
        warm.stop_servers()
        grader.close()
