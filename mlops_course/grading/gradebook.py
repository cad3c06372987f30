"""Grade a class: every (learner, lesson) pair in its own copy, process and limits.

Writes ``grades.csv`` (learner, one column per lesson, total), ``grades.json``
(every test's outcome) and ``feedback/<learner>.md``.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mlops_course.grading.runner import LessonOutcome, collect_points, run_lesson
from mlops_course.grading.targets import course_lessons, exercises_dir, lessons_root
from mlops_course.grading.warm import stop_servers

DEFAULT_TIMEOUT = 90.0
DEFAULT_MEMORY_MB = 4096


def grade_class(
    submissions: Path,
    out: Path,
    lessons: list[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    jobs: int = 2,
    docker: bool = False,
) -> dict:
    """Grade every learner folder in ``submissions`` and write the gradebook to ``out``.

    Args:
        submissions: a folder with one subfolder per learner (a copy of the course).
        out: where grades.csv, grades.json and feedback/ go.
        lessons: lesson numbers to grade (default: every lesson of the course).
        timeout: seconds one (learner, lesson) run may take.
        memory_mb: memory limit of one run.
        jobs: how many runs at once.
        docker: also build and run lesson 09's images (``docker_check``, on this side).

    Returns:
        The gradebook as written to grades.json.
    """
    lessons = lessons or list(course_lessons())
    learners = sorted(p.name for p in submissions.iterdir() if p.is_dir())
    maximum = {
        lesson: sum(test["points"] for test in tests)
        for lesson, tests in collect_points(lessons).items()
    }
    pairs = [(learner, lesson) for learner in learners for lesson in lessons]
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(
                pool.map(
                    lambda pair: _grade_pair(submissions / pair[0], pair[1], timeout, memory_mb),
                    pairs,
                )
            )
    finally:
        stop_servers()
    results = dict(zip(pairs, outcomes, strict=True))
    if docker:
        from mlops_course.grading.docker_check import add_image_checks

        add_image_checks(submissions, results, maximum)
    book = _gradebook(learners, lessons, maximum, results)
    _write(book, out)
    return book


def summary_table(book: dict) -> str:
    """Format the gradebook as a plain-text table, one row per learner."""
    lessons = list(book["max_points"])
    header = ["learner", *lessons, "total"]
    rows = [header]
    for learner, entry in book["learners"].items():
        scores = [_number(entry["lessons"][lesson]["score"]) for lesson in lessons]
        rows.append([learner, *scores, _number(entry["total"])])
    rows.append(
        ["(max)", *(_number(book["max_points"][n]) for n in lessons), _number(book["max_total"])]
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    )


def _grade_pair(folder: Path, lesson: str, timeout: float, memory_mb: int) -> LessonOutcome:
    """Copy one learner's exercises for one lesson and grade the copy."""
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
) -> dict:
    book = {"max_points": maximum, "max_total": sum(maximum.values()), "learners": {}}
    for learner in learners:
        entries = {}
        for lesson in lessons:
            outcome = outcomes[(learner, lesson)]
            entries[lesson] = {
                "score": outcome.score,
                "max": maximum[lesson],
                "status": outcome.status,
                "cause": outcome.cause,
                "tests": sorted(outcome.tests, key=lambda test: test["test"]),
            }
        total = sum(entry["score"] for entry in entries.values())
        book["learners"][learner] = {"total": total, "lessons": entries}
    return book


def _write(book: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.json").write_text(json.dumps(book, indent=2, sort_keys=True) + "\n")
    lessons = list(book["max_points"])
    with open(out / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["learner", *lessons, "total"])
        for learner, entry in book["learners"].items():
            scores = [_number(entry["lessons"][lesson]["score"]) for lesson in lessons]
            writer.writerow([learner, *scores, _number(entry["total"])])
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for learner, entry in book["learners"].items():
        (feedback / f"{learner}.md").write_text(_feedback(learner, entry, book))


def _feedback(learner: str, entry: dict, book: dict) -> str:
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
        failed = [test for test in result["tests"] if test["earned"] < test["points"]]
        if result["status"] == "graded" and not failed:
            continue
        lines += ["", f"## Lesson {lesson}", ""]
        if result["status"] != "graded":
            lines.append(f"No points for this lesson: {result['cause']}.")
        for test in failed:
            lines.append(
                f"- **{test['exercise']}** `{test['test']}` "
                f"({_number(test['earned'])}/{_number(test['points'])}): {test['message']}"
            )
            if test["hint"]:
                lines.append(f"  - hint: {test['hint']}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return f"{value:g}"
