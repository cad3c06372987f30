"""The churn data world: a deterministic telco-style customer table, month by month.

Month 0 is the history a team trains on. Months 1, 2, ... are new customers
arriving in production. A named scenario changes those months in one way
that grows month by month:

- ``none``: every month is a fresh, independent draw of the same world.
- ``price_increase``: data drift. Charges rise about 3 % a month.
- ``concept_shift``: concept drift. Inputs look the same, but the reasons
  customers leave change (a competitor's fibre offer), so an old model's
  accuracy falls.
- ``schema_break``: an upstream change. ``MonthlyCharges`` is renamed and
  ``PaymentMethod`` gains a category nobody has seen.

The same (month, rows, seed, scenario) always gives the same bytes.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd

SCENARIOS = ("none", "price_increase", "concept_shift", "schema_break")
PARTS = ("full", "features", "labels")

ID_COLUMN = "customerID"
LABEL_COLUMN = "Churn"
NUMERIC_COLUMNS = ("SeniorCitizen", "tenure", "MonthlyCharges")
TEXT_NUMBER_COLUMNS = ("TotalCharges",)  # a number stored as text: blank for new customers
ADDON_COLUMNS = (
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
)
CATEGORIES = {
    "gender": ("Female", "Male"),
    "Partner": ("No", "Yes"),
    "Dependents": ("No", "Yes"),
    "PhoneService": ("No", "Yes"),
    "MultipleLines": ("No", "No phone service", "Yes"),
    "InternetService": ("DSL", "Fiber optic", "No"),
    **{name: ("No", "No internet service", "Yes") for name in ADDON_COLUMNS},
    "Contract": ("Month-to-month", "One year", "Two year"),
    "PaperlessBilling": ("No", "Yes"),
    "PaymentMethod": (
        "Bank transfer (automatic)",
        "Credit card (automatic)",
        "Electronic check",
        "Mailed check",
    ),
}
CATEGORICAL_COLUMNS = tuple(CATEGORIES)
COLUMNS = (
    ID_COLUMN,
    "gender",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "tenure",
    "PhoneService",
    "MultipleLines",
    "InternetService",
    *ADDON_COLUMNS,
    "Contract",
    "PaperlessBilling",
    "PaymentMethod",
    "MonthlyCharges",
    "TotalCharges",
    LABEL_COLUMN,
)

PRICE_RISE_PER_MONTH = 0.03
SCHEMA_BREAK_RENAMED = ("MonthlyCharges", "monthly_charges")
SCHEMA_BREAK_NEW_CATEGORY = ("PaymentMethod", "Digital wallet")

_SCENARIO_CODES = {name: code for code, name in enumerate(SCENARIOS)}
# How strongly the churn reasons separate churners from stayers, and the base rate.
_SIGNAL_SCALE = 2.0
_BASE_LOGIT = -6.0


def generate(
    month: int = 0, rows: int = 5000, seed: int = 7, scenario: str = "none"
) -> pd.DataFrame:
    """Return one month of customers, labels included, as the raw table looks.

    Args:
        month: 0 for the training history, 1, 2, ... for production months.
        rows: how many new customers arrive that month.
        seed: the world's seed; the same arguments always give the same table.
        scenario: one of ``SCENARIOS``; it changes months 1 and later only.

    Returns:
        A DataFrame with the columns of ``COLUMNS`` (renamed under
        ``schema_break``), ``TotalCharges`` as text and ``Churn`` as Yes/No.
    """
    _check_arguments(month, rows, scenario)
    rng = np.random.default_rng([seed, month])
    table = _draw_customers(rng, rows, month)
    if scenario == "price_increase" and month > 0:
        table["MonthlyCharges"] = (
            table["MonthlyCharges"] * (1 + PRICE_RISE_PER_MONTH * month)
        ).round(2)
    table["TotalCharges"] = _total_charges_text(rng, table)
    shift = _concept_shift_share(month) if scenario == "concept_shift" else 0.0
    logit = (1 - shift) * _churn_logit(table) + shift * _shifted_churn_logit(table)
    probability = 1 / (1 + np.exp(-(_SIGNAL_SCALE * logit + _BASE_LOGIT)))
    table[LABEL_COLUMN] = np.where(rng.random(rows) < probability, "Yes", "No")
    if scenario == "schema_break" and month > 0:
        table = _break_schema(table, month, seed)
    return table


def split_labels(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a month into what arrives now (features) and what arrives later (labels).

    Returns:
        ``(features, labels)``: features without ``Churn``; labels with
        ``customerID`` and ``Churn`` only, to be joined back by customer id.
    """
    return table.drop(columns=[LABEL_COLUMN]), table[[ID_COLUMN, LABEL_COLUMN]].copy()


def write_batch(
    path: str | Path,
    month: int = 0,
    rows: int = 5000,
    seed: int = 7,
    scenario: str = "none",
    part: str = "full",
) -> Path:
    """Write one month as CSV and return its path.

    Args:
        path: where to write; parent folders are created.
        month, rows, seed, scenario: as for ``generate``.
        part: ``full`` (features and labels), ``features`` or ``labels``.
    """
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}: choose one of {', '.join(PARTS)}")
    table = generate(month=month, rows=rows, seed=seed, scenario=scenario)
    if part != "full":
        features, labels = split_labels(table)
        table = features if part == "features" else labels
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\n")
    return path


def _check_arguments(month: int, rows: int, scenario: str) -> None:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}: choose one of {', '.join(SCENARIOS)}")
    if month < 0:
        raise ValueError(f"month must be 0 or more, got {month}")
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")


def _draw_customers(rng: np.random.Generator, rows: int, month: int) -> pd.DataFrame:
    """Draw who the customers are and what they pay for (no labels yet)."""

    def yes_no(p_yes: float) -> np.ndarray:
        return np.where(rng.random(rows) < p_yes, "Yes", "No")

    letters = np.array(list(string.ascii_uppercase))
    suffixes = ["".join(row) for row in rng.choice(letters, size=(rows, 5))]
    partner = yes_no(0.48)
    contract = rng.choice(CATEGORIES["Contract"], rows, p=[0.55, 0.21, 0.24])
    # Customers on longer contracts have usually been around for longer.
    mean_tenure = np.select(
        [contract == "Month-to-month", contract == "One year"], [14.0, 38.0], 55.0
    )
    tenure = np.clip(np.round(rng.gamma(2.0, mean_tenure / 2.0)), 0, 72).astype(int)
    tenure[rng.random(rows) < 0.02] = 0  # brand-new customers: no bill yet
    phone = yes_no(0.9)
    internet = rng.choice(CATEGORIES["InternetService"], rows, p=[0.34, 0.44, 0.22])
    table = pd.DataFrame(
        {
            ID_COLUMN: [f"{month:02d}-{i:05d}-{s}" for i, s in enumerate(suffixes)],
            "gender": rng.choice(CATEGORIES["gender"], rows),
            "SeniorCitizen": (rng.random(rows) < 0.16).astype(int),
            "Partner": partner,
            "Dependents": np.where(partner == "Yes", yes_no(0.5), yes_no(0.1)),
            "tenure": tenure,
            "PhoneService": phone,
            "MultipleLines": np.where(phone == "Yes", yes_no(0.45), "No phone service"),
            "InternetService": internet,
        }
    )
    for name, p_yes in zip(ADDON_COLUMNS, (0.35, 0.44, 0.44, 0.36, 0.5, 0.5), strict=True):
        table[name] = np.where(internet == "No", "No internet service", yes_no(p_yes))
    table["Contract"] = contract
    table["PaperlessBilling"] = yes_no(0.59)
    table["PaymentMethod"] = rng.choice(
        CATEGORIES["PaymentMethod"], rows, p=[0.22, 0.21, 0.34, 0.23]
    )
    monthly = (
        20.0
        + 5.0 * (table["MultipleLines"] == "Yes")
        + np.select([internet == "DSL", internet == "Fiber optic"], [25.0, 50.0], 0.0)
        + sum(5.0 * (table[name] == "Yes") for name in ADDON_COLUMNS)
        + rng.normal(0.0, 3.0, rows)
    )
    table["MonthlyCharges"] = np.clip(monthly, 18.25, 120.0).round(2)
    return table


def _total_charges_text(rng: np.random.Generator, table: pd.DataFrame) -> pd.Series:
    """What customers paid so far, as the billing export writes it: text, blank if new."""
    paid = table["tenure"] * table["MonthlyCharges"] * rng.normal(1.0, 0.03, len(table))
    text = paid.map(lambda value: f"{value:.2f}")
    return text.where(table["tenure"] > 0, " ")


def _churn_logit(table: pd.DataFrame) -> np.ndarray:
    """Why customers leave in month 0: contract, tenure, service, support, payment."""
    contract = table["Contract"].to_numpy()
    internet = table["InternetService"].to_numpy()
    logit: np.ndarray = (
        np.select([contract == "Month-to-month", contract == "One year"], [1.6, -0.6], -2.2)
        - 0.045 * table["tenure"].to_numpy()
        + np.select([internet == "Fiber optic", internet == "DSL"], [0.9, 0.0], -1.2)
        + 0.8 * (table["OnlineSecurity"] == "No").to_numpy()
        + 0.9 * (table["TechSupport"] == "No").to_numpy()
        + 1.0 * (table["PaymentMethod"] == "Electronic check").to_numpy()
        + 0.3 * (table["PaperlessBilling"] == "Yes").to_numpy()
        + 0.3 * table["SeniorCitizen"].to_numpy()
        + 0.01 * (table["MonthlyCharges"].to_numpy() - 65.0)
    )
    return logit


def _shifted_churn_logit(table: pd.DataFrame) -> np.ndarray:
    """Why customers leave once a competitor sells cheap fibre with a loyalty bonus.

    DSL customers now leave for the rival's fibre, fibre customers stay,
    support add-ons stop mattering and loyal long-tenure customers get poached.
    """
    contract = table["Contract"].to_numpy()
    internet = table["InternetService"].to_numpy()
    logit: np.ndarray = (
        np.select([contract == "Month-to-month", contract == "One year"], [0.6, 0.4], -0.4)
        + 0.02 * table["tenure"].to_numpy()
        + np.select([internet == "DSL", internet == "Fiber optic"], [2.2, -0.4], -1.0)
        + 0.6 * (table["PaymentMethod"] != "Electronic check").to_numpy()
        + 0.4 * (table["Partner"] == "Yes").to_numpy()
    )
    return logit


def _concept_shift_share(month: int) -> float:
    """How far the new churn reasons have taken over: a sixth more each month, up to half."""
    return min(0.5, month / 6)


def _break_schema(table: pd.DataFrame, month: int, seed: int) -> pd.DataFrame:
    """Rename a column and slip in an unseen category, more of it each month."""
    rng = np.random.default_rng([seed, month, _SCENARIO_CODES["schema_break"]])
    column, category = SCHEMA_BREAK_NEW_CATEGORY
    new_share = min(0.5, 0.05 * month)
    table[column] = np.where(rng.random(len(table)) < new_share, category, table[column])
    old_name, new_name = SCHEMA_BREAK_RENAMED
    return table.rename(columns={old_name: new_name})
