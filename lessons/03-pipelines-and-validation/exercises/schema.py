"""Exercise: validate a batch of customers before anything trains on it.

A schema says what every column must look like. ``validate_batch`` checks a
table against it and returns one message per problem, so a pipeline can stop
with a report a person can act on, instead of a model quietly trained on a
broken export. The checks, one function each:

- ``check_columns``: a column is missing, or one nobody expects is there
  (a renamed column shows up as both);
- ``check_types``: a column holds the wrong kind of value (text in ``tenure``);
- ``check_ranges``: a number outside its allowed range (``tenure`` of -3);
- ``check_categories``: a category nobody has seen (a new payment method);
- ``check_nulls``: too many missing values in a column;
- ``check_total_charges``: a blank bill for a customer who has been billed;
- ``check_unique_ids``: the same customer twice (an export run twice, a bad join).

Every message starts with the column's name and a colon, then says what is
wrong, e.g. ``"tenure: 2 values out of range (allowed >= 0 and <= 72), e.g. -3"``.

What a schema cannot see is drift: values that are all valid but no longer
look like the data the model learnt from. That is lesson 10's job.
The capstone uses pandera for this; here you write a smaller validator in
plain pandas to see what such a library does for you.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mlops_course.data import CATEGORIES


@dataclass(frozen=True)
class Column:
    """What one column must hold.

    Attributes:
        kind: ``"integer"`` (an integer dtype), ``"number"`` (any numeric dtype),
            ``"category"`` (one of ``categories``) or ``"text"`` (anything: no
            type or value check).
        categories: the allowed values of a ``"category"`` column.
        minimum: the smallest allowed value, inclusive (``None``: no lower bound).
        maximum: the largest allowed value, inclusive (``None``: no upper bound).
        exclusive_minimum: values must be strictly greater than this (``None``: no bound).
    """

    kind: str
    categories: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None


# The raw monthly export as the pipeline expects it, one entry per column.
SCHEMA: dict[str, Column] = {
    "customerID": Column("text"),
    "SeniorCitizen": Column("integer", minimum=0, maximum=1),
    "tenure": Column("integer", minimum=0, maximum=72),  # months; the export caps it at 72
    "MonthlyCharges": Column("number", exclusive_minimum=0),
    "TotalCharges": Column("text"),  # a number stored as text, blank for new customers
    "Churn": Column("category", categories=("No", "Yes")),
    # Every other column holds one of a fixed set of categories.
    **{name: Column("category", categories=values) for name, values in CATEGORIES.items()},
}

# The largest share of missing values a column may have (5 % passes, 5.1 % fails).
MAX_NULL_SHARE = 0.05


def check_columns(table: pd.DataFrame) -> list[str]:
    """Report every missing and every unexpected column.

    Args:
        table: the batch to check.

    Returns:
        ``"<column>: missing column"`` for each SCHEMA column the table lacks
        (in SCHEMA order), then ``"<column>: unexpected column"`` for each table
        column SCHEMA does not know (in the table's order). Empty if both match.
    """
    # TODO: compare the names the schema expects with the names the batch has, in both directions
    raise NotImplementedError('TODO: compare the names the schema expects with the names the batch has, in both directions')


def check_types(table: pd.DataFrame) -> list[str]:
    """Report every present column whose dtype does not match its kind.

    ``"integer"`` needs an integer dtype (``pd.api.types.is_integer_dtype``);
    ``"number"`` any numeric dtype (``pd.api.types.is_numeric_dtype``); booleans
    count as neither. ``"category"`` and ``"text"`` columns are not type-checked.
    Columns the table lacks are skipped (``check_columns`` reports them).

    Returns:
        ``"<column>: wrong type, expected <kind>, saw <dtype>"`` per bad column.
    """
    # TODO: for each integer or number column the batch has, ask pandas whether its dtype is of that kind; booleans are neither
    raise NotImplementedError('TODO: for each integer or number column the batch has, ask pandas whether its dtype is of that kind; booleans are neither')


def check_ranges(table: pd.DataFrame) -> list[str]:
    """Report every present numeric column with values outside its bounds.

    Uses ``minimum``, ``maximum`` (inclusive) and ``exclusive_minimum`` from SCHEMA.
    Skips missing columns, columns whose dtype is not numeric (``check_types``
    reports them) and missing values (``check_nulls`` counts them).

    Returns:
        One message per bad column, naming how many values are out of range and
        the word "range", e.g.
        ``"tenure: 2 values out of range (allowed >= 0 and <= 72), e.g. -3"``.
    """
    # TODO: for each numeric column with bounds, count the values outside them; a missing value is outside nothing
    raise NotImplementedError('TODO: for each numeric column with bounds, count the values outside them; a missing value is outside nothing')


def check_categories(table: pd.DataFrame) -> list[str]:
    """Report every present category column holding values outside its categories.

    Missing values are not categories: ignore them here (``check_nulls`` counts them).

    Returns:
        One message per bad column naming each unseen value, sorted, e.g.
        ``"PaymentMethod: unseen category 'Digital wallet' (12 rows)"``.
    """
    # TODO: leave missing values aside, then name every value that is not one of the column's categories
    raise NotImplementedError("TODO: leave missing values aside, then name every value that is not one of the column's categories")


def check_nulls(table: pd.DataFrame, max_null_share: float = MAX_NULL_SHARE) -> list[str]:
    """Report every column (known or not) whose share of missing values is too high.

    A share equal to ``max_null_share`` passes; only a larger one is a problem.
    A blank text such as ``" "`` is a value, not a null.

    Returns:
        ``"<column>: too many nulls, <share> > <max_null_share>"`` per bad column.
    """
    # TODO: the share of missing values in each column; a share exactly at the maximum still passes
    raise NotImplementedError('TODO: the share of missing values in each column; a share exactly at the maximum still passes')


def check_total_charges(table: pd.DataFrame) -> list[str]:
    """Report ``TotalCharges`` left blank for customers who have already been billed.

    The export writes a blank (``""`` or only spaces) for a customer in their
    first month, tenure 0: nothing billed yet. For anyone with a tenure above 0,
    a blank is a billing error. A missing value (NaN) is not a blank here:
    ``check_nulls`` counts those. A number for a tenure-0 customer is fine (a
    setup fee). Skip the check when either column is missing.

    Returns:
        ``["TotalCharges: <n> blank for customers with tenure > 0, e.g. <customerID>"]``,
        or ``[]``.
    """
    # TODO: a blank is text with nothing but spaces (not a missing value); flag it only where tenure is above 0, and name a customer
    raise NotImplementedError('TODO: a blank is text with nothing but spaces (not a missing value); flag it only where tenure is above 0, and name a customer')


def check_unique_ids(table: pd.DataFrame) -> list[str]:
    """Report customer ids that appear more than once in the batch.

    One customer twice means the export ran twice or a join went wrong; training
    on it counts that customer double. Missing ids are ``check_nulls``'s business.

    Returns:
        ``["customerID: <n> ids appear more than once, e.g. <id>, <id>"]`` naming
        up to three of them, sorted, or ``[]``.
    """
    # TODO: find every id that occurs more than once, leaving missing ids aside, and name a few of them
    raise NotImplementedError('TODO: find every id that occurs more than once, leaving missing ids aside, and name a few of them')


def validate_batch(table: pd.DataFrame, max_null_share: float = MAX_NULL_SHARE) -> list[str]:
    """Check a batch against SCHEMA and return every problem found (empty: valid).

    Args:
        table: the batch, as read from the export (``TotalCharges`` still text).
        max_null_share: the largest share of missing values a column may have.

    Returns:
        The messages of every check, in the order columns, types, ranges,
        categories, nulls, blank bills, repeated ids.
    """
    return [
        *check_columns(table),
        *check_types(table),
        *check_ranges(table),
        *check_categories(table),
        *check_nulls(table, max_null_share),
        *check_total_charges(table),
        *check_unique_ids(table),
    ]
