"""Grading tests for lesson 05: a unit-test suite, a directional test and the quality gate.

Exercise 1 is graded by running the learner's tests, not by reading them: the
learner's ``test_preprocessing.py`` runs beside the correct ``preprocessing.py``
and beside broken copies made here, one bug each. A broken copy the suite
fails on is a bug caught. The runs share one child process
(``lesson05_variants/run_suite.py``) so that Python and pandas start once.

Exercises 2 and 3 are graded against stand-in models and metrics built here,
whose right answers follow from their formulas.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlops_course.grading.runner import grading_environment
from mlops_course.grading.targets import exercises_dir, lessons_root
from mlops_course.workspace import COURSE_ROOT

LESSON = "05"
SUITE_FILE = "test_preprocessing.py"
REFERENCE = (
    COURSE_ROOT / "solutions" / "05-testing-and-quality-gates" / "exercises" / "preprocessing.py"
)
RUNNER = Path(__file__).resolve().parent / "lesson05_variants" / "run_suite.py"
SUITE_TIMEOUT = 60  # seconds for the learner's suite against every version together


def short(items: list, limit: int = 6) -> str:
    """A list for a message: its first few items and how many there are."""
    items = list(items)
    shown = ", ".join(repr(item) for item in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}] ({len(items)} in all)"


# --- test_preprocessing: the learner's suite against broken copies ----------------------------


@dataclass(frozen=True)
class Bug:
    """One broken copy of preprocessing.py: what is wrong, and the edit that breaks it."""

    description: str
    correct: str  # text of the correct version, found exactly once
    broken: str  # what replaces it


BUGS = {
    "scaler_fit_on_test": Bug(
        "the test rows are scaled with their own mean and standard deviation instead of "
        "train's (a scaler fit on test data)",
        "X_test = _assemble(test, scale(test_numbers, mean, std))",
        "X_test = _assemble(test, scale(test_numbers, *fit_scaler(test_numbers)))",
    ),
    "total_charges_zero_for_everyone": Bug(
        "every TotalCharges becomes 0.0, not only the blanks (str.isdigit() rejects '29.85')",
        'stripped.where(stripped != "", "0")',
        'stripped.where(stripped.str.isdigit(), "0")',
    ),
    "blank_total_charges_nan": Bug(
        "a blank TotalCharges becomes NaN instead of 0.0 (errors='coerce' without a fill)",
        'pd.to_numeric(stripped.where(stripped != "", "0"))',
        'pd.to_numeric(stripped, errors="coerce")',
    ),
    "categories_from_the_data": Bug(
        "one-hot columns come from pd.get_dummies: alphabetical, and only for the values "
        "a table happens to hold, instead of the fixed CATEGORIES",
        "    return pd.DataFrame(columns, index=table.index)",
        '    return pd.get_dummies(table[list(CATEGORIES)], prefix_sep="_", dtype=float)',
    ),
    "tenure_band_off_by_one": Bug(
        "tenure bands are off by one at their edges: 12 months lands in band 0, not 1",
        "np.digitize(tenure.to_numpy(), TENURE_BAND_EDGES)",
        "np.digitize(tenure.to_numpy(), TENURE_BAND_EDGES, right=True)",
    ),
}


def broken_copy(correct_source: str, bug: Bug) -> str:
    """Return the source with one bug; the edit must match the correct source exactly once."""
    count = correct_source.count(bug.correct)
    if count != 1:
        raise RuntimeError(
            f"course bug: {bug.correct!r} occurs {count} times in {REFERENCE.name}; "
            "update BUGS in this file to match it"
        )
    return correct_source.replace(bug.correct, bug.broken)


@dataclass
class SuiteRuns:
    """What running the learner's suite against each version showed."""

    problem: str  # why nothing could run (no file, a timeout), or ""
    results: dict[str, dict]  # version name -> {"exit_code": int, "failures": [...]}

    def good_failure(self) -> str:
        """Why the suite does not pass the correct version, or "" if it does."""
        if self.problem:
            return self.problem
        good = self.results.get("correct")
        if good is None:
            return "your suite crashed the test process before it finished"
        if good["exit_code"] == 0:
            return ""
        if good["exit_code"] == 5:
            return "your suite has no tests pytest can collect (names must start with test_)"
        failures = "; ".join(good["failures"][:2]) or f"pytest exit code {good['exit_code']}"
        return f"it fails the correct preprocessing.py: {failures}"

    def not_written(self) -> bool:
        """True while the suite is the starter's placeholder (it raises NotImplementedError)."""
        good = self.results.get("correct") or {"failures": []}
        return any("NotImplementedError" in failure for failure in good["failures"])


@pytest.fixture(scope="module")
def suite_file(request) -> Path:
    folder = exercises_dir(lessons_root(request.config.getoption("--target")), LESSON)
    return (folder or Path("missing")) / SUITE_FILE


@pytest.fixture(scope="module")
def suite_runs(suite_file, tmp_path_factory) -> SuiteRuns:
    """Run the learner's suite beside the correct preprocessing.py and each broken copy."""
    if not suite_file.is_file():
        return SuiteRuns(f"the exercise file {LESSON}-*/exercises/{SUITE_FILE} is missing", {})
    scratch = tmp_path_factory.mktemp("suites")
    correct_source = REFERENCE.read_text()
    versions = {"correct": correct_source}
    versions |= {name: broken_copy(correct_source, bug) for name, bug in BUGS.items()}
    folders = []
    for name, source in versions.items():
        folder = scratch / name
        folder.mkdir()
        (folder / "preprocessing.py").write_text(source)
        shutil.copyfile(suite_file, folder / SUITE_FILE)
        folders.append(str(folder))
    results_path = scratch / "results.json"
    process = subprocess.Popen(
        [sys.executable, str(RUNNER), str(results_path), *folders],
        cwd=scratch,
        env=grading_environment(scratch / "workspace"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # While the suite runs, import what the other exercises' tests need.
    import pandas  # noqa: F401

    try:
        process.wait(timeout=SUITE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return SuiteRuns(
            f"your suite did not finish within {SUITE_TIMEOUT} s against the six versions "
            "(an endless loop, or tables far bigger than a unit test needs?)",
            {},
        )
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    return SuiteRuns("", results)


@pytest.mark.points(
    0,
    exercise="test_preprocessing",
    hint="Keep test_preprocessing.py, with test_ functions that use prepare and its helpers.",
)
def test_suite_file_defines_tests(suite_file):
    assert suite_file.is_file(), f"expected {SUITE_FILE} in the exercises folder, saw no such file"
    try:
        tree = ast.parse(suite_file.read_text())
    except SyntaxError as error:
        pytest.fail(f"{SUITE_FILE} has a syntax error on line {error.lineno}: {error.msg}")
    tests = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
    assert tests, f"expected test_ functions in {SUITE_FILE}, saw none"
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "preprocessing" in imported, (
        f"expected {SUITE_FILE} to import from preprocessing, saw imports of {sorted(map(str, imported))}"
    )


@pytest.mark.points(
    0,
    exercise="test_preprocessing",
    hint="Run your suite yourself: every test must pass on the given preprocessing.py.",
)
def test_suite_passes_the_correct_version(suite_runs):
    problem = suite_runs.good_failure()
    assert not problem, f"expected your suite to pass on correct code, saw that {problem}"


def check_bug_caught(suite_runs: SuiteRuns, name: str) -> None:
    if suite_runs.not_written():
        pytest.fail(
            "not written yet (your suite still raises NotImplementedError; replace the "
            "placeholder test with your own tests)",
            pytrace=False,
        )
    problem = suite_runs.good_failure()
    if problem:
        pytest.fail(
            f"expected your suite to pass on correct code before it can catch bugs, saw that "
            f"{problem} (a suite that fails correct code earns nothing)",
            pytrace=False,
        )
    result = suite_runs.results.get(name)
    assert result is not None, (
        f"expected a verdict for the version where {BUGS[name].description}, saw the test "
        "process end before it got there (does a test call sys.exit or os._exit?)"
    )
    assert result["exit_code"] != 0, (
        f"expected your suite to fail when {BUGS[name].description}, saw every test pass: "
        "no test caught this bug"
    )


@pytest.mark.points(
    1,
    exercise="test_preprocessing",
    hint="Give train and test different numbers and check a test value scales with train's mean and std.",
)
def test_catches_a_scaler_fit_on_test_data(suite_runs):
    check_bug_caught(suite_runs, "scaler_fit_on_test")


@pytest.mark.points(
    1,
    exercise="test_preprocessing",
    hint="Check a real amount such as '29.85' parses to 29.85, not only that blanks become 0.0.",
)
def test_catches_every_total_charge_read_as_zero(suite_runs):
    check_bug_caught(suite_runs, "total_charges_zero_for_everyone")


@pytest.mark.points(
    1,
    exercise="test_preprocessing",
    hint="A blank TotalCharges (tenure 0) must come out as 0.0, and prepare's output must have no NaN.",
)
def test_catches_blank_total_charges_turned_into_nan(suite_runs):
    check_bug_caught(suite_runs, "blank_total_charges_nan")


@pytest.mark.points(
    1,
    exercise="test_preprocessing",
    hint="Write the expected column list out by hand and compare it, for a batch missing some categories.",
)
def test_catches_one_hot_columns_that_depend_on_the_data(suite_runs):
    check_bug_caught(suite_runs, "categories_from_the_data")


@pytest.mark.points(
    1,
    exercise="test_preprocessing",
    hint="Test the band edges themselves: 11 and 12, 23 and 24, 47 and 48 months.",
)
def test_catches_tenure_bands_off_by_one(suite_runs):
    check_bug_caught(suite_runs, "tenure_band_off_by_one")


# --- direction_violations: stand-in models with known directions ------------------------------


@pytest.fixture(scope="module")
def behaviour(exercise):
    return exercise(LESSON, "behaviour")


@pytest.fixture(scope="module")
def raw_customers():
    from mlops_course import data

    return data.generate(month=0, rows=60, seed=11)


class StandInModel:
    """A model whose churn probability is a known function of the raw customer table."""

    def __init__(self, probability):
        self.probability = probability

    def predict_proba(self, table):
        import numpy as np

        churn = np.asarray(self.probability(table), dtype=float)
        return np.column_stack([1.0 - churn, churn])

    def predict(self, table):
        return (self.predict_proba(table)[:, 1] >= 0.5).astype(int)


def loyal_model() -> StandInModel:
    """Churn falls with tenure, as domain knowledge expects."""
    return StandInModel(lambda table: 0.5 / (1.0 + table["tenure"].to_numpy() / 12.0))


def disloyal_model() -> StandInModel:
    """Churn rises with tenure: the expectation fails for everyone."""
    return StandInModel(lambda table: 0.9 - 0.5 / (1.0 + table["tenure"].to_numpy() / 12.0))


def plus_a_year(tenure):
    return tenure + 12


@pytest.mark.points(
    0, exercise="direction_violations", hint="Keep direction_violations and churn_probability."
)
def test_direction_violations_exists(behaviour):
    import inspect

    parameters = list(inspect.signature(behaviour.direction_violations).parameters)
    expected = ["model", "customers", "feature", "new_value", "expected", "tolerance"]
    assert parameters == expected, f"expected the parameters {expected}, saw {parameters}"


@pytest.mark.points(
    1,
    exercise="direction_violations",
    hint="Return an empty list when no customer's probability moves the wrong way.",
)
def test_no_violations_when_the_direction_holds(behaviour, raw_customers):
    result = behaviour.direction_violations(
        loyal_model(), raw_customers, "tenure", plus_a_year, expected="down"
    )
    assert list(result) == [], (
        "expected [] for a model whose churn probability falls with tenure, a year more "
        f"and expected='down', saw {short(result)}"
    )


@pytest.mark.points(
    1,
    exercise="direction_violations",
    hint="Compare the probabilities before and after the change, customer by customer.",
)
def test_every_customer_violates_a_reversed_model(behaviour, raw_customers):
    result = behaviour.direction_violations(
        disloyal_model(), raw_customers, "tenure", plus_a_year, expected="down"
    )
    expected = list(raw_customers.index)
    assert list(result) == expected, (
        "expected every customer for a model whose churn rises with tenure, "
        f"{short(expected)}, saw {short(result)}"
    )


@pytest.mark.points(
    2,
    exercise="direction_violations",
    hint="Judge each customer on their own move, not the average move of all customers.",
)
def test_only_the_customers_who_move_the_wrong_way(behaviour, raw_customers):
    # Churn is lowest at 24 months: a year more helps below 18 months, hurts above,
    # and at exactly 18 months the probability stays the same (|18 + 12 - 24| == |18 - 24|).
    customers = raw_customers.copy()
    customers.loc[customers.index[:3], "tenure"] = 18
    u_shaped = StandInModel(lambda table: 0.2 + 0.005 * abs(table["tenure"].to_numpy() - 24))
    result = behaviour.direction_violations(
        u_shaped, customers, "tenure", plus_a_year, expected="down"
    )
    expected = list(customers.index[customers["tenure"] > 18])
    assert list(result) == expected, (
        "expected only the customers with more than 18 months for a model whose churn is "
        f"lowest at 24 months, {short(expected)}, saw {short(result)}"
    )


@pytest.mark.points(
    2,
    exercise="direction_violations",
    hint="Use the churn probability (column 1 of predict_proba), not predicted classes.",
)
def test_small_moves_below_the_threshold_count(behaviour, raw_customers):
    # Churn rises with tenure, but never reaches 0.5: predict() says "stays" throughout.
    creeping = StandInModel(lambda table: 0.1 + 0.002 * table["tenure"].to_numpy())
    result = behaviour.direction_violations(
        creeping, raw_customers, "tenure", plus_a_year, expected="down"
    )
    expected = list(raw_customers.index)
    assert list(result) == expected, (
        "expected every customer: their churn probability rises by 0.024 though the "
        f"predicted class never changes, {short(expected)}, saw {short(result)}"
    )


def contract_model() -> StandInModel:
    """Exact binary fractions, so differences compare exactly with the tolerance."""
    churn = {"Month-to-month": 0.375, "One year": 0.25, "Two year": 0.5}
    return StandInModel(lambda table: table["Contract"].map(churn).to_numpy())


@pytest.mark.points(
    2,
    exercise="direction_violations",
    hint="A move of exactly `tolerance` is forgiven: count only moves greater than it.",
)
def test_tolerance_boundary(behaviour, raw_customers):
    # To "Two year": month-to-month +0.125, one year +0.25, two year unchanged.
    contract = raw_customers["Contract"]
    for tolerance, wrong in ((0.125, ["One year"]), (0.0, ["Month-to-month", "One year"])):
        result = behaviour.direction_violations(
            contract_model(), raw_customers, "Contract", "Two year", "down", tolerance
        )
        expected = list(raw_customers.index[contract.isin(wrong)])
        assert list(result) == expected, (
            f"expected the {' and '.join(wrong)} customers with tolerance={tolerance} "
            f"(moves of +0.125 and +0.25), {short(expected)}, saw {short(result)}"
        )


@pytest.mark.points(
    1, exercise="direction_violations", hint="expected='up' flips which way is wrong."
)
def test_expected_up(behaviour, raw_customers):
    # Away from a two-year contract churn should rise: to month-to-month it rises for
    # one-year customers (0.25 -> 0.375) but falls for two-year ones (0.5 -> 0.375).
    result = behaviour.direction_violations(
        contract_model(), raw_customers, "Contract", "Month-to-month", expected="up"
    )
    expected = list(raw_customers.index[raw_customers["Contract"] == "Two year"])
    assert list(result) == expected, (
        f"expected the two-year customers with expected='up', {short(expected)}, "
        f"saw {short(result)}"
    )


@pytest.mark.points(
    1,
    exercise="direction_violations",
    hint="Return customers.index labels (e.g. customer ids), not positions 0, 1, 2...",
)
def test_returns_index_labels_in_order(behaviour, raw_customers):
    customers = raw_customers.set_index("customerID", drop=False).iloc[::-1]
    result = behaviour.direction_violations(
        disloyal_model(), customers, "tenure", plus_a_year, expected="down"
    )
    expected = list(customers.index)
    assert list(result) == expected, (
        f"expected the customer ids in the table's order, {short(expected)}, saw {short(result)}"
    )


@pytest.mark.points(
    1,
    exercise="direction_violations",
    hint="Change a copy (customers.copy()), never the caller's table.",
)
def test_customers_are_not_changed(behaviour, raw_customers):
    customers = raw_customers.copy()
    behaviour.direction_violations(loyal_model(), customers, "tenure", plus_a_year, expected="down")
    behaviour.direction_violations(
        contract_model(), customers, "Contract", "Two year", expected="down"
    )
    changed = [
        column
        for column in customers.columns
        if not customers[column].equals(raw_customers[column])
    ]
    assert not changed, f"expected the customers table unchanged, saw changes in {changed}"


@pytest.mark.points(
    1,
    exercise="direction_violations",
    hint="Raise ValueError for an expected direction other than 'up'/'down' or an unknown column.",
)
def test_bad_arguments_raise_value_error(behaviour, raw_customers):
    for arguments, situation in (
        (("tenure", plus_a_year, "lower"), "expected='lower'"),
        (("tenure_months", 24, "down"), "the unknown column 'tenure_months'"),
    ):
        try:
            result = behaviour.direction_violations(loyal_model(), raw_customers, *arguments)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - the wrong error is the learner's
            pytest.fail(
                f"expected a ValueError for {situation}, saw {type(error).__name__}: {error}",
                pytrace=False,
            )
        pytest.fail(
            f"expected a ValueError for {situation}, saw it return {short(result)}", pytrace=False
        )


# --- evaluate_gate ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gate(exercise):
    return exercise(LESSON, "gate")


def names_threshold(reason: str, threshold: float) -> bool:
    """True if a reason shows the threshold, as 0.85 or as 85 %."""
    percent = f"{threshold * 100:g}"
    return str(threshold) in reason or f"{percent}%" in reason or f"{percent} %" in reason


def reasons_about(result, metric: str) -> list[str]:
    return [reason for reason in result.reasons if metric in reason.lower()]


@pytest.mark.points(0, exercise="evaluate_gate", hint="Keep GateResult and evaluate_gate.")
def test_gate_defaults(gate):
    import inspect

    parameters = inspect.signature(gate.evaluate_gate).parameters
    defaults = {name: parameters[name].default for name in ("min_accuracy", "min_recall")}
    assert defaults == {"min_accuracy": 0.85, "min_recall": 0.70}, (
        f"expected the defaults min_accuracy=0.85 and min_recall=0.70, saw {defaults}"
    )


@pytest.mark.points(1, exercise="evaluate_gate", hint="A model above both thresholds passes.")
def test_good_model_passes(gate):
    result = gate.evaluate_gate({"accuracy": 0.91, "recall": 0.81, "precision": 0.8})
    assert result.passed is True and list(result.reasons) == [], (
        "expected passed=True and no reasons for accuracy 0.91 and recall 0.81, "
        f"saw passed={result.passed!r}, reasons={result.reasons!r}"
    )


@pytest.mark.points(
    2, exercise="evaluate_gate", hint="Reaching a threshold exactly passes: compare with >=."
)
def test_exactly_at_the_thresholds_passes(gate):
    result = gate.evaluate_gate({"accuracy": 0.85, "recall": 0.70})
    assert result.passed is True and list(result.reasons) == [], (
        "expected accuracy 0.85 and recall 0.70 (exactly the thresholds) to pass, "
        f"saw passed={result.passed!r}, reasons={result.reasons!r}"
    )


@pytest.mark.points(
    2,
    exercise="evaluate_gate",
    hint="Name the metric and its threshold in each reason, e.g. 'accuracy 0.8499 is below the minimum 0.85'.",
)
def test_just_below_a_threshold_fails_with_its_reason(gate):
    for metrics, metric, threshold in (
        ({"accuracy": 0.8499, "recall": 0.80}, "accuracy", 0.85),
        ({"accuracy": 0.90, "recall": 0.6999}, "recall", 0.7),
    ):
        result = gate.evaluate_gate(metrics)
        assert result.passed is False, f"expected {metrics} to fail, saw passed={result.passed!r}"
        reasons = list(result.reasons)
        assert len(reasons) == 1 and metric in reasons[0].lower(), (
            f"expected one reason naming {metric} for {metrics}, saw {reasons!r}"
        )
        assert names_threshold(reasons[0], threshold), (
            f"expected the reason to show the threshold {threshold}, saw {reasons[0]!r}"
        )


@pytest.mark.points(
    2,
    exercise="evaluate_gate",
    hint="Check every condition and collect all reasons; do not return at the first failure.",
)
def test_both_failing_gives_two_reasons(gate):
    result = gate.evaluate_gate({"accuracy": 0.80, "recall": 0.50})
    reasons = list(result.reasons)
    named = [metric for metric in ("accuracy", "recall") if len(reasons_about(result, metric)) == 1]
    assert result.passed is False and len(reasons) == 2 and len(named) == 2, (
        "expected passed=False and two reasons, one naming accuracy and one naming recall, "
        f"for accuracy 0.80 and recall 0.50, saw passed={result.passed!r}, reasons={reasons!r}"
    )


@pytest.mark.points(
    1,
    exercise="evaluate_gate",
    hint="'Nobody churns' scores ~0.75 accuracy and recall 0: the recall condition must fail it.",
)
def test_majority_class_model_fails_on_recall(gate):
    result = gate.evaluate_gate({"accuracy": 0.7480, "recall": 0.0})
    assert result.passed is False and reasons_about(result, "recall"), (
        "expected the 'nobody churns' model (accuracy 0.748, recall 0.0) to fail with a reason "
        f"naming recall, saw passed={result.passed!r}, reasons={result.reasons!r}"
    )


@pytest.mark.points(
    1,
    exercise="evaluate_gate",
    hint="Accuracy alone is not enough: check churn recall even when accuracy passes.",
)
def test_accurate_model_that_misses_churners_fails(gate):
    result = gate.evaluate_gate({"accuracy": 0.88, "recall": 0.55})
    reasons = list(result.reasons)
    assert result.passed is False and len(reasons) == 1 and reasons_about(result, "recall"), (
        "expected accuracy 0.88 with recall 0.55 to fail with one reason, about recall, "
        f"saw passed={result.passed!r}, reasons={reasons!r}"
    )


@pytest.mark.points(
    1,
    exercise="evaluate_gate",
    hint="Use the min_accuracy and min_recall arguments, not the numbers 0.85 and 0.70.",
)
def test_custom_thresholds(gate):
    strict = gate.evaluate_gate({"accuracy": 0.88, "recall": 0.75}, min_accuracy=0.9)
    assert strict.passed is False and reasons_about(strict, "accuracy"), (
        "expected accuracy 0.88 to fail with min_accuracy=0.9, "
        f"saw passed={strict.passed!r}, reasons={strict.reasons!r}"
    )
    lenient = gate.evaluate_gate({"accuracy": 0.86, "recall": 0.55}, min_recall=0.5)
    assert lenient.passed is True, (
        "expected recall 0.55 to pass with min_recall=0.5, "
        f"saw passed={lenient.passed!r}, reasons={lenient.reasons!r}"
    )


@pytest.mark.points(
    1,
    exercise="evaluate_gate",
    hint="Check the keys first and raise ValueError naming the missing metric.",
)
def test_missing_metric_raises_value_error(gate):
    for metrics, missing in (({"accuracy": 0.9}, "recall"), ({"recall": 0.9}, "accuracy")):
        try:
            result = gate.evaluate_gate(metrics)
        except ValueError as error:
            assert missing in str(error), (
                f"expected the error message to name {missing!r}, saw {str(error)!r}"
            )
            continue
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - the wrong error is the learner's
            pytest.fail(
                f"expected a ValueError naming {missing!r} for {metrics}, "
                f"saw {type(error).__name__}: {error}",
                pytrace=False,
            )
        pytest.fail(
            f"expected a ValueError naming {missing!r} for {metrics}, saw it return {result!r}",
            pytrace=False,
        )


@pytest.mark.points(
    1,
    exercise="evaluate_gate",
    hint="NaN < 0.85 is False: test `not value >= threshold` so a NaN metric fails.",
)
def test_nan_metric_fails(gate):
    result = gate.evaluate_gate({"accuracy": float("nan"), "recall": 0.8})
    assert result.passed is False and reasons_about(result, "accuracy"), (
        "expected a NaN accuracy (say, from an empty test set) to fail with a reason naming "
        f"accuracy, saw passed={result.passed!r}, reasons={result.reasons!r}"
    )
