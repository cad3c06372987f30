"""Retraining: decide whether a monitoring verdict calls for it, then do it safely.

Retraining is the pipeline again on a newer data version: the ``ingest``
section of params.yaml moves to the new month, ``dvc repro`` validates,
trains, gates and registers a challenger, and ``dvc push`` keeps that data
version. The challenger replaces the champion only if it beats it by the
margin on the same fresh held-out data (the registry's rule). A batch that
fails validation, or a model that fails the gate, stops everything before
the registry is touched.

The policy remembers, in a small state file, how many windows it has judged
since the last retrain, so its cooldown holds from one ``churn retrain`` run to
the next, not only inside one long-running story.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.representer import RoundTripRepresenter

from churn.config import Params, RetrainParams, load_params
from churn.contracts import MonitoringVerdict, RetrainingState
from churn.dvc_tools import dvc


@dataclass(frozen=True)
class Trigger:
    """Whether to retrain now, and why (or why not)."""

    retrain: bool
    reason: str


@dataclass(frozen=True)
class RetrainResult:
    """What a retraining attempt did."""

    month: int
    pipeline_passed: bool
    promoted: bool
    version: str | None
    reason: str


def should_retrain(
    verdict: MonitoringVerdict, params: RetrainParams, windows_since_retrain: int | None
) -> Trigger:
    """Apply the retraining policy to a monitoring verdict.

    Args:
        verdict: the monitor's verdict on the window.
        params: the policy from params.yaml.
        windows_since_retrain: windows checked since the last retrain (None: never).
    """
    reason = None
    if params.on_performance_drop and verdict.performance_drop:
        reason = "performance dropped once labels arrived"
    elif params.on_data_drift and verdict.data_drift:
        reason = f"data drift in {', '.join(verdict.drifted_columns)}"
    elif params.every_windows and (windows_since_retrain or 0) + 1 >= params.every_windows:
        reason = f"scheduled: every {params.every_windows} windows"
    if reason is None:
        return Trigger(False, "no drift, no performance drop, no schedule due")
    cooling = windows_since_retrain is not None and windows_since_retrain <= params.cooldown_windows
    # A measured drop in accuracy is harm already happening: it overrides the cooldown
    # (lesson 11's rule). Drift and schedules wait.
    if cooling and not verdict.performance_drop:
        ago = f"retrained {windows_since_retrain} window(s) ago"
        return Trigger(False, f"{reason}, but cooling down: {ago}")
    return Trigger(True, reason)


def judge_window(verdict: MonitoringVerdict, params: RetrainParams, state_file: Path) -> Trigger:
    """Apply the policy to a window's verdict, remembering the window for the cooldown.

    The state file counts the windows judged since the last retrain, so the
    cooldown holds across separate ``churn retrain`` runs. Judging the same
    window again does not count it twice.
    """
    state = read_state(state_file)
    since = state.windows_since_retrain
    if since is not None and verdict.window != state.last_window:
        since += 1
    trigger = should_retrain(verdict, params, since)
    RetrainingState(windows_since_retrain=since, last_window=verdict.window).write(state_file)
    return trigger


def record_retrain(state_file: Path, window: str | None) -> None:
    """Remember that a retrain was just attempted: the cooldown starts again."""
    RetrainingState(windows_since_retrain=0, last_window=window).write(state_file)


def read_state(state_file: Path) -> RetrainingState:
    """The policy's memory; a fresh one (never retrained) if there is none yet."""
    return RetrainingState.read(state_file) if state_file.exists() else RetrainingState()


def set_data_version(params_path: Path, month: int, scenario: str | None = None) -> None:
    """Point the ``ingest`` section of params.yaml at another month, keeping its comments.

    Raises:
        ValueError: there is no ingest section, or the new values are not valid params.
    """
    yaml = _round_trip_yaml()
    document: Any = yaml.load(params_path.read_text())
    if not isinstance(document, dict) or not isinstance(document.get("ingest"), dict):
        raise ValueError(f"{params_path} has no ingest section")
    document["ingest"]["month"] = month
    if scenario is not None:
        document["ingest"]["scenario"] = scenario
    Params.model_validate(document)  # refuse a bad version before writing it
    text = io.StringIO()
    yaml.dump(document, text)
    params_path.write_text(text.getvalue())


def retrain(project: Path, month: int, scenario: str | None = None) -> RetrainResult:
    """Run the pipeline on month ``month``'s data and promote the challenger if it is better."""
    from churn.promotion import promote_on_held_out
    from churn.registry import RegistryError

    params_path = project / "params.yaml"
    set_data_version(params_path, month, scenario)
    repro = dvc(["repro"], project, check=False)
    if repro.returncode != 0:
        last = (repro.stderr or repro.stdout).strip().splitlines()[-3:]
        return RetrainResult(month, False, False, None, "pipeline stopped: " + " / ".join(last))
    dvc(["push", "--quiet"], project)
    registry = load_params(params_path).registry
    try:
        decision = promote_on_held_out(
            project / "data" / "processed" / "test.csv", registry.margin, name=registry.model_name
        )
    except RegistryError as refused:
        return RetrainResult(month, True, False, None, str(refused))
    return RetrainResult(month, True, decision.promoted, decision.challenger, decision.reason)


class _KeepNull(RoundTripRepresenter):
    """Writes None as ``null``, as params.yaml spells it (ruamel would leave it blank)."""


_KeepNull.add_representer(
    type(None), lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:null", "null")
)


def _round_trip_yaml() -> YAML:
    """A YAML editor that keeps comments, order and spacing."""
    yaml = YAML()  # round-trip mode
    yaml.Representer = _KeepNull
    return yaml
