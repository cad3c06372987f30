"""Grading tests for lesson 01: fingerprints, maturity levels, baselines and seeded splits.

Fingerprints are graded by what they must notice and what they must ignore, so
any sound scheme passes, not one exact encoding. Every other expected value is
computed here independently (pandas), never taken from the code under test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mlops_course import data

HEX_DIGITS = set("0123456789abcdef")
KEYS = ("data", "code", "params", "environment", "run")
LEVEL_1 = {
    "versioned_data",
    "tracked_experiments",
    "automated_training",
    "automated_validation",
    "production_monitoring",
}
LEVEL_2_EXTRA = {"ci_on_every_change", "automated_pipeline_deployment"}


def short(digest: object) -> str:
    """The first 12 characters of a digest, enough to tell two apart in a message."""
    return repr(digest[:12]) + "..." if isinstance(digest, str) else repr(digest)


def describe(value: object) -> str:
    """A short description of a returned value: tables by their size, not their content."""
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(item) for item in value) + ")"
    if hasattr(value, "shape"):
        return f"a {type(value).__name__} of {len(value)} rows"
    return repr(value)


def expect_value_error(action, situation: str) -> ValueError:
    """Run ``action``; return the ValueError it raises, or fail saying what it did instead."""
    try:
        result = action()
    except NotImplementedError:
        raise  # a starter's TODO is not the error asked for
    except ValueError as error:
        return error
    pytest.fail(
        f"expected a ValueError {situation}, saw it return {describe(result)}", pytrace=False
    )


# --- run_fingerprint ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fingerprint(exercise):
    return exercise("01", "fingerprint")


PARAMS = {"seed": 7, "test_share": 0.2, "model": {"C": 1.0, "max_iter": 500}}
LOCK = """version = 1
requires-python = ">=3.11"

[[package]]
name = "pandas"
version = "2.3.3"

[[package]]
name = "scikit-learn"
version = "1.9.1"
"""


class Run:
    """The inputs of one training run, written to a folder, and a way to fingerprint them."""

    def __init__(self, fingerprint, folder):
        self.module = fingerprint
        self.folder = folder
        self.data = data.write_batch(folder / "customers.csv", month=0, rows=50, seed=7)
        self.code = [folder / "src" / "prepare.py", folder / "src" / "train.py"]
        self.code[0].write_text("def prepare(table):\n    return table.dropna()\n")
        self.code[1].write_text(
            "def train(table, seed):\n    return fit(table, random_state=seed)\n"
        )
        self.lock = folder / "uv.lock"
        self.lock.write_text(LOCK)
        self.params = dict(PARAMS)

    def fingerprint(self, **changes) -> dict:
        """The learner's fingerprint of these inputs, or of these inputs with some replaced."""
        inputs = {
            "data_path": self.data,
            "params": self.params,
            "code_paths": list(self.code),
            "lock_path": self.lock,
        }
        inputs.update(changes)
        result = self.module.run_fingerprint(**inputs)
        assert isinstance(result, dict), f"expected a dict, saw {type(result).__name__}"
        return result


@pytest.fixture
def run(fingerprint, tmp_path):
    (tmp_path / "project" / "src").mkdir(parents=True)
    return Run(fingerprint, tmp_path / "project")


def changed(before: dict, after: dict) -> list[str]:
    """The keys whose digest differs between two fingerprints."""
    return sorted(key for key in KEYS if before.get(key) != after.get(key))


def expect_changed(before: dict, after: dict, expected: list[str], situation: str) -> None:
    seen = changed(before, after)
    assert seen == sorted(expected), (
        f"expected {situation} to change exactly {sorted(expected)}, saw {seen} change"
    )


@pytest.mark.points(0, exercise="run_fingerprint", hint="Keep the function's name and arguments.")
def test_run_fingerprint_exists(fingerprint):
    assert callable(getattr(fingerprint, "run_fingerprint", None)), (
        "expected a function run_fingerprint in fingerprint.py, saw none"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="Return a dict with exactly the five keys the docstring names, each a SHA-256 in hex.",
    more="Each value is 64 lowercase hex characters: hashlib.sha256(...).hexdigest().",
)
def test_returns_five_hex_digests(run):
    result = run.fingerprint()
    assert set(result) == set(KEYS), f"expected the keys {sorted(KEYS)}, saw {sorted(result)}"
    for key, value in result.items():
        assert isinstance(value, str) and len(value) == 64 and set(value) <= HEX_DIGITS, (
            f"expected {key!r} to be a 64-character lowercase hex digest, saw {value!r}"
        )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="The same inputs must always give the same fingerprint: nothing random, no clock.",
)
def test_same_inputs_same_fingerprint(run):
    first, second = run.fingerprint(), run.fingerprint()
    expect_changed(first, second, [], "fingerprinting the same inputs twice")


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Data is its bytes: one changed byte must change it, a copy under another name must not.",
    more="Hash Path(data_path).read_bytes(), not the path or the file's name.",
)
def test_data_digest_follows_the_bytes(run):
    before = run.fingerprint()
    renamed = run.folder / "customers-march.csv"
    shutil.copyfile(run.data, renamed)
    expect_changed(
        before, run.fingerprint(data_path=renamed), [], "the same bytes under a new name"
    )
    content = bytearray(run.data.read_bytes())
    content[-2] = ord("Y") if content[-2] != ord("Y") else ord("N")
    run.data.write_bytes(bytes(content))
    expect_changed(before, run.fingerprint(), ["data", "run"], "one changed byte of data")


@pytest.mark.points(
    1, exercise="run_fingerprint", hint="An empty data file is still data: it has a digest too."
)
def test_empty_data_file(run):
    empty = run.folder / "empty.csv"
    empty.write_bytes(b"")
    first, second = run.fingerprint(data_path=empty), run.fingerprint(data_path=empty)
    assert first["data"] == second["data"] != run.fingerprint()["data"], (
        "expected an empty data file to get its own, repeatable data digest, saw "
        f"{short(first['data'])}, {short(second['data'])}"
    )


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Settings written in another key order are the same settings; a changed value is not.",
    more='json.dumps(params, sort_keys=True, separators=(",", ":")), never str(params).',
)
def test_params_digest_ignores_key_order(run):
    before = run.fingerprint()
    reordered = {"model": {"max_iter": 500, "C": 1.0}, "test_share": 0.2, "seed": 7}
    expect_changed(
        before, run.fingerprint(params=reordered), [], "the same params in another key order"
    )
    tuned = {**PARAMS, "model": {"C": 0.5, "max_iter": 500}}
    expect_changed(before, run.fingerprint(params=tuned), ["params", "run"], "changing model.C")


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Code is a set of files: the order you list them in must not matter, their contents must.",
    more="Sort the per-file lines (or paths) before hashing them together.",
)
def test_code_digest_ignores_listing_order(run):
    before = run.fingerprint()
    backward = run.fingerprint(code_paths=list(reversed(run.code)))
    expect_changed(before, backward, [], "listing the same code files in reverse order")
    run.code[1].write_text(run.code[1].read_text().replace("seed", "seed + 1"))
    expect_changed(before, run.fingerprint(), ["code", "run"], "an edit to train.py")


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="A colleague's checkout sits in another folder: the same files there are the same code.",
    more="Name each file relative to the folder the code files share, never by its absolute path.",
)
def test_code_digest_survives_moving_the_project(run, tmp_path):
    before = run.fingerprint()
    moved = Path(shutil.copytree(run.folder, tmp_path / "elsewhere" / "project"))
    copies = [moved / "src" / path.name for path in run.code]
    after = run.fingerprint(code_paths=copies)
    expect_changed(before, after, [], "the same project copied to another folder")


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Renaming a module changes what imports it finds: the names belong in the code digest.",
    more="Hash one line per file, '<relative name> <digest of its bytes>', not the bytes alone.",
)
def test_renaming_a_code_file_changes_the_code_digest(run):
    before = run.fingerprint()
    renamed = run.code[0].with_name("clean.py")
    run.code[0].rename(renamed)
    after = run.fingerprint(code_paths=[renamed, run.code[1]])
    expect_changed(before, after, ["code", "run"], "renaming src/prepare.py to src/clean.py")


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Two different code bases can have the same bytes end to end: a byte moved from one file to the next must change the digest.",
    more="Hash each file on its own and combine the per-file digests; never concatenate the files' bytes.",
)
def test_a_byte_moved_between_files_changes_the_code_digest(run):
    before = run.fingerprint()
    first, second = sorted(run.code, key=str)
    text = first.read_bytes()
    first.write_bytes(text[:-1])  # the last byte (a newline) moves ...
    second.write_bytes(text[-1:] + second.read_bytes())  # ... to the start of the next file
    after = run.fingerprint()
    expect_changed(before, after, ["code", "run"], "a byte moved from prepare.py to train.py")


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="The environment is what the lock file pins: read the lock, whose every byte counts.",
    more="Hash 'python==<version>' and Path(lock_path).read_bytes(), not the lock's path.",
)
def test_environment_digest_follows_the_lock(run):
    before = run.fingerprint()
    copy = run.folder / "elsewhere.lock"
    shutil.copyfile(run.lock, copy)
    expect_changed(before, run.fingerprint(lock_path=copy), [], "the same lock under another name")
    run.lock.write_text(LOCK.replace('version = "2.3.3"', 'version = "2.3.2"'))
    expect_changed(
        before, run.fingerprint(), ["environment", "run"], "the lock pinning another pandas"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="The run digest must depend on all four parts, so a change to any of them changes it.",
)
def test_run_digest_combines_the_four(run):
    before = run.fingerprint()
    other_lock = run.folder / "other.lock"
    other_lock.write_text(LOCK + "\n")
    variants = {
        "params": run.fingerprint(params={**PARAMS, "seed": 8}),
        "environment": run.fingerprint(lock_path=other_lock),
        "code": run.fingerprint(code_paths=run.code[:1]),
    }
    for part, after in variants.items():
        expect_changed(before, after, [part, "run"], f"a change to the {part}")


# --- maturity_level ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def maturity(exercise):
    return exercise("01", "maturity")


@pytest.mark.points(0, exercise="maturity_level", hint="Keep PRACTICES and maturity_level.")
def test_practices_lists_every_level_practice(maturity):
    known = set(getattr(maturity, "PRACTICES", ()))
    missing = sorted((LEVEL_1 | LEVEL_2_EXTRA) - known)
    assert not missing, (
        f"expected PRACTICES to hold every level-1 and level-2 name, saw {missing} missing"
    )


@pytest.mark.points(
    1, exercise="maturity_level", hint="With no level-1 practice a team is at level 0."
)
def test_no_practices_is_level_0(maturity):
    for practices in (set(), {"notebooks", "manual_deployment"}):
        level = maturity.maturity_level(practices)
        assert level == 0, f"expected level 0 for {sorted(practices)}, saw {level!r}"


@pytest.mark.points(
    2,
    exercise="maturity_level",
    hint="Level 1 is the automated pipeline: continuous training, validation, monitoring, records.",
)
def test_exactly_the_level_1_practices_is_level_1(maturity):
    level = maturity.maturity_level(set(LEVEL_1))
    assert level == 1, f"expected level 1 for exactly {sorted(LEVEL_1)}, saw {level!r}"
    with_notebooks = maturity.maturity_level(LEVEL_1 | {"notebooks"})
    assert with_notebooks == 1, (
        f"expected level 1 when a level-1 team still uses notebooks, saw {with_notebooks!r}"
    )


@pytest.mark.points(
    1, exercise="maturity_level", hint="Every level-1 and level-2 practice together make level 2."
)
def test_every_practice_is_level_2(maturity):
    level = maturity.maturity_level(LEVEL_1 | LEVEL_2_EXTRA)
    assert level == 2, f"expected level 2 for all seven practices, saw {level!r}"


@pytest.mark.points(
    2, exercise="maturity_level", hint="A level needs every one of its practices, not most of them."
)
def test_a_missing_practice_drops_the_level(maturity):
    everything = LEVEL_1 | LEVEL_2_EXTRA
    for practice in sorted(everything):
        expected = 0 if practice in LEVEL_1 else 1
        level = maturity.maturity_level(everything - {practice})
        assert level == expected, (
            f"expected level {expected} with every practice but {practice!r}, saw {level!r}"
        )


@pytest.mark.points(
    2,
    exercise="maturity_level",
    hint="Do not count practices: a level is reached only when its whole set is there.",
    more="Compare sets: LEVEL_1 <= set(practices) (issubset), not len(practices) >= 5.",
)
def test_counting_practices_is_not_enough(maturity):
    four = {"versioned_data", "tracked_experiments", "ci_on_every_change", "notebooks"}
    level = maturity.maturity_level(four)
    assert level == 0, f"expected level 0 for {sorted(four)} (no automated training), saw {level!r}"
    six = (LEVEL_1 | LEVEL_2_EXTRA) - {"automated_validation"}
    level = maturity.maturity_level(six)
    assert level == 0, (
        f"expected level 0 for six practices without automated_validation (level 1 needs "
        f"validation before a model serves), saw {level!r}"
    )


@pytest.mark.points(
    2, exercise="maturity_level", hint="Levels build on each other: level 2 needs level 1 first."
)
def test_levels_cannot_be_skipped(maturity):
    for practices in (
        set(LEVEL_2_EXTRA),
        LEVEL_2_EXTRA | {"versioned_data", "tracked_experiments", "production_monitoring"},
    ):
        level = maturity.maturity_level(practices)
        assert level == 0, (
            f"expected level 0 for {sorted(practices)} (level 1 is incomplete), saw {level!r}"
        )


@pytest.mark.points(
    2,
    exercise="maturity_level",
    hint="Refuse names the assessment does not know, and say which ones in the error.",
)
def test_unknown_practices_are_named(maturity):
    practices = {"versioned_data", "gpu_cluster", "feature_store"}
    error = expect_value_error(
        lambda: maturity.maturity_level(practices),
        "for the unknown names gpu_cluster, feature_store",
    )
    missing = [name for name in ("gpu_cluster", "feature_store") if name not in str(error)]
    assert not missing, (
        f"expected the error message to name every unknown practice, saw {str(error)!r} "
        f"without {missing}"
    )


# --- majority_baseline -------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(exercise):
    return exercise("01", "baseline")


@pytest.fixture(scope="module")
def customers():
    return data.generate(month=0, rows=500, seed=7)


@pytest.mark.points(
    2, exercise="majority_baseline", hint="The share of the most common class among all labels."
)
def test_baseline_of_the_churn_labels(baseline, customers):
    labels = customers["Churn"]
    shares = labels.value_counts(normalize=True)
    expected, majority = shares.max(), shares.idxmax()
    result = baseline.majority_baseline(labels)
    assert result == pytest.approx(expected), (
        f"expected the share of {majority!r} among {len(labels)} customers, {expected:.3f}, "
        f"saw {result!r}"
    )


@pytest.mark.points(
    2,
    exercise="majority_baseline",
    hint="Return a share between 0 and 1, not how many labels the majority has.",
)
def test_returns_a_share_not_a_count(baseline):
    labels = ["No", "No", "No", "Yes"]
    result = baseline.majority_baseline(labels)
    assert result == pytest.approx(0.75), (
        f"expected 0.75 for 3 'No' out of 4 labels (a share, not the count 3), saw {result!r}"
    )


@pytest.mark.points(
    1, exercise="majority_baseline", hint="Find the most common class; do not assume it is 'No'."
)
def test_majority_can_be_any_class(baseline):
    for labels, expected in ((["Yes", "Yes", "No"], 2 / 3), ([1, 0, 1, 1, 1], 0.8)):
        result = baseline.majority_baseline(labels)
        assert result == pytest.approx(expected), (
            f"expected {expected:.3f} for {labels}, saw {result!r}"
        )


@pytest.mark.points(
    1, exercise="majority_baseline", hint="A tie still gives the share of one class."
)
def test_one_label_per_class(baseline):
    for labels, expected in ((["Yes", "No"], 0.5), (["No"], 1.0)):
        result = baseline.majority_baseline(labels)
        assert result == pytest.approx(expected), (
            f"expected {expected} for {labels}, saw {result!r}"
        )


@pytest.mark.points(
    1,
    exercise="majority_baseline",
    hint="No labels, no majority: check for that case yourself and say so in a ValueError.",
    more="if not labels: raise ValueError('no labels ...'), before max() or a division.",
)
def test_no_labels_raise_a_value_error_that_says_so(baseline):
    for labels, shown in (([], "[]"), (pd.Series([], dtype=object), "an empty Series")):
        error = expect_value_error(
            lambda labels=labels: baseline.majority_baseline(labels), f"for {shown}"
        )
        message = str(error)
        assert "label" in message.lower(), (
            f"expected your own ValueError saying there are no labels for {shown}, saw "
            f"{message!r}: a ValueError raised by accident (max() of nothing raises one too) "
            "tells the caller nothing about their labels"
        )


# --- seeded_split ------------------------------------------------------------------------


def ids(part) -> list[str]:
    return list(part["customerID"])


def churn_share(part, label: str = "Churn") -> float:
    return float((part[label] == "Yes").mean())


@pytest.mark.points(
    2,
    exercise="seeded_split",
    hint="The same seed must give the same rows: hand the seed to the splitter.",
    more="train_test_split(..., random_state=seed).",
)
def test_same_seed_gives_the_same_rows(baseline, customers):
    first = baseline.seeded_split(customers, seed=3)
    second = baseline.seeded_split(customers, seed=3)
    for name, one, two in zip(("train", "test"), first, second, strict=True):
        assert ids(one) == ids(two), (
            f"expected the same {name} rows for the same seed twice, saw {ids(one)[:3]} "
            f"vs {ids(two)[:3]} (first customerIDs)"
        )


@pytest.mark.points(1, exercise="seeded_split", hint="Use the seed argument, not a fixed number.")
def test_another_seed_gives_other_rows(baseline, customers):
    _, test_3 = baseline.seeded_split(customers, seed=3)
    _, test_4 = baseline.seeded_split(customers, seed=4)
    assert set(ids(test_3)) != set(ids(test_4)), (
        "expected seeds 3 and 4 to pick different test rows, saw the same rows"
    )


@pytest.mark.points(
    1,
    exercise="seeded_split",
    hint="Return the train part first and the test part second, test holding the share asked for.",
)
def test_parts_add_up_without_overlap(baseline, customers):
    train, test = baseline.seeded_split(customers, seed=0, test_share=0.3)
    assert len(test) == 150 and len(train) == 350, (
        f"expected 350 train and 150 test rows for test_share=0.3 of 500, "
        f"saw {len(train)} and {len(test)}"
    )
    overlap = set(ids(train)) & set(ids(test))
    assert not overlap, f"expected no row in both parts, saw {len(overlap)} shared"
    assert list(train.columns) == list(customers.columns), (
        f"expected every column of the table in train, saw {list(train.columns)}"
    )


@pytest.mark.points(
    2,
    exercise="seeded_split",
    hint="Both parts must keep the table's churn share: split within each class (stratify).",
    more="train_test_split(..., stratify=table[label]).",
)
def test_both_parts_keep_the_churn_share(baseline, customers):
    overall = churn_share(customers)
    for seed in range(10):
        train, test = baseline.seeded_split(customers, seed=seed)
        for name, part in (("train", train), ("test", test)):
            share = churn_share(part)
            assert abs(share - overall) <= 1 / len(part) + 1e-9, (
                f"expected the {name} churn share to match the table's {overall:.3f} "
                f"(a stratified split), saw {share:.3f} with seed {seed}"
            )


@pytest.mark.points(
    1,
    exercise="seeded_split",
    hint="The label column is an argument: a table whose label is called 'left' must split too.",
)
def test_uses_the_label_argument(baseline, customers):
    renamed = customers.rename(columns={"Churn": "left"})
    overall = churn_share(renamed, "left")
    for seed in range(5):
        _, test = baseline.seeded_split(renamed, seed=seed, label="left")
        share = churn_share(test, "left")
        assert abs(share - overall) <= 1 / len(test) + 1e-9, (
            f"expected the test share of label 'left' to match {overall:.3f}, saw {share:.3f}"
        )


@pytest.mark.points(
    1,
    exercise="seeded_split",
    hint="Check the share yourself and name it in the error: the splitter reads a whole number as a row count.",
    more="if not 0 < test_share < 1: raise ValueError(f'test_share must be ..., got {test_share}').",
)
def test_test_share_outside_0_and_1_raises(baseline, customers):
    # scikit-learn reads a whole number as a count of rows: 10 passes through, and 1 fails
    # only because one test row cannot hold both classes. Only the learner's own check
    # names test_share; an accidental error from the splitter does not.
    for share in (0, 1, 1.0, -0.1, 1.5, 10):
        error = expect_value_error(
            lambda share=share: baseline.seeded_split(customers, seed=0, test_share=share),
            f"for test_share={share!r} (a share must be strictly between 0 and 1)",
        )
        assert "test_share" in str(error), (
            f"expected your own ValueError naming test_share for test_share={share!r} (a share "
            f"must be strictly between 0 and 1), saw {str(error)!r}, raised by the splitter "
            "by accident"
        )
