"""Exercise 2: a directional-expectation test for a churn model.

A behavioural test asks how a model's answer should move when one input
changes, without knowing the right answer for any customer. For churn,
domain knowledge says, for example:

- two more years as a customer should not make someone *more* likely to leave;
- moving from a month-to-month to a two-year contract should not either.

``direction_violations`` runs such a check and returns the customers for whom
the model breaks the expectation, so a test can assert there are none (or
print the offenders when there are some):

    assert direction_violations(model, customers, "Contract", "Two year", "down") == []
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

DIRECTIONS = ("up", "down")


def churn_probability(model, table: pd.DataFrame) -> np.ndarray:
    """Return each customer's churn probability: column 1 of ``model.predict_proba(table)``."""
    return np.asarray(model.predict_proba(table), dtype=float)[:, 1]


def direction_violations(
    model,
    customers: pd.DataFrame,
    feature: str,
    new_value: Any | Callable[[pd.Series], pd.Series],
    expected: str,
    tolerance: float = 0.0,
) -> list:
    """Return the customers whose churn probability moves against the expected direction.

    Args:
        model: anything with ``predict_proba(table)`` returning one row per
            customer and the churn probability in column 1 (as scikit-learn does).
        customers: the raw customers to check; this table is not changed.
        feature: the column to change.
        new_value: the value to give every customer (e.g. ``"Two year"``), or a
            function from the old column to the new one (e.g. ``lambda t: t + 24``).
        expected: ``"down"`` if the churn probability should fall (or stay) after
            the change, ``"up"`` if it should rise (or stay).
        tolerance: how far a probability may move the wrong way before it counts
            (models wobble a little); a move of exactly ``tolerance`` is forgiven.

    Returns:
        The index labels (``customers.index``) of the customers whose churn
        probability moved against ``expected`` by more than ``tolerance``, in
        the order of ``customers``; ``[]`` if the expectation holds for all.

    Raises:
        ValueError: ``expected`` is not ``"up"`` or ``"down"``, or ``feature``
            is not a column of ``customers``.
    """
    # TODO: change a copy; compare churn_probability before and after for each customer; keep the index labels where the move against `expected` exceeds tolerance
    raise NotImplementedError('TODO: change a copy; compare churn_probability before and after for each customer; keep the index labels where the move against `expected` exceeds tolerance')
