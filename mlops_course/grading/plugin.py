"""The pytest plugin behind every grade.

A grading test declares what it is worth and what to tell a learner who fails it::

    @pytest.mark.points(2, exercise="run_fingerprint", hint="Sort the keys first.",
                        more="sorted(params.items()) before json.dumps")
    def test_key_order_does_not_matter(fingerprint): ...

and loads the learner's code through the ``exercise`` fixture, never by a
plain import, so a file that does not import costs only its own tests.
On failure the report says which exercise, what was expected and seen
(the assertion message), and the hint, instead of a traceback; ``more`` is the
concrete fix, kept for ``course check NN --more``.
``--grade-json PATH`` writes every test's outcome and points (a ``GradeReport``);
``--grade-canaries SEED`` plants checks that must fail (see ``canaries``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Generator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import pytest

from mlops_course.grading import canaries
from mlops_course.grading.report import CollectedTest, GradeReport, TestResult, cut
from mlops_course.grading.targets import NAMED_TARGETS, exercises_dir, lessons_root

_LOADED: dict[tuple[str, str, str], ModuleType | str] = {}
_RESULTS = pytest.StashKey[dict[str, TestResult]]()
_COLLECTED = pytest.StashKey[list[CollectedTest]]()
_CANARIES = pytest.StashKey[list[str]]()
_Error = TypeVar("_Error", bound=BaseException)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The grading options: what to grade, where to report, the planted checks' seed."""
    group = parser.getgroup("grading")
    group.addoption(
        "--target",
        default="lessons",
        help="what to grade: 'lessons' (your working copy), 'solutions', or a submission folder",
    )
    group.addoption("--grade-json", default=None, help="write every test's outcome here as JSON")
    group.addoption(
        "--grade-canaries", default=None, help="plant checks that must fail, drawn from this seed"
    )
    group.addoption(
        "--no-sandbox",
        action="store_true",
        help="the course's own attack suite: grade its classes without the sandbox",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the points marker; start empty lists of results, tests and planted checks."""
    config.addinivalue_line(
        "markers",
        "points(n, exercise, hint, more=''): what a grading test is worth, its hint and its fix",
    )
    config.stash[_RESULTS] = {}
    config.stash[_COLLECTED] = []
    config.stash[_CANARIES] = []


@pytest.fixture(scope="session")
def exercise(request: pytest.FixtureRequest) -> Callable[[str, str], ModuleType]:
    """Return a loader: ``exercise("01", "fingerprint")`` imports that exercise file."""
    root = lessons_root(request.config.getoption("--target"))

    def load(lesson: str, module: str) -> ModuleType:
        return load_exercise(root, lesson, module)

    return load


@pytest.fixture(scope="session")
def exercise_file(request: pytest.FixtureRequest) -> Callable[[str, str], Path]:
    """Return a finder: ``exercise_file("03", "dvc.yaml")`` is that file's path in the target.

    For exercises that are not Python modules (YAML, Dockerfiles). A missing
    file fails the calling test with a plain message.
    """
    root = lessons_root(request.config.getoption("--target"))

    def find(lesson: str, name: str) -> Path:
        folder = exercises_dir(root, lesson)
        if folder is None:
            pytest.fail(
                f"lesson {lesson} is missing: no {lesson}-*/exercises folder", pytrace=False
            )
        if not (folder / name).is_file():
            pytest.fail(
                f"the exercise file {folder.parent.name}/exercises/{name} is missing", pytrace=False
            )
        return folder / name

    return find


@pytest.fixture(scope="session")
def reference() -> Callable[[str, str], ModuleType]:
    """Return a loader: ``reference("04", "tracking")`` imports lesson 04's *reference* solution.

    A lesson that builds on an earlier one is graded with the earlier lesson's
    reference code, never the learner's, so each lesson's grade stands on its own.
    """
    return load_reference


@pytest.fixture(scope="module")
def mlflow() -> Generator[Any, None, None]:
    """MLflow, imported once per module (it costs seconds); the tracking URI restored after."""
    import mlflow

    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield mlflow
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(before)  # type: ignore[arg-type]  # None forgets the URI set


def expect_error(kind: type[_Error], action: Callable[[], object], situation: str) -> _Error:
    """Run ``action``; return the error of ``kind`` it raises, or fail saying what it did.

    A starter's ``NotImplementedError`` is re-raised: it is a TODO, not the error asked for.
    """
    try:
        result = action()
    except NotImplementedError:
        raise
    except kind as error:
        return error
    except Exception as error:  # noqa: BLE001 - say which error came instead
        pytest.fail(
            f"expected a {kind.__name__} {situation}, saw {type(error).__name__}: {error}",
            pytrace=False,
        )
    pytest.fail(f"expected a {kind.__name__} {situation}, saw it return {result!r}", pytrace=False)


def load_reference(lesson: str, module: str) -> ModuleType:
    """Import ``solutions/<lesson>-*/exercises/<module>.py`` once, under a private name."""
    name = f"course_reference_{lesson}_{module}"
    if name not in sys.modules:
        folder = exercises_dir(NAMED_TARGETS["solutions"], lesson)
        if folder is None:
            raise FileNotFoundError(f"no reference solution of lesson {lesson} here")
        sys.modules[name] = _exec_file(name, folder / f"{module}.py")
    return sys.modules[name]


def load_exercise(root: Path, lesson: str, module: str) -> ModuleType:
    """Import ``root/<lesson>-*/exercises/<module>.py`` under a private name.

    A missing file or an error while importing fails the calling test with a
    plain message (no traceback); the outcome is remembered, so each file is
    imported once per run.
    """
    key = (str(root), lesson, module)
    if key not in _LOADED:
        _LOADED[key] = _import(root, lesson, module)
    loaded = _LOADED[key]
    if isinstance(loaded, str):
        pytest.fail(loaded, pytrace=False)
    return loaded


def _exec_file(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        del sys.modules[name]
        raise
    return loaded


def _import(root: Path, lesson: str, module: str) -> ModuleType | str:
    folder = exercises_dir(root, lesson)
    if folder is None:
        return f"lesson {lesson} is missing: no {lesson}-*/exercises folder in {root.name}/"
    path = folder / f"{module}.py"
    shown = f"{folder.parent.name}/exercises/{module}.py"
    if not path.is_file():
        return f"the exercise file {shown} is missing"
    try:
        return _exec_file(f"course_exercise_{lesson}_{module}", path)
    except SyntaxError as error:
        return f"{shown} has a syntax error on line {error.lineno}: {error.msg}"
    except NotImplementedError as error:
        return f"{shown} could not be imported: not written yet ({error})"
    except (Exception, SystemExit) as error:  # noqa: BLE001 - any import error is the learner's
        return f"{shown} could not be imported: {_describe(error, folder)}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Plant the checks that must fail, when a seed is given (last: after any reordering)."""
    seed = config.getoption("--grade-canaries")
    if seed:
        canaries.plant(items, seed)
        config.stash[_CANARIES] = canaries.names(seed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Record each graded test's outcome, and replace a failure's traceback by its lesson."""
    report = yield
    marker = item.get_closest_marker("points")
    if marker is None:
        return report
    points = float(marker.args[0]) if marker.args else 0.0
    exercise_name = str(marker.kwargs.get("exercise", ""))
    hint = str(marker.kwargs.get("hint", ""))
    more = str(marker.kwargs.get("more", ""))
    lesson = _lesson_of(item)
    results = item.config.stash[_RESULTS]

    def record(earned: float, outcome: str, message: str) -> None:
        results[item.nodeid] = TestResult.model_validate(
            {
                "test": item.name,
                "lesson": lesson,
                "exercise": exercise_name,
                "points": points,
                "earned": earned,
                "outcome": outcome,
                "message": cut(message),
                "hint": hint,
                "more": more,
            }
        )

    if report.when == "call" and report.passed:
        record(points, "passed", "")
    elif report.failed:
        message = _failure_message(call, item)
        record(0.0, "failed", message)
        label = f"[{lesson} {exercise_name}] {item.name} ({_format_points(points)})"
        lines = [label, f"  {cut(message)}".replace("\n", "\n  ")]
        if hint:
            lines.append(f"  hint: {hint}")
        report.longrepr = "\n".join(lines)
    elif report.skipped and item.nodeid not in results:
        record(0.0, "skipped", _skip_reason(report))
    return report


def pytest_collection_finish(session: pytest.Session) -> None:
    """Record every collected grading test, so crashed runs still know the maximum."""
    names: list[str] = session.config.stash[_CANARIES]
    planted = set(names)
    session.config.stash[_COLLECTED] = [
        CollectedTest(
            test=item.name,
            lesson=_lesson_of(item),
            exercise=str(marker.kwargs.get("exercise", "")),
            points=float(marker.args[0]) if marker.args else 0.0,
            hint=str(marker.kwargs.get("hint", "")),
            more=str(marker.kwargs.get("more", "")),
        )
        for item in session.items
        if (marker := item.get_closest_marker("points")) is not None and item.name not in planted
    ]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the ``GradeReport`` where ``--grade-json`` says."""
    path = session.config.getoption("--grade-json")
    if not path:
        return
    stash = session.config.stash
    report = GradeReport(
        collected=stash[_COLLECTED],
        results=[result for _, result in sorted(stash[_RESULTS].items())],
        canaries=stash[_CANARIES],
    )
    Path(path).write_text(report.model_dump_json(indent=2))


def _lesson_of(item: pytest.Item) -> str:
    """Lesson number from the test file name: test_04_tracking.py -> '04'."""
    parts = item.path.stem.split("_")
    return parts[1] if len(parts) > 1 and parts[1].isdigit() else ""


def _failure_message(call: pytest.CallInfo[None], item: pytest.Item) -> str:
    excinfo = call.excinfo
    if excinfo is None:
        return "failed"
    error = excinfo.value
    if isinstance(error, pytest.fail.Exception):
        return str(error.msg)
    if isinstance(error, AssertionError):
        text = str(error)
        explained = text.split("\nassert ")[0].strip()
        return explained or f"a check failed: {text.splitlines()[0] if text else 'assert'}"
    if isinstance(error, NotImplementedError):
        return f"not written yet ({error})" if str(error) else "not written yet"
    root = lessons_root(item.config.getoption("--target"))
    return f"your code raised {_describe(error, root)}"


def _describe(error: BaseException, inside: Path) -> str:
    """'ValueError: bad value (fingerprint.py, line 12)', pointing into the learner's file."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if str(inside) in str(Path(frame.filename).resolve())
    ]
    if frames:
        text += f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})"
    return text


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)


def _format_points(points: float) -> str:
    return f"{points:g} pt" if points == 1 else f"{points:g} pts"


# --- optional tools: skip where missing, fail under the course's CI ----------------


def in_ci() -> bool:
    """True when running under the course's CI, where every optional tool must exist."""
    return os.environ.get("COURSE_CI") == "1"


def find_tool(name: str, path: str | None = None) -> str:
    """Return the tool's path; skip with a reason if it is missing, or fail under CI.

    Args:
        name: the command, looked up on PATH unless ``path`` is given.
        path: an explicit file that must exist instead.
    """
    found = path if path and os.path.exists(path) else (None if path else shutil.which(name))
    if found:
        return found
    reason = f"{name} is not installed here ({path or 'not on PATH'}); run `make setup`"
    if in_ci():
        pytest.fail(f"{reason}. COURSE_CI=1 requires it.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require_tool() -> Callable[[str, str | None], str]:
    """The ``find_tool`` function, for tests that need an optional tool (Node, Docker)."""
    return find_tool
