"""Given: the preprocessing your tests in exercise 1 must pin down. Read it; do not change it.

This file has no TODO. It is a correct implementation, and your job in
``test_preprocessing.py`` is to write tests that pass here and fail on the
broken versions a careless change could make. The grader runs your tests
against its own copy of this file and against several broken copies.

``prepare(train, test)`` makes model-ready numbers from raw customer tables
in four steps, each a small function you can test on its own:

1. ``parse_total_charges``: ``TotalCharges`` is text; a blank (a customer in
   their first month, tenure 0) means nothing has been billed yet: 0.0.
2. ``tenure_band``: months as a customer, in four fixed bands.
3. ``one_hot``: one 0/1 column per known category, in the fixed order of
   ``CATEGORIES``, whatever values a table happens to hold.
4. ``fit_scaler`` and ``scale``: numbers are centred and scaled with the mean
   and standard deviation of the *training* rows only, then applied to both.
"""

# GIVEN FILE: no graded region; the starter is this file, copied as it is.

from __future__ import annotations

import numpy as np
import pandas as pd

NUMBERS = ("tenure", "MonthlyCharges", "TotalCharges")
# A band starts at each edge: months 0-11 are band 0, 12-23 band 1, 24-47 band 2, 48+ band 3.
TENURE_BAND_EDGES = (12, 24, 48)
# The known categories, in the order their columns appear (deliberately not alphabetical).
CATEGORIES = {
    "Contract": ("Month-to-month", "One year", "Two year"),
    "InternetService": ("No", "DSL", "Fiber optic"),
    "PaymentMethod": (
        "Electronic check",
        "Mailed check",
        "Bank transfer (automatic)",
        "Credit card (automatic)",
    ),
}


def feature_names() -> list[str]:
    """Return the columns ``prepare`` makes, in order: numbers, the band, then one-hot."""
    one_hot_names = [
        f"{column}_{value}" for column, values in CATEGORIES.items() for value in values
    ]
    return [*NUMBERS, "tenure_band", *one_hot_names]


def parse_total_charges(text: pd.Series) -> pd.Series:
    """Return TotalCharges as floats: a blank (or only spaces) becomes 0.0.

    Raises:
        ValueError: a value that is neither blank nor a number.
    """
    stripped = text.astype(str).str.strip()
    return pd.to_numeric(stripped.where(stripped != "", "0")).astype(float)


def tenure_band(tenure: pd.Series) -> pd.Series:
    """Return the band of each tenure: 0 (0-11 months), 1 (12-23), 2 (24-47), 3 (48+)."""
    bands = np.digitize(tenure.to_numpy(), TENURE_BAND_EDGES)
    return pd.Series(bands, index=tenure.index, name="tenure_band").astype(float)


def one_hot(table: pd.DataFrame) -> pd.DataFrame:
    """Return one 0.0/1.0 column per known category, named ``<column>_<value>``.

    The columns and their order never depend on the table: a value the table
    lacks still gets its (all-zero) column, and an unknown value gets zeros
    in every column of its feature.
    """
    columns = {
        f"{column}_{value}": (table[column] == value).astype(float)
        for column, values in CATEGORIES.items()
        for value in values
    }
    return pd.DataFrame(columns, index=table.index)


def fit_scaler(numbers: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Return the mean and standard deviation of each column (a constant column: std 1.0)."""
    mean = numbers.mean()
    std = numbers.std(ddof=0)
    return mean, std.where(std > 0, 1.0)


def scale(numbers: pd.DataFrame, mean: pd.Series, std: pd.Series) -> pd.DataFrame:
    """Return ``(numbers - mean) / std``, column by column."""
    return (numbers - mean) / std


def numbers_of(table: pd.DataFrame) -> pd.DataFrame:
    """Return the numeric columns of a raw table as floats, TotalCharges parsed."""
    numbers = table[["tenure", "MonthlyCharges"]].astype(float)
    numbers["TotalCharges"] = parse_total_charges(table["TotalCharges"])
    return numbers[list(NUMBERS)]


def prepare(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn raw train and test customers into model-ready features.

    Args:
        train: raw customers the model learns from (columns as in the course data).
        test: raw customers the model is scored on.

    Returns:
        ``(X_train, X_test)``: float DataFrames with the columns of
        ``feature_names()`` in that order and the index of their input. The
        numbers are scaled with statistics of ``train`` only. Neither input
        table is changed.
    """
    train_numbers, test_numbers = numbers_of(train), numbers_of(test)
    mean, std = fit_scaler(train_numbers)  # learnt from the training rows only
    X_train = _assemble(train, scale(train_numbers, mean, std))
    X_test = _assemble(test, scale(test_numbers, mean, std))
    return X_train, X_test


def _assemble(table: pd.DataFrame, scaled: pd.DataFrame) -> pd.DataFrame:
    """Put the scaled numbers, the tenure band and the one-hot columns side by side."""
    return pd.concat([scaled, tenure_band(table["tenure"]), one_hot(table)], axis=1)
