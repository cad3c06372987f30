"""The grading contract: friendly failures, isolated submissions, tests that can fail."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlops_course import starters
from mlops_course.grading import canaries, gradebook
from mlops_course.grading.check import check_lesson
from mlops_course.grading.classroom import BROKEN_LEARNERS_LESSONS, make_class
from mlops_course.grading.plugin import in_ci
from mlops_course.grading.runner import grading_environment
from mlops_course.grading.sandbox import SandboxUnavailable
from mlops_course.grading.targets import course_lessons
from mlops_course.workspace import COURSE_ROOT

LESSONS = course_lessons()


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Path:
    """Five learners: complete, untouched starters, an endless loop, os._exit, nothing.

    The endless loop and os._exit learners hand in three lessons, not eleven.
    """
    return make_class(tmp_path_factory.mktemp("class"), BROKEN_LEARNERS_LESSONS)


@pytest.fixture(scope="module")
def graded(classroom, tmp_path_factory):
    """The class graded as an instructor would: sandboxed (its time: benchmarks/grading.py)."""
    out = tmp_path_factory.mktemp("gradebook")
    started = time.monotonic()
    try:
        book = gradebook.grade_class(classroom, out, timeout=40)
    except SandboxUnavailable as error:
        if in_ci():
            pytest.fail(f"no grading sandbox here ({error}); COURSE_CI=1 requires one")
        pytest.skip(f"no grading sandbox here: {error}")
    print(f"graded the class in {time.monotonic() - started:.1f} s")
    return book, out


def test_full_zero_and_all_but_the_broken_lesson(graded):
    book, _ = graded
    maximum = book["max_points"]
    total = book["max_total"]
    learners = book["learners"]
    assert total > 0
    assert learners["ada"]["total"] == total, json.dumps(learners["ada"], indent=1)[:2000]
    assert learners["bo"]["total"] == 0
    # cy and di hand in 01 (broken), 06 and 11: only the broken lesson is lost.
    intact = sum(maximum[lesson] for lesson in BROKEN_LEARNERS_LESSONS if lesson != "01")
    assert learners["cy"]["total"] == intact
    assert learners["di"]["total"] == intact
    assert learners["ed"]["total"] == 0


def test_feedback_names_the_cause(graded):
    book, out = graded
    assert book["learners"]["cy"]["lessons"]["01"]["status"] == "timeout"
    assert book["learners"]["di"]["lessons"]["01"]["status"] == "crashed"
    assert book["learners"]["ed"]["lessons"]["01"]["status"] == "missing"
    assert "endless loop" in (out / "feedback" / "cy.md").read_text()
    assert "os._exit" in (out / "feedback" / "di.md").read_text()
    assert "lesson 01 is missing" in (out / "feedback" / "ed.md").read_text()
    starters_feedback = (out / "feedback" / "bo.md").read_text()
    assert "not written yet" in starters_feedback and "hint:" in starters_feedback


def test_gradebook_files(graded):
    book, out = graded
    with open(out / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["learner", *LESSONS, "total", "flags"]
    assert [row["learner"] for row in rows] == ["ada", "bo", "cy", "di", "ed"]
    assert float(rows[0]["total"]) == book["max_total"]
    assert all(row["flags"] == "" for row in rows), "an honest class raised flags"
    assert json.loads((out / "grades.json").read_text()) == book
    assert book["sandboxed"] is True


def test_grading_twice_gives_identical_json(graded, classroom, tmp_path):
    """Grade again: the complete learner on three lessons, the crashing one, the empty one.

    A lesson a copy does not hold is graded "missing" in a moment, so the second pass
    costs a fraction of the first while covering a pass, a crash and a missing folder.
    """
    book, _ = graded
    again_room = tmp_path / "class"
    again_room.mkdir()
    kept = {"ada": ["01", "05", "09"], "di": ["01", "06"], "ed": []}
    for learner, lessons in kept.items():
        copy = again_room / learner
        copy.mkdir()
        for folder in (classroom / learner).glob("lessons/[0-9][0-9]-*"):
            if folder.name[:2] in lessons:
                shutil.copytree(folder, copy / "lessons" / folder.name)
    again = gradebook.grade_class(again_room, tmp_path / "out", timeout=40)
    assert again["max_points"] == book["max_points"]
    for learner, lessons in kept.items():
        for lesson in lessons or LESSONS:
            first = json.dumps(book["learners"][learner]["lessons"][lesson], sort_keys=True)
            second = json.dumps(again["learners"][learner]["lessons"][lesson], sort_keys=True)
            assert second == first, f"{learner} lesson {lesson}"


def test_check_reports_points_per_exercise():
    report, complete = check_lesson("01", target="solutions")
    assert complete, report
    assert "total:" in report
    report, complete = check_lesson("01", target=str(COURSE_ROOT / "lessons"))
    assert not complete
    assert "hint:" in report


DEMO_TESTS = (
    "import pytest\n"
    "@pytest.mark.points(2, exercise='add', hint='use +, not -', more='return a + b')\n"
    "def test_add(exercise):\n"
    "    got = exercise('99', 'adder').add(2, 3)\n"
    "    assert got == 5, f'expected add(2, 3) == 5, saw {got}'\n"
    "@pytest.mark.points(1, exercise='oops', hint='fix the syntax')\n"
    "def test_oops(exercise):\n"
    "    exercise('99', 'broken').oops()\n"
    "@pytest.mark.points(1, exercise='missing', hint='create it')\n"
    "def test_missing(exercise):\n"
    "    exercise('99', 'nothing_here')\n"
    "def test_without_points():\n"
    "    pass\n"
)


def _run_demo(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Grade a demo lesson 99: an adder off by a sign, a syntax error, a missing file."""
    exercises = tmp_path / "lessons" / "99-demo" / "exercises"
    exercises.mkdir(parents=True)
    (exercises / "adder.py").write_text("def add(a, b):\n    return a - b\n")
    (exercises / "broken.py").write_text("def oops(:\n")
    test_file = tmp_path / "test_99_demo.py"
    test_file.write_text(DEMO_TESTS)
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pytest", "-p", "mlops_course.grading.plugin"]
    command += ["-p", "no:cacheprovider", f"--target={tmp_path / 'lessons'}"]
    command += [f"--grade-json={report}", "--rootdir", str(tmp_path), "-c", "/dev/null"]
    result = subprocess.run(
        [*command, *options, str(test_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=grading_environment(tmp_path),
    )
    return result, json.loads(report.read_text())


def test_plugin_turns_failures_into_teaching_messages(tmp_path):
    result, report = _run_demo(tmp_path)
    assert result.returncode == 1
    assert "[99 add] test_add (2 pts)" in result.stdout
    assert "expected add(2, 3) == 5, saw -1" in result.stdout
    assert "hint: use +, not -" in result.stdout
    assert "return a + b" not in result.stdout, "the concrete fix is shown only on request"
    assert "Traceback" not in result.stdout
    tests = {test["test"]: test for test in report["results"]}
    assert "syntax error on line 1" in tests["test_oops"]["message"]
    assert "99-demo/exercises/nothing_here.py is missing" in tests["test_missing"]["message"]
    assert tests["test_add"]["more"] == "return a + b"
    assert sum(test["earned"] for test in tests.values()) == 0
    assert report["canaries"] == []


def test_planted_checks_hide_among_the_tests_and_always_fail(tmp_path):
    """With a seed, three checks join the graded ones, with points, and fail whatever is graded."""
    seed = "0123456789abcdef"
    _, report = _run_demo(tmp_path, f"--grade-canaries={seed}")
    planted = canaries.names(seed)
    assert report["canaries"] == planted and len(set(planted)) == canaries.COUNT
    results = {test["test"]: test for test in report["results"]}
    for name in planted:
        assert results[name]["outcome"] == "failed" and results[name]["points"] > 0
        assert results[name]["exercise"] in {"add", "oops", "missing"}
    assert not {test["test"] for test in report["collected"]} & set(planted)
    assert planted != canaries.names("another seed")


def test_every_graded_test_fails_against_the_starters(graded):
    """The learner who handed in the fresh starters: every test that carries points fails."""
    book, _ = graded
    lessons = book["learners"]["bo"]["lessons"]
    graded_tests = [(lesson, test) for lesson, entry in lessons.items() for test in entry["tests"]]
    with_points = [(lesson, test) for lesson, test in graded_tests if test["points"] > 0]
    assert {lesson for lesson, _ in with_points} == set(LESSONS), "some lesson's tests never ran"
    passing = [f"{lesson} {t['test']}" for lesson, t in with_points if t["outcome"] == "passed"]
    assert not passing, f"graded tests that pass against the starters: {passing}"


def _stub_cases() -> list[tuple[str, Path, int]]:
    cases = []
    for source, _ in starters.solution_files(COURSE_ROOT):
        lesson = source.relative_to(COURSE_ROOT / "solutions").parts[0][:2]
        cases += [(lesson, source, i) for i in range(starters.count_regions(source))]
    return cases


def test_each_solution_region_is_tested(tmp_path):
    """Stub out one solution region at a time: that lesson's tests must catch it."""
    from mlops_course.grading.runner import run_lesson
    from mlops_course.grading.warm import stop_servers

    def survives(case: tuple[str, Path, int]) -> str | None:
        lesson, source, region = case
        root = tmp_path / f"{lesson}-{source.stem}-{region}"
        folder = source.parent.parent.name
        shutil.copytree(COURSE_ROOT / "solutions" / folder, root / folder)
        stubbed = root / source.relative_to(COURSE_ROOT / "solutions")
        stubbed.write_text(starters.make_starter(source.read_text(), source.name, only=region))
        outcome = run_lesson(
            lesson, root, timeout=120, workspace=root / "workspace", warm=True, first_failure=True
        )
        caught = outcome.status != "graded" or any(
            test.outcome != "passed" for test in outcome.tests
        )
        return None if caught else f"{source.name} region {region + 1}"

    cases = _stub_cases()
    assert cases
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            untested = [name for name in pool.map(survives, cases) if name]
    finally:
        stop_servers()
    print(f"stub proof: {len(cases)} regions in {time.monotonic() - started:.1f} s")
    assert not untested, f"no test fails when these regions are stubbed: {untested}"


def test_every_exercise_has_at_least_three_graded_tests():
    from mlops_course.grading.runner import collect_points

    for lesson, tests in collect_points(list(LESSONS)).items():
        counts: dict[str, int] = {}
        for test in tests:
            if test.points > 0:
                counts[test.exercise] = counts.get(test.exercise, 0) + 1
        assert counts, f"lesson {lesson} has no graded tests"
        thin = {name: n for name, n in counts.items() if n < 3}
        assert not thin, f"lesson {lesson}: exercises with fewer than 3 graded tests: {thin}"
