"""Fixtures of the capstone's tests: a known-good sample batch and a scratch pipeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from churn.validate import read_batch

SAMPLE = Path(__file__).parent / "data" / "sample_customers.csv"


@pytest.fixture
def sample() -> pd.DataFrame:
    """200 customers exactly as a good monthly export delivers them."""
    return read_batch(SAMPLE)
