"""The monitoring report a person opens: a summary first, then Evidently's details.

Evidently's HTML report is thorough (a card per column), but the person an
alert wakes needs four things first: which window, which model, how many rows,
and what moved. So the report opens with a summary (as lesson 10 builds it):
the window, the model version, the row counts of both sides, the window's
problems, every column with its method, score and threshold (drifted ones
highlighted), and charts of the columns that moved most. The charts compare
**shares**, not counts: the reference has four times the rows of a month, and
bars of counts would show that instead of a change. Numbers are drawn as their
distributions, overlaid; categories as the share of each value, side by side.
The charts are plain SVG: no plotting library, nothing to download. In
Evidently's own cards, a numeric column opens on its distribution too, not on
a chart of its mean over the row index (which says nothing about customers).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churn.contracts import ColumnDrift, MonitoringVerdict
from churn.schema import NUMERIC_BOUNDS

CHARTS = 4  # columns charted in the summary: the drifted ones first, then the highest scores
BINS = 30
WIDTH, HEIGHT, PAD = 320, 170, 28
REFERENCE_COLOUR, CURRENT_COLOUR = "#4c72b0", "#dd8452"
SUMMARY_ID = "churn-summary"  # the summary's element, for tests and stylesheets
DISTRIBUTION_TAB = "DATA DISTRIBUTION"  # the tab of Evidently's column card a person reads


def save_report(
    snapshot: Any,
    verdict: MonitoringVerdict,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    path: Path,
) -> None:
    """Write the report: the summary, then Evidently's report (if any column was judged).

    Args:
        snapshot: Evidently's run report, or None when no column could be judged.
        verdict: the window's verdict.
        reference: the champion's training data.
        current: the window's logged inputs.
        path: the HTML file to write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = summary_html(verdict, reference, current)
    if snapshot is None:
        path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{summary}")
        return
    _distribution_first(snapshot)
    snapshot.save_html(str(path))  # a Path object would silently write nothing
    text = path.read_text()
    if "<body>" not in text:
        raise RuntimeError(f"Evidently's report {path} has no <body> to put the summary in")
    path.write_text(text.replace("<body>", "<body>" + summary, 1))


def _distribution_first(snapshot: Any) -> None:
    """Make each column card open on its distribution, in shares.

    Evidently 0.7 keeps a report's widgets in ``_widgets`` and offers no option
    for the tab a card opens on, nor for its "abs"/"perc" button; this applies
    the "perc" button and puts the distribution tab first. ``tests/test_monitor.py``
    checks both in the saved page, so an Evidently upgrade that moves them fails a test.
    """
    waiting = list(snapshot._widgets)
    while waiting:
        widget = waiting.pop()
        waiting += widget.widgets + [tab.widget for tab in widget.tabs]
        if widget.tabs:
            widget.tabs = sorted(widget.tabs, key=lambda tab: tab.title != DISTRIBUTION_TAB)
        if isinstance(widget.params, dict) and "layout" in widget.params:
            _press_perc(widget.params)


def _press_perc(figure: dict[str, Any]) -> None:
    """Show a plotly figure as its "perc" button would: shares instead of counts."""
    for menu in figure["layout"].get("updatemenus", []):
        for index, button in enumerate(menu.get("buttons", [])):
            if button.get("label") != "perc":
                continue
            restyle, relayout = button["args"]
            for trace, shown in zip(figure["data"], restyle["visible"], strict=True):
                trace["visible"] = shown
            for key, value in relayout.items():  # e.g. the y axis title, keeping its anchor
                figure["layout"][key] = {**figure["layout"].get(key, {}), **value}
            menu["active"] = index


def summary_html(verdict: MonitoringVerdict, reference: pd.DataFrame, current: pd.DataFrame) -> str:
    """The summary section: what a person needs before Evidently's per-column cards."""
    drifted = ", ".join(verdict.drifted_columns) or "nothing"
    accuracy = ""
    if verdict.accuracy is not None:
        baseline = (
            ""
            if verdict.baseline_accuracy is None
            else f" (the champion's held-out accuracy: {verdict.baseline_accuracy:.3f})"
        )
        accuracy = (
            f"<p><b>Accuracy</b> {verdict.accuracy:.3f} on {verdict.labelled_rows:,} labelled "
            f"rows{baseline}</p>"
        )
    problems = "".join(f"<li>{escape(problem)}</li>" for problem in verdict.problems)
    if problems:
        problems = (
            "<div style='background:#fff3cd;padding:8px 12px'><b>Problems in this window</b>"
            f"<ul>{problems}</ul></div>"
        )
    rows = "".join(_row(name, drift) for name, drift in verdict.columns.items())
    charts = "".join(
        _chart(name, verdict.columns[name], reference, current) for name in _charted(verdict)
    )
    return f"""
<section id="{SUMMARY_ID}" style="font-family: sans-serif; margin: 24px; max-width: 1100px">
  <h1>Churn monitor: {escape(verdict.window)}</h1>
  <p><b>Model</b> version {escape(verdict.model_version)} &middot; <b>reference</b>
  {len(reference):,} rows (the data it was trained on) &middot; <b>current</b>
  {verdict.rows:,} rows &middot; checked {verdict.checked_at.isoformat(timespec="seconds")}</p>
  <p style="font-size: 1.3em"><b>Drifted:</b>
  <span style="color: #b00000">{escape(drifted)}</span></p>
  {accuracy}{problems}
  <div>{charts}</div>
  <p>Charts: the share of rows in each bin or category, reference (blue) against current
  (orange): the two sides differ in size, so counts would mislead.</p>
  <table style="border-collapse: collapse" border="1" cellpadding="4">
    <tr><th>column</th><th>method</th><th>score</th><th>threshold</th><th></th></tr>{rows}
  </table>
  <p>Evidently's full report follows, one card per judged column.</p><hr>
</section>"""


def _row(name: str, drift: ColumnDrift) -> str:
    colour = "#ffd7d7" if drift.drifted else "#ffffff"
    score = "-" if drift.score is None else f"{drift.score:.3f}"
    state = "DRIFTED" if drift.drifted else escape(drift.note or "")
    return (
        f"<tr style='background:{colour}'><td>{escape(name)}</td><td>{escape(drift.method)}</td>"
        f"<td style='text-align:right'>{score}</td><td>{drift.threshold}</td><td>{state}</td></tr>"
    )


def _charted(verdict: MonitoringVerdict) -> list[str]:
    """The drifted columns first, then the highest scores; unjudged columns are not charted."""
    judged = [name for name, drift in verdict.columns.items() if drift.score is not None]
    ranked = sorted(
        judged,
        key=lambda name: (not verdict.columns[name].drifted, -(verdict.columns[name].score or 0.0)),
    )
    return ranked[:CHARTS]


def _chart(name: str, drift: ColumnDrift, reference: pd.DataFrame, current: pd.DataFrame) -> str:
    """One small SVG chart of a column's shares, reference against current."""
    if name in NUMERIC_BOUNDS:
        body = _distribution(_numbers(reference[name], name), _numbers(current[name], name))
    else:
        body = _shares(reference[name], current[name])
    title = f"{escape(name)}: {drift.method} {drift.score:.3f}" if drift.score is not None else ""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
        f"style='margin-right:12px;font-family:sans-serif'>"
        f"<text x='{PAD}' y='14' font-size='12'>{title}</text>{body}</svg>"
    )


def _numbers(values: pd.Series, name: str) -> np.ndarray:
    """A numeric column's usable values (what the drift was measured on)."""
    low, high = NUMERIC_BOUNDS[name]
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers[numbers.between(low, high)].to_numpy(dtype=float)


def _distribution(reference: np.ndarray, current: np.ndarray) -> str:
    """Both distributions as overlaid step lines of bin shares."""
    both = np.concatenate([reference, current])
    if both.size == 0:
        return ""
    low, high = float(both.min()), float(both.max())
    edges = np.linspace(low, high if high > low else low + 1, BINS + 1)
    shares = [
        np.histogram(side, bins=edges)[0] / max(side.size, 1) for side in (reference, current)
    ]
    top = max(float(share.max()) for share in shares) or 1.0
    step = (WIDTH - 2 * PAD) / BINS
    lines = []
    for share, colour in zip(shares, (REFERENCE_COLOUR, CURRENT_COLOUR), strict=True):
        points = []
        for index, value in enumerate(share):
            y = _y(float(value), top)
            points += [f"{PAD + x * step:.1f},{y:.1f}" for x in (index, index + 1)]
        lines.append(
            f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' "
            f"points='{' '.join(points)}'/>"
        )
    return "".join(lines) + _axis(f"{low:,.4g}", f"{high:,.4g}", top)


def _shares(reference: pd.Series, current: pd.Series) -> str:
    """Each category's share of rows, reference and current side by side."""
    sides = [
        side.dropna().astype(str).value_counts(normalize=True) for side in (reference, current)
    ]
    categories = list(sides[0].index) + [name for name in sides[1].index if name not in sides[0]]
    if not categories:
        return ""
    top = max(float(side.max()) if len(side) else 0.0 for side in sides) or 1.0
    slot = (WIDTH - 2 * PAD) / len(categories)
    bars = []
    for index, category in enumerate(categories):
        for offset, (side, colour) in enumerate(
            zip(sides, (REFERENCE_COLOUR, CURRENT_COLOUR), strict=True)
        ):
            value = float(side.get(category, 0.0))
            y = _y(value, top)
            x = PAD + index * slot + offset * slot * 0.4 + slot * 0.1
            bars.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{slot * 0.4:.1f}' "
                f"height='{HEIGHT - PAD - y:.1f}' fill='{colour}'/>"
            )
        label = escape(category[:10])
        bars.append(
            f"<text x='{PAD + (index + 0.5) * slot:.1f}' y='{HEIGHT - PAD + 12}' font-size='9' "
            f"text-anchor='middle'>{label}</text>"
        )
    return "".join(bars) + _axis("", "", top)


def _y(share: float, top: float) -> float:
    return HEIGHT - PAD - share / top * (HEIGHT - 2 * PAD - 6)


def _axis(low: str, high: str, top: float) -> str:
    """The baseline, its two end labels and the highest share."""
    bottom = HEIGHT - PAD
    return (
        f"<line x1='{PAD}' y1='{bottom}' x2='{WIDTH - PAD}' y2='{bottom}' stroke='#888'/>"
        f"<text x='{PAD}' y='{bottom + 22}' font-size='9'>{low}</text>"
        f"<text x='{WIDTH - PAD}' y='{bottom + 22}' font-size='9' text-anchor='end'>{high}</text>"
        f"<text x='2' y='{_y(top, top) + 3:.1f}' font-size='9'>{top:.0%}</text>"
    )
