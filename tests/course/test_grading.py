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
from mlops_course.grading import gradebook
from mlops_course.grading.check import check_lesson
from mlops_course.grading.runner import grading_environment
from mlops_course.grading.targets import course_lessons
from mlops_course.workspace import COURSE_ROOT

LESSONS = course_lessons()
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".venv-canary", "workspace", "node_modules", "__pycache__", ".cache"
)


def _use_solutions(course_copy: Path) -> None:
    for folder in LESSONS.values():
        target = course_copy / "lessons" / folder / "exercises"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(COURSE_ROOT / "solutions" / folder / "exercises", target)


def _use_fresh_starters(course_copy: Path) -> None:
    for source, target in starters.solution_files(COURSE_ROOT):
        copy = course_copy / target.relative_to(COURSE_ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(starters.make_starter(source.read_text(), source.name))


def _first_exercise_file(course_copy: Path, lesson: str) -> Path:
    return sorted((course_copy / "lessons").glob(f"{lesson}-*/exercises/*.py"))[0]


def _sabotage(course_copy: Path, lesson: str, code: str) -> None:
    """Append module-level code that runs when the file is imported."""
    path = _first_exercise_file(course_copy, lesson)
    path.write_text(path.read_text() + "\n" + code + "\n")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Path:
    """Five learners: complete, untouched starters, an endless loop, os._exit, nothing."""
    room = tmp_path_factory.mktemp("class")
    for learner in ("ada", "bo", "cy", "di"):
        shutil.copytree(COURSE_ROOT, room / learner, ignore=COPY_IGNORE)
    _use_solutions(room / "ada")
    _use_fresh_starters(room / "bo")
    _use_solutions(room / "cy")
    _sabotage(room / "cy", "01", "while True:\n    pass")
    _use_solutions(room / "di")
    _sabotage(room / "di", "01", "import os\nos._exit(1)")
    # A learner's own conftest must never run: this one would fail everything.
    (room / "ada" / "tests" / "conftest.py").write_text(
        "raise SystemExit('learner conftest ran')\n"
    )
    (room / "ed").mkdir()  # handed in nothing
    return room


@pytest.fixture(scope="module")
def graded(classroom, tmp_path_factory):
    out = tmp_path_factory.mktemp("gradebook")
    started = time.monotonic()
    book = gradebook.grade_class(classroom, out, timeout=40)
    return book, out, time.monotonic() - started


def test_full_zero_and_all_but_the_broken_lesson(graded):
    book, _, _ = graded
    maximum = book["max_points"]
    total = book["max_total"]
    learners = book["learners"]
    assert total > 0
    assert learners["ada"]["total"] == total, json.dumps(learners["ada"], indent=1)[:2000]
    assert learners["bo"]["total"] == 0
    assert learners["cy"]["total"] == total - maximum["01"]
    assert learners["di"]["total"] == total - maximum["01"]
    assert learners["ed"]["total"] == 0


def test_feedback_names_the_cause(graded):
    book, out, _ = graded
    assert book["learners"]["cy"]["lessons"]["01"]["status"] == "timeout"
    assert book["learners"]["di"]["lessons"]["01"]["status"] == "crashed"
    assert book["learners"]["ed"]["lessons"]["01"]["status"] == "missing"
    assert "endless loop" in (out / "feedback" / "cy.md").read_text()
    assert "os._exit" in (out / "feedback" / "di.md").read_text()
    assert "lesson 01 is missing" in (out / "feedback" / "ed.md").read_text()
    starters_feedback = (out / "feedback" / "bo.md").read_text()
    assert "not written yet" in starters_feedback and "hint:" in starters_feedback


def test_gradebook_files(graded):
    book, out, _ = graded
    with open(out / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["learner", *LESSONS, "total"]
    assert [row["learner"] for row in rows] == ["ada", "bo", "cy", "di", "ed"]
    assert float(rows[0]["total"]) == book["max_total"]
    assert json.loads((out / "grades.json").read_text()) == book


def test_grading_twice_gives_identical_json(graded, classroom, tmp_path):
    """Grade again: the complete learner on three lessons, the crashing one, the empty one.

    A lesson a copy does not hold is graded "missing" in a moment, so the second pass
    costs a fraction of the first while covering a pass, a crash and a missing folder.
    """
    book, _, _ = graded
    again_room = tmp_path / "class"
    again_room.mkdir()
    kept = {"ada": ["01", "05", "09"], "di": ["01", "02"], "ed": []}
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


def test_class_grading_is_fast_enough(graded):
    _, _, seconds = graded
    print(f"graded the class in {seconds:.1f} s")
    assert seconds < 180


def test_check_reports_points_per_exercise():
    report, complete = check_lesson("01", target="solutions")
    assert complete, report
    assert "total:" in report
    report, complete = check_lesson("01", target=str(COURSE_ROOT / "lessons"))
    assert not complete
    assert "hint:" in report


def test_plugin_turns_failures_into_teaching_messages(tmp_path):
    exercises = tmp_path / "lessons" / "99-demo" / "exercises"
    exercises.mkdir(parents=True)
    (exercises / "adder.py").write_text("def add(a, b):\n    return a - b\n")
    (exercises / "broken.py").write_text("def oops(:\n")
    test_file = tmp_path / "test_99_demo.py"
    test_file.write_text(
        "import pytest\n"
        "@pytest.mark.points(2, exercise='add', hint='use +, not -')\n"
        "def test_add(exercise):\n"
        "    got = exercise('99', 'adder').add(2, 3)\n"
        "    assert got == 5, f'expected add(2, 3) == 5, saw {got}'\n"
        "@pytest.mark.points(1, exercise='oops', hint='fix the syntax')\n"
        "def test_oops(exercise):\n"
        "    exercise('99', 'broken').oops()\n"
        "@pytest.mark.points(1, exercise='missing', hint='create it')\n"
        "def test_missing(exercise):\n"
        "    exercise('99', 'nothing_here')\n"
    )
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "mlops_course.grading.plugin",
            "-p",
            "no:cacheprovider",
            f"--target={tmp_path / 'lessons'}",
            f"--grade-json={report}",
            "--rootdir",
            str(tmp_path),
            "-c",
            "/dev/null",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=grading_environment(tmp_path),
    )
    assert result.returncode == 1
    assert "[99 add] test_add (2 pts)" in result.stdout
    assert "expected add(2, 3) == 5, saw -1" in result.stdout
    assert "hint: use +, not -" in result.stdout
    assert "Traceback" not in result.stdout
    tests = {test["test"]: test for test in json.loads(report.read_text())["results"]}
    assert "syntax error on line 1" in tests["test_oops"]["message"]
    assert "99-demo/exercises/nothing_here.py is missing" in tests["test_missing"]["message"]
    assert sum(test["earned"] for test in tests.values()) == 0


def test_every_graded_test_fails_against_the_starters(graded):
    """The learner who handed in the fresh starters: every test that carries points fails."""
    book, _, _ = graded
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
            test["outcome"] != "passed" for test in outcome.tests
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
            if test["points"] > 0:
                counts[test["exercise"]] = counts.get(test["exercise"], 0) + 1
        assert counts, f"lesson {lesson} has no graded tests"
        thin = {name: n for name, n in counts.items() if n < 3}
        assert not thin, f"lesson {lesson}: exercises with fewer than 3 graded tests: {thin}"
