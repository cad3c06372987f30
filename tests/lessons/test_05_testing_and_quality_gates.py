"""Grading tests for lesson 05: a unit-test suite, a directional test, the gate, training tests.

Exercise 1 is graded by running the learner's tests, not by reading them: the
learner's ``test_preprocessing.py`` runs beside the correct ``preprocessing.py``
and beside broken copies made here, one bug each. A broken copy the suite
fails on is a bug caught. The runs share one child process
(``lesson05_variants/run_suite.py``) so that Python and pandas start once.

Exercises 2, 3 and 4 are graded against stand-in models, metrics and trainers
built here, whose right answers follow from their formulas.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlops_course.grading.plugin import expect_error
from mlops_course.grading.runner import grading_environment
from mlops_course.grading.targets import exercises_dir, lessons_root
from mlops_course.processes import kill_group
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
        kill_group(process.pid)
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
    hint="Return the table's own index labels (customer ids here), not positions 0, 1, 2.",
    more="list(customers.index[moved_the_wrong_way])",
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
    hint="Make your change to a copy: the caller's table must come back untouched.",
    more="changed = customers.copy(); changed[feature] = ...",
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
    hint="Every comparison with NaN is False: write the condition so that NaN fails it.",
    more="if not value >= threshold: add a reason",
)
def test_nan_metric_fails(gate):
    result = gate.evaluate_gate({"accuracy": float("nan"), "recall": 0.8})
    assert result.passed is False and reasons_about(result, "accuracy"), (
        "expected a NaN accuracy (say, from an empty test set) to fail with a reason naming "
        f"accuracy, saw passed={result.passed!r}, reasons={result.reasons!r}"
    )


# --- slice_metrics and slice_reasons ----------------------------------------------------------

# (Contract, Churn, the model's answer), in a mixed order; the customers' index is shuffled.
SLICE_ROWS = [
    ("Month-to-month", "Yes", 1),
    ("One year", "No", 0),
    ("Two year", "No", 0),
    ("Month-to-month", "Yes", 0),
    ("One year", "No", 0),
    ("Month-to-month", "No", 0),
    ("Two year", "No", 0),
    ("One year", "Yes", 1),
    ("Month-to-month", "No", 1),
    ("Two year", "No", 1),
    ("One year", "No", 1),
    ("Month-to-month", "Yes", 1),
]
SLICE_INDEX = [907, 13, 55, 4, 610, 88, 2, 371, 19, 530, 76, 240]
EXPECTED_SLICES = {  # worked out by hand from SLICE_ROWS
    "Month-to-month": {"rows": 5, "churners": 3, "accuracy": 0.6, "recall": 2 / 3},
    "One year": {"rows": 4, "churners": 1, "accuracy": 0.75, "recall": 1.0},
    "Two year": {"rows": 3, "churners": 0, "accuracy": 2 / 3, "recall": None},
}


@pytest.fixture(scope="module")
def sliced_customers():
    """Real customers with the contracts, labels and index of SLICE_ROWS; and the answers."""
    from mlops_course import data

    table = data.generate(month=0, rows=len(SLICE_ROWS), seed=5)
    table["Contract"] = [contract for contract, _, _ in SLICE_ROWS]
    table["Churn"] = [churn for _, churn, _ in SLICE_ROWS]
    table.index = SLICE_INDEX
    return table, [answer for _, _, answer in SLICE_ROWS]


def same_slices(seen, expected: dict) -> bool:
    """Slice metrics equal, floats to 1e-9, None only where None is expected."""
    if not isinstance(seen, dict) or sorted(seen) != sorted(expected):
        return False
    for name, wanted in expected.items():
        got = seen[name]
        if not isinstance(got, dict) or sorted(got) != sorted(wanted):
            return False
        for key, value in wanted.items():
            if value is None or got[key] is None:
                if value is not got[key]:
                    return False
            elif got[key] != pytest.approx(value, abs=1e-9):
                return False
    return True


@pytest.mark.points(
    0, exercise="slices", hint="Keep slice_metrics, slice_reasons and evaluate_gate's slices."
)
def test_slice_functions_exist(gate):
    import inspect

    for name, expected in (
        ("slice_metrics", ["customers", "predicted", "column"]),
        ("slice_reasons", ["slices", "min_recall"]),
    ):
        seen = list(inspect.signature(getattr(gate, name)).parameters)
        assert seen == expected, f"expected {name}({', '.join(expected)}), saw {seen}"
    assert "slices" in inspect.signature(gate.evaluate_gate).parameters, (
        "expected evaluate_gate to take slices=..."
    )


@pytest.mark.points(
    2,
    exercise="slices",
    hint="Per contract type: how many customers, how many really churned, and both scores "
    "computed on that group alone.",
    more="for each value: rows = customers[column] == value; accuracy and recall on those rows",
)
def test_slice_metrics_count_and_score_each_group(gate, sliced_customers):
    customers, answers = sliced_customers
    seen = gate.slice_metrics(customers, answers)
    assert same_slices(seen, EXPECTED_SLICES), (
        f"expected {EXPECTED_SLICES} for 12 customers worked out by hand, saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="slices",
    hint="A group with no churner has nothing to recall: its recall is None, neither 0 nor NaN.",
)
def test_a_slice_without_churners_has_no_recall(gate, sliced_customers):
    customers, answers = sliced_customers
    seen = gate.slice_metrics(customers, answers)
    recall = seen.get("Two year", {}).get("recall", "missing") if isinstance(seen, dict) else seen
    assert recall is None, (
        f"expected recall None for the two-year customers (no churner among them), saw {recall!r}"
    )


@pytest.mark.points(
    2,
    exercise="slices",
    hint="The answers come in the customers' order; the table's index is a label, not a "
    "position: the same customers under another index must give the same slices.",
    more="answers = numpy.asarray(predicted); mask = (customers[column] == value).to_numpy()",
)
def test_answers_line_up_with_customers_by_position(gate, sliced_customers):
    customers, answers = sliced_customers
    renumbered = gate.slice_metrics(customers.reset_index(drop=True), answers)
    try:
        shuffled = gate.slice_metrics(customers, answers)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - say what went wrong, in the lesson's words
        pytest.fail(
            f"expected answers to line up with customers by position whatever the table's index "
            f"(here {SLICE_INDEX[:4]}...), saw {type(error).__name__}: {str(error)[:120]}",
            pytrace=False,
        )
    assert same_slices(renumbered, EXPECTED_SLICES) and same_slices(shuffled, EXPECTED_SLICES), (
        f"expected the same slices whatever the table's index, saw {renumbered} with the index "
        f"0..11 and {shuffled} with the index {SLICE_INDEX[:4]}...: an answer belongs to the "
        "customer in the same position"
    )


@pytest.mark.points(
    1,
    exercise="slices",
    hint="Slice by the column you are given, and refuse a column that is not there.",
)
def test_slices_by_the_column_argument(gate, sliced_customers):
    customers, answers = sliced_customers
    seen = gate.slice_metrics(customers, answers, column="InternetService")
    expected = sorted(customers["InternetService"].unique())
    assert isinstance(seen, dict) and sorted(seen) == expected, (
        f"expected one slice per InternetService value {expected}, saw {seen!r}"
    )
    for arguments, situation in (
        ((customers, answers[:-1]), "with 11 answers for 12 customers"),
        ((customers, answers, "contract_type"), "for the unknown column 'contract_type'"),
    ):
        expect_error(ValueError, lambda a=arguments: gate.slice_metrics(*a), situation)


# Slices of two real models, close to what lesson 05's notebook measures at full size: the good
# model, and one trained after a typo turned every one-year customer into a monthly one.
GOOD_SLICES = {
    "Month-to-month": {"rows": 1395, "churners": 615, "accuracy": 0.8229, "recall": 0.8455},
    "One year": {"rows": 506, "churners": 12, "accuracy": 0.9763, "recall": 0.0833},
    "Two year": {"rows": 599, "churners": 0, "accuracy": 1.0, "recall": None},
}
TYPO_SLICES = {
    "Month-to-month": {"rows": 1395, "churners": 615, "accuracy": 0.8151, "recall": 0.7496},
    "One year": {"rows": 506, "churners": 12, "accuracy": 0.8676, "recall": 0.9167},
    "Two year": {"rows": 599, "churners": 0, "accuracy": 1.0, "recall": None},
}


def make_slice(rows: int, churners: int, accuracy: float, recall: float | None) -> dict:
    """One slice's metrics, as slice_metrics returns them."""
    return {"rows": rows, "churners": churners, "accuracy": accuracy, "recall": recall}


@pytest.mark.points(
    2,
    exercise="slices",
    hint="On each contract type, compare the model with doing nothing: giving everyone that "
    "group's most common answer.",
    more="nothing = max(churners, rows - churners) / rows; fail when accuracy < nothing - SLICE_TOLERANCE",
)
def test_a_model_worse_than_doing_nothing_on_a_slice_fails(gate):
    reasons = list(gate.slice_reasons(TYPO_SLICES))
    about = [reason for reason in reasons if "One year" in reason and "accuracy" in reason.lower()]
    assert len(reasons) == 1 and about, (
        "expected one reason, about the one-year customers' accuracy (0.8676, where answering "
        f"'stays' to all of them scores 0.9763), saw {reasons}"
    )
    assert "0.92" in about[0], f"expected the reason to show the bar 0.9263, saw {about[0]!r}"
    good = list(gate.slice_reasons(GOOD_SLICES))
    assert good == [], f"expected no reason for the good model's slices, saw {good}"
    # A slice where most customers churn: doing nothing means answering "churns" to all.
    leaving = gate.slice_reasons({"Month-to-month": make_slice(40, 32, 0.7, 0.75)})
    assert len(leaving) == 1 and "accuracy" in leaving[0].lower(), (
        "expected an accuracy reason for 0.70 on a slice where 32 of 40 churn (answering "
        f"'churns' to all of them, the most common answer, scores 0.80), saw {leaving}"
    )


@pytest.mark.points(
    2,
    exercise="slices",
    hint="A slice's accuracy exactly at the bar (doing nothing minus the tolerance) passes.",
)
def test_a_slice_exactly_at_the_bar_passes(gate):
    # 19 of 20 stay: doing nothing scores 0.95, the bar is 0.90.
    at_bar = gate.slice_reasons({"One year": make_slice(20, 1, 0.9, 0.0)})
    below = gate.slice_reasons({"One year": make_slice(20, 1, 0.85, 0.0)})
    assert list(at_bar) == [], f"expected accuracy 0.90 at the bar 0.90 to pass, saw {at_bar}"
    assert len(below) == 1 and "One year" in below[0], (
        f"expected one reason naming 'One year' for accuracy 0.85 below the bar 0.90, saw {below}"
    )


@pytest.mark.points(
    2,
    exercise="slices",
    hint="Recall is judged only on slices with enough churners to measure it; a slice with "
    "none has no recall at all.",
    more="if churners >= MIN_SLICE_CHURNERS and not recall >= min_recall: add a reason",
)
def test_recall_is_gated_only_on_slices_with_enough_churners(gate):
    # Accuracy above doing nothing everywhere, so only recall can fail.
    enough = gate.slice_reasons({"Month-to-month": make_slice(100, 20, 0.9, 0.65)})
    too_few = gate.slice_reasons({"One year": make_slice(100, 19, 0.9, 0.0)})
    none = gate.slice_reasons({"Two year": make_slice(100, 0, 1.0, None)})
    assert len(enough) == 1 and "recall" in enough[0].lower(), (
        f"expected a recall reason for 20 churners (the minimum to gate) at recall 0.65, saw {enough}"
    )
    assert list(too_few) == [] and list(none) == [], (
        f"expected no reason for 19 churners ({too_few}) or none ({none}): too few to measure recall"
    )
    lenient = gate.slice_reasons({"Month-to-month": make_slice(100, 20, 0.9, 0.65)}, min_recall=0.6)
    assert list(lenient) == [], f"expected recall 0.65 to pass with min_recall=0.6, saw {lenient}"


@pytest.mark.points(
    1,
    exercise="slices",
    hint="The gate adds the slices' reasons to the overall ones when it is given slices.",
    more="if slices: reasons += slice_reasons(slices, min_recall)",
)
def test_the_gate_checks_slices_when_given(gate):
    overall = {"accuracy": 0.8700, "recall": 0.7542}  # the typo model: above both bars
    alone = gate.evaluate_gate(overall)
    sliced = gate.evaluate_gate(overall, slices=TYPO_SLICES)
    assert alone.passed is True, f"expected the overall metrics alone to pass, saw {alone}"
    assert sliced.passed is False and any("One year" in r for r in sliced.reasons), (
        f"expected the gate to fail the typo model on its one-year slice, saw {sliced}"
    )


# --- training tests: stand-in trainers with known defects ---------------------------------------


@pytest.fixture(scope="module")
def training(exercise):
    return exercise(LESSON, "training")


@pytest.fixture(scope="module")
def stayers_first():
    """60 real customers, 15 churners, sorted so that the first 45 all stay."""
    from mlops_course import data

    table = data.generate(month=0, rows=60, seed=13)
    table["Churn"] = ["Yes"] * 15 + ["No"] * 45
    return table.sort_values("Churn").reset_index(drop=True)


class LookupModel:
    """Answers what it was taught for the customers it saw, 'stays' for anyone else."""

    def __init__(self, answers: dict, churn: float = 0.5):
        self.answers = answers
        self.churn = churn

    def predict(self, table):
        return [self.answers.get(customer, 0) for customer in table["customerID"]]

    def predict_proba(self, table):
        import numpy as np

        churn = np.where(np.array(self.predict(table)) == 1, self.churn, 1 - self.churn)
        return np.column_stack([1 - churn, churn])


class Recorder:
    """A trainer that learns by heart, and records each call's customers and seed."""

    def __init__(self, label: str = "Yes"):
        self.label = label
        self.calls = []

    def __call__(self, customers, seed):
        self.calls.append((list(customers["customerID"]), seed))
        answers = dict(zip(customers["customerID"], customers["Churn"] == self.label, strict=True))
        return LookupModel({customer: int(flag) for customer, flag in answers.items()})


@pytest.mark.points(
    0, exercise="training tests", hint="Keep memorisation_accuracy and seed_difference."
)
def test_training_functions_exist(training):
    import inspect

    for name, expected in (
        ("memorisation_accuracy", ["train", "customers", "rows", "seed"]),
        ("seed_difference", ["train", "customers", "seed"]),
    ):
        seen = list(inspect.signature(getattr(training, name)).parameters)
        assert seen == expected, f"expected {name}({', '.join(expected)}), saw {seen}"


@pytest.mark.points(
    2,
    exercise="training tests",
    hint="Score the model on the very customers it was trained on: a working trainer gets "
    "all of them right.",
)
def test_a_working_trainer_memorises_its_sample(training, stayers_first):
    seen = training.memorisation_accuracy(Recorder(), stayers_first)
    assert seen == 1.0, (
        f"expected 1.0 for a trainer that learns its sample by heart, saw {seen!r} (scored on "
        "customers it never saw?)"
    )


@pytest.mark.points(
    2,
    exercise="training tests",
    hint="Half the sample must churn and half stay, so that a model answering 'stays' to "
    "everyone scores a half, and no more.",
    more="customers[churned].sample(half, random_state=seed) and the same for the stayers",
)
def test_a_trainer_reading_the_wrong_labels_scores_a_half(training, stayers_first):
    seen = training.memorisation_accuracy(Recorder(label="yes"), stayers_first)
    assert seen == 0.5, (
        "expected 0.5 for a trainer that reads 'yes' for 'Yes' and so learns that nobody "
        f"churns, saw {seen!r} (a sample of stayers only lets that bug score 1.0)"
    )


@pytest.mark.points(
    1,
    exercise="training tests",
    hint="The seed decides the sample and goes to the trainer: the same seed, the same customers.",
)
def test_the_sample_is_balanced_and_follows_the_seed(training, stayers_first):
    recorder = Recorder()
    for seed in (3, 3, 4):
        training.memorisation_accuracy(recorder, stayers_first, seed=seed)
    churners = set(stayers_first.loc[stayers_first["Churn"] == "Yes", "customerID"])
    (first, seed_a), (again, seed_b), (other, seed_c) = recorder.calls
    assert len(first) == 20 and len(churners & set(first)) == 10, (
        f"expected 20 customers, 10 of them churners, saw {len(first)} with "
        f"{len(churners & set(first))} churners"
    )
    assert (seed_a, seed_b, seed_c) == (3, 3, 4), (
        f"expected the trainer to get the seeds 3, 3, 4, saw {seed_a}, {seed_b}, {seed_c}"
    )
    assert sorted(first) == sorted(again) and sorted(first) != sorted(other), (
        "expected seed 3 to draw the same customers twice and seed 4 others"
    )


@pytest.mark.points(
    1,
    exercise="training tests",
    hint="The smallest sample is one churner and one stayer; an odd size, or more of a class "
    "than there is, is an error.",
)
def test_sample_sizes_at_the_edges(training, stayers_first):
    recorder = Recorder()
    seen = training.memorisation_accuracy(recorder, stayers_first, rows=2)
    assert seen == 1.0 and len(recorder.calls[0][0]) == 2, (
        f"expected rows=2 to train on 2 customers and score 1.0, saw {seen!r} on "
        f"{len(recorder.calls[0][0]) if recorder.calls else 0} customers"
    )
    for rows, situation in ((3, "for rows=3 (odd)"), (40, "for rows=40 (20 churners, 15 exist)")):
        expect_error(
            ValueError,
            lambda r=rows: training.memorisation_accuracy(Recorder(), stayers_first, rows=r),
            situation,
        )


class ProbabilityModel:
    """A model whose churn probability for each customer is given."""

    def __init__(self, churn):
        self.churn = churn

    def predict_proba(self, table):
        import numpy as np

        churn = np.asarray(self.churn, dtype=float)[: len(table)]
        return np.column_stack([1 - churn, churn])

    def predict(self, table):
        return (self.predict_proba(table)[:, 1] >= 0.5).astype(int)


class SeededTrainer:
    """Reproducible: the model depends on the seed (a new seed, another model), nothing else."""

    def __init__(self):
        self.seeds = []

    def __call__(self, customers, seed):
        import numpy as np

        self.seeds.append(seed)
        noise = np.random.default_rng(seed).random(len(customers))
        return ProbabilityModel(0.2 + 0.1 * noise)


class UnseededTrainer:
    """Not reproducible: each training differs a little, as with an unseeded shuffle."""

    def __init__(self):
        self.trainings = 0

    def __call__(self, customers, seed):
        import numpy as np

        self.trainings += 1  # stands in for a random state nobody pinned
        noise = np.random.default_rng([seed, self.trainings]).random(len(customers))
        return ProbabilityModel(0.2 + 0.001 * noise)


@pytest.mark.points(
    2,
    exercise="training tests",
    hint="Both trainings get the same seed, the one you are given: a new seed is allowed to "
    "give a new model.",
)
def test_a_seeded_trainer_differs_by_nothing(training, stayers_first):
    trainer = SeededTrainer()
    seen = training.seed_difference(trainer, stayers_first, seed=7)
    assert seen == 0.0, (
        f"expected 0.0 for a trainer that is reproducible with a fixed seed, saw {seen!r} "
        f"(the seeds it got: {trainer.seeds})"
    )
    assert trainer.seeds == [7, 7], f"expected two trainings with seed 7, saw seeds {trainer.seeds}"


@pytest.mark.points(
    2,
    exercise="training tests",
    hint="Train twice and compare churn probabilities: a small difference hardly ever changes "
    "a predicted class.",
    more="numpy.abs(first.predict_proba(customers)[:, 1] - second.predict_proba(customers)[:, 1]).max()",
)
def test_an_unseeded_trainer_is_caught(training, stayers_first):
    trainer = UnseededTrainer()
    seen = training.seed_difference(trainer, stayers_first)
    assert trainer.trainings == 2, f"expected two trainings, saw {trainer.trainings}"
    assert isinstance(seen, float) and 0.0 < seen <= 0.001, (
        "expected a difference above 0 and at most 0.001 for a trainer whose churn "
        f"probabilities move by up to 0.001 between trainings, saw {seen!r} (the predicted "
        "classes never change, so comparing classes finds nothing)"
    )


class TwoModels:
    """Gives these two models, in turn: the difference between them is known."""

    def __init__(self, first, second):
        self.models = [ProbabilityModel(first), ProbabilityModel(second)]

    def __call__(self, customers, seed):
        return self.models.pop(0)


@pytest.mark.points(
    1,
    exercise="training tests",
    hint="Report the largest disagreement over the customers, not an average that one "
    "customer cannot move.",
)
def test_the_difference_is_the_largest_one(training, stayers_first):
    first = [0.25] * len(stayers_first)
    second = [0.25] * (len(stayers_first) - 1) + [0.75]
    seen = training.seed_difference(TwoModels(first, second), stayers_first)
    assert seen == 0.5, (
        f"expected 0.5: one customer's churn probability moves from 0.25 to 0.75, saw {seen!r}"
    )
