"""Code tests: cleaning and splitting."""

from __future__ import annotations

import pandas as pd
import pytest

from churn.featurize import clean_total_charges, split


def test_blank_total_charges_become_zero(sample):
    sample.loc[sample.index[0], ["tenure", "TotalCharges"]] = [0, " "]
    cleaned = clean_total_charges(sample)
    assert cleaned.loc[sample.index[0], "TotalCharges"] == 0.0
    assert cleaned["TotalCharges"].dtype == float
    assert len(cleaned) == len(sample)


def test_garbage_is_not_silently_zero(sample):
    sample.loc[sample.index[0], "TotalCharges"] = "n/a"
    with pytest.raises(ValueError):
        clean_total_charges(sample)


def test_the_input_is_not_changed(sample):
    before = sample.copy()
    clean_total_charges(sample)
    pd.testing.assert_frame_equal(sample, before)


def test_split_keeps_the_churn_share_and_is_repeatable(sample):
    train, test = split(sample, test_share=0.25, seed=3)
    again, _ = split(sample, test_share=0.25, seed=3)
    assert len(test) == 50 and len(train) == 150
    assert list(train.index) == list(again.index)
    share = (sample["Churn"] == "Yes").mean()
    assert abs((test["Churn"] == "Yes").mean() - share) < 0.03
