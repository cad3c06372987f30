"""``course check NN``: grade the learner's own working copy of one lesson, kindly."""

from __future__ import annotations

from mlops_course.grading.feedback import fixes
from mlops_course.grading.report import TestResult
from mlops_course.grading.runner import run_lesson
from mlops_course.workspace import root as workspace_root


def check_lesson(lesson: str, target: str = "lessons", more: bool = False) -> tuple[str, bool]:
    """Run one lesson's grading tests and return (friendly report, all points earned).

    The report lists points per exercise in the order the tests define them,
    then what to fix: a crash several tests share first, once; an exercise
    not started yet in one line; then each failed check with its message and
    hint, and with ``more`` the concrete fix under the hint.
    """
    outcome = run_lesson(lesson, target, workspace=workspace_root() / lesson / "check")
    if outcome.status != "graded":
        return f"Lesson {lesson}: no points. {outcome.cause}", False
    exercises: dict[str, list[TestResult]] = {}
    for test in outcome.tests:
        if test.points > 0:
            exercises.setdefault(test.exercise, []).append(test)
    width = max((len(name) for name in exercises), default=8)
    lines = [f"Lesson {lesson}", ""]
    for name, tests in exercises.items():
        earned = sum(test.earned for test in tests)
        possible = sum(test.points for test in tests)
        mark = "ok " if earned == possible else "   "
        lines.append(f"  {mark}{name.ljust(width)}  {earned:g} / {possible:g}")
    graded = [test for tests in exercises.values() for test in tests]
    earned_total = sum(test.earned for test in graded)
    possible_total = sum(test.points for test in graded)
    lines += ["", f"  total: {earned_total:g} / {possible_total:g} points"]
    failed = [test for test in graded if test.earned < test.points]
    if failed:
        lines += ["", "What to fix:"]
    for fix in fixes(failed):
        lines.append(f"- {fix.headline()}")
        if fix.kind == "failed":
            lines.append(f"    {fix.message}")
        if fix.kind == "crash":
            lines.append(f"    it fails: {', '.join(test.test for test in fix.tests)}")
        if fix.hint:
            lines.append(f"    hint: {fix.hint}")
        if more and fix.more:
            lines.append(f"    more: {fix.more}")
    return "\n".join(lines), earned_total == possible_total
