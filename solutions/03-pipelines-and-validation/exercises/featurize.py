"""Exercise: turn a validated batch into model features, the same way every time.

Two traps wait between the raw export and a model:

1. ``TotalCharges`` is text. Customers in their first month (tenure 0) have
   no bill yet, so the export writes a blank there. A blank means "nothing paid
   yet" (0.0), but anything else that is not a number is a real error and must
   stop the pipeline, not turn silently into 0.
2. One-hot columns must not depend on the batch. ``pd.get_dummies`` makes a
   column only for the categories that happen to appear, so a small batch
   without any "Two year" contract gets fewer columns than training did, and
   the model reads the wrong numbers. Fix the columns and their order from the
   known categories instead, so training and serving always agree.
"""

from __future__ import annotations

import pandas as pd

from mlops_course.data import CATEGORIES

ID_COLUMN = "customerID"
LABEL_COLUMN = "Churn"
# The numeric features, in the order they come first in the feature table.
NUMERIC_FEATURES = ("SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges")


def clean_total_charges(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of the table with ``TotalCharges`` as float numbers.

    A blank value (missing, ``""`` or only spaces) becomes ``0.0``: such
    customers have not been billed yet. Every other value must read as a number
    (surrounding spaces are fine); a column that is already numeric stays as
    it is. No row is dropped and the input table is not changed.

    Args:
        table: a batch with a ``TotalCharges`` column (text or numbers).

    Returns:
        A new DataFrame, same rows and index, ``TotalCharges`` of dtype float64.

    Raises:
        ValueError: a non-blank value is not a number; the message names it.
    """
    # BEGIN SOLUTION hint: decide for each value: a blank means nothing billed yet, anything else must read as a number or stop the run, naming the culprit
    result = table.copy()
    text = table["TotalCharges"].astype("string").str.strip()
    blank = text.isna() | (text == "")
    numbers = pd.to_numeric(text.where(~blank), errors="coerce")
    garbage = ~blank & numbers.isna()
    if garbage.any():
        examples = sorted(table.loc[garbage, "TotalCharges"].astype(str).unique())[:5]
        raise ValueError(
            f"TotalCharges has {garbage.sum()} values that are not numbers: {examples}"
        )
    result["TotalCharges"] = numbers.fillna(0.0).astype("float64")
    return result
    # END SOLUTION


def feature_names() -> list[str]:
    """Return the feature table's column names, in their fixed order.

    First ``NUMERIC_FEATURES`` in that order, then for each column of
    ``CATEGORIES`` (in the dict's order) one ``"<column>_<category>"`` per
    category (in the tuple's order), e.g. ``"Contract_Month-to-month"``.
    """
    # BEGIN SOLUTION hint: the numeric features first, then one name per known category of each column, in the order the data world lists them
    names = list(NUMERIC_FEATURES)
    for column, categories in CATEGORIES.items():
        names += [f"{column}_{category}" for category in categories]
    return names
    # END SOLUTION


def make_features(table: pd.DataFrame) -> pd.DataFrame:
    """Return the model's input: numbers and one-hot columns, always the same columns.

    Args:
        table: a validated batch, with or without the ``Churn`` label.

    Returns:
        A new DataFrame with exactly the columns of ``feature_names()`` in that
        order, every one of dtype float64, and the input's rows and index:

        - the numeric features as numbers (``TotalCharges`` cleaned with
          ``clean_total_charges``);
        - for each category column, ``1.0`` in the column of the row's value and
          ``0.0`` in the others. A value outside the known categories gives
          ``0.0`` in all of that column's one-hot columns (no new column).

        The id and the label are not features. The input table is not changed.
    """
    # BEGIN SOLUTION hint: build the one-hot columns from the known categories, never from the values a batch happens to hold, so every batch gets the same columns
    cleaned = clean_total_charges(table)
    numeric = cleaned[list(NUMERIC_FEATURES)]
    one_hot = pd.get_dummies(cleaned[list(CATEGORIES)], prefix_sep="_")
    features = pd.concat([numeric, one_hot], axis=1)
    return features.reindex(columns=feature_names(), fill_value=0).astype("float64")
    # END SOLUTION
