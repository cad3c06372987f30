"""Exercise: the two things to do before training any model.

1. Know the score of doing nothing clever. A model that always predicts the
   most common class already gets that class's share right; your model must
   beat this majority baseline to be worth anything.
2. Split the data the same way every time. A seeded split gives the same
   rows for the same seed, so two runs can be compared; a stratified split
   keeps the share of each class the same in train and test.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
from sklearn.model_selection import train_test_split


def majority_baseline(labels) -> float:
    """Return the accuracy of always predicting the most common class.

    Args:
        labels: the true classes, e.g. a list or a pandas Series of "Yes"/"No".

    Returns:
        The share (between 0 and 1) of labels equal to the most common one.

    Raises:
        ValueError: labels is empty.
    """
    # TODO: count each class (Counter), divide the largest count by the total
    raise NotImplementedError('TODO: count each class (Counter), divide the largest count by the total')


def seeded_split(
    table: pd.DataFrame, seed: int, test_share: float = 0.2, label: str = "Churn"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a table into train and test rows, reproducibly and stratified by the label.

    Args:
        table: the rows to split.
        seed: the random seed; the same seed always gives the same rows.
        test_share: the share of rows that go to test, strictly between 0 and 1.
        label: the column whose class shares both parts must keep.

    Returns:
        ``(train, test)``, two DataFrames with all of the table's columns.

    Raises:
        ValueError: test_share is not strictly between 0 and 1.
    """
    # TODO: check 0 < test_share < 1; train_test_split(random_state=, stratify=)
    raise NotImplementedError('TODO: check 0 < test_share < 1; train_test_split(random_state=, stratify=)')
