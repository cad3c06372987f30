"""What a month of customer data must look like before anything trains on it."""

from __future__ import annotations

from collections.abc import Hashable

import pandera.pandas as pa

ID_COLUMN = "customerID"
LABEL_COLUMN = "Churn"
YES_NO = ["No", "Yes"]
ADDON = ["No", "No internet service", "Yes"]
CATEGORIES = {
    "gender": ["Female", "Male"],
    "Partner": YES_NO,
    "Dependents": YES_NO,
    "PhoneService": YES_NO,
    "MultipleLines": ["No", "No phone service", "Yes"],
    "InternetService": ["DSL", "Fiber optic", "No"],
    "OnlineSecurity": ADDON,
    "OnlineBackup": ADDON,
    "DeviceProtection": ADDON,
    "TechSupport": ADDON,
    "StreamingTV": ADDON,
    "StreamingMovies": ADDON,
    "Contract": ["Month-to-month", "One year", "Two year"],
    "PaperlessBilling": YES_NO,
    "PaymentMethod": [
        "Bank transfer (automatic)",
        "Credit card (automatic)",
        "Electronic check",
        "Mailed check",
    ],
}
NUMERIC_COLUMNS = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
CATEGORICAL_COLUMNS = list(CATEGORIES)
MAX_TENURE_MONTHS = 72
# The data world's bills stay under 210 a month after two years of 3 % rises; 500 leaves room.
MAX_MONTHLY_CHARGES = 500.0
# The values a customer can have: what the monitor measures drift on (inclusive bounds).
NUMERIC_BOUNDS = {
    "tenure": (0.0, float(MAX_TENURE_MONTHS)),
    "MonthlyCharges": (0.0, MAX_MONTHLY_CHARGES),
    "TotalCharges": (0.0, MAX_TENURE_MONTHS * MAX_MONTHLY_CHARGES),
}
# An answer means churn from this probability on: the service, the monitor and shadow
# scoring all read answers the same way.
CHURN_THRESHOLD = 0.5
# How to read a raw CSV so that nothing is guessed: ids and TotalCharges stay text.
READ_DTYPES: dict[Hashable, type[str]] = {ID_COLUMN: str, "TotalCharges": str}


def _is_amount_or_blank(text: str) -> bool:
    """TotalCharges arrives as text: a number, or blank for a brand-new customer."""
    if not text.strip():
        return True
    try:
        return float(text) >= 0
    except ValueError:
        return False


def customer_schema(with_label: bool = True) -> pa.DataFrameSchema:
    """Return the schema of a raw month: exact columns, types, ranges and categories.

    Args:
        with_label: require the ``Churn`` column (training data) or forbid it
            (production requests, whose labels arrive later).
    """
    columns = {
        ID_COLUMN: pa.Column(str, unique=True),
        "SeniorCitizen": pa.Column(int, pa.Check.isin([0, 1])),
        "tenure": pa.Column(int, pa.Check.in_range(0, MAX_TENURE_MONTHS)),
        "MonthlyCharges": pa.Column(
            float, pa.Check.in_range(0, MAX_MONTHLY_CHARGES, include_min=False)
        ),
        "TotalCharges": pa.Column(
            str, pa.Check(_is_amount_or_blank, element_wise=True, name="amount_or_blank")
        ),
        **{name: pa.Column(str, pa.Check.isin(values)) for name, values in CATEGORIES.items()},
    }
    if with_label:
        columns[LABEL_COLUMN] = pa.Column(str, pa.Check.isin(YES_NO))
    return pa.DataFrameSchema(columns, strict=True, name="customers")
