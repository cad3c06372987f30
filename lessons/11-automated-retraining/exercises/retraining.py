"""Exercise: close the loop: decide when to retrain, retrain and decide, watch the new champion.

Monitoring (lesson 10) says how the champion is doing; the registry (lesson 07)
holds the roles. This file joins them into a loop that runs every month and
is safe to leave alone. Three jobs are yours:

1. ``should_retrain``: a policy over three triggers (a performance drop, a
   drift verdict, a schedule) with a cap on how often it may retrain.
2. ``retrain_and_decide``: train a challenger on fresh data, gate it on fresh
   held-out rows, register it, and promote it only if it beats the champion
   on those same rows by more than the margin.
3. ``watch_new_champion``: once the first month after a promotion is
   labelled, compare the new champion with the one it replaced, on those
   rows; roll back if it is clearly worse.

Lesson 07's registry is not imported here: it arrives as the ``registry``
argument, any module or object with lesson 07's ``register_version``,
``promote_if_better``, ``rollback`` and ``aliases``. The grader passes its
reference version, so your lesson 07 answers never cost you points here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import pandas as pd
from mlflow import MlflowClient

# Lesson 05's gate: each metric at least its bar. Read-only: it is a default argument below.
GATE = MappingProxyType({"accuracy": 0.85, "recall": 0.70})
MARGIN = 0.01  # a challenger must beat the champion by MORE than this (lesson 07)
TOLERANCE = 0.02  # a new champion may score this much below the one it replaced, no more
PROMOTION_METRIC = "accuracy"  # what promotion compares
CHAMPION = "champion"  # the alias production loads
MODEL_NAME = "model"  # the name lesson 04's runs give their logged model
ID_COLUMN = "customerID"
RULES = ("performance", "cap", "drift", "schedule", "none")  # what can decide a Decision
OUTCOME_KEYS = ("run_id", "version", "metrics", "gate_passed", "promoted", "champion", "reason")
WATCH_KEYS = ("rolled_back", "champion", "champion_score", "previous_score", "reason")


# --- given: what monitoring reports, the policy, and a decision ---------------------------------


@dataclass(frozen=True)
class Signals:
    """What monitoring knows about the champion when a decision is due.

    Attributes:
        drifted: the drift verdict on this period's inputs (lesson 10).
        accuracy: the champion's accuracy on the newest labelled month, or
            None while those labels have not arrived yet.
        baseline_accuracy: the champion's accuracy on held-out rows when it
            was promoted: the level a drop is measured from.
    """

    drifted: bool
    accuracy: float | None
    baseline_accuracy: float


@dataclass(frozen=True)
class Policy:
    """When the loop may retrain.

    Attributes:
        max_accuracy_drop: a fall of MORE than this below the baseline retrains.
        schedule_days: retrain anyway once the last retrain is this many days old.
        min_days_between: the cap: no drift- or schedule-triggered retrain
            sooner than this many days after the last one.
    """

    max_accuracy_drop: float = 0.05
    schedule_days: int = 90
    min_days_between: int = 28


@dataclass(frozen=True)
class Decision:
    """The policy's answer: retrain or not, which rule decided, and why in words."""

    retrain: bool
    rule: str  # one of RULES
    reason: str


# --- given: the gate and the model a run logged -------------------------------------------------


def gate_failures(metrics: Mapping[str, float], gate: Mapping[str, float]) -> list[str]:
    """The reasons a model fails the gate; an empty list means it passed.

    Each metric in ``gate`` must be at least its bar: exactly the bar passes.

    Example:
        ``gate_failures({"accuracy": 0.80, "recall": 0.9}, GATE)`` gives
        ``["accuracy 0.8000 is below 0.85"]``.
    """
    failures = []
    for metric, bar in gate.items():
        value = metrics.get(metric)
        if value is None:
            failures.append(f"{metric} was not measured")
        elif value < bar:
            failures.append(f"{metric} {value:.4f} is below {bar}")
    return failures


def logged_model_uri(tracking_uri: str, run_id: str) -> str:
    """The URI (``models:/m-...``) of the model named ``MODEL_NAME`` that a run logged.

    Raises:
        ValueError: the run logged no such model.
    """
    client = MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    found = client.search_logged_models(
        experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    models = [model for model in found if model.name == MODEL_NAME]
    if not models:
        raise ValueError(f"run {run_id} logged no model named {MODEL_NAME!r}")
    return models[0].model_uri


# --- 1. should_retrain ------------------------------------------------------------------------


def should_retrain(
    signals: Signals, policy: Policy, last_retrained_at: date, now: date
) -> Decision:
    """Decide whether to retrain now, and say which rule decided and why.

    The rules, in this order (``days`` is ``(now - last_retrained_at).days``):

    1. ``now`` before ``last_retrained_at``: ``ValueError``.
    2. **performance**: labels have arrived (``accuracy`` is not None) and the
       accuracy fell by MORE than ``max_accuracy_drop`` below the baseline:
       retrain, whatever the cap says. A measured loss on real outcomes is
       the harm retraining exists for; a drop of exactly the maximum does not
       count.
    3. Otherwise a trigger may fire: **drift** if the inputs drifted, else
       **schedule** if ``days >= schedule_days``. No trigger: no retrain, rule
       ``"none"``.
    4. **cap**: a trigger fired but ``days < min_days_between``: no retrain,
       rule ``"cap"``, and the reason says how many days it has been. Drift
       verdicts are noisy; the cap stops the loop chasing them every day.
       Exactly ``min_days_between`` days is allowed.
    5. Otherwise retrain, the rule being the trigger (``"drift"`` or ``"schedule"``).

    Args:
        signals: what monitoring reports now.
        policy: the thresholds.
        last_retrained_at: when the loop last trained a model (promoted or not:
            the compute was spent either way).
        now: the decision's date.

    Returns:
        A ``Decision(retrain, rule, reason)``; ``rule`` is one of ``RULES`` and
        ``reason`` a sentence a person reading the log later understands.
    """
    # TODO: ValueError if now < last_retrained_at; days = (now - last_retrained_at).days; a drop of MORE than max_accuracy_drop retrains whatever the cap; else drift, else schedule (days >= schedule_days); a trigger inside the cap (days < min_days_between) gives rule "cap"
    raise NotImplementedError('TODO: ValueError if now < last_retrained_at; days = (now - last_retrained_at).days; a drop of MORE than max_accuracy_drop retrains whatever the cap; else drift, else schedule (days >= schedule_days); a trigger inside the cap (days < min_days_between) gives rule "cap"')


# --- 2. retrain_and_decide --------------------------------------------------------------------


def retrain_and_decide(
    tracking_uri: str,
    name: str,
    train: pd.DataFrame,
    held_out: pd.DataFrame,
    fit_and_log: Callable[[pd.DataFrame], str],
    measure: Callable[[str, pd.DataFrame], dict[str, float]],
    registry,
    gate: Mapping[str, float] = GATE,
    margin: float = MARGIN,
) -> dict:
    """Train a challenger on fresh data, gate it, register it, and promote it only if clearly better.

    1. Refuse with ``ValueError``, before training anything: an empty
       ``train`` or ``held_out``, or a ``customerID`` found in both (the
       challenger must never have seen the rows it is judged on).
    2. ``run_id = fit_and_log(train)``: trains a model on ``train`` and logs it.
    3. The gate, on the fresh held-out rows:
       ``metrics = measure(logged_model_uri(tracking_uri, run_id), held_out)``
       and ``gate_failures(metrics, gate)``.
    4. ``registry.register_version(tracking_uri, name, run_id, gate_passed)``,
       whether it passed or not: a failed attempt belongs in the record too.
    5. Passed: ``registry.promote_if_better(tracking_uri=..., name=...,
       version=..., held_out=held_out, score=..., margin=margin)`` with
       ``score(model_uri, table) = measure(model_uri, table)[PROMOTION_METRIC]``:
       the champion is scored then, on the same ``held_out`` rows. Failed:
       not promoted, and ``promote_if_better`` is not even called: a version
       that failed the gate never competes.

    Args:
        tracking_uri: the store.
        name: the registered model, e.g. ``"churn"``.
        train: fresh labelled rows to train on (the newest month or months).
        held_out: fresh labelled rows kept apart, to judge on.
        fit_and_log: ``fit_and_log(table) -> run_id``.
        measure: ``measure(model_uri, table) -> {"accuracy": ..., "recall": ...}``.
        registry: lesson 07's registry (a module or an object with its functions).
        gate: the bars each metric must reach.
        margin: how much better than the champion the challenger must score.

    Returns:
        A dict with exactly the keys ``OUTCOME_KEYS``: ``run_id``, ``version``
        (text), ``metrics`` (the challenger's, on ``held_out``), ``gate_passed``,
        ``promoted``, ``champion`` (the version holding the alias afterwards,
        or None) and ``reason`` (why, in words; it names any failed metric).
    """
    # TODO: ValueError for empty tables or shared customerIDs before fit_and_log; measure the run's logged model on held_out; gate_failures; register_version either way; promote_if_better only if it passed, score = measure(...)[PROMOTION_METRIC]
    raise NotImplementedError("TODO: ValueError for empty tables or shared customerIDs before fit_and_log; measure the run's logged model on held_out; gate_failures; register_version either way; promote_if_better only if it passed, score = measure(...)[PROMOTION_METRIC]")


# --- 3. watch_new_champion --------------------------------------------------------------------


def watch_new_champion(
    tracking_uri: str,
    name: str,
    labelled: pd.DataFrame,
    score: Callable[[str, pd.DataFrame], float],
    registry,
    tolerance: float = TOLERANCE,
) -> dict:
    """Compare the champion with the one it replaced on newly labelled rows; roll back if clearly worse.

    The gate and the margin judged the champion on the rows it was promoted
    on. The first month labelled after that is the real test: if the data it
    was promoted on was wrong, this is where it shows.

    1. The champion is the version holding ``CHAMPION`` (``registry.aliases``);
       none: ``ValueError``.
    2. The previous champion is the champion's ``previous_champion`` tag
       (lesson 07). None (the first champion): nothing to compare with, no
       rollback, ``previous_score`` None.
    3. Score both now, on ``labelled``: ``score("models:/<name>/<version>",
       labelled)``. Never use scores logged or tagged earlier: they were
       measured on other rows.
    4. ``champion_score < previous_score - tolerance``: roll back with
       ``registry.rollback(tracking_uri, name, reason)``, the reason naming
       both versions and scores. A fall of exactly ``tolerance`` is kept.

    Args:
        tracking_uri: the store.
        name: the registered model.
        labelled: rows whose outcomes arrived since the promotion.
        score: ``score(model_uri, table) -> float``, higher is better.
        registry: lesson 07's registry (a module or an object with its functions).
        tolerance: how much worse than the previous champion is still acceptable.

    Returns:
        A dict with exactly the keys ``WATCH_KEYS``: ``rolled_back``,
        ``champion`` (the version holding the alias afterwards), the two
        scores (``previous_score`` None without a previous champion) and
        ``reason``.
    """
    # TODO: registry.aliases(MlflowClient(tracking_uri), name).get(CHAMPION) (None: ValueError); previous_champion tag of that version (none: no rollback); score both on labelled; registry.rollback only if champion_score < previous_score - tolerance
    raise NotImplementedError('TODO: registry.aliases(MlflowClient(tracking_uri), name).get(CHAMPION) (None: ValueError); previous_champion tag of that version (none: no rollback); score both on labelled; registry.rollback only if champion_score < previous_score - tolerance')
