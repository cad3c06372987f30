"""``course check NN``: grade the learner's own working copy of one lesson, kindly."""

from __future__ import annotations

from mlops_course.grading.runner import run_lesson
from mlops_course.workspace import root as workspace_root


def check_lesson(lesson: str, target: str = "lessons") -> tuple[str, bool]:
    """Run one lesson's grading tests and return (friendly report, all points earned).

    The report lists points per exercise in the order the tests define them,
    then what to fix, exercise by exercise; an exercise not started yet is one
    line, not one line per test.
    """
    outcome = run_lesson(lesson, target, workspace=workspace_root() / lesson / "check")
    if outcome.status != "graded":
        return f"Lesson {lesson}: no points. {outcome.cause}", False
    results = {test["test"]: test for test in outcome.tests}
    exercises: dict[str, list[dict]] = {}
    for test in outcome.collected:
        if test["points"] > 0:
            exercises.setdefault(test["exercise"], []).append(results.get(test["test"], test))
    width = max((len(name) for name in exercises), default=8)
    lines = [f"Lesson {lesson}", ""]
    fixes: list[str] = []
    for name, tests in exercises.items():
        earned = sum(test.get("earned", 0.0) for test in tests)
        possible = sum(test["points"] for test in tests)
        mark = "ok " if earned == possible else "   "
        lines.append(f"  {mark}{name.ljust(width)}  {earned:g} / {possible:g}")
        fixes += _what_to_fix(name, [t for t in tests if t.get("earned", 0.0) < t["points"]])
    earned_total = sum(t.get("earned", 0.0) for tests in exercises.values() for t in tests)
    possible_total = sum(t["points"] for tests in exercises.values() for t in tests)
    lines += ["", f"  total: {earned_total:g} / {possible_total:g} points"]
    if fixes:
        lines += ["", "What to fix:", *fixes]
    return "\n".join(lines), earned_total == possible_total


def _what_to_fix(exercise: str, failed: list[dict]) -> list[str]:
    if not failed:
        return []
    if all(test.get("message", "").startswith("not written yet") for test in failed):
        return [
            f"- {exercise}: not written yet ({len(failed)} checks waiting)",
            f"    hint: {failed[0].get('hint', '')}",
        ]
    lines = []
    for test in failed:
        lines.append(f"- {exercise}: {test['test']}")
        lines.append(f"    {test.get('message') or 'did not run'}")
        if test.get("hint"):
            lines.append(f"    hint: {test['hint']}")
    return lines
