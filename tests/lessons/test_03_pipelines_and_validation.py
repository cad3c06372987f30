"""Grading tests for lesson 03: a schema validator, features, and a DVC pipeline.

Every expected value is computed here independently (pandas, the data world's
constants), never taken from the code under test. The pipeline tests run the
learner's dvc.yaml with small stage scripts this file provides, once per module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mlops_course import data
from mlops_course.workspace import COURSE_ROOT

# DVC 3.67 warns about its own use of a trie library; nothing a learner can act on.
pytestmark = pytest.mark.filterwarnings("ignore:_NoneStep.value:DeprecationWarning")

NUMERIC_FEATURES = ("SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges")
EXPECTED_FEATURES = [
    *NUMERIC_FEATURES,
    *(f"{column}_{value}" for column, values in data.CATEGORIES.items() for value in values),
]


def about(messages: list, column: str) -> list[str]:
    """The messages about one column: those starting with its name and a colon."""
    return [m for m in messages if isinstance(m, str) and m.startswith(f"{column}:")]


def flagged_columns(messages: list) -> list[str]:
    """The column each message names (the text before its first colon)."""
    return sorted({m.split(":", 1)[0] for m in messages if isinstance(m, str) and ":" in m})


def expect_messages(messages: object, situation: str) -> list[str]:
    """Check the result is a list of texts, each starting with a column name and a colon."""
    assert isinstance(messages, list), (
        f"expected a list of messages {situation}, saw {type(messages).__name__}: {messages!r}"
    )
    bad = [m for m in messages if not isinstance(m, str) or ":" not in m]
    assert not bad, (
        f"expected every message to be text starting with '<column>:', saw {bad[:3]} {situation}"
    )
    return messages


def expect_flag(messages: list[str], column: str, words: tuple[str, ...], situation: str) -> None:
    """Fail unless a message about ``column`` contains every one of ``words``."""
    mine = about(messages, column)
    if not any(all(word.lower() in m.lower() for word in words) for m in mine):
        shown = mine or messages
        pytest.fail(
            f"expected a message starting with '{column}:' that says "
            f"{' and '.join(map(repr, words))} "
            f"{situation}, saw {shown[:6]}",
            pytrace=False,
        )


def expect_only(messages: list[str], columns: set[str], situation: str) -> None:
    """Fail if a message names a column other than ``columns`` (a false alarm)."""
    extra = [m for m in messages if m.split(":", 1)[0] not in columns]
    assert not extra, (
        f"expected messages only about {sorted(columns)} {situation}, saw also {extra[:4]}"
    )


def expect_value_error(action, situation: str) -> ValueError:
    """Run ``action``; return the ValueError it raises, or fail saying what it did instead."""
    try:
        result = action()
    except ValueError as error:
        return error
    shown = f"a {type(result).__name__}" if hasattr(result, "shape") else repr(result)
    pytest.fail(f"expected a ValueError {situation}, saw it return {shown}", pytrace=False)


@pytest.fixture(scope="module")
def month0() -> pd.DataFrame:
    """A clean month-0 batch with a few blank TotalCharges (new customers)."""
    table = data.generate(month=0, rows=400, seed=7)
    assert (table["TotalCharges"] == " ").sum() > 0
    return table


# --- schema.py: validate_batch and its checks -------------------------------------------


@pytest.fixture(scope="module")
def schema(exercise):
    return exercise("03", "schema")


@pytest.mark.points(0, exercise="schema.py", hint="Keep SCHEMA and the check functions' names.")
def test_schema_module_has_its_parts(schema):
    names = (
        "check_columns",
        "check_types",
        "check_ranges",
        "check_categories",
        "check_nulls",
        "check_total_charges",
        "check_unique_ids",
    )
    missing = [
        name for name in (*names, "validate_batch") if not callable(getattr(schema, name, None))
    ]
    assert not missing, f"expected the functions {missing} in schema.py, saw them missing"
    unknown = sorted(set(data.COLUMNS) - set(getattr(schema, "SCHEMA", {})))
    assert not unknown, f"expected SCHEMA to describe every column, saw {unknown} missing"


@pytest.mark.points(
    3,
    exercise="schema.py",
    hint="A clean batch gives []: blank TotalCharges are fine, and so are higher prices.",
)
def test_clean_batches_pass(schema, month0, tmp_path):
    small_csv = data.write_batch(tmp_path / "small.csv", month=0, rows=50, seed=3)
    newcomers = data.generate(month=0, rows=300, seed=11)
    new = newcomers.index % 3 == 0  # a promotion month: a third of customers just joined
    newcomers.loc[new, "tenure"] = 0
    newcomers.loc[new, "TotalCharges"] = " "
    batches = {
        "for the clean month-0 batch": month0,
        "for a small month read from CSV (TotalCharges parsed as numbers)": pd.read_csv(small_csv),
        "for a month where a third of customers are new (blank TotalCharges)": newcomers,
        "for month 3 of price_increase (drift, not a schema problem)": data.generate(
            month=3, rows=300, seed=7, scenario="price_increase"
        ),
    }
    for situation, table in batches.items():
        messages = expect_messages(schema.validate_batch(table.copy()), situation)
        assert messages == [], f"expected no problems {situation}, saw {messages[:5]}"


@pytest.mark.points(
    3,
    exercise="schema.py",
    hint="The renamed column is missing AND unexpected; name the unseen value itself.",
)
def test_schema_break_is_caught_and_named(schema):
    table = data.generate(month=2, rows=400, seed=7, scenario="schema_break")
    situation = "for month 2 of the schema_break scenario"
    messages = expect_messages(schema.validate_batch(table), situation)
    expect_flag(messages, "MonthlyCharges", ("missing",), situation)
    expect_flag(messages, "monthly_charges", ("unexpected",), situation)
    expect_flag(messages, "PaymentMethod", ("Digital wallet",), situation)
    expect_only(messages, {"MonthlyCharges", "monthly_charges", "PaymentMethod"}, situation)


@pytest.mark.points(
    2, exercise="schema.py", hint="Missing: in SCHEMA, not in the table. Unexpected: the reverse."
)
def test_missing_and_unexpected_columns(schema, month0):
    table = month0.drop(columns=["Contract"]).assign(discount_code="X1")
    situation = "for a batch without Contract and with an extra discount_code column"
    messages = expect_messages(schema.check_columns(table), situation)
    expect_flag(messages, "Contract", ("missing",), situation)
    expect_flag(messages, "discount_code", ("unexpected",), situation)
    assert len(messages) == 2, f"expected exactly 2 messages {situation}, saw {messages}"
    shuffled = month0[list(reversed(month0.columns))]
    messages = expect_messages(schema.check_columns(shuffled), "for columns in another order")
    assert messages == [], f"expected column order not to matter, saw {messages}"


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="An integer column needs an integer dtype; a number column any numeric one, whole numbers included.",
    more="pd.api.types.is_integer_dtype and pd.api.types.is_numeric_dtype; booleans are neither.",
)
def test_wrong_types(schema, month0):
    broken = month0.copy()
    broken["tenure"] = broken["tenure"].astype(str) + " months"
    broken["MonthlyCharges"] = "$" + broken["MonthlyCharges"].astype(str)
    situation = "for tenure as text ('5 months') and MonthlyCharges as text ('$29.85')"
    messages = expect_messages(schema.check_types(broken), situation)
    expect_flag(messages, "tenure", ("type",), situation)
    expect_flag(messages, "MonthlyCharges", ("type",), situation)
    expect_only(messages, {"tenure", "MonthlyCharges"}, situation)

    fractional = month0.assign(tenure=month0["tenure"] + 0.5)
    messages = expect_messages(schema.check_types(fractional), "for tenure 12.5")
    expect_flag(messages, "tenure", ("type",), "for tenure as floats such as 12.5")

    whole = month0.assign(MonthlyCharges=month0["MonthlyCharges"].round().astype(int))
    messages = expect_messages(schema.check_types(whole), "for whole-number MonthlyCharges")
    assert messages == [], (
        f"expected whole-number (int) MonthlyCharges to pass as a number, saw {messages}"
    )


@pytest.mark.points(
    2, exercise="schema.py", hint="Compare with minimum, maximum and exclusive_minimum from SCHEMA."
)
def test_out_of_range_values(schema, month0):
    table = month0.copy()
    table.loc[0, "tenure"] = -1
    table.loc[1, "tenure"] = 73
    table.loc[2, "MonthlyCharges"] = -5.0
    table.loc[3, "SeniorCitizen"] = 2
    situation = "for tenure -1 and 73, MonthlyCharges -5 and SeniorCitizen 2"
    messages = expect_messages(schema.check_ranges(table), situation)
    for column in ("tenure", "MonthlyCharges", "SeniorCitizen"):
        expect_flag(messages, column, ("range",), situation)
    expect_only(messages, {"tenure", "MonthlyCharges", "SeniorCitizen"}, situation)


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="Bounds: tenure 0 and 72 are valid; MonthlyCharges must be > 0, so 0 is not.",
)
def test_range_boundaries(schema, month0):
    table = month0.copy()
    table.loc[0, "tenure"] = 0
    table.loc[1, "tenure"] = 72
    table.loc[2, "MonthlyCharges"] = 0.01
    situation = "for tenure exactly 0 and 72 and MonthlyCharges 0.01"
    messages = expect_messages(schema.check_ranges(table), situation)
    assert messages == [], f"expected no range problem {situation}, saw {messages}"
    table.loc[2, "MonthlyCharges"] = 0.0
    situation = "for MonthlyCharges exactly 0 (the bound is exclusive)"
    messages = expect_messages(schema.check_ranges(table), situation)
    expect_flag(messages, "MonthlyCharges", ("range",), situation)


@pytest.mark.points(
    2, exercise="schema.py", hint="Name every unseen value in the message, e.g. 'Digital wallet'."
)
def test_unseen_categories_are_named(schema, month0):
    table = month0.copy()
    table.loc[0:4, "PaymentMethod"] = "Digital wallet"
    table.loc[5, "Contract"] = "Three year"
    situation = "for PaymentMethod 'Digital wallet' and Contract 'Three year'"
    messages = expect_messages(schema.check_categories(table), situation)
    expect_flag(messages, "PaymentMethod", ("Digital wallet",), situation)
    expect_flag(messages, "Contract", ("Three year",), situation)
    expect_only(messages, {"PaymentMethod", "Contract"}, situation)


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="A null is neither an unseen category nor out of range: only check_nulls counts it.",
)
def test_a_few_nulls_are_not_other_problems(schema, month0):
    table = month0.copy()
    table.loc[0:3, "Contract"] = None  # 4 of 400 rows: 1 %, under the 5 % limit
    table.loc[4:7, "MonthlyCharges"] = float("nan")
    situation = "for 1 % nulls in Contract and MonthlyCharges (under the limit)"
    for name in ("check_categories", "check_ranges"):
        messages = expect_messages(getattr(schema, name)(table), situation)
        assert messages == [], f"expected {name} to ignore nulls {situation}, saw {messages}"
    messages = expect_messages(schema.validate_batch(table), situation)
    assert messages == [], f"expected a valid batch {situation}, saw {messages}"


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="The share of missing values in each column, compared with the limit.",
)
def test_too_many_nulls(schema, month0):
    table = month0.copy()
    table.loc[0:39, "Contract"] = None  # 40 of 400 rows: 10 %
    table.loc[0:59, "MonthlyCharges"] = float("nan")  # 15 %
    situation = "for 10 % nulls in Contract and 15 % in MonthlyCharges"
    messages = expect_messages(schema.check_nulls(table), situation)
    expect_flag(messages, "Contract", ("null",), situation)
    expect_flag(messages, "MonthlyCharges", ("null",), situation)
    expect_only(messages, {"Contract", "MonthlyCharges"}, situation)


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="A share exactly at max_null_share passes (>, not >=); use the argument, not a constant.",
)
def test_null_share_at_the_limit(schema):
    table = data.generate(month=0, rows=200, seed=5)
    table.loc[0:9, "Contract"] = None  # 10 of 200: exactly 5 %
    messages = expect_messages(schema.check_nulls(table, 0.05), "for exactly 5 % nulls")
    assert messages == [], f"expected exactly 5 % nulls to pass a 5 % limit, saw {messages}"
    table.loc[10, "Contract"] = None  # 11 of 200: 5.5 %
    messages = expect_messages(schema.check_nulls(table, 0.05), "for 5.5 % nulls")
    expect_flag(messages, "Contract", ("null",), "for 5.5 % nulls and a 5 % limit")
    messages = expect_messages(schema.check_nulls(table, 0.1), "for 5.5 % nulls, limit 10 %")
    assert messages == [], f"expected 5.5 % nulls to pass when max_null_share=0.1, saw {messages}"


@pytest.mark.points(
    1,
    exercise="schema.py",
    hint="Skip columns the table lacks, and range-check only numeric columns.",
)
def test_checks_survive_missing_and_mistyped_columns(schema, month0):
    table = month0.drop(columns=["MonthlyCharges"]).assign(tenure=lambda t: t["tenure"].astype(str))
    situation = "for a batch without MonthlyCharges and with tenure as text"
    try:
        messages = schema.validate_batch(table)
    except Exception as error:  # noqa: BLE001 - any crash is the finding
        pytest.fail(
            f"expected a list of problems {situation}, saw it raise "
            f"{type(error).__name__}: {error}",
            pytrace=False,
        )
    messages = expect_messages(messages, situation)
    expect_flag(messages, "MonthlyCharges", ("missing",), situation)
    expect_flag(messages, "tenure", ("type",), situation)
    ranges = [m for m in about(messages, "tenure") if "range" in m.lower()]
    assert not ranges, f"expected no range check on text {situation}, saw {ranges}"


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="A blank bill is a fact of the export in a customer's first month, and a billing error after it.",
)
def test_blank_total_charges_only_for_new_customers(schema, month0):
    table = month0.copy()
    new = table.index[table["tenure"] == 0]
    assert len(new) > 0 and (table.loc[new, "TotalCharges"] == " ").all()
    messages = expect_messages(schema.check_total_charges(table), "for month 0 as exported")
    assert messages == [], f"expected blank TotalCharges at tenure 0 to pass, saw {messages}"
    billed = table.index[table["tenure"] > 0][:3]
    for row, blank in zip(billed, (" ", "", "   "), strict=True):
        table.loc[row, "TotalCharges"] = blank
    situation = "for three customers with tenure > 0 and a blank TotalCharges (' ', '', '   ')"
    messages = expect_messages(schema.check_total_charges(table), situation)
    expect_flag(messages, "TotalCharges", ("3",), situation)
    example = table.loc[billed[0], "customerID"]
    assert any(example in m for m in messages) or any(
        table.loc[row, "customerID"] in " ".join(messages) for row in billed
    ), f"expected the message to name one of those customers, e.g. {example}, saw {messages}"


@pytest.mark.points(
    1,
    exercise="schema.py",
    hint="Tenure 0 is the boundary: a blank there is fine, at tenure 1 it is not; and a missing value is the null check's business.",
)
def test_blank_total_charges_at_the_boundary(schema, month0):
    table = month0.head(6).copy().reset_index(drop=True)
    table["tenure"] = [0, 0, 1, 5, 3, 0]
    table["TotalCharges"] = [" ", "20.05", "29.85", "150.10", float("nan"), ""]
    situation = "for blanks at tenure 0, a number at tenure 0 and a missing value at tenure 3"
    messages = expect_messages(schema.check_total_charges(table), situation)
    assert messages == [], f"expected no problem {situation}, saw {messages}"
    table.loc[2, "TotalCharges"] = " "
    messages = expect_messages(schema.check_total_charges(table), "for a blank at tenure 1")
    expect_flag(messages, "TotalCharges", ("1",), "for a blank at tenure 1")


@pytest.mark.points(
    2,
    exercise="schema.py",
    hint="One customer, one row: name the ids that occur more than once (missing ids are the null check's business).",
)
def test_repeated_customer_ids_are_named(schema, month0):
    messages = expect_messages(schema.check_unique_ids(month0), "for month 0")
    assert messages == [], f"expected month 0's ids to be unique, saw {messages}"
    table = pd.concat([month0, month0.iloc[[3, 7, 7]]], ignore_index=True)
    table.loc[0:1, "customerID"] = None
    twice, thrice = month0["customerID"].iloc[3], month0["customerID"].iloc[7]
    situation = f"for {twice} twice, {thrice} three times and two missing ids"
    messages = expect_messages(schema.check_unique_ids(table), situation)
    expect_flag(messages, "customerID", (twice, thrice), situation)
    expect_only(messages, {"customerID"}, situation)
    assert len(messages) == 1 and re.search(r"\b2\b", messages[0]), (
        f"expected one message counting 2 repeated ids (missing ids are not repeats), saw {messages}"
    )
    batch = expect_messages(schema.validate_batch(table.dropna(subset=["customerID"])), situation)
    expect_flag(batch, "customerID", (twice,), "from validate_batch " + situation)


# --- featurize.py: clean_total_charges, feature_names, make_features --------------------


@pytest.fixture(scope="module")
def featurize(exercise):
    return exercise("03", "featurize")


def reference_total_charges(table: pd.DataFrame) -> pd.Series:
    text = table["TotalCharges"].astype(str).str.strip()
    return pd.to_numeric(text.where(text != "", "0")).astype(float)


@pytest.mark.points(
    0, exercise="featurize.py", hint="Keep the three functions and NUMERIC_FEATURES."
)
def test_featurize_module_has_its_parts(featurize):
    names = ("clean_total_charges", "feature_names", "make_features")
    missing = [name for name in names if not callable(getattr(featurize, name, None))]
    assert not missing, f"expected the functions {missing} in featurize.py, saw them missing"


@pytest.mark.points(
    2, exercise="featurize.py", hint="Strip the text; a blank is 0.0 (nothing billed yet), not NaN."
)
def test_blank_total_charges_become_zero(featurize, month0):
    result = featurize.clean_total_charges(month0)
    assert isinstance(result, pd.DataFrame) and len(result) == len(month0), (
        f"expected a DataFrame of {len(month0)} rows, saw {type(result).__name__} "
        f"of {len(result) if hasattr(result, '__len__') else '?'} rows"
    )
    assert list(result.index) == list(month0.index), "expected the input's index, saw another"
    column = result["TotalCharges"]
    assert column.dtype == "float64", f"expected TotalCharges as float64, saw {column.dtype}"
    assert not column.isna().any(), (
        f"expected no NaN (blanks become 0.0), saw {int(column.isna().sum())} NaN"
    )
    blank = month0["TotalCharges"] == " "
    seen = sorted(column[blank].unique())
    assert seen == [0.0], f"expected 0.0 for every blank TotalCharges, saw {seen}"
    expected = reference_total_charges(month0)
    wrong = (column - expected).abs() > 1e-9
    assert not wrong.any(), (
        f"expected the parsed numbers, saw {int(wrong.sum())} rows differ, e.g. "
        f"{month0.loc[wrong, 'TotalCharges'].iloc[0]!r} -> {column[wrong].iloc[0]!r}"
    )


@pytest.mark.points(
    2,
    exercise="featurize.py",
    hint="Turning every unreadable value into 0 hides garbage: only a blank means 0, anything else that is not a number stops the run.",
    more="Parse the non-blank values without coercion and raise ValueError naming the bad ones; never coerce then fill with 0.",
)
def test_garbage_total_charges_raise(featurize, month0):
    for garbage in ("12,50", "n/a", "unknown"):
        table = month0.copy()
        table.loc[5, "TotalCharges"] = garbage
        error = expect_value_error(
            lambda table=table: featurize.clean_total_charges(table),
            f"for a TotalCharges value {garbage!r} (it is not blank, so it is not 0)",
        )
        assert garbage in str(error), (
            f"expected the error message to name the value {garbage!r}, saw {str(error)!r}"
        )


@pytest.mark.points(
    1,
    exercise="featurize.py",
    hint="Handle a column that is already numeric (a CSV without blanks), NaN and ' 29.85 '.",
)
def test_numeric_and_padded_total_charges(featurize, month0):
    numeric = month0.head(20).copy()
    numeric["TotalCharges"] = reference_total_charges(numeric)
    numeric.loc[numeric.index[0], "TotalCharges"] = float("nan")
    result = featurize.clean_total_charges(numeric)
    expected = numeric["TotalCharges"].fillna(0.0)
    assert list(result["TotalCharges"]) == list(expected), (
        "expected an already-numeric TotalCharges to stay as it is (NaN -> 0.0), "
        f"saw {list(result['TotalCharges'])[:4]}..."
    )
    padded = month0.head(3).copy()
    padded["TotalCharges"] = [" 29.85 ", "100", "  "]
    seen = list(featurize.clean_total_charges(padded)["TotalCharges"])
    assert seen == [29.85, 100.0, 0.0], (
        f"expected [' 29.85 ', '100', '  '] to become [29.85, 100.0, 0.0], saw {seen}"
    )


@pytest.mark.points(
    1,
    exercise="featurize.py",
    hint="Return a new table; the caller's stays as it was, text and all.",
)
def test_clean_does_not_change_its_input(featurize, month0):
    table = month0.copy()
    before = table.copy(deep=True)
    featurize.clean_total_charges(table)
    same = table.equals(before) and table["TotalCharges"].dtype == before["TotalCharges"].dtype
    assert same, (
        "expected the caller's table unchanged (TotalCharges still text), "
        f"saw TotalCharges of dtype {table['TotalCharges'].dtype}, e.g. "
        f"{list(table['TotalCharges'].head(3))}"
    )


@pytest.mark.points(
    1,
    exercise="featurize.py",
    hint="The numeric features first, then one name per known category, column by column, in the data world's order.",
)
def test_feature_names_in_a_fixed_order(featurize):
    names = featurize.feature_names()
    assert list(names) == EXPECTED_FEATURES, (
        f"expected {len(EXPECTED_FEATURES)} names starting {EXPECTED_FEATURES[:6]}, "
        f"saw {len(names)} starting {list(names)[:6]}"
    )


def expect_feature_columns(features: object, situation: str) -> pd.DataFrame:
    assert isinstance(features, pd.DataFrame), (
        f"expected a DataFrame {situation}, saw {type(features).__name__}"
    )
    columns = list(features.columns)
    if columns != EXPECTED_FEATURES:
        missing = [c for c in EXPECTED_FEATURES if c not in columns]
        extra = [c for c in columns if c not in EXPECTED_FEATURES]
        detail = (
            f"missing {missing[:4]}, extra {extra[:4]}" if missing or extra else "another order"
        )
        pytest.fail(
            f"expected exactly the columns of feature_names() in order {situation}, saw {detail}",
            pytrace=False,
        )
    return features


@pytest.mark.points(
    2,
    exercise="featurize.py",
    hint="Drop customerID and Churn; one-hot the categories; every column float64.",
)
def test_features_have_the_fixed_columns(featurize, month0):
    features = expect_feature_columns(featurize.make_features(month0), "for month 0")
    not_float = sorted({str(t) for t in features.dtypes if str(t) != "float64"})
    assert not not_float, f"expected every column as float64, saw also {not_float}"
    assert list(features.index) == list(month0.index), (
        f"expected the input's {len(month0)} rows and index, saw {len(features)} rows"
    )


@pytest.mark.points(
    2,
    exercise="featurize.py",
    hint="One-hot encoding a batch makes columns only for the values it happens to hold: a small batch gets fewer columns.",
    more="Reindex the one-hot table to the fixed list of feature names, filling 0.",
)
def test_columns_do_not_depend_on_the_batch(featurize, month0):
    two_year = month0[month0["Contract"] == "Two year"].head(3)
    situation = "for 3 customers who all have a two-year contract"
    features = expect_feature_columns(featurize.make_features(two_year), situation)
    contract = features[[f"Contract_{v}" for v in data.CATEGORIES["Contract"]]]
    expected = [[0.0, 0.0, 1.0]] * 3
    assert contract.values.tolist() == expected, (
        f"expected the Contract columns {expected} {situation}, saw {contract.values.tolist()}"
    )
    expect_feature_columns(featurize.make_features(month0.tail(1)), "for a single customer")


@pytest.mark.points(
    2, exercise="featurize.py", hint="1.0 in the row's category column, 0.0 in the others."
)
def test_feature_values_match_the_rows(featurize, month0):
    features = expect_feature_columns(featurize.make_features(month0), "for month 0")
    for column, values in data.CATEGORIES.items():
        expected = pd.get_dummies(pd.Categorical(month0[column], categories=values)).astype(float)
        seen = features[[f"{column}_{v}" for v in values]]
        wrong = (seen.values != expected.values).any(axis=1)
        assert not wrong.any(), (
            f"expected the one-hot columns of {column} to mark each row's value, saw "
            f"{int(wrong.sum())} rows wrong, e.g. {month0[column].iloc[wrong.argmax()]!r} -> "
            f"{seen.iloc[wrong.argmax()].tolist()}"
        )
    expected = (
        month0[list(NUMERIC_FEATURES[:3])]
        .astype(float)
        .assign(TotalCharges=reference_total_charges(month0))
    )
    numbers = features[list(NUMERIC_FEATURES)]
    wrong = (numbers - expected).abs().max()
    assert (wrong < 1e-9).all(), (
        "expected the numeric features to equal the input's numbers, saw differences "
        f"{wrong.round(3).to_dict()}"
    )


@pytest.mark.points(
    1,
    exercise="featurize.py",
    hint="An unknown category gets 0.0 in all of its column's one-hot columns, no new column.",
)
def test_unseen_category_gives_zeros(featurize, month0):
    table = month0.head(5).copy()
    table.loc[table.index[0], "PaymentMethod"] = "Digital wallet"
    situation = "for a row with PaymentMethod 'Digital wallet'"
    features = expect_feature_columns(featurize.make_features(table), situation)
    payment = features[[f"PaymentMethod_{v}" for v in data.CATEGORIES["PaymentMethod"]]]
    row = payment.iloc[0].tolist()
    assert row == [0.0] * 4, f"expected four 0.0 PaymentMethod columns {situation}, saw {row}"


@pytest.mark.points(
    1,
    exercise="featurize.py",
    hint="Serving batches have no Churn column: drop the label only if it is there.",
)
def test_features_without_the_label(featurize, month0):
    features_only, _ = data.split_labels(month0)
    try:
        features = featurize.make_features(features_only)
    except KeyError as error:
        pytest.fail(
            f"expected features for a batch without Churn (as served), saw KeyError {error}",
            pytrace=False,
        )
    full = featurize.make_features(month0)
    assert features.equals(full), (
        "expected the same features with and without the Churn column, saw them differ"
    )


@pytest.mark.points(
    1, exercise="featurize.py", hint="make_features must not change the caller's table."
)
def test_make_features_does_not_change_its_input(featurize, month0):
    table = month0.copy()
    before = table.copy(deep=True)
    featurize.make_features(table)
    assert table.equals(before) and list(table.columns) == list(before.columns), (
        f"expected the caller's table unchanged, saw columns {list(table.columns)[:5]}... and "
        f"TotalCharges {list(table['TotalCharges'].head(3))}"
    )


# --- dvc.yaml: found and fixed, graded by a real `dvc repro` --------------------------------

# The grader runs the learner's dvc.yaml with its own copies of the given scripts and
# params.yaml (the reference's given files, which the grading sandbox stages), never the
# learner's copies: only dvc.yaml is the exercise.
GIVEN_PROJECT = COURSE_ROOT / "solutions" / "03-pipelines-and-validation" / "exercises" / "pipeline"
SCRIPTS = ("schema", "ingest", "validate", "featurize", "train", "evaluate")
IGNORED = shutil.ignore_patterns("__pycache__")
ORDER = ["ingest", "validate", "featurize", "train", "evaluate"]
DVC_YAML = "dvc.yaml"


@pytest.fixture(scope="module")
def dvc_yaml(exercise_file) -> dict:
    """The learner's dvc.yaml, parsed; fails with the YAML error if it does not parse."""
    import yaml

    path = exercise_file("03", DVC_YAML)
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        pytest.fail(f"expected dvc.yaml to be valid YAML, saw: {error}", pytrace=False)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("stages"), dict):
        pytest.fail(
            f"expected dvc.yaml to hold a 'stages:' mapping, saw {str(loaded)[:120]!r}",
            pytrace=False,
        )
    return loaded


def declared(dvc_yaml: dict, stage: str) -> str:
    """What a stage declares, in one line, for a message: its deps and params."""
    entry = dvc_yaml["stages"].get(stage) or {}
    deps = [next(iter(d)) if isinstance(d, dict) else str(d) for d in entry.get("deps") or []]
    params = [str(p) for p in entry.get("params") or []]
    return f"{stage} declares deps {deps} and params {params}"


@pytest.fixture(scope="module")
def pipeline_runs(exercise_file, tmp_path_factory) -> dict:
    """Run the learner's dvc.yaml in a scratch git + DVC project, change by change.

    Returns, per step, the stages that ran (in order, from the scripts' log) or the
    error that stopped DVC. Runs DVC in this process: each `dvc` command line would
    cost a second or more just to start.
    """
    source = exercise_file("03", DVC_YAML)
    project = tmp_path_factory.mktemp("pipeline")
    shutil.copytree(GIVEN_PROJECT / "src", project / "src", ignore=IGNORED, dirs_exist_ok=True)
    shutil.copyfile(GIVEN_PROJECT / "params.yaml", project / "params.yaml")
    shutil.copyfile(source, project / "dvc.yaml")
    steps: dict[str, dict] = {}

    def edit(path: str, old: str, new: str) -> None:
        file = project / path
        text = file.read_text()
        assert old in text, f"the grader's own {path} lacks {old!r}"
        file.write_text(text.replace(old, new, 1))

    def repro(step: str) -> None:
        from dvc.repo import Repo

        log = project / "ran.log"
        log.unlink(missing_ok=True)
        try:
            with Repo(str(project)) as repo:
                repo.reproduce()
            error = None
        except Exception as failure:  # noqa: BLE001 - whatever stops DVC is the finding
            cause = failure.__cause__ or failure.__context__
            error = f"{type(failure).__name__}: {failure}" + (f" ({cause})" if cause else "")
        ran = log.read_text().split() if log.exists() else []
        steps[step] = {"ran": ran, "error": error}

    with pytest.MonkeyPatch.context() as patch:
        # `python` in a stage's cmd must be this Python, the one with PyYAML.
        bin_dir = str(Path(sys.executable).parent)
        patch.setenv("PATH", os.pathsep.join([bin_dir, os.environ.get("PATH", "")]))
        patch.setenv("DVC_NO_ANALYTICS", "1")
        patch.chdir(project)
        from dvc.repo import Repo

        subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
        Repo.init(str(project)).close()
        repro("first")
        try:
            with Repo(str(project)) as repo:
                steps["metrics"] = repo.metrics.show()
        except Exception as failure:  # noqa: BLE001 - reported by the test that needs it
            steps["metrics"] = {"error": str(failure)}
        repro("again")
        # What every version gets right, first, so a missing dep's effects do not cascade.
        edit("params.yaml", "C: 1.0", "C: 0.5")
        repro("train.C")
        edit(
            "src/churn/featurize.py", "import csv", "import csv  # a comment: new hash, same output"
        )
        repro("featurize.py")
        # Then the three changes the starter's pipeline misses.
        edit("src/churn/schema.py", "COLUMNS =", "# A reviewed schema change.\nCOLUMNS =")
        repro("schema.py")
        edit("params.yaml", "seed: 42", "seed: 43")
        repro("featurize.seed")
        edit("params.yaml", "threshold: 0.5", "threshold: 0.3")
        repro("evaluate.threshold")
        edit("params.yaml", "max_null_share: 0.05", "max_null_share: 0.1")
        repro("validate.max_null_share")
    return steps


def expect_step(steps: dict, step: str, situation: str) -> list[str]:
    """The stages a step ran; fails if DVC stopped with an error."""
    result = steps[step]
    if result["error"]:
        pytest.fail(
            f"expected `dvc repro` to succeed {situation}, saw it fail: {result['error'][:600]}",
            pytrace=False,
        )
    return result["ran"]


def expect_a_sound_start(steps: dict) -> None:
    """The first run runs every stage in order and reports a metric; a second one runs nothing."""
    ran = expect_step(steps, "first", "in a fresh project")
    assert ran == ORDER, f"expected the first run to run {ORDER} in that order, saw {ran}"
    shown = json.dumps(steps["metrics"], default=str)
    assert '"accuracy"' in shown, (
        "expected `dvc metrics show` to report accuracy from reports/metrics.json (declared "
        f"under metrics, not outs), saw {shown[:300]}"
    )
    again = expect_step(steps, "again", "a second time with nothing changed")
    assert again == [], (
        f"expected nothing to re-run when nothing changed, saw {again}: a stage that always "
        "runs hides every real change"
    )


@pytest.mark.points(0, exercise="dvc.yaml", hint="Keep the five stages under 'stages:'.")
def test_dvc_yaml_names_the_five_stages(dvc_yaml):
    names = list(dvc_yaml["stages"])
    assert sorted(names) == sorted(ORDER), f"expected the stages {ORDER}, saw {names}"


@pytest.mark.points(
    0,
    exercise="dvc.yaml",
    hint="Change only dvc.yaml: the grader runs its own copies of the scripts and params.yaml.",
)
def test_the_given_files_are_unchanged(exercise_file):
    given = [f"src/churn/{name}.py" for name in SCRIPTS] + ["params.yaml"]
    changed = [
        path
        for path in given
        if exercise_file("03", f"pipeline/{path}").read_text() != (GIVEN_PROJECT / path).read_text()
    ]
    assert not changed, (
        f"expected the given files as they came, saw {changed} edited: the grader uses its own "
        "copies, so fix dvc.yaml instead"
    )


@pytest.mark.points(
    0,
    exercise="dvc.yaml",
    hint="Keep what already works: the order, the skips, the training settings, and the metrics file under metrics.",
)
def test_what_already_worked_still_works(pipeline_runs):
    expect_a_sound_start(pipeline_runs)
    ran = expect_step(pipeline_runs, "train.C", "after changing train.C")
    assert ran == ["train", "evaluate"], f"expected ['train', 'evaluate'] after train.C, saw {ran}"
    ran = expect_step(pipeline_runs, "featurize.py", "after editing src/churn/featurize.py")
    assert ran == ["featurize"], (
        "expected only ['featurize'] after a comment in src/churn/featurize.py (same output "
        f"bytes, so train and evaluate are skipped), saw {ran}"
    )


@pytest.mark.points(
    2,
    exercise="dvc.yaml",
    hint="A stage must re-run when any file its script reads changes, and that includes the modules it imports.",
    more="validate.py imports schema.py: list src/churn/schema.py under validate's deps.",
)
def test_editing_the_schema_reruns_validate_alone(pipeline_runs, dvc_yaml):
    expect_a_sound_start(pipeline_runs)
    ran = expect_step(pipeline_runs, "schema.py", "after editing src/churn/schema.py")
    assert ran == ["validate"], (
        "expected ['validate'] to re-run after src/churn/schema.py changed (and nothing after "
        "it: the batch it passes on is the same), "
        f"saw {ran}: {declared(dvc_yaml, 'validate')}"
    )


@pytest.mark.points(
    2,
    exercise="dvc.yaml",
    hint="A stage must re-run when a setting its script reads changes: which settings does the split read?",
    more="featurize.py reads featurize.seed: list it under featurize's params.",
)
def test_changing_the_split_seed_reruns_from_featurize(pipeline_runs, dvc_yaml):
    expect_a_sound_start(pipeline_runs)
    ran = expect_step(pipeline_runs, "featurize.seed", "after changing featurize.seed")
    assert ran == ["featurize", "train", "evaluate"], (
        "expected ['featurize', 'train', 'evaluate'] to re-run after featurize.seed changed (a "
        f"new split, so new training and test rows), saw {ran}: {declared(dvc_yaml, 'featurize')}"
    )


@pytest.mark.points(
    2,
    exercise="dvc.yaml",
    hint="A setting belongs to the stages that read it, and only to them: not the whole params file.",
    more="evaluate.py reads evaluate.threshold: list it under evaluate's params, no other stage's.",
)
def test_changing_the_threshold_reruns_evaluate_alone(pipeline_runs, dvc_yaml):
    expect_a_sound_start(pipeline_runs)
    whole_file = (
        " (a stage that depends on all of params.yaml re-runs on every setting)"
        if "params.yaml" in json.dumps(dvc_yaml)
        else ""
    )
    ran = expect_step(pipeline_runs, "evaluate.threshold", "after changing evaluate.threshold")
    assert ran == ["evaluate"], (
        f"expected only ['evaluate'] to re-run after evaluate.threshold changed, saw {ran}: "
        f"{declared(dvc_yaml, 'evaluate')}{whole_file}"
    )
    ran = expect_step(pipeline_runs, "validate.max_null_share", "after changing it")
    assert ran == ["validate"], (
        "expected only ['validate'] to re-run after validate.max_null_share changed (the batch "
        f"still passes, unchanged), saw {ran}{whole_file}"
    )
