"""Learner starters, generated from the solutions: one source of truth.

A solution file marks each graded region::

    # BEGIN SOLUTION hint: sort the keys before hashing
    ...solution lines...
    # END SOLUTION

In a Python file the region becomes a ``# TODO: <hint>`` line and
``raise NotImplementedError``. In any other file (YAML, Dockerfile) it becomes
the ``# STARTER:`` block that may follow it (its lines uncommented) under a
``# TODO: <hint>`` line, or just the TODO line when there is no such block::

    # END SOLUTION
    # STARTER:
    # stages: {}
    # END STARTER
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?P<rest>.*)$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
STARTER_BEGIN = re.compile(r"^\s*# STARTER:\s*$")
STARTER_END = re.compile(r"^\s*# END STARTER\s*$")
HINT = re.compile(r"^\s+hint:\s*(?P<hint>\S.*?)\s*$")


class MarkerError(ValueError):
    """A solution file whose markers are unbalanced or lack a hint."""


@dataclass(frozen=True)
class Region:
    """One graded region: where it starts and ends (0-based line indexes) and its hint."""

    begin: int
    end: int
    indent: str
    hint: str
    starter: tuple[str, ...] | None  # uncommented STARTER lines, non-Python files only
    starter_end: int | None  # index of the '# END STARTER' line


def find_regions(text: str, name: str, python: bool) -> list[Region]:
    """Parse and validate the solution markers of one file.

    Raises:
        MarkerError: a region without a hint, nested or unbalanced markers,
            or a STARTER block that does not follow a region.
    """
    lines = text.splitlines()
    regions: list[Region] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        begin = BEGIN.match(line)
        if END.match(line):
            raise MarkerError(f"{name}:{index + 1}: END SOLUTION without BEGIN SOLUTION")
        if STARTER_BEGIN.match(line) or STARTER_END.match(line):
            raise MarkerError(f"{name}:{index + 1}: STARTER block must follow an END SOLUTION")
        if not begin:
            index += 1
            continue
        hint = HINT.match(begin.group("rest"))
        if not hint:
            raise MarkerError(
                f"{name}:{index + 1}: BEGIN SOLUTION needs a hint ('# BEGIN SOLUTION hint: ...')"
            )
        end = _find_end(lines, index, name)
        starter, starter_end = (None, None) if python else _find_starter(lines, end, name)
        regions.append(
            Region(index, end, begin.group("indent"), hint.group("hint"), starter, starter_end)
        )
        index = (starter_end if starter_end is not None else end) + 1
    return regions


def make_starter(text: str, name: str, only: int | None = None) -> str:
    """Return the starter version of a solution file's text.

    Args:
        text: the solution file's content.
        name: its file name (the suffix decides Python or not; used in errors).
        only: stub only the region with this index and keep the others as
            solutions (used to prove that each region is tested).
    """
    python = name.endswith(".py")
    lines = text.splitlines()
    regions = find_regions(text, name, python)
    output: list[str] = []
    position = 0
    for number, region in enumerate(regions):
        if only is not None and number != only:
            continue
        output.extend(lines[position : region.begin])
        output.extend(_stub_lines(region, python))
        position = (region.starter_end if region.starter_end is not None else region.end) + 1
    output.extend(lines[position:])
    return "\n".join(output) + ("\n" if text.endswith("\n") else "")


def count_regions(path: Path) -> int:
    """Return how many graded regions a solution file holds."""
    return len(find_regions(path.read_text(), path.name, path.suffix == ".py"))


def solution_files(course_root: Path, lesson: str = "[0-9][0-9]") -> list[tuple[Path, Path]]:
    """List (solution file, starter file) pairs for every lesson's exercises (or one lesson's)."""
    pairs = []
    for exercises in sorted((course_root / "solutions").glob(f"{lesson}-*/exercises")):
        lesson = exercises.parent.name
        for source in sorted(exercises.rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                target = (
                    course_root / "lessons" / lesson / "exercises" / source.relative_to(exercises)
                )
                pairs.append((source, target))
    return pairs


def write_starters(course_root: Path, lesson: str = "[0-9][0-9]") -> list[Path]:
    """Write every starter (or one lesson's) from its solution; return the files written."""
    written = []
    for source, target in solution_files(course_root, lesson):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(make_starter(source.read_text(), source.name))
        written.append(target)
    return written


def stale_starters(course_root: Path) -> list[str]:
    """Describe every starter that is missing or differs from what the generator makes."""
    problems = []
    for source, target in solution_files(course_root):
        expected = make_starter(source.read_text(), source.name)
        relative = target.relative_to(course_root)
        if not target.exists():
            problems.append(f"{relative}: missing")
        elif target.read_text() != expected:
            problems.append(f"{relative}: differs from {source.relative_to(course_root)}")
    return problems


def _find_end(lines: list[str], begin: int, name: str) -> int:
    for index in range(begin + 1, len(lines)):
        if BEGIN.match(lines[index]):
            raise MarkerError(f"{name}:{index + 1}: BEGIN SOLUTION inside another region")
        if END.match(lines[index]):
            return index
    raise MarkerError(f"{name}:{begin + 1}: BEGIN SOLUTION is never closed by END SOLUTION")


def _find_starter(
    lines: list[str], end: int, name: str
) -> tuple[tuple[str, ...] | None, int | None]:
    """Find the optional STARTER block right after a region's END line."""
    start = end + 1
    if start >= len(lines) or not STARTER_BEGIN.match(lines[start]):
        return None, None
    for index in range(start + 1, len(lines)):
        if STARTER_END.match(lines[index]):
            body = tuple(_uncomment(line) for line in lines[start + 1 : index])
            return body, index
        if not lines[index].lstrip().startswith("#"):
            break
    raise MarkerError(f"{name}:{start + 1}: STARTER block is never closed by END STARTER")


def _uncomment(line: str) -> str:
    """Turn '  # key: value' into '  key: value' (the first '# ' or '#' only)."""
    match = re.match(r"^(\s*)# ?(.*)$", line)
    return f"{match.group(1)}{match.group(2)}" if match else line


def _stub_lines(region: Region, python: bool) -> list[str]:
    todo = f"{region.indent}# TODO: {region.hint}"
    if python:
        message = repr(f"TODO: {region.hint}")
        return [todo, f"{region.indent}raise NotImplementedError({message})"]
    return [todo, *(region.starter or ())]
