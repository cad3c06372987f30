"""Exercise 1: unit tests that pin down the preprocessing in ``preprocessing.py``.

Write tests that pass on the given ``preprocessing.py`` and would fail if a
careless change broke one of its promises (its docstrings list them). The
grader runs this file against a correct copy of ``preprocessing.py`` and
against several broken copies, one at a time: each broken copy your tests
catch earns a point, and a suite that fails the correct copy earns nothing.

Run your suite from the course folder:

    .venv/bin/python -m pytest -q lessons/05-testing-and-quality-gates/exercises/test_preprocessing.py

Rules of the game: keep every test in this one file; build small tables by
hand (a few rows show a bug better than thousands); no unseeded randomness.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

# Import the module under test from this folder, however pytest was started.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from preprocessing import one_hot, parse_total_charges, prepare, tenure_band  # noqa: E402


def test_prepare_returns_one_row_per_customer():
    # BEGIN SOLUTION hint: make this a real test, then add one test per promise prepare makes (blank TotalCharges, tenure bands, one-hot columns, the scaler)
    train = customers({"tenure": 3}, {"tenure": 40}, {"tenure": 70})
    test = customers({"tenure": 12}).set_axis([41])
    before = train.copy()

    X_train, X_test = prepare(train, test)

    assert list(X_train.index) == list(train.index)
    assert list(X_test.index) == [41]
    pd.testing.assert_frame_equal(train, before)  # the input is not changed


# Every column a raw customer needs, with ordinary values; tests override a few.
ORDINARY = {
    "tenure": 10,
    "MonthlyCharges": 50.0,
    "TotalCharges": "500.00",
    "Contract": "Month-to-month",
    "InternetService": "DSL",
    "PaymentMethod": "Mailed check",
}

# Written out by hand, so a change to the code cannot silently change the expectation.
EXPECTED_COLUMNS = [
    "tenure",
    "MonthlyCharges",
    "TotalCharges",
    "tenure_band",
    "Contract_Month-to-month",
    "Contract_One year",
    "Contract_Two year",
    "InternetService_No",
    "InternetService_DSL",
    "InternetService_Fiber optic",
    "PaymentMethod_Electronic check",
    "PaymentMethod_Mailed check",
    "PaymentMethod_Bank transfer (automatic)",
    "PaymentMethod_Credit card (automatic)",
]


def customers(*changes: dict) -> pd.DataFrame:
    """A raw table with one ordinary customer per dict, changed as the dict says."""
    return pd.DataFrame([{**ORDINARY, **change} for change in changes])


def test_blank_total_charges_mean_nothing_billed_yet():
    parsed = parse_total_charges(pd.Series([" ", "", "29.85", "1000.50"]))
    assert list(parsed) == [0.0, 0.0, 29.85, 1000.5]


def test_new_customer_leaves_no_missing_values():
    train = customers({"tenure": 0, "TotalCharges": " "}, {"tenure": 20, "TotalCharges": "900.00"})
    X_train, X_test = prepare(train, train)
    assert not X_train.isna().any().any()
    assert not X_test.isna().any().any()


@pytest.mark.parametrize(
    ("months", "band"),
    [(0, 0), (11, 0), (12, 1), (23, 1), (24, 2), (47, 2), (48, 3), (72, 3)],
)
def test_tenure_band_edges(months, band):
    assert tenure_band(pd.Series([months])).iloc[0] == band


def test_columns_are_fixed_whatever_the_batch_holds():
    train = customers({}, {"Contract": "One year", "InternetService": "Fiber optic"})
    test = customers({"Contract": "Two year", "InternetService": "No"})
    X_train, X_test = prepare(train, test)
    assert list(X_train.columns) == EXPECTED_COLUMNS
    assert list(X_test.columns) == EXPECTED_COLUMNS


def test_one_hot_marks_exactly_the_customers_category():
    encoded = one_hot(customers({"InternetService": "No", "PaymentMethod": "Electronic check"}))
    marked = [name for name in encoded.columns if encoded.loc[0, name] == 1.0]
    assert marked == [
        "Contract_Month-to-month",
        "InternetService_No",
        "PaymentMethod_Electronic check",
    ]


def test_scaler_learns_from_train_only():
    # Train tenure 0 and 20: mean 10, standard deviation 10.
    train = customers({"tenure": 0, "TotalCharges": " "}, {"tenure": 20})
    test = customers({"tenure": 10}, {"tenure": 30})
    _, X_test = prepare(train, test)
    assert list(X_test["tenure"]) == pytest.approx([0.0, 2.0])
    # END SOLUTION
