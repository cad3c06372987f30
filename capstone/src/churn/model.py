"""The model: one scikit-learn pipeline holding the preprocessing and the classifier.

Keeping the encoding inside the pipeline means training and serving can never
disagree about it: the same object does both.
"""

from __future__ import annotations

from typing import Any

from churn.config import TrainParams
from churn.schema import CATEGORIES, NUMERIC_COLUMNS


def build_pipeline(params: TrainParams, seed: int = 0) -> Any:
    """Return an unfitted pipeline: scale numbers, one-hot categories, logistic regression."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    encode = ColumnTransformer(
        [
            ("numbers", StandardScaler(), NUMERIC_COLUMNS),
            (
                "categories",
                # A fixed category list: the same columns whatever a batch contains.
                OneHotEncoder(categories=list(CATEGORIES.values()), handle_unknown="ignore"),
                list(CATEGORIES),
            ),
        ]
    )
    classifier = LogisticRegression(
        C=params.C, max_iter=params.max_iter, class_weight=params.class_weight, random_state=seed
    )
    return Pipeline([("encode", encode), ("classify", classifier)])
