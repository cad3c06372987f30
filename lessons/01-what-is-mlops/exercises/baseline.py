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
        ValueError: labels is empty; the message says there are no labels.
    """
    # TODO: count each class and divide the largest count by the total; with no labels at all there is no majority, so say so yourself before anything else fails
    raise NotImplementedError('TODO: count each class and divide the largest count by the total; with no labels at all there is no majority, so say so yourself before anything else fails')


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
        ValueError: test_share is not strictly between 0 and 1; the message names
            test_share and its value. Check it yourself: scikit-learn reads a whole
            number as a count of rows, so it accepts 10 and fails on 1 by accident.
    """
    # TODO: refuse a share outside the open interval (0, 1) yourself, naming the argument; then split so that the same seed gives the same rows and both parts keep the label's class shares
    raise NotImplementedError("TODO: refuse a share outside the open interval (0, 1) yourself, naming the argument; then split so that the same seed gives the same rows and both parts keep the label's class shares")
