"""Turn validated customers into model-ready columns and split off a held-out test set."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from churn.schema import ID_COLUMN, LABEL_COLUMN, READ_DTYPES

log = logging.getLogger(__name__)


def clean_total_charges(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with TotalCharges as numbers: a blank (a new customer) becomes 0.0.

    A new customer has not been billed yet, so 0.0 is the true amount, not a guess.
    Any other text that is not a number raises ``ValueError`` instead of hiding.
    """
    cleaned = table.copy()
    text = cleaned["TotalCharges"].astype(str).str.strip()
    cleaned["TotalCharges"] = pd.to_numeric(text.where(text != "", "0"), errors="raise")
    return cleaned


def label_to_int(labels: pd.Series) -> pd.Series:
    """Churn Yes/No as 1/0."""
    return (labels == "Yes").astype(int)


def split(table: pd.DataFrame, test_share: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and test, keeping the churn share in both."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        table, test_size=test_share, random_state=seed, stratify=table[LABEL_COLUMN]
    )
    return train, test


def featurize_file(
    source: Path, train_path: Path, test_path: Path, test_share: float, seed: int
) -> tuple[int, int]:
    """Clean a validated file and write the train and test splits; return their sizes."""
    table = clean_total_charges(pd.read_csv(source, dtype=READ_DTYPES, keep_default_na=False))
    train, test = split(table, test_share, seed)
    for frame, path in ((train, train_path), (test, test_path)):
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, lineterminator="\n")
    log.info("train %d rows, test %d rows", len(train), len(test))
    return len(train), len(test)


def read_split(path: Path) -> pd.DataFrame:
    """A train or test split as ``featurize_file`` wrote it (customer ids stay text)."""
    return pd.read_csv(path, dtype={ID_COLUMN: str})


def features_and_target(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Split a featurized table into model inputs (no id, no label) and the 0/1 target."""
    return table.drop(columns=[ID_COLUMN, LABEL_COLUMN]), label_to_int(table[LABEL_COLUMN])
