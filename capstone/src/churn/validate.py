"""Stop a bad batch before it can reach training, and say exactly what is wrong."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from churn.contracts import Problem, ValidationReport
from churn.schema import ID_COLUMN, READ_DTYPES, customer_schema

log = logging.getLogger(__name__)


class BatchRejected(Exception):
    """A batch failed validation; ``problems`` lists every failing column and check."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(format_problems(problems))


def read_batch(path: str | Path) -> pd.DataFrame:
    """Read a raw CSV exactly as delivered: TotalCharges stays text, blanks stay blanks."""
    return pd.read_csv(path, dtype=READ_DTYPES, keep_default_na=False, na_values=[""])


def find_problems(table: pd.DataFrame, with_label: bool = True) -> list[Problem]:
    """Check a batch against the schema; return one entry per failing column and check."""
    problems = _billed_but_blank(table)
    try:
        customer_schema(with_label).validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        found = _summarise(errors.failure_cases) + problems
        return sorted(found, key=lambda problem: (problem.column, problem.check))
    return problems


def _billed_but_blank(table: pd.DataFrame) -> list[Problem]:
    """TotalCharges may be blank only in a customer's first month (tenure 0), as lesson 03 checks.

    A blank after the first month is a lost amount, not a new customer; the
    examples are the customers' ids, so the export can be traced.
    """
    if not {ID_COLUMN, "tenure", "TotalCharges"} <= set(table.columns):
        return []  # the missing column is reported by the schema
    blank = table["TotalCharges"].isna() | (table["TotalCharges"].astype(str).str.strip() == "")
    billed = blank & (pd.to_numeric(table["tenure"], errors="coerce") > 0)
    if not billed.any():
        return []
    ids = tuple(dict.fromkeys(table.loc[billed, ID_COLUMN].astype(str)))[:3]
    check = "blank although tenure > 0 (only a first month has no total)"
    return [Problem(column="TotalCharges", check=check, count=int(billed.sum()), examples=ids)]


def validate_file(source: Path, output: Path, report: Path) -> pd.DataFrame:
    """Validate a raw file; write the accepted copy and a JSON report.

    Raises:
        BatchRejected: the batch failed; the report is written, ``output`` is not.
    """
    log.info("validating %s", source)
    table = read_batch(source)
    problems = find_problems(table)
    ValidationReport(
        source=str(source), rows=len(table), valid=not problems, problems=tuple(problems)
    ).write(report)
    if problems:
        raise BatchRejected(problems)
    output.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, index=False, lineterminator="\n")
    log.info("accepted %d rows", len(table))
    return table


def format_problems(problems: list[Problem]) -> str:
    """Render the problems as a short, readable report, one line per column and check."""
    lines = [f"batch rejected: {len(problems)} problem(s)"]
    for problem in problems:
        line = f"  - {problem.column}: {problem.check}"
        if problem.count:
            examples = ", ".join(repr(value) for value in problem.examples)
            line += f" ({problem.count} row(s); e.g. {examples})"
        lines.append(line)
    return "\n".join(lines)


_TABLE_CHECKS = {
    "column_in_dataframe": "the column is missing",
    "column_in_schema": "a column the schema does not know (renamed?)",
}


def _summarise(failures: pd.DataFrame) -> list[Problem]:
    """Group pandera's failure cases into one readable entry per column and check.

    Table-level problems (a missing or unknown column) carry no row count.
    """
    grouped: dict[tuple[str, str], list[str]] = {}
    for failure in failures.itertuples(index=False):
        check = str(failure.check)
        if check in _TABLE_CHECKS:
            grouped.setdefault((str(failure.failure_case), _TABLE_CHECKS[check]), [])
        else:
            key = (str(failure.column), _describe_check(check))
            grouped.setdefault(key, []).append(str(failure.failure_case))
    return [
        Problem(
            column=column,
            check=check,
            count=len(values),
            examples=tuple(list(dict.fromkeys(values))[:3]),
        )
        for (column, check), values in sorted(grouped.items())
    ]


def _describe_check(check: str) -> str:
    """Turn pandera's check names into words a data engineer reads at 3 a.m."""
    if check.startswith("dtype("):
        return f"wrong type: expected {check[len('dtype(') : -1].strip(chr(39))}"
    if check.startswith("isin("):
        return "unseen category"
    if check.startswith("in_range("):
        return f"out of range {check[len('in_range') :]}"
    if check == "not_nullable":
        return "missing values (nulls)"
    if check == "field_uniqueness":
        return "duplicate values"
    if check == "amount_or_blank":
        return "not an amount or blank"
    return check
