"""Retraining: decide whether a monitoring verdict calls for it, then do it safely.

Retraining is the pipeline again on a newer data version: the ``ingest``
section of params.yaml moves to the new month, ``dvc repro`` validates,
trains, gates and registers a challenger, and ``dvc push`` keeps that data
version. A batch that fails validation, or a model that fails the gate, stops
everything before the registry is touched. The challenger then runs in shadow
(``churn.shadow``): it replaces the champion only once it has beaten it on
enough labelled live traffic.

The policy is lesson 11's, counted in monitoring windows (a month each here)
instead of days: a performance drop retrains, and skips the cooldown only
when its labels are newer than the last retrain (labels the last retrain
already saw cannot justify another); drift and a schedule wait out the
cooldown; after ``max_failed_gates`` failed gates in a row the loop stops and
asks for a person, instead of retraining on the same kind of data every
window, forever. The policy's memory is a small state file, so all of this
holds from one ``churn retrain`` run to the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from churn.config import RetrainParams
from churn.contracts import MonitoringVerdict, Registration, RetrainingState
from churn.dvc_tools import dvc
from churn.params_file import set_data_version

GATE_STAGE = "evaluate"  # the stage whose failure is a failed gate


@dataclass(frozen=True)
class Trigger:
    """Whether to retrain now, and why (or why not); ``escalate``: a person must look."""

    retrain: bool
    reason: str
    escalate: bool = False


@dataclass(frozen=True)
class RetrainResult:
    """What a retraining attempt did: the challenger it registered, or where it stopped."""

    month: int
    pipeline_passed: bool
    failed_stage: str | None
    version: str | None
    reason: str


def should_retrain(
    verdict: MonitoringVerdict, params: RetrainParams, state: RetrainingState
) -> Trigger:
    """Apply the retraining policy to a monitoring verdict.

    Args:
        verdict: the monitor's verdict on the window.
        params: the policy from params.yaml.
        state: the policy's memory, this window counted (``judge_window`` makes it).
    """
    if state.failed_gates_in_a_row >= params.max_failed_gates:
        return Trigger(
            False,
            f"{state.failed_gates_in_a_row} retrains in a row failed the gate (at most "
            f"{params.max_failed_gates}): retraining stops until a person looks",
            escalate=True,
        )
    since = state.windows_since_retrain
    reason = None
    if params.on_performance_drop and verdict.performance_drop:
        reason = "performance dropped once labels arrived"
        if _newer_than_last_retrain(verdict, state):
            # Harm measured on outcomes the last retrain never saw: the cooldown gives way.
            return Trigger(True, f"{reason}, on labels newer than the last retrain")
        reason += ", on labels the last retrain already saw"
    elif params.on_data_drift and verdict.data_drift:
        reason = f"data drift in {', '.join(verdict.drifted_columns)}"
    elif params.every_windows and (since or 0) + 1 >= params.every_windows:
        reason = f"scheduled: every {params.every_windows} windows"
    if reason is None:
        return Trigger(False, "no drift, no performance drop, no schedule due")
    if since is not None and since <= params.cooldown_windows:
        return Trigger(False, f"{reason}, but cooling down: retrained {since} window(s) ago")
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
    state = state.model_copy(update={"windows_since_retrain": since, "last_window": verdict.window})
    state.write(state_file)
    return should_retrain(verdict, params, state)


def record_retrain(state_file: Path, window: str | None, result: RetrainResult) -> RetrainingState:
    """Remember a retraining attempt: the cooldown starts again; a failed gate is counted.

    A passed gate resets the count of failed gates in a row; a batch stopped
    by validation leaves it as it was (no model was judged).
    """
    failed = read_state(state_file).failed_gates_in_a_row
    if result.failed_stage == GATE_STAGE:
        failed += 1
    elif result.pipeline_passed:
        failed = 0
    state = RetrainingState(
        windows_since_retrain=0,
        last_window=window,
        retrained_at=datetime.now(UTC),
        failed_gates_in_a_row=failed,
    )
    state.write(state_file)
    return state


def read_state(state_file: Path) -> RetrainingState:
    """The policy's memory; a fresh one (never retrained) if there is none yet."""
    return RetrainingState.read(state_file) if state_file.exists() else RetrainingState()


def failed_stage(output: str) -> str | None:
    """The stage ``dvc repro`` names in its output as the one that failed, if any."""
    found = re.search(r"failed to reproduce '([\w-]+)'", output)
    return found.group(1) if found else None


def why_stopped(output: str) -> str:
    """The lines of a failed ``dvc repro`` that say why: the gate's or validation's verdict."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("quality gate FAILED", "batch rejected"))]
    return "; ".join(said) or " / ".join(lines[-3:])


def _newer_than_last_retrain(verdict: MonitoringVerdict, state: RetrainingState) -> bool:
    """Whether the verdict's labels cover answers logged after the last retrain."""
    if state.retrained_at is None:
        return state.windows_since_retrain is None  # never retrained: every label is new
    return verdict.labelled_until is not None and verdict.labelled_until > state.retrained_at


def retrain(project: Path, month: int, scenario: str | None = None) -> RetrainResult:
    """Run the pipeline on month ``month``'s data; the gated model becomes the challenger."""
    set_data_version(project / "params.yaml", month, scenario)
    repro = dvc(["repro"], project, check=False)
    if repro.returncode != 0:
        output = repro.stderr + repro.stdout
        reason = "pipeline stopped: " + why_stopped(output)
        return RetrainResult(month, False, failed_stage(output), None, reason)
    dvc(["push", "--quiet"], project)
    version = Registration.read(project / "reports" / "registration.json").version
    reason = f"v{version} passed the gate on month {month}'s held-out rows: the new challenger"
    return RetrainResult(month, True, None, version, reason)
