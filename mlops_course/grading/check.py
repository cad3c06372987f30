"""``course check NN``: grade the learner's own working copy of one lesson, kindly."""

from __future__ import annotations

from collections import defaultdict

from mlops_course.grading.runner import run_lesson
from mlops_course.workspace import root as workspace_root


def check_lesson(lesson: str, target: str = "lessons") -> tuple[str, bool]:
    """Run one lesson's grading tests and return (friendly report, all points earned)."""
    outcome = run_lesson(lesson, target, workspace=workspace_root() / lesson / "check")
    if outcome.status != "graded":
        return f"Lesson {lesson}: no points. {outcome.cause}", False
    per_exercise: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for test in outcome.collected:
        per_exercise[test["exercise"]][1] += test["points"]
    for test in outcome.tests:
        per_exercise[test["exercise"]][0] += test["earned"]
    lines = [f"Lesson {lesson}", ""]
    width = max((len(name) for name in per_exercise), default=8)
    for name, (earned, possible) in per_exercise.items():
        mark = "ok " if earned == possible else "   "
        lines.append(f"  {mark}{name.ljust(width)}  {earned:g} / {possible:g}")
    earned_total = sum(earned for earned, _ in per_exercise.values())
    possible_total = sum(possible for _, possible in per_exercise.values())
    lines += ["", f"  total: {earned_total:g} / {possible_total:g} points"]
    failed = [test for test in outcome.tests if test["earned"] < test["points"]]
    if failed:
        lines += ["", "What to fix:"]
        for test in failed:
            lines.append(f"- {test['exercise']}: {test['test']}")
            lines.append(f"    {test['message']}")
            if test["hint"]:
                lines.append(f"    hint: {test['hint']}")
    return "\n".join(lines), not failed and earned_total == possible_total
