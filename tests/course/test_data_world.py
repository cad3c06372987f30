"""The churn data world: deterministic, learnable only with the whole table, drifting on cue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from mlops_course import cli, data

SEEDS = [0, 1, 2, 3, 4]


def _features_and_target(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    features = table.drop(columns=[data.ID_COLUMN, data.LABEL_COLUMN])
    features["TotalCharges"] = pd.to_numeric(features["TotalCharges"], errors="coerce").fillna(0)
    return features, (table[data.LABEL_COLUMN] == "Yes").astype(int)


def _fit(features: pd.DataFrame, target: pd.Series, categorical: bool):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [*data.NUMERIC_COLUMNS, "TotalCharges"]
    if not categorical:
        return HistGradientBoostingClassifier(random_state=0).fit(features[numeric], target)
    encode = ColumnTransformer(
        [
            ("numbers", StandardScaler(), numeric),
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(data.CATEGORICAL_COLUMNS)),
        ]
    )
    return make_pipeline(encode, LogisticRegression(max_iter=1000)).fit(features, target)


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def month0_split(request):
    from sklearn.model_selection import train_test_split

    features, target = _features_and_target(data.generate(month=0, rows=5000, seed=request.param))
    return train_test_split(features, target, test_size=0.2, random_state=0, stratify=target)


def test_same_arguments_give_the_same_bytes(tmp_path):
    args = ["data", "--month", "0", "--rows", "5000", "--seed", "7", "--scenario", "none"]
    assert cli.main([*args, "--out", str(tmp_path / "a.csv")]) == 0
    assert cli.main([*args, "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_another_seed_gives_other_customers():
    assert not data.generate(rows=200, seed=1).equals(data.generate(rows=200, seed=2))


def test_columns_and_quirks():
    table = data.generate(month=0, rows=5000, seed=7)
    assert tuple(table.columns) == data.COLUMNS
    assert len(table.columns) == 21
    assert table["TotalCharges"].dtype == object, "TotalCharges must be stored as text"
    blank = table["TotalCharges"].str.strip() == ""
    assert blank.any() and (table.loc[blank, "tenure"] == 0).all()
    assert table[data.ID_COLUMN].is_unique
    churn = (table[data.LABEL_COLUMN] == "Yes").mean()
    assert 0.23 <= churn <= 0.29, f"churn share {churn:.3f}"
    for column, categories in data.CATEGORIES.items():
        assert set(table[column]) <= set(categories), column


def test_each_month_brings_new_customers():
    month1 = data.generate(month=1, rows=1000, seed=7)
    month2 = data.generate(month=2, rows=1000, seed=7)
    assert not set(month1[data.ID_COLUMN]) & set(month2[data.ID_COLUMN])


def test_labels_arrive_separately(tmp_path):
    features_path = data.write_batch(tmp_path / "f.csv", month=2, rows=300, part="features")
    labels_path = data.write_batch(tmp_path / "l.csv", month=2, rows=300, part="labels")
    features, labels = pd.read_csv(features_path), pd.read_csv(labels_path)
    assert data.LABEL_COLUMN not in features.columns
    assert list(labels.columns) == [data.ID_COLUMN, data.LABEL_COLUMN]
    joined = features.merge(labels, on=data.ID_COLUMN, validate="one_to_one")
    assert len(joined) == 300


def test_bad_arguments_are_refused(tmp_path, capsys):
    assert cli.main(["data", "--scenario", "chaos", "--out", str(tmp_path / "x.csv")]) == 2
    assert "unknown scenario 'chaos'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="month"):
        data.generate(month=-1)


def test_price_increase_drifts_charges_by_month_3():
    month0 = data.generate(month=0, rows=5000, seed=7)
    month3 = data.generate(month=3, rows=5000, seed=7, scenario="price_increase")
    assert ks_2samp(month0["MonthlyCharges"], month3["MonthlyCharges"]).pvalue < 0.001
    assert month3["MonthlyCharges"].mean() > 1.07 * month0["MonthlyCharges"].mean()


def test_price_increase_is_small_at_month_1_and_grows():
    base = data.generate(month=1, rows=5000, seed=7)["MonthlyCharges"].mean()
    rises = [
        data.generate(month=m, rows=5000, seed=7, scenario="price_increase")[
            "MonthlyCharges"
        ].mean()
        / data.generate(month=m, rows=5000, seed=7)["MonthlyCharges"].mean()
        for m in (1, 2, 3)
    ]
    assert rises[0] < 1.05 and rises[0] < rises[1] < rises[2], rises
    assert base > 0


def test_two_none_months_do_not_drift():
    first = data.generate(month=1, rows=5000, seed=7)
    second = data.generate(month=2, rows=5000, seed=8)
    for column in ("MonthlyCharges", "tenure"):
        assert ks_2samp(first[column], second[column]).pvalue > 0.01, column


def test_scenarios_leave_month_0_alone():
    reference = data.generate(month=0, rows=500, seed=3)
    for scenario in data.SCENARIOS:
        assert data.generate(month=0, rows=500, seed=3, scenario=scenario).equals(reference)


def test_schema_break_renames_a_column_and_adds_a_category():
    broken = data.generate(month=2, rows=2000, seed=7, scenario="schema_break")
    old, new = data.SCHEMA_BREAK_RENAMED
    assert new in broken.columns and old not in broken.columns
    column, category = data.SCHEMA_BREAK_NEW_CATEGORY
    assert (broken[column] == category).mean() > 0.05


def test_majority_class_scores_about_074():
    target = _features_and_target(data.generate(month=0, rows=5000, seed=7))[1]
    majority = max(target.mean(), 1 - target.mean())
    assert 0.71 <= majority <= 0.77, majority


def test_a_sensible_pipeline_reaches_087(month0_split):
    train_x, test_x, train_y, test_y = month0_split
    accuracy = _fit(train_x, train_y, categorical=True).score(test_x, test_y)
    assert accuracy >= 0.87, f"accuracy {accuracy:.3f}"


def test_ignoring_the_categories_stays_below_085(month0_split):
    train_x, test_x, train_y, test_y = month0_split
    numeric = [*data.NUMERIC_COLUMNS, "TotalCharges"]
    accuracy = _fit(train_x, train_y, categorical=False).score(test_x[numeric], test_y)
    assert accuracy < 0.85, f"numbers-only accuracy {accuracy:.3f}"


def test_concept_shift_hurts_the_month0_champion(month0_split):
    train_x, _, train_y, _ = month0_split
    champion = _fit(train_x, train_y, categorical=True)
    seed = SEEDS[0]
    shifted = data.generate(month=3, rows=5000, seed=seed, scenario="concept_shift")
    features, target = _features_and_target(shifted)
    accuracy = champion.score(features, target)
    assert 0.70 <= accuracy <= 0.80, f"accuracy under concept shift {accuracy:.3f}"
    # Inputs look the same: the charges barely move.
    plain = data.generate(month=3, rows=5000, seed=seed)
    assert np.isclose(shifted["MonthlyCharges"].mean(), plain["MonthlyCharges"].mean())
