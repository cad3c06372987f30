"""Grading tests for lesson 01: fingerprints, maturity levels, baselines and seeded splits.

Every expected value is computed here independently (hashlib, pandas), never
taken from the code under test.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
from importlib import metadata
from pathlib import Path

import pytest

from mlops_course import data

HEX_DIGITS = set("0123456789abcdef")
DIGEST_KEYS = ("data", "code", "params", "environment")
LEVEL_1 = {"versioned_data", "tracked_experiments", "automated_training"}
LEVEL_2_EXTRA = {"ci_on_every_change", "automated_quality_gate", "production_monitoring"}


def sha256(content: bytes | str) -> str:
    """The reference digest: SHA-256 hex of bytes (text is UTF-8 encoded)."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    return hashlib.sha256(content).hexdigest()


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
    except ValueError as error:
        return error
    pytest.fail(
        f"expected a ValueError {situation}, saw it return {describe(result)}", pytrace=False
    )


# --- run_fingerprint ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def fingerprint(exercise):
    return exercise("01", "fingerprint")


@pytest.fixture
def run_files(tmp_path):
    """A small data file and two code files, as a training run would use them."""
    data_path = data.write_batch(tmp_path / "customers.csv", month=0, rows=50, seed=7)
    prepare = tmp_path / "prepare.py"
    prepare.write_text("def prepare(table):\n    return table.dropna()\n")
    train = tmp_path / "train.py"
    train.write_text("def train(table, seed):\n    return fit(table, random_state=seed)\n")
    return data_path, [prepare, train]


PARAMS = {"seed": 7, "test_share": 0.2, "model": {"C": 1.0, "max_iter": 500}}


@pytest.mark.points(0, exercise="run_fingerprint", hint="Keep the function's name and arguments.")
def test_run_fingerprint_exists(fingerprint):
    assert callable(getattr(fingerprint, "run_fingerprint", None)), (
        "expected a function run_fingerprint in fingerprint.py, saw none"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="Return a dict with the keys data, code, params, environment, run.",
)
def test_returns_five_hex_digests(fingerprint, run_files):
    data_path, code_paths = run_files
    result = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    assert isinstance(result, dict), f"expected a dict, saw {type(result).__name__}"
    expected_keys = {*DIGEST_KEYS, "run"}
    assert set(result) == expected_keys, (
        f"expected the keys {sorted(expected_keys)}, saw {sorted(result)}"
    )
    for key, value in result.items():
        assert isinstance(value, str) and len(value) == 64 and set(value) <= HEX_DIGITS, (
            f"expected {key!r} to be a 64-character lowercase hex digest (.hexdigest()), "
            f"saw {value!r}"
        )


@pytest.mark.points(
    2, exercise="run_fingerprint", hint="Hash the file's bytes (read_bytes), not its path or name."
)
def test_data_digest_is_sha256_of_the_file_bytes(fingerprint, run_files):
    data_path, code_paths = run_files
    result = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    expected = sha256(data_path.read_bytes())
    assert result["data"] == expected, (
        f"expected the data digest to be sha256 of the file's bytes, {short(expected)}, "
        f"saw {short(result['data'])}"
    )


@pytest.mark.points(1, exercise="run_fingerprint", hint="An empty file is still a file: hash b''.")
def test_empty_data_file(fingerprint, run_files, tmp_path):
    _, code_paths = run_files
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = fingerprint.run_fingerprint(empty, PARAMS, code_paths)
    expected = sha256(b"")
    assert result["data"] == expected, (
        f"expected an empty data file to give sha256 of no bytes, {short(expected)}, "
        f"saw {short(result['data'])}"
    )


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Hash json.dumps(params, sort_keys=True, ...), not str(params): it keeps key order.",
)
def test_params_digest_ignores_key_order(fingerprint, run_files):
    data_path, code_paths = run_files
    reordered = {"model": {"max_iter": 500, "C": 1.0}, "test_share": 0.2, "seed": 7}
    first = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    second = fingerprint.run_fingerprint(data_path, reordered, code_paths)
    assert first["params"] == second["params"], (
        "expected the same params digest for the same parameters written in another order, "
        f"saw {short(first['params'])} vs {short(second['params'])}"
    )
    changed = fingerprint.run_fingerprint(data_path, {**PARAMS, "seed": 8}, code_paths)
    assert changed["params"] != first["params"], (
        f"expected a different params digest when the seed changes, saw {short(changed['params'])} "
        "both times"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint='Use exactly json.dumps(params, sort_keys=True, separators=(",", ":")), UTF-8 encoded.',
)
def test_params_digest_is_canonical_json(fingerprint, run_files):
    data_path, code_paths = run_files
    result = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    expected = sha256(json.dumps(PARAMS, sort_keys=True, separators=(",", ":")))
    assert result["params"] == expected, (
        f"expected sha256 of the canonical JSON text, {short(expected)}, "
        f"saw {short(result['params'])}"
    )


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Sort the code paths before hashing: sorted(map(str, code_paths)).",
)
def test_code_digest_ignores_argument_order(fingerprint, run_files):
    data_path, code_paths = run_files
    forward = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    backward = fingerprint.run_fingerprint(data_path, PARAMS, list(reversed(code_paths)))
    assert forward["code"] == backward["code"], (
        "expected the same code digest whatever order the files are passed in, "
        f"saw {short(forward['code'])} vs {short(backward['code'])}"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="Hash what the code files contain, not their paths: moving a project keeps its code.",
)
def test_code_digest_follows_contents_not_paths(fingerprint, run_files, tmp_path):
    data_path, code_paths = run_files
    before = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    moved = tmp_path / "moved"
    moved.mkdir()
    copies = [shutil.copy(path, moved / path.name) for path in code_paths]
    after_move = fingerprint.run_fingerprint(data_path, PARAMS, copies)
    assert after_move["code"] == before["code"], (
        "expected the same code digest for the same files in another folder, "
        f"saw {short(before['code'])} vs {short(after_move['code'])}"
    )
    code_paths[1].write_text(code_paths[1].read_text().replace("seed", "seed + 1"))
    after_edit = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    assert after_edit["code"] != before["code"], (
        f"expected the code digest to change when train.py changes, saw {short(before['code'])} "
        "both times"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="Feed each file's bytes, in sorted path order, into one hashlib.sha256() object.",
)
def test_code_digest_is_sha256_of_the_files_in_sorted_order(fingerprint, run_files):
    data_path, code_paths = run_files
    result = fingerprint.run_fingerprint(data_path, PARAMS, list(reversed(code_paths)))
    ordered = sorted(str(path) for path in code_paths)
    expected = sha256(b"".join(Path(path).read_bytes() for path in ordered))
    assert result["code"] == expected, (
        f"expected sha256 of the code files' bytes in sorted path order, {short(expected)}, "
        f"saw {short(result['code'])}"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint='Hash "python==X\\npandas==X\\nnumpy==X\\nscikit-learn==X" (see the docstring).',
)
def test_environment_digest_names_python_and_packages(fingerprint, run_files):
    data_path, code_paths = run_files
    result = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    lines = [f"python=={platform.python_version()}"]
    lines += [f"{name}=={metadata.version(name)}" for name in ("pandas", "numpy", "scikit-learn")]
    expected = sha256("\n".join(lines))
    assert result["environment"] == expected, (
        f"expected sha256 of {chr(10).join(lines)!r}, {short(expected)}, "
        f"saw {short(result['environment'])}"
    )


@pytest.mark.points(
    2,
    exercise="run_fingerprint",
    hint="Hash the four hex digests joined in the order data, code, params, environment.",
)
def test_run_digest_combines_the_four(fingerprint, run_files):
    data_path, code_paths = run_files
    result = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    expected = sha256("".join(result[key] for key in DIGEST_KEYS))
    assert result["run"] == expected, (
        f"expected the run digest sha256(data + code + params + environment), {short(expected)}, "
        f"saw {short(result['run'])}"
    )


@pytest.mark.points(
    1,
    exercise="run_fingerprint",
    hint="One changed byte of data must change the data and run digests.",
)
def test_one_byte_of_data_changes_data_and_run_only(fingerprint, run_files):
    data_path, code_paths = run_files
    before = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    content = bytearray(data_path.read_bytes())
    content[-2] = ord("Y") if content[-2] != ord("Y") else ord("N")
    data_path.write_bytes(bytes(content))
    after = fingerprint.run_fingerprint(data_path, PARAMS, code_paths)
    changed = sorted(key for key in before if before[key] != after.get(key))
    assert changed == ["data", "run"], (
        f"expected one changed byte of data to change exactly ['data', 'run'], saw {changed}"
    )


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
    hint="Level 1 = versioned data + tracked experiments + automated training.",
)
def test_exactly_the_level_1_practices_is_level_1(maturity):
    level = maturity.maturity_level(set(LEVEL_1))
    assert level == 1, f"expected level 1 for exactly {sorted(LEVEL_1)}, saw {level!r}"
    with_notebooks = maturity.maturity_level(LEVEL_1 | {"notebooks"})
    assert with_notebooks == 1, (
        f"expected level 1 when a level-1 team still uses notebooks, saw {with_notebooks!r}"
    )


@pytest.mark.points(
    1, exercise="maturity_level", hint="All six level-1 and level-2 practices make level 2."
)
def test_every_practice_is_level_2(maturity):
    level = maturity.maturity_level(LEVEL_1 | LEVEL_2_EXTRA)
    assert level == 2, f"expected level 2 for all six practices, saw {level!r}"


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
    hint="Do not count practices: check that the whole set of a level is there (issubset).",
)
def test_counting_practices_is_not_enough(maturity):
    three = {"versioned_data", "tracked_experiments", "ci_on_every_change"}
    level = maturity.maturity_level(three)
    assert level == 0, (
        f"expected level 0 for {sorted(three)} (no automated training), saw {level!r}"
    )
    five = (LEVEL_1 | LEVEL_2_EXTRA) - {"automated_training"} | {"notebooks"}
    level = maturity.maturity_level(five)
    assert level == 0, (
        f"expected level 0 for six practices without automated_training, saw {level!r}"
    )


@pytest.mark.points(
    2, exercise="maturity_level", hint="Levels build on each other: level 2 needs level 1 first."
)
def test_levels_cannot_be_skipped(maturity):
    for practices in (
        set(LEVEL_2_EXTRA),
        LEVEL_2_EXTRA | {"versioned_data", "tracked_experiments"},
    ):
        level = maturity.maturity_level(practices)
        assert level == 0, (
            f"expected level 0 for {sorted(practices)} (level 1 is incomplete), saw {level!r}"
        )


@pytest.mark.points(
    2,
    exercise="maturity_level",
    hint="Raise ValueError whose message names every unknown practice.",
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
    2, exercise="majority_baseline", hint="Share of the most common class: its count / all labels."
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
    hint="Return a share between 0 and 1 (count / total), not the count.",
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
    1, exercise="majority_baseline", hint="Check for no labels first and raise ValueError."
)
def test_no_labels_raise_value_error(baseline):
    expect_value_error(lambda: baseline.majority_baseline([]), "for an empty list of labels")


# --- seeded_split ------------------------------------------------------------------------


def ids(part) -> list[str]:
    return list(part["customerID"])


def churn_share(part, label: str = "Churn") -> float:
    return float((part[label] == "Yes").mean())


@pytest.mark.points(2, exercise="seeded_split", hint="Pass random_state=seed to train_test_split.")
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
    1, exercise="seeded_split", hint="Return (train, test) with test_share of the rows in test."
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
    hint="Pass stratify=table[label] so both parts keep the churn share.",
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
    1, exercise="seeded_split", hint="Stratify by table[label], not a fixed 'Churn'."
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
    hint="Raise ValueError yourself unless 0 < test_share < 1: sklearn reads 10 as ten rows.",
)
def test_test_share_outside_0_and_1_raises(baseline, customers):
    # sklearn reads an integer test_size as a number of rows, so 10 would quietly
    # pass through train_test_split: only your own check catches it.
    for share in (0, 1, -0.1, 1.5, 10):
        expect_value_error(
            lambda share=share: baseline.seeded_split(customers, seed=0, test_share=share),
            f"for test_share={share} (a share must be strictly between 0 and 1)",
        )
