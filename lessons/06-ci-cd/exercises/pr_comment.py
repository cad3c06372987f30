"""Exercise 2: the comment a pull request gets about its model.

A CI job trains the pull request's model and writes a metrics file (the capstone's
``reports/metrics.json``). The base branch's last run left one too: an artifact of
that run, or the champion's numbers. ``metrics_comment`` turns the two files and
the gate's verdict into the Markdown that reviewers read on the pull request::

    ### Model metrics

    | metric | before | after | change |
    |---|---|---|---|
    | accuracy | 0.8700 | 0.8033 | -0.0667 |
    | f1 | missing | 0.7100 | n/a |
    | recall | 0.9155 | 0.9859 | +0.0704 |

    - `f1` is missing before: a new metric.

    **Quality gate: FAILED**

    - accuracy 0.8033 is below 0.85

Metrics are fractions (0.87 means 87 %) and stay fractions in the comment.
"""

from __future__ import annotations

import json
from pathlib import Path

DECIMALS = 4  # every number in the table: 0.8700, -0.0667, +0.0000
MISSING = "missing"  # the cell of a metric that one side does not have
NO_CHANGE = "n/a"  # the change of such a metric: there is nothing to subtract


def load_metrics(source: dict | str | Path) -> dict[str, float]:
    """Return the metrics of a metrics file or dict: its top-level numbers.

    Args:
        source: a dict, or the path (``str`` or ``Path``) of a JSON file holding one.

    Returns:
        Every top-level value that is an ``int`` or a ``float``, by name. Values
        that are not metrics are left out: text (``run_id``), lists
        (``gate_reasons``), nested dicts (``thresholds``), and booleans
        (``gate_passed``: ``True`` is an ``int`` to Python, but not a metric).
    """
    # TODO: json.loads(Path(source).read_text()) unless it is a dict; keep int/float values, not bool
    raise NotImplementedError('TODO: json.loads(Path(source).read_text()) unless it is a dict; keep int/float values, not bool')


def format_change(before: float, after: float) -> str:
    """Return ``after - before`` with a sign and ``DECIMALS`` decimals: ``-0.0667``, ``+0.0704``.

    No change, or a change too small to show, is ``+0.0000`` (never ``-0.0000``).
    """
    # TODO: round(after - before, DECIMALS) + 0.0 turns -0.0 into 0.0; then f"{change:+.4f}"
    raise NotImplementedError('TODO: round(after - before, DECIMALS) + 0.0 turns -0.0 into 0.0; then f"{change:+.4f}"')


def gate_lines(gate: dict) -> list[str]:
    """Return the verdict's lines: ``**Quality gate: passed**``, or ``FAILED`` and one bullet per reason.

    Args:
        gate: ``{"passed": bool, "reasons": [str, ...]}``, as the evaluate step decided.
    """
    # TODO: a bold line saying passed or FAILED, a blank line, then "- reason" for each reason
    raise NotImplementedError('TODO: a bold line saying passed or FAILED, a blank line, then "- reason" for each reason')


def metrics_comment(before: dict | str | Path, after: dict | str | Path, gate: dict) -> str:
    """Return the pull-request comment comparing two metrics files, with the gate's verdict.

    Args:
        before: the base branch's metrics (a dict, or a JSON file's path).
        after: the pull request's metrics (a dict, or a JSON file's path).
        gate: ``{"passed": bool, "reasons": [str, ...]}``.

    Returns:
        Markdown: the heading ``### Model metrics``; a table with one row per metric
        (sorted by name) and the columns metric, before, after, change; one line per
        metric that only one side has, saying which side it is missing from; then
        the gate's verdict (``gate_lines``). Values have ``DECIMALS`` decimals. A
        metric missing on one side shows ``missing`` there and ``n/a`` as its change:
        it is not a zero.
    """
    before_metrics, after_metrics = load_metrics(before), load_metrics(after)
    lines = ["### Model metrics", "", "| metric | before | after | change |", "|---|---|---|---|"]
    notes = []
    # TODO: for each name in both dicts: a row; if one side lacks it: "missing", "n/a" and a note
    raise NotImplementedError('TODO: for each name in both dicts: a row; if one side lacks it: "missing", "n/a" and a note')
    if notes:
        lines += ["", *notes]
    return "\n".join([*lines, "", *gate_lines(gate)]) + "\n"
