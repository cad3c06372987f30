"""Grading tests for lesson 10: drift, late labels, one alert, persistence, the log, Prometheus.

The expected drift scores are computed here, independently of Evidently, with
SciPy: the normed Wasserstein distance (the Wasserstein distance divided by the
reference's standard deviation) for numbers, the Jensen-Shannon distance
between category shares for categories. They match Evidently's to about 1e-15.

The data are the course's data world (2,000 customers a month): month 0 is the
reference, ``price_increase`` is data drift, ``none`` is no drift, and
``concept_shift`` keeps exactly the inputs of ``none`` while the churn reasons
change. The acceptance figures the lesson promises are graded here on a fast
subset (five seeds at month 3 for the price rise; seed 0's six months without
drift).

``performance_check`` is graded on logged answers built here; ``read_window``
on a log written by lesson 08's *reference* ``log_predictions`` (the format
lesson 08's service writes), never the learner's lesson 08. The alert tests
build their verdicts themselves, so ``alert_message`` is graded on its own.

The alert rules are graded with ``promtool test rules``: the grader's own unit
tests run against the learner's rules (annotations stripped: only when and
with which labels an alert fires is compared). The learner's unit tests run
against the grader's correct rules, which they must pass, and against broken
copies of them (an alert that never fires, one that always fires, a threshold
off by one), which they must fail: tests that pass whatever the rules say earn
nothing.
"""

from __future__ import annotations

import inspect
import math
from datetime import UTC, datetime, timedelta, timezone
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
    hint="One drift metric per column, each with the method chosen for its kind of column; "
    "the report takes the current data first; each metric's value in the snapshot's JSON "
    "is that column's score.",
    more="Report([ValueDrift(column=c, method=method_for(c), threshold=threshold) for c in "
    "columns]).run(current, reference); json.loads(snapshot.json())['metrics'].",
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
    hint="Name the method of every drift metric: with 1,000 reference rows or fewer, "
    "Evidently's default is a p-value test (K-S, chi-square), not a distance.",
    more="ValueDrift(column=c, method=method_for(c), ...).",
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


def planned_log(wrong: int, rows: int = 16, seed: int = 3, at_threshold: int = 0):
    """A window of logged answers and labels, of which ``wrong`` answers are wrong.

    The answers say churn (0.875) for month-to-month customers and stay (0.125)
    for the others; the first ``at_threshold`` churn answers are exactly 0.5.
    Returns (logged answers, labels in shuffled order).
    """
    table = month(1, seed, rows=rows)
    said_churn = (table["Contract"] == "Month-to-month").to_numpy()
    probability = np.where(said_churn, 0.875, 0.125)
    churners = np.flatnonzero(said_churn)[:at_threshold]
    probability[churners] = 0.5
    logged = pd.DataFrame(
        {
            data.ID_COLUMN: table[data.ID_COLUMN],
            "model_version": "3",
            "churn_probability": probability,
        }
    )
    truth = said_churn.copy()
    truth[:wrong] = ~truth[:wrong]  # the first `wrong` customers do the opposite
    labels = pd.DataFrame(
        {data.ID_COLUMN: table[data.ID_COLUMN], data.LABEL_COLUMN: np.where(truth, "Yes", "No")}
    )
    return logged, labels.sample(frac=1.0, random_state=5).reset_index(drop=True)


def check_result(drift, result):
    assert isinstance(result, drift.PerformanceCheck), (
        f"expected performance_check to return a PerformanceCheck, saw {type(result).__name__}"
    )
    return result


@pytest.mark.points(
    0,
    exercise="performance_check",
    hint="Keep performance_check's five parameters: the logged answers, the labels, the "
    "baseline, the allowed drop (0.05) and the threshold (0.5).",
)
def test_performance_check_signature(drift):
    parameters = inspect.signature(drift.performance_check).parameters
    expected = ["logged", "labels", "baseline_accuracy", "max_drop", "threshold"]
    assert list(parameters) == expected, (
        f"expected performance_check({', '.join(expected)}), saw {list(parameters)}"
    )
    defaults = (parameters["max_drop"].default, parameters["threshold"].default)
    assert defaults == (MAX_DROP, 0.5), (
        f"expected max_drop to default to {MAX_DROP} and threshold to 0.5, saw {defaults}"
    )


@pytest.mark.points(
    2,
    exercise="performance_check",
    hint="Labels come from another system, in their own order: join them to the logged "
    "answers by customer id, never by position.",
    more="logged.merge(labels, on='customerID', how='inner'), then compare "
    "(churn_probability >= threshold) with (Churn == 'Yes').",
)
def test_labels_are_joined_by_customer_id(drift):
    logged, labels = planned_log(wrong=4)  # 12 of 16 right: accuracy 0.75
    truth = (labels[data.LABEL_COLUMN] == "Yes").to_numpy()
    said = (logged["churn_probability"] >= 0.5).to_numpy()
    by_position = float((said == truth).mean())
    assert by_position != 0.75, "the test's shuffle must change the positional answer"
    result = check_result(drift, drift.performance_check(logged, labels, 0.875, 0.1))
    seen = (result.accuracy, result.labelled, result.drop, result.degraded)
    assert seen == (0.75, 16, 0.125, True), (
        "expected accuracy 0.75 on 16 labelled answers, a drop of 0.125 from 0.875 and "
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
    hint="Compare only answers whose label has arrived (an inner join), ignore labels of "
    "other customers, and count an answer given twice twice.",
)
def test_only_labelled_answers_of_this_window_count(drift):
    logged, labels = planned_log(wrong=3)  # customers 0-2 are wrong
    first = set(logged[data.ID_COLUMN].iloc[:8])  # 3 wrong, 5 right among them
    arrived = labels[labels[data.ID_COLUMN].isin(first)]
    strangers = pd.DataFrame(
        {
            data.ID_COLUMN: ["99-00000-AAAAA", "99-00001-BBBBB", "99-00002-CCCCC"],
            data.LABEL_COLUMN: "Yes",
        }
    )
    arrived = pd.concat([strangers.iloc[:2], arrived, strangers.iloc[2:]], ignore_index=True)
    result = check_result(drift, drift.performance_check(logged, arrived, 0.75, 0.05))
    assert (result.labelled, result.accuracy) == (8, 0.625), (
        "expected 8 labelled answers (labels for 8 of 16 have arrived, plus 3 for customers "
        f"of another window) and accuracy 5/8 = 0.625, saw labelled={result.labelled!r} and "
        f"accuracy={result.accuracy!r}"
    )
    assert result.degraded is True and result.drop == 0.125, (
        f"expected a drop of 0.125 (> 0.05) and degraded=True, saw drop={result.drop!r}, "
        f"degraded={result.degraded!r}"
    )
    twice = pd.concat([logged, logged.iloc[[3]]], ignore_index=True)  # answered again later
    result = check_result(drift, drift.performance_check(twice, labels, 0.75, 0.05))
    assert result.labelled == 17, (
        f"expected 17 answers compared (customer 3 was answered twice), saw {result.labelled!r}"
    )


@pytest.mark.points(
    1,
    exercise="performance_check",
    hint="Degraded means a drop strictly larger than the allowance; and an answer of exactly "
    "the threshold said churn, as the service's label did.",
)
def test_boundaries_of_the_check(drift):
    logged, labels = planned_log(wrong=4)  # accuracy 0.75
    cases = ((0.125, False), (0.0625, True), (0.25, False))
    for max_drop, degraded in cases:
        result = check_result(drift, drift.performance_check(logged, labels, 0.875, max_drop))
        assert result.degraded is degraded, (
            f"expected degraded={degraded} for a drop of 0.125 with max_drop={max_drop}, "
            f"saw {result.degraded!r}"
        )
    at_threshold, labels = planned_log(wrong=0, at_threshold=3)
    result = check_result(drift, drift.performance_check(at_threshold, labels, 1.0))
    assert result.accuracy == 1.0, (
        "expected answers of exactly 0.5 to count as churn (probability >= threshold), saw "
        f"accuracy {result.accuracy!r} where every answer was right"
    )


@pytest.mark.points(
    1,
    exercise="performance_check",
    hint="If no label matches an answer of the window, there is nothing to measure yet: "
    "say so with a ValueError.",
)
def test_no_matching_labels_is_an_error(drift):
    logged, _ = planned_log(wrong=0)
    other = data.split_labels(month(2, seed=4, rows=16))[1]
    expect_error(
        ValueError,
        lambda: drift.performance_check(logged, other, 0.9),
        "when none of the labels belongs to a customer of the window",
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


def answers_of(model, table: pd.DataFrame) -> pd.DataFrame:
    """What a service with this model would have logged for these customers."""
    features = as_numbers(table.drop(columns=[data.LABEL_COLUMN]))
    return features.assign(churn_probability=model.predict_proba(features)[:, 1])


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
    hint="Measure the answers as the service gave them: the logged probability at the "
    "threshold, not a new prediction.",
)
def test_the_answers_of_a_real_model(drift, month0_models):
    model, baseline = month0_models[0]
    table = month(2, seed=0)
    labels = data.split_labels(table)[1]
    result = check_result(
        drift, drift.performance_check(answers_of(model, table), labels, baseline)
    )
    expected = accuracy_of(model, table)
    assert math.isclose(result.accuracy, expected, abs_tol=1e-12) and result.labelled == ROWS, (
        f"expected accuracy {expected:.4f} on {ROWS} answers, saw {result.accuracy!r} on "
        f"{result.labelled!r}"
    )


@pytest.mark.points(
    2,
    exercise="performance_check",
    hint="Once labels arrive, concept drift shows as accuracy more than the allowed drop "
    "below the baseline.",
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
            table = month(number, seed, scenario)
            labels = data.split_labels(table)[1].sample(frac=1.0, random_state=seed)
            result = check_result(
                drift, drift.performance_check(answers_of(model, table), labels, baseline)
            )
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
    hint="Trust the check's own verdict on degradation; report drift and degradation "
    "together; name concept drift only when no input drifted.",
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


# --- 4. persistent_drift ----------------------------------------------------------------------


def history_of(drift, *drifted: tuple[str, ...]):
    """Consecutive verdicts, oldest first, each drifting on the columns given, in that order."""
    columns = ("MonthlyCharges", "TotalCharges", "tenure", "Contract")
    return [
        drift.DriftVerdict(
            scores={c: (0.2 if c in window else 0.01) for c in columns},
            methods={c: expected_method(c) for c in columns},
            threshold=THRESHOLD,
            drifted_columns=list(window),
            drifted=bool(window),
        )
        for window in drifted
    ]


@pytest.mark.points(
    0,
    exercise="persistent_drift",
    hint="Keep persistent_drift's two parameters: the verdicts, oldest first, and how many "
    "windows in a row (2 by default).",
)
def test_persistent_drift_signature(drift):
    parameters = inspect.signature(drift.persistent_drift).parameters
    assert list(parameters) == ["history", "windows"] and parameters["windows"].default == 2, (
        f"expected persistent_drift(history, windows=2), saw {list(parameters)}"
    )


@pytest.mark.points(
    2,
    exercise="persistent_drift",
    hint="A column counts only if every one of the last windows flagged it: drifting in one "
    "of them is the noise persistence filters out.",
)
def test_only_columns_drifted_in_each_window_count(drift):
    history = history_of(drift, ("MonthlyCharges",), ("MonthlyCharges", "TotalCharges"))
    seen = drift.persistent_drift(history)
    assert seen == ["MonthlyCharges"], (
        "expected only MonthlyCharges (it drifted in both windows; TotalCharges only in the "
        f"last), saw {seen}"
    )
    newest_order = history_of(
        drift, ("TotalCharges", "MonthlyCharges"), ("MonthlyCharges", "TotalCharges")
    )
    seen = drift.persistent_drift(newest_order)
    assert seen == ["MonthlyCharges", "TotalCharges"], (
        f"expected both columns, in the order of the newest verdict, saw {seen}"
    )


@pytest.mark.points(
    2,
    exercise="persistent_drift",
    hint="'In a row' means the last windows, consecutive: a column that drifted, calmed down "
    "and drifted again has not persisted.",
)
def test_in_a_row_means_the_last_windows(drift):
    gap = history_of(drift, ("MonthlyCharges",), (), ("MonthlyCharges",))
    assert drift.persistent_drift(gap) == [], (
        f"expected nothing for drift in windows 1 and 3 but not 2, saw {drift.persistent_drift(gap)}"
    )
    older = history_of(drift, ("tenure",), ("tenure",), ("MonthlyCharges",), ("MonthlyCharges",))
    assert drift.persistent_drift(older) == ["MonthlyCharges"], (
        "expected MonthlyCharges only: tenure persisted once, two windows ago, not now; saw "
        f"{drift.persistent_drift(older)}"
    )
    three = history_of(
        drift, ("tenure",), ("MonthlyCharges", "tenure"), ("MonthlyCharges", "tenure")
    )
    assert drift.persistent_drift(three, windows=3) == ["tenure"], (
        f"expected tenure for three windows in a row, saw {drift.persistent_drift(three, windows=3)}"
    )


@pytest.mark.points(
    1,
    exercise="persistent_drift",
    hint="Fewer verdicts than windows: nothing has persisted yet. One window: the newest "
    "verdict's columns. Zero windows makes no sense: refuse it.",
)
def test_persistence_boundaries(drift):
    one = history_of(drift, ("MonthlyCharges",))
    assert drift.persistent_drift(one) == [], (
        f"expected nothing from a single verdict with windows=2, saw {drift.persistent_drift(one)}"
    )
    assert drift.persistent_drift(one, windows=1) == ["MonthlyCharges"], (
        "expected the newest verdict's columns with windows=1"
    )
    assert drift.persistent_drift([], windows=1) == [], "expected nothing from no verdicts"
    expect_error(ValueError, lambda: drift.persistent_drift(one, windows=0), "for windows=0")


# --- 5. read_window (the prediction log of lesson 08) -------------------------------------------


@pytest.fixture(scope="module")
def window(exercise):
    return exercise("10", "window")


@pytest.fixture(scope="module")
def lesson08_log(reference):
    """Lesson 08's reference prediction log writer: the log this lesson's monitor reads."""
    return reference("08", "prediction_log")


def customer_rows(rows: int, seed: int = 1, first_id: str | None = None) -> list[dict]:
    table = as_numbers(month(1, seed, rows=rows)).drop(columns=[data.LABEL_COLUMN])
    customers = table.to_dict("records")
    if first_id is not None:
        customers[0][data.ID_COLUMN] = first_id
    return customers


def log_at(lesson08_log, folder, when: datetime, customers, version="7"):
    probabilities = [0.125 + 0.0625 * (i % 8) for i in range(len(customers))]
    lesson08_log.log_predictions(folder, "churn", version, customers, probabilities, when)


@pytest.fixture
def logged_days(lesson08_log, tmp_path):
    """A log over two UTC days: (folder, the customers of each call, in time order)."""
    calls = [
        (datetime(2026, 3, 31, 12, 0, tzinfo=UTC), customer_rows(2, seed=3)),
        (
            datetime(2026, 3, 30, 23, 59, 59, tzinfo=UTC),
            customer_rows(2, seed=1, first_id="000123"),
        ),
        (datetime(2026, 3, 31, 0, 0, tzinfo=UTC), customer_rows(3, seed=2)),
    ]
    for when, customers in calls:  # the noon call is written first: files are not in time order
        log_at(lesson08_log, tmp_path, when, customers)
    ordered = [customers for _, customers in sorted(calls, key=lambda call: call[0])]
    return tmp_path, ordered


def ids(table) -> list[str]:
    return list(table[data.ID_COLUMN]) if data.ID_COLUMN in table else []


@pytest.mark.points(
    2,
    exercise="read_window",
    hint="Read every day's file of the log, keep ids and versions as text (an id like 000123 "
    "must not become 123), and order the answers by the time they were logged.",
    more="pd.read_json(path, lines=True, dtype={'customerID': str, 'model_version': str}) per "
    "file; pd.concat; pd.to_datetime(..., utc=True, format='ISO8601'); "
    "sort_values('logged_at', kind='stable').",
)
def test_the_whole_log_in_time_order(window, logged_days):
    folder, ordered = logged_days
    table = window.read_window(folder)
    expected = [c[data.ID_COLUMN] for customers in ordered for c in customers]
    assert ids(table) == expected, (
        f"expected the 7 answers of both days in the order they were logged, saw {ids(table)}"
    )
    assert table[data.ID_COLUMN].iloc[0] == "000123", (
        f"expected the id '000123' kept as text, saw {table[data.ID_COLUMN].iloc[0]!r}"
    )
    assert list(table["model_version"].unique()) == ["7"], (
        f"expected model_version '7' as text, saw {list(table['model_version'].unique())}"
    )
    times = table["logged_at"]
    assert pd.api.types.is_datetime64_any_dtype(times) and str(times.dt.tz) == "UTC", (
        f"expected logged_at as timezone-aware UTC times, saw dtype {times.dtype}"
    )
    assert list(table.index) == list(range(len(table))), "expected a fresh index 0..n-1"
    assert {"MonthlyCharges", "churn_probability"} <= set(table.columns), (
        "expected every column the log has (inputs and the probability)"
    )


@pytest.mark.points(
    2,
    exercise="read_window",
    hint="A window keeps its start and leaves out its end: an answer logged exactly at "
    "midnight belongs to the day that begins then, not to the one that ends.",
)
def test_the_window_is_half_open(window, logged_days):
    folder, ordered = logged_days
    midnight = datetime(2026, 3, 31, 0, 0, tzinfo=UTC)
    noon = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    day = window.read_window(folder, since=midnight, until=noon)
    expected = [c[data.ID_COLUMN] for c in ordered[1]]
    assert ids(day) == expected, (
        "expected only the 3 answers logged at 00:00 (the start is in the window, 12:00, the "
        f"end, is not), saw {ids(day)}"
    )
    paris = timezone(timedelta(hours=2))
    same = window.read_window(
        folder, since=midnight.astimezone(paris), until=noon.astimezone(paris)
    )
    assert ids(same) == expected, "expected the same window given in another timezone"
    after = window.read_window(folder, since=noon)
    assert ids(after) == [c[data.ID_COLUMN] for c in ordered[2]], (
        f"expected the noon answers with no end bound, saw {ids(after)}"
    )


@pytest.mark.points(
    1,
    exercise="read_window",
    hint="A bound without a timezone cannot be compared with UTC times, and a window with "
    "no answers leaves nothing to monitor: refuse both with a ValueError.",
)
def test_refusals(window, logged_days, tmp_path_factory):
    folder, _ = logged_days
    expect_error(
        ValueError,
        lambda: window.read_window(folder, since=datetime(2026, 3, 31)),
        "for a bound without a timezone",
    )
    expect_error(
        ValueError,
        lambda: window.read_window(folder, since=datetime(2026, 4, 2, tzinfo=UTC)),
        "for a window with no answers",
    )
    expect_error(
        ValueError,
        lambda: window.read_window(tmp_path_factory.mktemp("empty")),
        "for a log folder with nothing in it",
    )


# --- 6. alert rules, checked with promtool -------------------------------------------------------

ALERTS = {"ChurnInputDrift": "ticket", "ChurnAccuracyDrop": "page", "ChurnMonitorStale": "page"}
# The grader's own rules: the contract of the README, used to judge the learner's tests.
GRADER_RULES = {
    "groups": [
        {
            "name": "churn-monitoring",
            "rules": [
                {
                    "alert": "ChurnInputDrift",
                    "expr": "churn_monitor_column_drift >= 0.1",
                    "labels": {"severity": "ticket"},
                },
                {
                    "alert": "ChurnAccuracyDrop",
                    "expr": "churn_monitor_baseline_accuracy - churn_monitor_accuracy > 0.05",
                    "labels": {"severity": "page"},
                },
                {
                    "alert": "ChurnMonitorStale",
                    "expr": "time() - churn_monitor_last_run_timestamp_seconds > 172800",
                    "labels": {"severity": "page"},
                },
            ],
        }
    ]
}
# The grader's own unit tests of each alert (labels only: annotations are stripped first).
GRADER_TESTS = {
    "ChurnInputDrift": [
        {
            "interval": "1m",
            "input_series": [
                {
                    "series": 'churn_monitor_column_drift{column="MonthlyCharges"}',
                    "values": "0.099 0.1 0.31",
                },
                {
                    "series": 'churn_monitor_column_drift{column="Contract"}',
                    "values": "0.02 0.05 0.12",
                },
            ],
            "alert_rule_test": [
                {"eval_time": "0m", "alertname": "ChurnInputDrift", "exp_alerts": []},
                {
                    "eval_time": "1m",
                    "alertname": "ChurnInputDrift",
                    "exp_alerts": [
                        {"exp_labels": {"column": "MonthlyCharges", "severity": "ticket"}}
                    ],
                },
                {
                    "eval_time": "2m",
                    "alertname": "ChurnInputDrift",
                    "exp_alerts": [
                        {"exp_labels": {"column": "MonthlyCharges", "severity": "ticket"}},
                        {"exp_labels": {"column": "Contract", "severity": "ticket"}},
                    ],
                },
            ],
        }
    ],
    "ChurnAccuracyDrop": [
        {
            "interval": "1m",
            "input_series": [
                {"series": "churn_monitor_baseline_accuracy", "values": "0.9 0.9 0.9"},
                {"series": "churn_monitor_accuracy", "values": "0.91 0.86 0.84"},
            ],
            "alert_rule_test": [
                {"eval_time": "0m", "alertname": "ChurnAccuracyDrop", "exp_alerts": []},
                {"eval_time": "1m", "alertname": "ChurnAccuracyDrop", "exp_alerts": []},
                {
                    "eval_time": "2m",
                    "alertname": "ChurnAccuracyDrop",
                    "exp_alerts": [{"exp_labels": {"severity": "page"}}],
                },
            ],
        },
        {
            "interval": "1m",
            "input_series": [{"series": "churn_monitor_baseline_accuracy", "values": "0.9 0.9"}],
            "alert_rule_test": [
                {"eval_time": "1m", "alertname": "ChurnAccuracyDrop", "exp_alerts": []},
            ],
        },
    ],
    "ChurnMonitorStale": [
        {
            "interval": "1h",
            "input_series": [
                {"series": "churn_monitor_last_run_timestamp_seconds", "values": "0x72"}
            ],
            "alert_rule_test": [
                {"eval_time": "47h", "alertname": "ChurnMonitorStale", "exp_alerts": []},
                {
                    "eval_time": "49h",
                    "alertname": "ChurnMonitorStale",
                    "exp_alerts": [{"exp_labels": {"severity": "page"}}],
                },
            ],
        },
        {
            "interval": "1h",
            "input_series": [
                {"series": "churn_monitor_last_run_timestamp_seconds", "values": "0+3600x72"}
            ],
            "alert_rule_test": [
                {"eval_time": "70h", "alertname": "ChurnMonitorStale", "exp_alerts": []},
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def promtool(require_tool):
    return require_tool("promtool")


def read_yaml(path) -> dict:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        pytest.fail(f"{path.name} is not valid YAML: {error}", pytrace=False)
    return loaded if isinstance(loaded, dict) else {}


def rules_in(document: dict) -> list[dict]:
    return [
        rule
        for group in (document.get("groups") or [])
        for rule in (group.get("rules") or [])
        if isinstance(rule, dict)
    ]


def without_annotations(document: dict) -> dict:
    """The rules with their annotations removed: the grader's tests compare labels only."""
    import copy

    stripped = copy.deepcopy(document)
    for rule in rules_in(stripped):
        rule.pop("annotations", None)
    return stripped


def promtool_test(promtool, folder, rules: dict, tests: dict) -> tuple[bool, str]:
    """Run ``promtool test rules`` on these rules and tests; (passed, its output)."""
    import subprocess

    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alerts.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
    (folder / "alerts_test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    run = subprocess.run(
        [promtool, "test", "rules", "alerts_test.yml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return run.returncode == 0, (run.stdout + run.stderr).strip()


def grader_tests_for(alert: str) -> dict:
    return {"rule_files": ["alerts.yml"], "evaluation_interval": "1m", "tests": GRADER_TESTS[alert]}


@pytest.fixture(scope="module")
def learner_rules(exercise_file) -> dict:
    return read_yaml(exercise_file("10", "alerts.yml"))


def check_alert(promtool, learner_rules, alert: str, folder) -> None:
    names = [rule.get("alert") for rule in rules_in(learner_rules)]
    assert alert in names, f"expected an alert named {alert} in alerts.yml, saw {names}"
    passed, output = promtool_test(
        promtool, folder, without_annotations(learner_rules), grader_tests_for(alert)
    )
    assert passed, (
        f"expected {alert} to fire exactly when the README says, with severity "
        f"{ALERTS[alert]!r}; promtool test rules with the grader's cases says:\n{output[-1500:]}"
    )


@pytest.mark.points(
    0,
    exercise="alert_rules",
    hint="alerts.yml must be a Prometheus rule file that promtool check rules accepts.",
)
def test_alert_rules_are_a_valid_rule_file(promtool, exercise_file):
    import subprocess

    path = exercise_file("10", "alerts.yml")
    run = subprocess.run(
        [promtool, "check", "rules", path.name], cwd=path.parent, capture_output=True, text=True
    )
    assert run.returncode == 0, (
        f"expected promtool check rules to accept alerts.yml:\n{run.stdout}{run.stderr}"
    )


@pytest.mark.points(
    3,
    exercise="alert_rules",
    hint="Drift alerts per column: the comparison keeps the column label, and a distance of "
    "exactly the threshold is drift, as in detect_drift.",
    more="expr: churn_monitor_column_drift >= 0.1, labels: {severity: ticket}.",
)
def test_the_drift_alert(promtool, learner_rules, tmp_path):
    check_alert(promtool, learner_rules, "ChurnInputDrift", tmp_path)


@pytest.mark.points(
    2,
    exercise="alert_rules",
    hint="The drop is the baseline minus the accuracy, and only a drop larger than the "
    "allowance pages; with no accuracy yet (labels late) nothing fires.",
    more="expr: churn_monitor_baseline_accuracy - churn_monitor_accuracy > 0.05, "
    "labels: {severity: page}.",
)
def test_the_accuracy_alert(promtool, learner_rules, tmp_path):
    check_alert(promtool, learner_rules, "ChurnAccuracyDrop", tmp_path)


@pytest.mark.points(
    2,
    exercise="alert_rules",
    hint="A monitor that stopped looks like a healthy model: compare the age of the last "
    "verdict (now minus its timestamp) with two days.",
    more="expr: time() - churn_monitor_last_run_timestamp_seconds > 172800, "
    "labels: {severity: page}.",
)
def test_the_stale_verdict_alert(promtool, learner_rules, tmp_path):
    check_alert(promtool, learner_rules, "ChurnMonitorStale", tmp_path)


@pytest.mark.points(
    1,
    exercise="alert_rules",
    hint="Each alert carries a summary for the person it wakes; the drift summary names the "
    "column and the distance from the alert's own labels and value.",
)
def test_each_alert_explains_itself(learner_rules):
    rules = {rule.get("alert"): rule for rule in rules_in(learner_rules)}
    missing = [
        name for name in ALERTS if not (rules.get(name, {}).get("annotations") or {}).get("summary")
    ]
    assert not missing, f"expected a summary annotation on every alert, missing on {missing}"
    summary = rules["ChurnInputDrift"]["annotations"]["summary"]
    assert "$labels.column" in summary and "$value" in summary, (
        "expected the drift summary to quote {{ $labels.column }} and {{ $value }}, saw "
        f"{summary!r}"
    )


# --- 7. the learner's own promtool tests ----------------------------------------------------------


def rules_with(alert: str, expression) -> dict:
    """The grader's rules with one alert's expression replaced (a mutant)."""
    import copy

    mutant = copy.deepcopy(GRADER_RULES)
    for rule in rules_in(mutant):
        if rule["alert"] == alert:
            rule["expr"] = expression(rule["expr"])
    return mutant


@pytest.fixture(scope="module")
def learner_tests(exercise_file) -> dict:
    tests = read_yaml(exercise_file("10", "alerts_test.yml"))
    for block in tests.get("tests") or []:
        for case in (block or {}).get("alert_rule_test") or []:
            for expected in (case or {}).get("exp_alerts") or []:
                if isinstance(expected, dict):
                    expected.pop("exp_annotations", None)
    tests["rule_files"] = ["alerts.yml"]
    return tests


def alerts_covered(tests: dict) -> dict[str, tuple[bool, bool]]:
    """Per alert name: (has a case where it fires, has a case where it must not)."""
    found: dict[str, list[bool]] = {}
    for block in tests.get("tests") or []:
        for case in (block or {}).get("alert_rule_test") or []:
            fires = bool((case or {}).get("exp_alerts"))
            seen = found.setdefault(str((case or {}).get("alertname")), [False, False])
            seen[0 if fires else 1] = True
    return {name: (flags[0], flags[1]) for name, flags in found.items()}


def still_passes(promtool, folder, rules, tests) -> bool:
    passed, _ = promtool_test(promtool, folder, rules, tests)
    return passed


@pytest.mark.points(
    2,
    exercise="alert_tests",
    hint="Your tests must pass against correct rules, and each alert needs a case where it "
    "fires: a rule that never fires has to fail your tests.",
    more="One alert_rule_test per alert with exp_alerts listing its labels, at a time after "
    "the series crosses the threshold.",
)
def test_your_tests_catch_an_alert_that_never_fires(promtool, learner_tests, tmp_path):
    passed, output = promtool_test(promtool, tmp_path / "correct", GRADER_RULES, learner_tests)
    assert passed, (
        "expected your alerts_test.yml to pass against correct rules (the README's contract, "
        f"annotations aside); promtool says:\n{output[-1500:]}"
    )
    silent = [
        alert
        for alert in ALERTS
        if still_passes(
            promtool, tmp_path / alert, rules_with(alert, lambda _: "vector(0) > 1"), learner_tests
        )
    ]
    assert not silent, (
        f"expected your tests to fail when {silent} never fire(s), saw them pass: test each "
        "alert in a situation where it must fire"
    )


@pytest.mark.points(
    2,
    exercise="alert_tests",
    hint="Each alert also needs a quiet case: an alert that fires all the time (a pager that "
    "never stops) has to fail your tests too.",
    more="An alert_rule_test with exp_alerts: [] before the series crosses the threshold.",
)
def test_your_tests_catch_an_alert_that_always_fires(promtool, learner_tests, tmp_path):
    noisy = [
        alert
        for alert in ALERTS
        if still_passes(
            promtool,
            tmp_path / alert,
            rules_with(alert, lambda e: f"({e}) or on() vector(1)"),
            learner_tests,
        )
    ]
    assert not noisy, (
        f"expected your tests to fail when {noisy} fire(s) all the time, saw them pass: test "
        "each alert in a situation where it must stay silent"
    )
    covered = alerts_covered(learner_tests)
    assert all(covered.get(alert) == (True, True) for alert in ALERTS), (
        f"expected a firing and a quiet case for each alert, saw {covered}"
    )


@pytest.mark.points(
    1,
    exercise="alert_tests",
    hint="Test the drift threshold itself: a distance of exactly 0.1 fires, so a rule with "
    "'greater than' instead of 'at least' must fail your tests.",
)
def test_your_tests_check_the_exact_threshold(promtool, learner_tests, tmp_path):
    off_by_one = rules_with("ChurnInputDrift", lambda _: "churn_monitor_column_drift > 0.1")
    assert not still_passes(promtool, tmp_path, off_by_one, learner_tests), (
        "expected your tests to fail for a drift rule using > 0.1 instead of >= 0.1, saw them "
        "pass: include a series at exactly 0.1"
    )
