"""Data tests: a good batch passes; every kind of bad batch is stopped and named."""

from __future__ import annotations

import numpy as np
import pytest

from churn import cli
from churn.contracts import Problem, ValidationReport
from churn.validate import BatchRejected, find_problems, validate_file


def _only(problems: list[Problem], column: str) -> Problem:
    matching = [problem for problem in problems if problem.column == column]
    assert matching, f"no problem reported for {column}: {problems}"
    return matching[0]


def test_a_good_batch_passes(sample):
    assert find_problems(sample) == []


def test_blank_total_charges_of_new_customers_are_fine(sample):
    sample.loc[sample.index[:3], ["tenure", "TotalCharges"]] = [0, " "]
    assert find_problems(sample) == []


def test_blank_total_charges_after_the_first_month_are_stopped(sample):
    late = sample.index[sample["tenure"] > 0][:2]
    sample.loc[late, "TotalCharges"] = " "
    problem = _only(find_problems(sample), "TotalCharges")
    assert "tenure > 0" in problem.check and problem.count == 2
    assert problem.examples == tuple(sample.loc[late, "customerID"])


def test_missing_column(sample):
    problems = find_problems(sample.drop(columns=["Contract"]))
    assert _only(problems, "Contract").check == "the column is missing"


def test_renamed_column_names_both_sides(sample):
    problems = find_problems(sample.rename(columns={"MonthlyCharges": "monthly_charges"}))
    assert _only(problems, "MonthlyCharges").check == "the column is missing"
    assert "renamed" in _only(problems, "monthly_charges").check


def test_wrong_type(sample):
    sample["tenure"] = sample["tenure"].astype(str) + " months"
    problems = [p for p in find_problems(sample) if p.column == "tenure"]
    wrong_type = [p for p in problems if p.check.startswith("wrong type")]
    assert wrong_type, problems
    assert wrong_type[0].count == len(sample)


@pytest.mark.parametrize(
    ("column", "value"), [("tenure", -1), ("tenure", 73), ("MonthlyCharges", 0.0)]
)
def test_out_of_range(sample, column, value):
    sample.loc[sample.index[5], column] = value
    problem = _only(find_problems(sample), column)
    assert problem.check.startswith("out of range") and problem.count == 1
    assert problem.examples == (str(value),)


@pytest.mark.parametrize("tenure", [0, 72])
def test_range_ends_are_valid(sample, tenure):
    sample.loc[sample.index[5], "tenure"] = tenure
    if tenure == 0:
        sample.loc[sample.index[5], "TotalCharges"] = " "
    assert find_problems(sample) == []


def test_unseen_category(sample):
    sample.loc[sample.index[:4], "PaymentMethod"] = "Digital wallet"
    problem = _only(find_problems(sample), "PaymentMethod")
    assert problem == Problem(
        column="PaymentMethod", check="unseen category", count=4, examples=("Digital wallet",)
    )


def test_nulls(sample):
    sample.loc[sample.index[:2], "MonthlyCharges"] = np.nan
    assert "nulls" in _only(find_problems(sample), "MonthlyCharges").check


def test_garbage_total_charges(sample):
    sample.loc[sample.index[0], "TotalCharges"] = "n/a"
    assert _only(find_problems(sample), "TotalCharges").examples == ("n/a",)


def test_every_problem_is_reported_at_once(sample):
    broken = sample.drop(columns=["gender"])
    broken.loc[broken.index[0], "tenure"] = 99
    broken.loc[broken.index[1], "Contract"] = "Three year"
    columns = {problem.column for problem in find_problems(broken)}
    assert {"gender", "tenure", "Contract"} <= columns


def test_a_rejected_batch_writes_the_report_but_no_output(sample, tmp_path):
    raw = tmp_path / "raw.csv"
    sample.rename(columns={"tenure": "tenure_months"}).to_csv(raw, index=False)
    output, report = tmp_path / "out.csv", tmp_path / "report.json"
    with pytest.raises(BatchRejected) as rejected:
        validate_file(raw, output, report)
    assert "tenure_months" in str(rejected.value) and "tenure:" in str(rejected.value)
    assert not output.exists()
    written = ValidationReport.read(report)
    assert written.valid is False and written.rows == len(sample)
    assert {problem.column for problem in written.problems} == {"tenure", "tenure_months"}


def test_the_stage_command_exits_1_with_a_readable_report(sample, tmp_path, capsys):
    raw = tmp_path / "raw.csv"
    sample.assign(Contract="Forever").to_csv(raw, index=False)
    code = cli.main(
        [
            "validate",
            "--input",
            str(raw),
            "--output",
            str(tmp_path / "o.csv"),
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "Contract: unseen category" in err and "'Forever'" in err
