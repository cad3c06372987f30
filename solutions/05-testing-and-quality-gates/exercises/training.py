"""Exercise 4: training tests, the checks that run the training code itself.

Unit tests check preprocessing and the gate checks the finished model. Between
them sits the training code, and two cheap tests catch most of what breaks there:

- **Memorise a tiny sample.** Any working model learns 20 customers by heart
  when it is trained on exactly those 20 (the course's pipeline scores 1.0 on
  them). One that cannot is not learning: the labels are read from the wrong
  column, the features never reach the model, or a step throws the signal away.
  Half the sample churns and half stays, so a model that answers "stays" to
  everyone scores 0.5 and is caught.
- **Same seed, same model.** Training twice with the same seed must give the
  same model, or no result can be reproduced, and a test that passed once may
  fail on the rerun. Compare the churn probabilities, not the predicted
  classes: a small difference rarely flips a class, but it is still a
  difference.

A trainer here is any function ``train(customers, seed)`` that returns a fitted
model with ``predict`` (0/1 answers) and ``predict_proba`` (column 1: churn).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

TINY_ROWS = 20  # half churners, half stayers


def memorisation_accuracy(
    train: Callable, customers: pd.DataFrame, rows: int = TINY_ROWS, seed: int = 0
) -> float:
    """Train on a tiny balanced sample and return the accuracy on those same customers.

    Args:
        train: the trainer under test, ``train(customers, seed) -> model``.
        customers: labelled customers (``Churn`` is Yes/No) to draw the sample from.
        rows: the sample's size: ``rows // 2`` churners and ``rows // 2`` stayers.
        seed: draws the sample and is passed to ``train``; the same seed gives
            the same sample.

    Returns:
        The share of the sample the trained model answers right (1.0 for a
        trainer that works).

    Raises:
        ValueError: ``rows`` is odd or below 2, or ``customers`` has fewer than
            ``rows // 2`` churners or stayers.
    """
    # BEGIN SOLUTION hint: draw the same number of churners and stayers with the seed, so that answering one class for everyone scores a half; train on exactly those rows, and score the model on those rows, not on anyone else
    if rows < 2 or rows % 2:
        raise ValueError(f"rows must be an even number of at least 2, got {rows}")
    churned = customers["Churn"] == "Yes"
    half = rows // 2
    if churned.sum() < half or (~churned).sum() < half:
        raise ValueError(
            f"a sample of {rows} needs {half} churners and {half} stayers, saw "
            f"{int(churned.sum())} and {int((~churned).sum())}"
        )
    sample = pd.concat(
        [
            customers[churned].sample(half, random_state=seed),
            customers[~churned].sample(half, random_state=seed),
        ]
    )
    model = train(sample, seed)
    answers = np.asarray(model.predict(sample)).astype(int)
    return float((answers == (sample["Churn"] == "Yes").to_numpy()).mean())
    # END SOLUTION


def seed_difference(train: Callable, customers: pd.DataFrame, seed: int = 0) -> float:
    """Train twice with the same seed and return how far the two models disagree.

    Args:
        train: the trainer under test, ``train(customers, seed) -> model``.
        customers: labelled customers to train on, and to compare the models on.
        seed: the one seed both trainings get.

    Returns:
        The largest difference, over ``customers``, between the two models'
        churn probabilities: 0.0 when training is reproducible.
    """
    # BEGIN SOLUTION hint: two separate trainings, both with the seed you are given, on the same customers; compare the churn probabilities customer by customer, since classes hide small differences
    first = train(customers, seed)
    second = train(customers, seed)
    churn = [
        np.asarray(model.predict_proba(customers), dtype=float)[:, 1] for model in (first, second)
    ]
    return float(np.abs(churn[0] - churn[1]).max())
    # END SOLUTION
