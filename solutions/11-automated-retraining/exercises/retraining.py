"""Exercise: close the loop: decide when to retrain, retrain and decide, watch the new champion.

Monitoring (lesson 10) says how the champion is doing; the registry (lesson 07)
holds the roles. This file joins them into a loop that runs on a schedule and
is safe to leave alone. Five jobs are yours:

1. ``signals_from_monitoring``: turn lesson 10's drift verdict and accuracy
   check of a window into the ``Signals`` the policy reads.
2. ``should_retrain``: a policy over three triggers (a performance drop, a
   drift verdict, a schedule) with a cap on how often it may retrain, and a
   stop when retraining keeps failing.
3. ``retrain_and_decide``: train a challenger on fresh data, gate it on fresh
   held-out rows, register it, and promote it only if it beats the champion
   on those same rows by more than the margin.
4. ``shadow_decision``: the challenger scored the live traffic beside the
   champion; once enough of those rows are labelled, compare both on exactly
   those rows.
5. ``watch_new_champion``: once the first month after a promotion is
   labelled, compare the new champion with the one it replaced, on those
   rows; roll back if it is clearly worse.

Lessons 07 and 10 are not imported here: they arrive as arguments, ``registry``
(anything with lesson 07's ``register_version``, ``promote_if_better``,
``rollback``, ``aliases`` and ``audit_log``) and ``drift`` (anything with
lesson 10's ``detect_drift`` and ``performance_check``). The grader passes its
reference versions, so your answers to those lessons never cost you points here.
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
SHADOW_MIN_LABELLED = 1000  # shadow rows that must be labelled before a shadow decision
THRESHOLD = 0.5  # an answer says churn from this probability on (lesson 08)
TOLERANCE = 0.02  # a new champion may score this much below the one it replaced, no more
PROMOTION_METRIC = "accuracy"  # what promotion compares
CHAMPION = "champion"  # the alias production loads
MODEL_NAME = "model"  # the name lesson 04's runs give their logged model
ID_COLUMN = "customerID"
RULES = ("escalate", "performance", "cap", "drift", "schedule", "none")  # what can decide
OUTCOME_KEYS = ("run_id", "version", "metrics", "gate_passed", "promoted", "champion", "reason")
WATCH_KEYS = ("rolled_back", "champion", "champion_score", "previous_score", "reason")
SHADOW_DECISIONS = ("wait", "promote", "keep")


# --- given: what monitoring reports, the policy, and a decision ---------------------------------


@dataclass(frozen=True)
class Signals:
    """What monitoring knows about the champion when a decision is due.

    Attributes:
        drifted: the drift verdict on this period's inputs (lesson 10).
        accuracy: the champion's accuracy on the newest labelled window, or
            None while those labels have not arrived yet.
        baseline_accuracy: the champion's accuracy on held-out rows when it
            was promoted: the level a drop is measured from.
        labelled_until: the last day of the labelled window ``accuracy`` was
            measured on, or None. A retrain on or after that day already
            had that evidence.
        failed_gates_in_a_row: how many of the latest retrains failed the
            gate, one after the other (0 after any retrain that passed).
    """

    drifted: bool
    accuracy: float | None
    baseline_accuracy: float
    labelled_until: date | None = None
    failed_gates_in_a_row: int = 0


@dataclass(frozen=True)
class Policy:
    """When the loop may retrain.

    Attributes:
        max_accuracy_drop: a fall of MORE than this below the baseline retrains.
        schedule_days: retrain anyway once the last retrain is this many days old.
        min_days_between: the cap: no retrain sooner than this many days
            after the last one, unless a drop shows on NEW labels.
        max_failed_gates: after this many failed gates in a row, stop
            retraining and call a person.
    """

    max_accuracy_drop: float = 0.05
    schedule_days: int = 90
    min_days_between: int = 28
    max_failed_gates: int = 3


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


# --- 1. signals_from_monitoring ---------------------------------------------------------------


def signals_from_monitoring(
    drift,
    reference: pd.DataFrame,
    window: pd.DataFrame,
    labels: pd.DataFrame | None,
    baseline_accuracy: float,
    labelled_until: date | None,
    failed_gates_in_a_row: int = 0,
) -> Signals:
    """What monitoring says about a window, as the ``Signals`` the policy reads.

    Lesson 10 already measures both things the policy needs; reuse it rather
    than a second, hand-written drift check that could disagree with the
    monitor's alerts:

    - ``drifted``: ``drift.detect_drift(reference, window).drifted`` (the
      monitored columns, methods and threshold lesson 10 chose);
    - ``accuracy``: ``drift.performance_check(window, labels,
      baseline_accuracy).accuracy``, the accuracy of the answers the service
      logged; None when ``labels`` is None or none of them belongs to the
      window (lesson 10 raises ``ValueError`` then), and then
      ``labelled_until`` is None too: no labels, no labelled window.

    Args:
        drift: lesson 10's drift module (``detect_drift``, ``performance_check``).
        reference: the rows the champion was trained on.
        window: the window of the prediction log (lesson 08's format).
        labels: ``customerID`` and ``Churn`` for the window, or None.
        baseline_accuracy: the champion's accuracy at promotion.
        labelled_until: the last day the labels cover.
        failed_gates_in_a_row: passed on unchanged.
    """
    # BEGIN SOLUTION hint: one call of lesson 10's drift detection for the verdict; its accuracy check only when labels exist, and a refusal there (no label matches) means no accuracy and no labelled window; everything else is passed through
    verdict = drift.detect_drift(reference, window)
    accuracy = None
    if labels is not None:
        try:
            accuracy = drift.performance_check(window, labels, baseline_accuracy).accuracy
        except ValueError:  # no label belongs to this window yet
            accuracy = None
    return Signals(
        drifted=bool(verdict.drifted),
        accuracy=accuracy,
        baseline_accuracy=baseline_accuracy,
        labelled_until=labelled_until if accuracy is not None else None,
        failed_gates_in_a_row=failed_gates_in_a_row,
    )
    # END SOLUTION


# --- 2. should_retrain ------------------------------------------------------------------------


def should_retrain(
    signals: Signals, policy: Policy, last_retrained_at: date, now: date
) -> Decision:
    """Decide whether to retrain now, and say which rule decided and why.

    The rules, in this order (``days`` is ``(now - last_retrained_at).days``):

    1. ``now`` before ``last_retrained_at``: ``ValueError``.
    2. **escalate**: ``failed_gates_in_a_row`` has reached
       ``max_failed_gates``: no retrain, whatever else is true. Retraining
       again on the same kind of data would fail again; the reason says how
       many failed and asks for a person. Only a retrain that passes (or a
       person resetting the count) ends it.
    3. **performance**: labels have arrived (``accuracy`` is not None) and the
       accuracy fell by MORE than ``max_accuracy_drop`` below the baseline. On
       a labelled window newer than the last retrain (``labelled_until`` after
       ``last_retrained_at``) it retrains whatever the cap says: a measured
       loss on outcomes the last retrain never saw. On an older window it is
       a trigger like the others: the last retrain already answered it.
    4. Otherwise a trigger may fire: **drift** if the inputs drifted, else
       **schedule** if ``days >= schedule_days``. No trigger: no retrain, rule
       ``"none"``.
    5. **cap**: a trigger fired (an old window's drop included) but
       ``days < min_days_between``: no retrain, rule ``"cap"``, and the reason
       says how many days it has been. Exactly ``min_days_between`` is allowed.
    6. Otherwise retrain, the rule being the trigger (``"performance"``,
       ``"drift"`` or ``"schedule"``).

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
    # BEGIN SOLUTION hint: the date check first, then the stop after too many failed gates; a drop counts only if it is more than the allowance, and it skips the cap only when its labels are newer than the last retrain; any other trigger (an old drop, drift, the schedule) waits for the cap to run out
    if now < last_retrained_at:
        raise ValueError(f"now ({now}) is before the last retrain ({last_retrained_at})")
    if signals.failed_gates_in_a_row >= policy.max_failed_gates:
        return Decision(
            False,
            "escalate",
            f"{signals.failed_gates_in_a_row} retrains in a row failed the gate "
            f"(at most {policy.max_failed_gates}): retraining stops until a person looks",
        )
    days = (now - last_retrained_at).days
    trigger = None
    if signals.accuracy is not None:
        drop = signals.baseline_accuracy - signals.accuracy
        if drop > policy.max_accuracy_drop:
            why = (
                f"accuracy {signals.accuracy:.4f} is {drop:.4f} below the baseline "
                f"{signals.baseline_accuracy:.4f}, more than {policy.max_accuracy_drop}"
            )
            new_labels = (
                signals.labelled_until is not None and signals.labelled_until > last_retrained_at
            )
            if new_labels:
                return Decision(
                    True, "performance", f"{why}, on labels newer than the last retrain"
                )
            trigger, why = "performance", f"{why}, on labels the last retrain already saw"
    if trigger is None and signals.drifted:
        trigger, why = "drift", "the inputs drifted"
    elif trigger is None and days >= policy.schedule_days:
        trigger, why = "schedule", f"the last retrain is {days} days old"
    if trigger is None:
        return Decision(
            False, "none", f"no trigger: no drop, no drift, last retrain {days} days ago"
        )
    if days < policy.min_days_between:
        return Decision(
            False,
            "cap",
            f"{why}, but the last retrain was only {days} days ago "
            f"(at least {policy.min_days_between} between retrains)",
        )
    return Decision(True, trigger, f"{why}; last retrain {days} days ago")
    # END SOLUTION


# --- 3. retrain_and_decide --------------------------------------------------------------------


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
    # BEGIN SOLUTION hint: refuse empty tables and any customer on both sides before training; judge the new run's logged model on the held-out rows against the gate; register it whatever the verdict; only a passed gate lets it compete with the champion, on the same held-out rows, by the promotion metric
    if train.empty or held_out.empty:
        raise ValueError("retraining needs fresh training rows and fresh held-out rows")
    shared = set(train[ID_COLUMN]) & set(held_out[ID_COLUMN])
    if shared:
        raise ValueError(
            f"{len(shared)} held-out customers are also in the training rows "
            f"(e.g. {sorted(shared)[0]}): the challenger would be judged on rows it has seen"
        )
    run_id = fit_and_log(train)
    measured = measure(logged_model_uri(tracking_uri, run_id), held_out)
    metrics = {metric: float(value) for metric, value in measured.items()}
    failures = gate_failures(metrics, gate)
    version = str(registry.register_version(tracking_uri, name, run_id, not failures))
    if failures:
        promoted = False
        reason = "failed the gate: " + "; ".join(failures) + " (it does not compete)"
    else:

        def score(model_uri: str, table: pd.DataFrame) -> float:
            return measure(model_uri, table)[PROMOTION_METRIC]

        promoted = bool(
            registry.promote_if_better(
                tracking_uri=tracking_uri,
                name=name,
                version=version,
                held_out=held_out,
                score=score,
                margin=margin,
            )
        )
        reason = (
            f"passed the gate and beat the champion by more than {margin}: promoted"
            if promoted
            else f"passed the gate but did not beat the champion by more than {margin} "
            "on the same held-out rows: the champion stays"
        )
    champion = registry.aliases(MlflowClient(tracking_uri), name).get(CHAMPION)
    return {
        "run_id": run_id,
        "version": version,
        "metrics": metrics,
        "gate_passed": not failures,
        "promoted": promoted,
        "champion": champion,
        "reason": reason,
    }
    # END SOLUTION


# --- 4. shadow_decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShadowVerdict:
    """What a shadow run says: wait, promote or keep the champion, and the numbers behind it."""

    decision: str  # one of SHADOW_DECISIONS
    labelled: int  # shadow rows with a label, the rows both models are judged on
    champion_accuracy: float | None  # None while waiting
    challenger_accuracy: float | None
    reason: str


def shadow_decision(
    shadow_log: pd.DataFrame,
    labels: pd.DataFrame,
    min_labelled: int = SHADOW_MIN_LABELLED,
    margin: float = MARGIN,
    threshold: float = THRESHOLD,
) -> ShadowVerdict:
    """Judge a challenger that ran in shadow: it scored the live traffic beside the champion.

    In shadow, the champion answers every request and the challenger scores
    the same customers on the side; nobody sees its answers. The shadow log
    holds both probabilities per request. When the outcomes arrive, the two
    models are compared on exactly the logged rows that got a label: the
    same customers, the live traffic, the true outcomes.

    1. Join ``labels`` to ``shadow_log`` by ``customerID`` (an inner join).
    2. Fewer than ``min_labelled`` labelled rows: ``"wait"``, no accuracies:
       a decision on a handful of rows is noise.
    3. Otherwise the accuracy of each model on exactly those rows (an answer
       says churn from ``threshold`` on), and ``"promote"`` only if the
       challenger beats the champion by MORE than ``margin`` (lesson 07's
       rule); else ``"keep"``.

    Args:
        shadow_log: ``customerID``, ``champion_probability`` and
            ``challenger_probability`` per scored row.
        labels: ``customerID`` and ``Churn`` ("Yes"/"No"), those that arrived.
        min_labelled: how many labelled shadow rows a decision needs.
        margin: how much better the challenger must be.
        threshold: the probability from which an answer means churn.

    Returns:
        A ``ShadowVerdict``; its reason gives both accuracies and the row count.
    """
    # BEGIN SOLUTION hint: join on the customer id and count; too few rows is a wait, with no accuracies; otherwise both models are judged on exactly the joined rows, each answer saying churn from the threshold on; a gain of exactly the margin keeps the champion
    joined = shadow_log.merge(labels[[ID_COLUMN, "Churn"]], on=ID_COLUMN, how="inner")
    labelled = len(joined)
    if labelled < min_labelled:
        return ShadowVerdict(
            "wait",
            labelled,
            None,
            None,
            f"{labelled} labelled shadow rows, fewer than {min_labelled}: wait for more labels",
        )
    left = joined["Churn"] == "Yes"
    champion = float(((joined["champion_probability"] >= threshold) == left).mean())
    challenger = float(((joined["challenger_probability"] >= threshold) == left).mean())
    promote = challenger > champion + margin
    verb = "beats" if promote else "does not beat"
    return ShadowVerdict(
        "promote" if promote else "keep",
        labelled,
        champion,
        challenger,
        f"on the same {labelled} live rows, the challenger ({challenger:.4f}) {verb} the "
        f"champion ({champion:.4f}) by more than {margin}",
    )
    # END SOLUTION


# --- 5. watch_new_champion --------------------------------------------------------------------


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
       If the champion got the alias back by a rollback (in the audit log,
       ``registry.audit_log``, the newest ``"promoted"`` or ``"rolled back"``
       event is ``"rolled back"``), there is nothing new to watch: no
       scoring, no rollback, both scores None. Watching it against *its*
       previous champion would walk back one more version every time the
       watch runs.
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
        scores (``previous_score`` None without a previous champion; both
        None after a rollback) and ``reason``.
    """
    # BEGIN SOLUTION hint: find the champion (none is an error); if the last alias move in the audit log was a rollback, stop there; a first champion has nothing to compare with; otherwise score both on the new labels and roll back only when the fall is beyond the tolerance
    client = MlflowClient(tracking_uri)
    champion = registry.aliases(client, name).get(CHAMPION)
    if champion is None:
        raise ValueError(f"{name!r} has no champion to watch")
    log = registry.audit_log(tracking_uri, name)
    moves = log[log["event"].isin(["promoted", "rolled back"])]
    if not moves.empty and moves["event"].iloc[-1] == "rolled back":
        return {
            "rolled_back": False,
            "champion": champion,
            "champion_score": None,
            "previous_score": None,
            "reason": (
                f"version {champion} is champion again after a rollback: nothing new to watch "
                "(watching it against its own predecessor would walk back further)"
            ),
        }
    champion_score = float(score(f"models:/{name}/{champion}", labelled))
    previous = client.get_model_version(name, champion).tags.get("previous_champion")
    if not previous:
        return {
            "rolled_back": False,
            "champion": champion,
            "champion_score": champion_score,
            "previous_score": None,
            "reason": f"version {champion} replaced no champion: nothing to compare with",
        }
    previous_score = float(score(f"models:/{name}/{previous}", labelled))
    if champion_score < previous_score - tolerance:
        reason = (
            f"champion version {champion} scored {champion_score:.4f} on {len(labelled)} newly "
            f"labelled rows, more than {tolerance} below version {previous} ({previous_score:.4f}), "
            "the champion it replaced"
        )
        return {
            "rolled_back": True,
            "champion": str(registry.rollback(tracking_uri, name, reason)),
            "champion_score": champion_score,
            "previous_score": previous_score,
            "reason": reason,
        }
    return {
        "rolled_back": False,
        "champion": champion,
        "champion_score": champion_score,
        "previous_score": previous_score,
        "reason": (
            f"champion version {champion} scored {champion_score:.4f}, within {tolerance} of "
            f"version {previous} ({previous_score:.4f}) or better: it stays"
        ),
    }
    # END SOLUTION
