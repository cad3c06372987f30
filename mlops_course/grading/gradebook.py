"""Grade a class: every (learner, lesson) pair in a sandbox of its own, scored by the grader.

Writes ``grades.csv`` (learner, one column per lesson, total, flags),
``grades.json`` (every test's outcome, and whether a sandbox was used) and
``feedback/<learner>.md``. With ``sandbox=False`` (``course grade
--no-sandbox``) pairs run the way they did before the sandbox existed:
copied and forked from a warm server that trusts them; the gradebook says so.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mlops_course.grading.feedback import fixes
from mlops_course.grading.report import TestResult
from mlops_course.grading.runner import LessonOutcome, collect_points, run_lesson
from mlops_course.grading.sandbox import Sandbox
from mlops_course.grading.targets import course_lessons, exercises_dir, lessons_root
from mlops_course.grading.warm import stop_servers

DEFAULT_TIMEOUT = 90.0
DEFAULT_MEMORY_MB = 4096

Gradebook = dict[str, Any]


def grade_class(
    submissions: Path,
    out: Path,
    lessons: list[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    jobs: int = 2,
    sandbox: bool = True,
    docker: bool = False,
) -> Gradebook:
    """Grade every learner folder in ``submissions`` and write the gradebook to ``out``.

    Args:
        submissions: a folder with one subfolder per learner (a copy of the course).
        out: where grades.csv, grades.json and feedback/ go.
        lessons: lesson numbers to grade (default: every lesson of the course).
        timeout: seconds one (learner, lesson) run may take.
        memory_mb: memory one run may use, all its processes together.
        jobs: how many runs at once.
        sandbox: grade each pair in a sandbox (False trusts every submission).
        docker: also build and run lesson 09's images (``docker_check``, on this side).

    Returns:
        The gradebook as written to grades.json.

    Raises:
        SandboxUnavailable: ``sandbox`` is asked for and none can be had here.
    """
    lessons = lessons or list(course_lessons())
    learners = sorted(p.name for p in submissions.iterdir() if p.is_dir())
    collected = collect_points(lessons)
    maximum = {lesson: sum(test.points for test in tests) for lesson, tests in collected.items()}
    grader = Sandbox(timeout, memory_mb) if sandbox else None

    def grade(pair: tuple[str, str]) -> LessonOutcome:
        learner, lesson = submissions / pair[0], pair[1]
        if grader is None:
            outcome = _grade_trusting(learner, lesson, timeout, memory_mb)
        else:
            outcome = grader.grade(learner, lesson, collected[lesson])
        return outcome

    pairs = [(learner, lesson) for learner in learners for lesson in lessons]
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(pool.map(grade, pairs))
    finally:
        stop_servers()
        if grader is not None:
            grader.close()
    results = dict(zip(pairs, outcomes, strict=True))
    if docker:
        from mlops_course.grading.docker_check import add_image_checks

        add_image_checks(submissions, results, maximum)
    book = _gradebook(learners, lessons, maximum, results)
    book["sandboxed"] = sandbox
    _write(book, out)
    return book


def summary_table(book: Gradebook) -> str:
    """Format the gradebook as a plain-text table, one row per learner."""
    lessons = list(book["max_points"])
    header = ["learner", *lessons, "total", "flagged"]
    rows = [header]
    for learner, entry in book["learners"].items():
        scores = [_number(entry["lessons"][lesson]["score"]) for lesson in lessons]
        flagged = " ".join(n for n in lessons if entry["lessons"][n]["flags"])
        rows.append([learner, *scores, _number(entry["total"]), flagged])
    rows.append(
        [
            "(max)",
            *(_number(book["max_points"][n]) for n in lessons),
            _number(book["max_total"]),
            "",
        ]
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _grade_trusting(folder: Path, lesson: str, timeout: float, memory_mb: int) -> LessonOutcome:
    """Copy one learner's exercises for one lesson and grade the copy, trusting it."""
    source = exercises_dir(lessons_root(str(folder)), lesson)
    if source is None:
        return LessonOutcome(
            lesson,
            "missing",
            f"lesson {lesson} is missing: no lessons/{lesson}-*/exercises/ folder",
        )
    with tempfile.TemporaryDirectory(prefix=f"course-copy-{lesson}-") as scratch:
        copy = Path(scratch) / "lessons" / source.parent.name / "exercises"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return run_lesson(
            lesson,
            Path(scratch) / "lessons",
            timeout=timeout,
            memory_mb=memory_mb,
            workspace=Path(scratch) / "workspace",
            hide=scratch,
            warm=True,
        )


def _gradebook(
    learners: list[str],
    lessons: list[str],
    maximum: dict[str, float],
    outcomes: dict[tuple[str, str], LessonOutcome],
) -> Gradebook:
    book: Gradebook = {
        "max_points": maximum,
        "max_total": sum(maximum.values()),
        "learners": {},
    }
    for learner in learners:
        entries: dict[str, dict[str, Any]] = {}
        for lesson in lessons:
            outcome = outcomes[(learner, lesson)]
            entries[lesson] = {
                "score": outcome.score,
                "max": maximum[lesson],
                "status": outcome.status,
                "cause": outcome.cause,
                "flags": outcome.flags,
                "tests": [
                    test.model_dump() for test in sorted(outcome.tests, key=lambda t: t.test)
                ],
            }
        total = sum(outcomes[(learner, lesson)].score for lesson in lessons)
        book["learners"][learner] = {"total": total, "lessons": entries}
    return book


def _write(book: Gradebook, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.json").write_text(json.dumps(book, indent=2, sort_keys=True) + "\n")
    lessons = list(book["max_points"])
    with open(out / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["learner", *lessons, "total", "flags"])
        for learner, entry in book["learners"].items():
            scores = [_number(entry["lessons"][lesson]["score"]) for lesson in lessons]
            flags = "; ".join(
                f"{lesson}: {flag}"
                for lesson in lessons
                for flag in entry["lessons"][lesson]["flags"]
            )
            writer.writerow([learner, *scores, _number(entry["total"]), flags])
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for learner, entry in book["learners"].items():
        (feedback / f"{learner}.md").write_text(_feedback(learner, entry, book))


def _feedback(learner: str, entry: dict[str, Any], book: Gradebook) -> str:
    lines = [
        f"# Feedback for {learner}",
        "",
        f"Total: **{_number(entry['total'])} / {_number(book['max_total'])}** points.",
        "",
        "| lesson | points | status |",
        "|---|---|---|",
    ]
    for lesson, result in entry["lessons"].items():
        points = f"{_number(result['score'])} / {_number(result['max'])}"
        lines.append(f"| {lesson} | {points} | {result['status']} |")
    for lesson, result in entry["lessons"].items():
        tests = [TestResult.model_validate(test) for test in result["tests"]]
        failed = [test for test in tests if test.earned < test.points]
        if result["status"] == "graded" and not failed:
            continue
        lines += ["", f"## Lesson {lesson}", ""]
        if result["flags"]:
            lines.append("No points for this lesson: the grader flagged it for tampering.")
            lines += [f"- {flag}" for flag in result["flags"]]
            lines.append("If that is a mistake, show your instructor this file.")
            continue
        if result["status"] != "graded":
            lines.append(f"No points for this lesson: {result['cause']}.")
        for fix in fixes(failed):
            lines.append(f"- **{fix.headline()}**")
            if fix.kind == "failed":
                test = fix.tests[0]
                points = f"{_number(test.earned)}/{_number(test.points)}"
                lines.append(f"  - {test.message} ({points})")
            if fix.kind == "crash":
                lines.append(f"  - it fails: {', '.join(f'`{t.test}`' for t in fix.tests)}")
            if fix.hint:
                lines.append(f"  - hint: {fix.hint}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return f"{value:g}"
