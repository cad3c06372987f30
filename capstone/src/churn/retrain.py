"""Retraining: decide whether a monitoring verdict calls for it, then do it safely.

Retraining is the pipeline again on a newer data version: the ``ingest``
section of params.yaml moves to the new month, ``dvc repro`` validates,
trains, gates and registers a challenger, and ``dvc push`` keeps that data
version. The challenger replaces the champion only if it beats it by the
margin on the same fresh held-out data (the registry's rule). A batch that
fails validation, or a model that fails the gate, stops everything before
the registry is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from churn.config import Params, RetrainParams, load_params
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
    verdict: dict, params: RetrainParams, windows_since_retrain: int | None
) -> Trigger:
    """Apply the retraining policy to a monitoring verdict.

    Args:
        verdict: the monitor's verdict (``data_drift``, ``performance_drop``, ``window``).
        params: the policy from params.yaml.
        windows_since_retrain: windows checked since the last retrain (None: never).
    """
    reason = None
    if params.on_performance_drop and verdict.get("performance_drop"):
        reason = "performance dropped once labels arrived"
    elif params.on_data_drift and verdict.get("data_drift"):
        reason = f"data drift in {', '.join(verdict.get('drifted_columns', []))}"
    elif params.every_windows and (windows_since_retrain or 0) + 1 >= params.every_windows:
        reason = f"scheduled: every {params.every_windows} windows"
    if reason is None:
        return Trigger(False, "no drift, no performance drop, no schedule due")
    cooling = windows_since_retrain is not None and windows_since_retrain <= params.cooldown_windows
    # A measured drop in accuracy is harm already happening: it overrides the cooldown
    # (lesson 11's rule). Drift and schedules wait.
    if cooling and not verdict.get("performance_drop"):
        ago = f"retrained {windows_since_retrain} window(s) ago"
        return Trigger(False, f"{reason}, but cooling down: {ago}")
    return Trigger(True, reason)


def set_data_version(params_path: Path, month: int, scenario: str | None = None) -> None:
    """Point the ``ingest`` section of params.yaml at another month, keeping its comments."""
    text = params_path.read_text()
    ingest = re.search(r"^ingest:\n((?:[ \t]+.*\n|\n)+)", text, flags=re.M)
    if ingest is None:
        raise ValueError(f"{params_path} has no ingest section")
    section = re.sub(r"^(\s+month:\s*)\d+", rf"\g<1>{month}", ingest.group(1), count=1, flags=re.M)
    if scenario is not None:
        section = re.sub(
            r"^(\s+scenario:\s*)\w+", rf"\g<1>{scenario}", section, count=1, flags=re.M
        )
    updated = text[: ingest.start(1)] + section + text[ingest.end(1) :]
    Params.model_validate(yaml.safe_load(updated))  # refuse a bad version before writing it
    params_path.write_text(updated)


def retrain(project: Path, month: int, scenario: str | None = None) -> RetrainResult:
    """Run the pipeline on month ``month``'s data and promote the challenger if it is better."""
    from churn.registry import RegistryError, promote_on_held_out

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
