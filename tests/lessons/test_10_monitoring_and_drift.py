"""Grading tests for lesson 10: input drift with Evidently, late labels, one alert.

The expected drift scores are computed here, independently of Evidently, with
SciPy: the normed Wasserstein distance (the Wasserstein distance divided by the
reference's standard deviation) for numbers, the Jensen-Shannon distance
between category shares for categories. They match Evidently's to about 1e-15.

The data are the course's data world (2,000 customers a month): month 0 is the
reference, ``price_increase`` is data drift, ``none`` is no drift, and
``concept_shift`` keeps exactly the inputs of ``none`` while the churn reasons
change. The acceptance figures the lesson promises are graded here on a fast
subset (five seeds at month 3 for the price rise; seed 0's six months without
drift); the figures measured on five seeds x six months are in the lesson's README.

The alert tests build their verdicts and performance checks themselves, so
``alert_message`` is graded on its own.
"""

from __future__ import annotations

import inspect
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from mlops_course import data
from mlops_course.grading.plugin import expect_error

ROWS = 2_000  # customers a month: a quiet month's distances stay below 0.09 at this size
SMALL = 800  # a reference of 1,000 rows or fewer: Evidently's default turns to p-value tests
THRESHOLD = 0.1
MAX_DROP = 0.05
NUMERIC = ("tenure", "MonthlyCharges", "TotalCharges")
CHARGES = {"MonthlyCharges", "TotalCharges"}
FEATURES = tuple(c for c in data.COLUMNS if c not in (data.ID_COLUMN, data.LABEL_COLUMN))
SEEDS = range(5)


@lru_cache(maxsize=64)
def _month(month: int, seed: int, scenario: str, rows: int) -> pd.DataFrame:
    return data.generate(month=month, rows=rows, seed=seed, scenario=scenario)


def month(month: int, seed: int = 0, scenario: str = "none", rows: int = ROWS) -> pd.DataFrame:
    """One month of the data world, labels included (a fresh copy each call)."""
    return _month(month, seed, scenario, rows).copy()


def as_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """This file's own cleaning: TotalCharges as numbers, a blank (a new customer) is 0.0."""
    cleaned = table.copy()
    text = cleaned["TotalCharges"].astype(str).str.strip()
    cleaned["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"))
    return cleaned


def normed_wasserstein(reference: pd.Series, current: pd.Series) -> float:
    from scipy import stats

    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    return float(stats.wasserstein_distance(reference, current) / max(np.std(reference), 0.001))


def jensen_shannon(reference: pd.Series, current: pd.Series) -> float:
    from scipy.spatial import distance

    keys = sorted(set(reference) | set(current), key=str)
    shares = [
        s.value_counts(normalize=True).reindex(keys, fill_value=0) for s in (reference, current)
    ]
    return float(distance.jensenshannon(shares[0].to_numpy(), shares[1].to_numpy()))


def expected_scores(reference: pd.DataFrame, current: pd.DataFrame, columns) -> dict[str, float]:
    reference, current = as_numbers(reference), as_numbers(current)
    return {
        c: normed_wasserstein(reference[c], current[c])
        if c in NUMERIC
        else jensen_shannon(reference[c], current[c])
        for c in columns
    }


def expected_method(column: str) -> str:
    return "wasserstein" if column in NUMERIC else "jensenshannon"


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drift(exercise):
    return exercise("10", "drift")


@pytest.fixture(scope="module")
def evidently():
    """Evidently, imported once for the whole file (7-10 s)."""
    import evidently

    return evidently


def run_detect(drift, reference, current, columns=FEATURES, threshold=THRESHOLD):
    """The learner's detect_drift, checked to return a DriftVerdict."""
    verdict = drift.detect_drift(reference, current, columns=list(columns), threshold=threshold)
    assert isinstance(verdict, drift.DriftVerdict), (
        f"expected detect_drift to return a DriftVerdict, saw {type(verdict).__name__}"
    )
    return verdict


def likely_mistake(score, expected: float, swapped: float) -> str:
    """A remark on a wrong score that looks like a known mistake, or ''."""
    if score is None:
        return " (no score for this column)"
    if math.isclose(score, swapped, rel_tol=1e-6):
        return (
            " - that is the score with reference and current swapped: Evidently's run takes "
            "the current data first, report.run(current, reference)"
        )
    if score < 1e-3 < expected:
        return (
            " - that looks like a p-value: Evidently's default method switches to p-value "
            "tests for references of 1,000 rows or fewer, so name the method"
        )
    return ""


def shown(scores: dict) -> dict:
    return {column: round(float(score), 4) for column, score in scores.items()}


# --- 1. detect_drift ----------------------------------------------------------------------------


@pytest.mark.points(
    0,
    exercise="detect_drift",
    hint="Keep detect_drift(reference, current, columns=FEATURE_COLUMNS, threshold=DRIFT_THRESHOLD).",
)
def test_detect_drift_signature(drift):
    parameters = inspect.signature(drift.detect_drift).parameters
    expected = ["reference", "current", "columns", "threshold"]
    assert list(parameters) == expected, (
        f"expected detect_drift({', '.join(expected)}), saw {list(parameters)}"
    )
    assert drift.DRIFT_THRESHOLD == THRESHOLD and tuple(drift.FEATURE_COLUMNS) == FEATURES, (
        f"expected DRIFT_THRESHOLD = {THRESHOLD} and the 19 input columns in FEATURE_COLUMNS, "
        f"saw {drift.DRIFT_THRESHOLD!r} and {drift.FEATURE_COLUMNS!r}"
    )


@pytest.mark.points(
    3,
    exercise="detect_drift",
    hint="One ValueDrift(column=..., method=method_for(column), threshold=...) per column; "
    "report.run(current, reference); the score is each metric's value in json.loads(snapshot.json()).",
)
def test_scores_methods_and_verdict(drift, evidently):
    columns = [
        "tenure",
        "MonthlyCharges",
        "TotalCharges",
        "SeniorCitizen",
        "Contract",
        "PaymentMethod",
    ]
    reference, current = month(0), month(3, scenario="price_increase")
    verdict = run_detect(drift, reference, current, columns)
    methods = {c: expected_method(c) for c in columns}
    assert dict(verdict.methods) == methods, (
        f"expected the methods {methods} (a distance for numbers, another for categories), "
        f"saw {dict(verdict.methods)}"
    )
    expected = expected_scores(reference, current, columns)
    seen = {c: verdict.scores.get(c) for c in columns}
    wrong = [
        c
        for c in columns
        if seen[c] is None or not math.isclose(seen[c], expected[c], rel_tol=1e-6, abs_tol=1e-9)
    ]
    swapped = expected_scores(current, reference, columns)
    assert not wrong, (
        f"expected the scores {shown(expected)}, saw {shown({c: s or 0.0 for c, s in seen.items()})}"
        + (
            " - the scores of reference and current swapped: Evidently's run takes the current "
            "data first, report.run(current, reference)"
            if all(
                likely_mistake(seen[c], expected[c], swapped[c]).startswith(" - that is")
                for c in wrong
            )
            else ""
        )
        + (
            " - TotalCharges is off: clean both tables with clean_total_charges (a blank is 0.0)"
            if wrong == ["TotalCharges"]
            else ""
        )
    )
    assert list(verdict.drifted_columns) == ["MonthlyCharges"] and verdict.drifted is True, (
        "expected a 9 % price rise (month 3) to drift MonthlyCharges only "
        f"(score {expected['MonthlyCharges']:.3f} >= {THRESHOLD}) and the batch to count as drifted, "
        f"saw drifted_columns={verdict.drifted_columns} and drifted={verdict.drifted}"
    )
    assert verdict.threshold == THRESHOLD, (
        f"expected the verdict to record the threshold {THRESHOLD}, saw {verdict.threshold!r}"
    )


@pytest.mark.points(
    2,
    exercise="detect_drift",
    hint="Name the method in ValueDrift(method=...): with 1,000 reference rows or fewer Evidently's "
    "default is a p-value test (K-S, chi-square), not a distance.",
)
def test_the_method_is_named_even_for_a_small_reference(drift, evidently):
    columns = ["MonthlyCharges", "Contract"]
    reference = month(0, seed=1, rows=SMALL)
    current = month(4, seed=1, scenario="price_increase", rows=SMALL)
    verdict = run_detect(drift, reference, current, columns)
    expected = expected_scores(reference, current, columns)
    seen = {c: verdict.scores.get(c) for c in columns}
    swapped = expected_scores(current, reference, columns)
    for column in columns:
        score = seen[column]
        assert score is not None and math.isclose(
            score, expected[column], rel_tol=1e-6, abs_tol=1e-9
        ), (
            f"expected {column}'s {expected_method(column)} distance {expected[column]:.4f} with an "
            f"{SMALL}-row reference, saw {score!r}"
            + likely_mistake(score, expected[column], swapped[column])
        )
    assert verdict.drifted_columns == ["MonthlyCharges"], (
        f"expected only MonthlyCharges to drift (a 12 % price rise), saw {verdict.drifted_columns}"
    )


@pytest.mark.points(
    2,
    exercise="detect_drift",
    hint="Clean both tables with clean_total_charges: a blank TotalCharges is a new customer "
    "who has paid 0.0, not a missing value.",
)
def test_blank_total_charges_count_as_zero(drift, evidently):
    reference = month(0, seed=2)
    current = month(1, seed=2)
    # A promotion brings a wave of new customers: a quarter of the batch has not been billed yet.
    new = np.random.default_rng(10).random(len(current)) < 0.25
    current.loc[new, "tenure"] = 0
    current.loc[new, "TotalCharges"] = " "
    verdict = run_detect(drift, reference, current, ["TotalCharges"])
    expected = expected_scores(reference, current, ["TotalCharges"])["TotalCharges"]
    score = verdict.scores.get("TotalCharges")
    swapped = expected_scores(current, reference, ["TotalCharges"])["TotalCharges"]
    assert score is not None and math.isclose(score, expected, rel_tol=1e-6), (
        f"expected TotalCharges to score {expected:.4f} with blanks as 0.0, saw {score!r}"
        + (
            " (dropping the blanks as missing hides a quarter of the batch)"
            if score is not None and score < expected / 2
            else likely_mistake(score, expected, swapped)
        )
    )
    assert verdict.drifted_columns == ["TotalCharges"] and verdict.drifted, (
        f"expected the wave of new customers to drift TotalCharges, saw {verdict.drifted_columns}"
    )


@pytest.mark.points(
    1,
    exercise="detect_drift",
    hint="A column drifted when score >= threshold: exactly the threshold counts.",
)
def test_a_score_equal_to_the_threshold_drifts(drift, evidently):
    reference, current = month(0), month(1, scenario="price_increase")
    score = run_detect(drift, reference, current, ["MonthlyCharges"]).scores["MonthlyCharges"]
    at = run_detect(drift, reference, current, ["MonthlyCharges"], threshold=score)
    above = run_detect(
        drift, reference, current, ["MonthlyCharges"], threshold=float(np.nextafter(score, 1.0))
    )
    assert at.drifted_columns == ["MonthlyCharges"] and at.drifted, (
        f"expected a score equal to the threshold ({score!r}) to count as drift, "
        f"saw drifted_columns={at.drifted_columns}"
    )
    assert above.drifted_columns == [] and not above.drifted, (
        f"expected no drift with a threshold just above the score, saw {above.drifted_columns}"
    )


@pytest.mark.points(
    1,
    exercise="detect_drift",
    hint="Check that every monitored column is in both tables first; raise ValueError naming the missing ones.",
)
def test_a_missing_column_is_an_error(drift, evidently):
    reference = month(0)
    current = month(1, scenario="schema_break")  # MonthlyCharges arrives renamed
    error = expect_error(
        ValueError,
        lambda: drift.detect_drift(reference, current, columns=["tenure", "MonthlyCharges"]),
        "when the batch has no MonthlyCharges column (it arrived renamed)",
    )
    assert "MonthlyCharges" in str(error), (
        f"expected the error to name the missing column MonthlyCharges, saw {error}"
    )


@pytest.mark.points(
    2,
    exercise="detect_drift",
    hint="With the named distances and threshold 0.1, the price rise shows in MonthlyCharges by month 3.",
)
def test_price_increase_is_flagged_by_month_3(drift, evidently):
    for seed in SEEDS:
        verdict = run_detect(drift, month(0, seed), month(3, seed, "price_increase"))
        flagged = set(verdict.drifted_columns)
        assert verdict.drifted and "MonthlyCharges" in flagged and flagged <= CHARGES, (
            f"expected seed {seed}'s month 3 of price_increase to drift on the charge columns "
            f"(MonthlyCharges at least, nothing else), saw drifted={verdict.drifted} and "
            f"drifted_columns={verdict.drifted_columns}"
        )


@pytest.mark.points(
    2,
    exercise="detect_drift",
    hint="A month without drift must not alert: use distances with threshold 0.1, not p-values.",
)
def test_months_without_input_drift_raise_no_alert(drift, evidently):
    # concept_shift draws exactly the customers of none (only the labels differ), so these
    # six batches are seed 0's months 1-6 without input drift, two of them under concept_shift.
    cases = [(1, "none"), (2, "none"), (3, "concept_shift"), (4, "none"), (5, "none")]
    cases.append((6, "concept_shift"))
    for number, scenario in cases:
        verdict = run_detect(drift, month(0), month(number, 0, scenario))
        assert not verdict.drifted and verdict.drifted_columns == [], (
            f"expected no input drift in month {number} of {scenario} (seed 0), saw "
            f"drifted_columns={verdict.drifted_columns}; scores {shown(verdict.scores)}"
        )


# --- 2. performance_check -------------------------------------------------------------------


class ContractRule:
    """A stand-in model: churn (1) for month-to-month customers, else 0.

    Like a real pipeline it refuses a TotalCharges column that is not numbers.
    """

    def __init__(self):
        self.calls = 0

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        self.calls += 1
        if "TotalCharges" in table and not pd.api.types.is_numeric_dtype(table["TotalCharges"]):
            raise ValueError("could not convert string to float: ' ' (TotalCharges is text)")
        return (table["Contract"] == "Month-to-month").astype(int).to_numpy()


def planned_batch(wrong: int, rows: int = 16, seed: int = 3):
    """A batch of ``rows`` customers and labels on which ContractRule gets ``wrong`` of them wrong.

    Returns (features, labels in shuffled order).
    """
    table = month(1, seed, rows=rows)
    features, _ = data.split_labels(table)
    predicted = (features["Contract"] == "Month-to-month").to_numpy()
    truth = predicted.copy()
    truth[:wrong] = ~truth[:wrong]  # the first `wrong` customers do the opposite
    labels = pd.DataFrame(
        {data.ID_COLUMN: features[data.ID_COLUMN], data.LABEL_COLUMN: np.where(truth, "Yes", "No")}
    )
    return features, labels.sample(frac=1.0, random_state=5).reset_index(drop=True)


def check_result(drift, result):
    assert isinstance(result, drift.PerformanceCheck), (
        f"expected performance_check to return a PerformanceCheck, saw {type(result).__name__}"
    )
    return result


@pytest.mark.points(
    0,
    exercise="performance_check",
    hint="Keep performance_check(model, current_features, labels, baseline_accuracy, max_drop=MAX_ACCURACY_DROP).",
)
def test_performance_check_signature(drift):
    parameters = inspect.signature(drift.performance_check).parameters
    expected = ["model", "current_features", "labels", "baseline_accuracy", "max_drop"]
    assert list(parameters) == expected, (
        f"expected performance_check({', '.join(expected)}), saw {list(parameters)}"
    )
    assert parameters["max_drop"].default == drift.MAX_ACCURACY_DROP == MAX_DROP, (
        f"expected max_drop to default to MAX_ACCURACY_DROP = {MAX_DROP}, "
        f"saw {parameters['max_drop'].default!r}"
    )


@pytest.mark.points(
    2,
    exercise="performance_check",
    hint="Labels arrive in their own order: merge them with the features on customerID, never by position.",
)
def test_labels_are_joined_by_customer_id(drift):
    features, labels = planned_batch(wrong=4)  # 12 of 16 right: accuracy 0.75
    truth = (labels[data.LABEL_COLUMN] == "Yes").to_numpy()
    by_position = float(((features["Contract"] == "Month-to-month").to_numpy() == truth).mean())
    assert by_position != 0.75, "the test's shuffle must change the positional answer"
    result = check_result(
        drift, drift.performance_check(ContractRule(), features, labels, 0.875, 0.1)
    )
    seen = (result.accuracy, result.labelled, result.drop, result.degraded)
    assert seen == (0.75, 16, 0.125, True), (
        "expected accuracy 0.75 on 16 labelled customers, a drop of 0.125 from 0.875 and "
        f"degraded=True (more than 0.1), saw accuracy={result.accuracy!r}, "
        f"labelled={result.labelled!r}, drop={result.drop!r}, degraded={result.degraded!r}"
        + (
            f" (accuracy {by_position} is what joining by position gives)"
            if result.accuracy == by_position
            else ""
        )
    )
    assert (result.baseline_accuracy, result.max_drop) == (0.875, 0.1), (
        f"expected baseline_accuracy 0.875 and max_drop 0.1 recorded, "
        f"saw {result.baseline_accuracy!r} and {result.max_drop!r}"
    )


@pytest.mark.points(
    2,
    exercise="performance_check",
    hint="Score only customers that have a label (an inner join); ignore labels of other customers.",
)
def test_only_labelled_customers_of_this_batch_count(drift):
    features, labels = planned_batch(wrong=3)  # customers 0-2 are wrong
    first = set(features[data.ID_COLUMN].iloc[:8])  # 3 wrong, 5 right among them
    arrived = labels[labels[data.ID_COLUMN].isin(first)]
    strangers = pd.DataFrame(
        {
            data.ID_COLUMN: ["99-00000-AAAAA", "99-00001-BBBBB", "99-00002-CCCCC"],
            data.LABEL_COLUMN: "Yes",
        }
    )
    arrived = pd.concat([strangers.iloc[:2], arrived, strangers.iloc[2:]], ignore_index=True)
    result = check_result(
        drift, drift.performance_check(ContractRule(), features, arrived, 0.75, 0.05)
    )
    assert (result.labelled, result.accuracy) == (8, 0.625), (
        "expected 8 labelled customers (labels for 8 of 16 have arrived, plus 3 for customers "
        f"of another batch) and accuracy 5/8 = 0.625, saw labelled={result.labelled!r} and "
        f"accuracy={result.accuracy!r}"
    )
    assert result.degraded is True and result.drop == 0.125, (
        f"expected a drop of 0.125 (> 0.05) and degraded=True, saw drop={result.drop!r}, "
        f"degraded={result.degraded!r}"
    )


@pytest.mark.points(
    1,
    exercise="performance_check",
    hint="Degraded means drop > max_drop: a drop of exactly max_drop is still acceptable.",
)
def test_a_drop_of_exactly_max_drop_is_acceptable(drift):
    features, labels = planned_batch(wrong=4)  # accuracy 0.75
    cases = ((0.125, False), (0.0625, True), (0.25, False))
    for max_drop, degraded in cases:
        result = check_result(
            drift, drift.performance_check(ContractRule(), features, labels, 0.875, max_drop)
        )
        assert result.degraded is degraded, (
            f"expected degraded={degraded} for a drop of 0.125 with max_drop={max_drop}, "
            f"saw {result.degraded!r}"
        )


@pytest.mark.points(
    1,
    exercise="performance_check",
    hint="If no label matches a customer of the batch, raise ValueError: there is nothing to score yet.",
)
def test_no_matching_labels_is_an_error(drift):
    features, _ = planned_batch(wrong=0)
    other = data.split_labels(month(2, seed=4, rows=16))[1]
    expect_error(
        ValueError,
        lambda: drift.performance_check(ContractRule(), features, other, 0.9),
        "when none of the labels belongs to a customer of the batch",
    )


def fit_model(train: pd.DataFrame):
    """A month-0 logistic regression on cleaned features, predicting 1 for churn (this file's own)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    encode = ColumnTransformer(
        [
            ("numbers", StandardScaler(), ["SeniorCitizen", *NUMERIC]),
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(data.CATEGORIES)),
        ]
    )
    model = Pipeline([("encode", encode), ("classify", LogisticRegression(max_iter=1000))])
    train = as_numbers(train)
    return model.fit(train, (train[data.LABEL_COLUMN] == "Yes").astype(int))


def accuracy_of(model, table: pd.DataFrame) -> float:
    table = as_numbers(table)
    return float((model.predict(table) == (table[data.LABEL_COLUMN] == "Yes")).mean())


@pytest.fixture(scope="module")
def month0_models():
    """Per seed: a model trained on 2,000 month-0 customers and its accuracy on 1,000 others."""
    models = {}
    for seed in SEEDS:
        history = month(0, seed, rows=3 * ROWS // 2)
        train, test = history.iloc[:ROWS], history.iloc[ROWS:]
        model = fit_model(train)
        models[seed] = (model, accuracy_of(model, test))
    return models


@pytest.mark.points(
    2,
    exercise="performance_check",
    hint="Clean the features with clean_total_charges before predicting: a blank TotalCharges is 0.0.",
)
def test_a_real_model_on_raw_features_with_blank_total_charges(drift, month0_models):
    model, baseline = month0_models[0]
    table = month(2, seed=0)
    assert (table["TotalCharges"].str.strip() == "").any(), "the batch must hold new customers"
    features, labels = data.split_labels(table)
    result = check_result(drift, drift.performance_check(model, features, labels, baseline))
    expected = accuracy_of(model, table)
    assert math.isclose(result.accuracy, expected, abs_tol=1e-12) and result.labelled == ROWS, (
        f"expected accuracy {expected:.4f} on {ROWS} customers, saw {result.accuracy!r} on "
        f"{result.labelled!r}"
    )


@pytest.mark.points(
    2,
    exercise="performance_check",
    hint="Once labels arrive, concept drift shows as accuracy below baseline - max_drop.",
)
def test_concept_shift_is_caught_once_labels_arrive(drift, month0_models):
    for seed in SEEDS:
        model, baseline = month0_models[seed]
        for number, scenario, degraded in (
            (1, "none", False),
            (6, "none", False),
            (3, "concept_shift", True),
            (6, "concept_shift", True),
        ):
            features, labels = data.split_labels(month(number, seed, scenario))
            labels = labels.sample(frac=1.0, random_state=seed)  # labels come in their own order
            result = check_result(drift, drift.performance_check(model, features, labels, baseline))
            assert result.degraded is degraded, (
                f"expected degraded={degraded} for month {number} of {scenario} (seed {seed}, "
                f"baseline {baseline:.3f}, max_drop {MAX_DROP}), saw degraded={result.degraded!r} "
                f"with accuracy {result.accuracy!r}"
            )


# --- 3. alert_message -------------------------------------------------------------------------


def verdict_of(drift, scores: dict[str, float], threshold: float = THRESHOLD):
    """A DriftVerdict as detect_drift would make it, built here from planned scores."""
    drifted = [c for c, s in scores.items() if s >= threshold]
    return drift.DriftVerdict(
        scores=dict(scores),
        methods={c: expected_method(c) for c in scores},
        threshold=threshold,
        drifted_columns=drifted,
        drifted=bool(drifted),
    )


def check_of(
    drift,
    accuracy: float,
    baseline: float = 0.9021,
    max_drop: float = MAX_DROP,
    labelled: int = 2000,
):
    drop = baseline - accuracy
    return drift.PerformanceCheck(
        accuracy=accuracy,
        baseline_accuracy=baseline,
        drop=drop,
        max_drop=max_drop,
        labelled=labelled,
        degraded=drop > max_drop,
    )


QUIET = {"MonthlyCharges": 0.0412, "TotalCharges": 0.0377, "tenure": 0.0215, "Contract": 0.0187}
PRICE = {"MonthlyCharges": 0.2341, "TotalCharges": 0.1252, "tenure": 0.0412, "Contract": 0.0187}


@pytest.mark.points(
    0, exercise="alert_message", hint="Keep alert_message(verdict, performance=None) -> str | None."
)
def test_alert_message_signature(drift):
    parameters = inspect.signature(drift.alert_message).parameters
    assert list(parameters) == ["verdict", "performance"], (
        f"expected alert_message(verdict, performance=None), saw {list(parameters)}"
    )
    assert parameters["performance"].default is None, (
        f"expected performance to default to None, saw {parameters['performance'].default!r}"
    )


@pytest.mark.points(
    2,
    exercise="alert_message",
    hint="Return None (not an empty string) when no column drifted and the model is not degraded.",
)
def test_no_alert_when_all_is_well(drift):
    quiet = verdict_of(drift, QUIET)
    cases = (
        ("labels not arrived yet", None),
        ("accuracy 0.02 below the baseline", check_of(drift, 0.8821)),
        ("accuracy above the baseline", check_of(drift, 0.9221)),
    )
    for situation, performance in cases:
        message = drift.alert_message(quiet, performance)
        assert message is None, (
            f"expected None with no drifted column and {situation}, saw {message!r}"
        )


@pytest.mark.points(
    2,
    exercise="alert_message",
    hint="One line per drifted column: its name, method, score with 3 decimals and the threshold.",
)
def test_drift_alert_names_columns_scores_and_threshold(drift):
    message = drift.alert_message(verdict_of(drift, PRICE))
    assert isinstance(message, str) and message.strip(), f"expected a message, saw {message!r}"
    for piece in ("MonthlyCharges", "0.234", "TotalCharges", "0.125", "wasserstein", "0.1"):
        assert piece in message, f"expected the message to contain {piece!r}, saw:\n{message}"
    for quiet in ("tenure", "Contract"):
        assert quiet not in message, (
            f"expected only the drifted columns in the message, saw {quiet} (score "
            f"{PRICE[quiet]} < {THRESHOLD}) in:\n{message}"
        )


@pytest.mark.points(
    2,
    exercise="alert_message",
    hint="A degraded model with no input drift is concept drift: alert with accuracy and baseline, "
    "and say 'concept drift'.",
)
def test_concept_drift_alerts_on_accuracy_alone(drift):
    message = drift.alert_message(verdict_of(drift, QUIET), check_of(drift, 0.7634))
    assert isinstance(message, str), (
        f"expected an alert: accuracy 0.763 is 0.139 below the baseline 0.902, saw {message!r} "
        "(the inputs look fine: only the labels can show concept drift)"
    )
    for piece in ("0.763", "0.902", "concept drift"):
        assert piece in message, f"expected the message to contain {piece!r}, saw:\n{message}"
    assert "MonthlyCharges" not in message, (
        f"expected no column named when none drifted, saw:\n{message}"
    )


@pytest.mark.points(
    1,
    exercise="alert_message",
    hint="Use performance.degraded as it is; list drift and degradation together; "
    "'concept drift' only when no input drifted.",
)
def test_boundaries_of_the_alert(drift):
    at_limit = check_of(drift, 0.875, baseline=0.9375, max_drop=0.0625)  # drop exactly the limit
    message = drift.alert_message(verdict_of(drift, QUIET), at_limit)
    assert message is None, (
        f"expected None for a drop of exactly max_drop (degraded=False), saw {message!r}"
    )
    both = drift.alert_message(verdict_of(drift, PRICE), check_of(drift, 0.7634))
    assert isinstance(both, str), f"expected an alert for drift and a degraded model, saw {both!r}"
    for piece in ("MonthlyCharges", "0.763"):
        assert piece in both, f"expected both problems in the message ({piece!r}), saw:\n{both}"
    assert "concept drift" not in both, (
        f"expected no 'concept drift' claim when inputs drifted too, saw:\n{both}"
    )
