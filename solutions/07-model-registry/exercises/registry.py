"""Exercise: a model registry run by aliases: promote a better model, with a person's approval, roll back, keep a record.

A registered model (``churn``) collects versions; two aliases name the roles:
``challenger`` is the newest version that passed the quality gate, and
``champion`` is the version production loads (``models:/churn@champion``).
Promoting, approving and rolling back move an alias. Nothing is retrained,
nothing is copied, and every move leaves an event in the registered model's
audit log.

Given below: ``register_version`` (a run's model becomes a new version,
tagged with its gate result, run and data), ``record_event`` (append one
event to the audit log) and ``aliases`` (which version holds which alias).
Four jobs are yours:

1. ``move_champion`` and ``promote_if_better``: the challenger becomes
   champion only if it passed the gate and beats the champion, on the same
   held-out data, by more than a margin; where a person must approve, it
   waits as pending instead.
2. ``approve``: a person lets a pending version take over, and says why.
3. ``rollback``: give the champion alias back to the previous champion, and
   say why.
4. ``audit_log``: the audit log as a table: who did what, when, why, and
   from which run and data.
"""

from __future__ import annotations

import getpass
import json
import math
import os
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

CHAMPION = "champion"  # the version production serves
CHALLENGER = "challenger"  # the newest version that passed the gate, waiting for its chance
MODEL_NAME = "model"  # the name lesson 04's runs give their logged model
MARGIN = 0.01  # how much better than the champion a challenger must score
EVENT_PREFIX = "event."  # audit events are registered-model tags event.0001, event.0002, ...
APPROVAL = "approval"  # version tag: "pending" while a person must decide, then "approved"
PENDING, APPROVED = "pending", "approved"
COMPARED_WITH = "compared_with"  # version tag: the champion a pending version was scored against
AUDIT_COLUMNS = (
    "at",
    "by",
    "event",
    "version",
    "reason",
    "challenger_score",
    "champion_score",
    "run_id",
    "data_hash",
)


# --- given: who and when, aliases, the audit log, registration -----------------------------


def now() -> str:
    """The current time in UTC, e.g. ``2026-11-03T09:14:02+00:00``."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def who() -> str:
    """Who is acting: the GitHub user in a GitHub Actions job, else the login name."""
    try:
        return os.environ.get("GITHUB_ACTOR") or getpass.getuser()
    except OSError:  # no login name (some containers)
        return "unknown"


def aliases(client: MlflowClient, name: str) -> dict[str, str]:
    """The aliases of a registered model and the versions they point at.

    Returns:
        e.g. ``{"champion": "2", "challenger": "3"}``; ``{}`` when none is set.

    Raises:
        ValueError: there is no registered model called ``name``.
    """
    try:
        model = client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise ValueError(f"there is no registered model named {name!r}") from error
        raise
    return {alias: str(version) for alias, version in model.aliases.items()}


def as_score(value) -> float:
    """A score from an event as a float: NaN when there is none (None)."""
    return math.nan if value is None else float(value)


def record_event(
    client: MlflowClient, name: str, event: str, version: str | None, reason: str, **details
) -> dict:
    """Append one event to the audit log of the registered model ``name``.

    The log is a numbered series of registered-model tags, ``event.0001``,
    ``event.0002``, ..., each a JSON object::

        {"event": "promoted", "version": "2", "at": "2026-...", "by": "ana",
         "reason": "...", **details}

    A tag per event keeps each value small; the numbers keep the order even
    when two events share a second or two machines' clocks disagree.

    Args:
        client: a client on the store.
        name: the registered model.
        event: what happened: ``"registered"``, ``"promoted"``,
            ``"not promoted"``, ``"rolled back"``.
        version: the version the event is about (as text), or None.
        reason: why, in words a person reading the log later understands.
        details: more facts, e.g. ``challenger_score=0.91, champion_score=0.89``.

    Returns:
        The event as stored.
    """
    tags = client.get_registered_model(name).tags
    number = 1 + sum(key.startswith(EVENT_PREFIX) for key in tags)
    entry = {
        "event": event,
        "version": None if version is None else str(version),
        "at": now(),
        "by": who(),
        "reason": reason,
        **details,
    }
    client.set_registered_model_tag(name, f"{EVENT_PREFIX}{number:04d}", json.dumps(entry))
    return entry


def register_version(tracking_uri: str, name: str, run_id: str, gate_passed: bool) -> str:
    """Register the model a run logged as a new version of ``name``.

    The version is tagged ``gate`` (``passed`` or ``failed``), ``run_id``,
    ``data_hash`` and ``git_commit`` (copied from the run's tags, lesson 04)
    and ``accuracy`` (the run's own test score). A version that passed the
    gate becomes the ``challenger``; one that failed gets no alias. Either
    way a ``registered`` event is recorded.

    Args:
        tracking_uri: the store.
        name: the registered model (created if it does not exist yet).
        run_id: a run that logged a model named ``MODEL_NAME``.
        gate_passed: the quality gate's verdict on that model (lesson 05).

    Returns:
        The new version number, as text (``"1"``, ``"2"``, ...).
    """
    client = MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    found = client.search_logged_models(
        experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    models = [model for model in found if model.name == MODEL_NAME]
    if not models:
        raise ValueError(f"run {run_id} logged no model named {MODEL_NAME!r}")
    try:
        aliases(client, name)
    except ValueError:
        client.create_registered_model(name)
    tags = {
        "gate": "passed" if gate_passed else "failed",
        "run_id": run_id,
        "data_hash": run.data.tags.get("data_hash", "unknown"),
        "git_commit": run.data.tags.get("git_commit", "unknown"),
        "accuracy": str(run.data.metrics.get("accuracy", "unknown")),
    }
    created = client.create_model_version(
        name, source=models[0].model_uri, run_id=run_id, model_id=models[0].model_id, tags=tags
    )
    version = str(created.version)
    if gate_passed:
        client.set_registered_model_alias(name, CHALLENGER, version)
        reason = "passed the gate: the new challenger"
    else:
        reason = "failed the gate: kept for the record, no alias"
    record_event(client, name, "registered", version, reason)
    return version


# --- 1. move_champion and promote_if_better ---------------------------------------------


def move_champion(client: MlflowClient, name: str, version: str) -> str | None:
    """Give the ``champion`` alias to ``version``: the one step every promotion shares.

    The version gets the tag ``previous_champion`` naming the version it
    replaced, only when there was one: the first champion replaced nothing,
    so it gets no such tag (not even the text ``"None"``), and rolling back
    from it is refused. If the ``challenger`` alias points at ``version``, it
    is removed (the version no longer waits); if it points at another
    version, it stays there.

    Args:
        client: a client on the store.
        name: the registered model.
        version: the version to make champion, as text.

    Returns:
        The version that lost the alias, or None for the first champion.
    """
    # BEGIN SOLUTION hint: read who holds which alias before moving anything; note the replaced version only when there was one; the challenger alias goes only if it named this very version
    roles = aliases(client, name)
    replaced = roles.get(CHAMPION)
    client.set_registered_model_alias(name, CHAMPION, version)
    if replaced is not None:
        client.set_model_version_tag(name, version, "previous_champion", replaced)
    if roles.get(CHALLENGER) == version:
        client.delete_registered_model_alias(name, CHALLENGER)
    return replaced
    # END SOLUTION


def promote_if_better(
    tracking_uri: str,
    name: str,
    version: str,
    held_out: pd.DataFrame,
    score: Callable[[str, pd.DataFrame], float],
    margin: float = MARGIN,
    needs_approval: bool = False,
) -> bool:
    """Make ``version`` the champion if it passed the gate and clearly beats the champion.

    The rules, in order:

    1. ``version`` must be a version of ``name`` and ``margin`` at least 0:
       ``ValueError`` otherwise, and nothing changes.
    2. Its tag ``gate`` must say ``passed``. If not, it is not promoted (and
       not even scored).
    3. With no champion yet, it wins: it is the first champion.
    4. Otherwise both are scored on the same ``held_out`` table, now:
       ``score("models:/<name>/<version>", held_out)`` and the same for the
       champion's version. Never use a score logged at training time: each
       model was tested on its own rows then, and those differ.
       It wins only if ``challenger_score > champion_score + margin``.
       A gain of exactly the margin is within noise: the champion stays (with
       ``margin=0`` that means a tie keeps the champion, as in lesson 04).
    5. A winner takes over with ``move_champion``, unless ``needs_approval``:
       then no alias moves; the version waits for a person (``approve``) with
       the tags ``approval`` = ``pending`` and ``compared_with`` = the
       champion it beat (no ``compared_with`` when there was no champion).

    Record one event with ``record_event`` either way: ``"promoted"``,
    ``"awaiting approval"`` or ``"not promoted"``, with a reason and the
    details ``challenger_score`` and ``champion_score`` (None for a score not
    taken).

    Args:
        tracking_uri: the store.
        name: the registered model, e.g. ``"churn"``.
        version: the version to consider, as text.
        held_out: labelled rows neither model was trained on.
        score: ``score(model_uri, table) -> float``, e.g. the accuracy of the
            model at ``model_uri`` on ``table``; higher is better.
        margin: how much better the challenger must score.
        needs_approval: a person must approve before a winner takes over.

    Returns:
        True if ``version`` is champion now, False if not (lost, or waiting).
    """
    # BEGIN SOLUTION hint: refuse bad input before touching anything (a missing version is the library's error: turn it into a ValueError); the gate comes first; a champion must be re-scored on the same rows; a winner either takes over or waits with its tags; one event in every case
    if margin < 0:
        raise ValueError(f"the margin must be 0 or more, got {margin}")
    client = MlflowClient(tracking_uri)
    version = str(version)
    try:
        tags = client.get_model_version(name, version).tags
    except MlflowException as error:
        raise ValueError(f"{name!r} has no version {version}") from error
    if tags.get("gate") != "passed":
        reason = f"gate {tags.get('gate', 'missing')}: only a version that passed the gate competes"
        record_event(client, name, "not promoted", version, reason)
        return False
    champion = aliases(client, name).get(CHAMPION)
    challenger_score = float(score(f"models:/{name}/{version}", held_out))
    if champion is None:
        wins, champion_score = True, None
        reason = f"first champion: no champion yet (scored {challenger_score:.4f})"
    else:
        champion_score = float(score(f"models:/{name}/{champion}", held_out))
        wins = challenger_score > champion_score + margin
        verdict = "beats" if wins else "does not beat"
        reason = (
            f"challenger {challenger_score:.4f} {verdict} champion version {champion} "
            f"({champion_score:.4f}) by more than {margin} on the same held-out rows"
        )
    if not wins:
        event = "not promoted"
    elif needs_approval:
        event = "awaiting approval"
        client.set_model_version_tag(name, version, APPROVAL, PENDING)
        if champion is not None:
            client.set_model_version_tag(name, version, COMPARED_WITH, champion)
        reason += "; a person must approve it"
    else:
        event = "promoted"
        move_champion(client, name, version)
    record_event(
        client,
        name,
        event,
        version,
        reason,
        challenger_score=challenger_score,
        champion_score=champion_score,
    )
    return event == "promoted"
    # END SOLUTION


# --- 2. approve ------------------------------------------------------------------------------


def approve(tracking_uri: str, name: str, version: str, reason: str) -> None:
    """A person approves a pending version: it becomes the champion.

    The rules, in order; any refusal is a ``ValueError`` and changes nothing:

    1. ``reason`` must say something (not blank): the log must say why.
    2. ``version`` must be a version of ``name``.
    3. It must be pending: its tag ``approval`` says ``pending``
       (``promote_if_better`` with ``needs_approval=True`` put it there).
    4. The champion must still be the one it was compared with (its tag
       ``compared_with``; none for a first champion). If the champion has
       changed since, the comparison is out of date: refuse, so that it is
       scored again.

    Then it takes over with ``move_champion``, its tag ``approval`` becomes
    ``approved``, and the event ``"approved"`` is recorded with
    ``record_event``: the version, the reason as given, whole (never cut
    short), and the detail ``replaced`` (the version that lost the alias, or
    None).

    Args:
        tracking_uri: the store.
        name: the registered model.
        version: the pending version, as text.
        reason: why, in the approver's words, e.g. ``"checked 50 customers of
            the new call list with the retention team"``.
    """
    # BEGIN SOLUTION hint: every refusal comes before the first change; pending is a tag the comparison wrote, and so is the champion it was compared with (absent for a first champion): compare that with the champion now; then the shared move, the tag's new value and one event with the reason exactly as given
    if not reason or not reason.strip():
        raise ValueError("an approval needs a reason: the audit log must say why")
    client = MlflowClient(tracking_uri)
    version = str(version)
    champion = aliases(client, name).get(CHAMPION)
    try:
        tags = client.get_model_version(name, version).tags
    except MlflowException as error:
        raise ValueError(f"{name!r} has no version {version}") from error
    if tags.get(APPROVAL) != PENDING:
        raise ValueError(
            f"version {version} of {name!r} is not waiting for approval "
            f"(approval tag: {tags.get(APPROVAL, 'none')})"
        )
    compared_with = tags.get(COMPARED_WITH)
    if compared_with != champion:
        raise ValueError(
            f"version {version} was compared with champion {compared_with or 'none'}, but the "
            f"champion is now {champion or 'none'}: compare it again before approving"
        )
    replaced = move_champion(client, name, version)
    client.set_model_version_tag(name, version, APPROVAL, APPROVED)
    record_event(client, name, "approved", version, reason, replaced=replaced)
    # END SOLUTION


# --- 3. rollback -----------------------------------------------------------------------------


def rollback(tracking_uri: str, name: str, reason: str) -> str:
    """Give the ``champion`` alias back to the champion before the current one.

    The previous champion is the current champion's ``previous_champion``
    tag. Rolling back moves the alias: no model is retrained or registered
    again, and the ``challenger`` alias stays where it is. Rolling back twice
    walks further back (3 -> 2 -> 1). The event ``"rolled back"`` is recorded
    with ``record_event``: the version that is champion again, ``reason``, and
    the detail ``replaced`` (the version that lost the alias).

    Args:
        tracking_uri: the store.
        name: the registered model.
        reason: why, e.g. ``"complaints: churn list empty since 09:00"``.

    Returns:
        The version that is champion again, as text.

    Raises:
        ValueError: a blank reason, no registered model ``name``, no champion,
            or a champion with no previous champion. Nothing changes then.
    """
    # BEGIN SOLUTION hint: refuse everything that cannot be rolled back before changing anything; the tag the last promotion left on the current champion says where to go; one event naming the version that lost the alias
    if not reason or not reason.strip():
        raise ValueError("a rollback needs a reason: the audit log must say why")
    client = MlflowClient(tracking_uri)
    current = aliases(client, name).get(CHAMPION)
    if current is None:
        raise ValueError(f"{name!r} has no champion to roll back")
    previous = client.get_model_version(name, current).tags.get("previous_champion")
    if not previous:
        raise ValueError(f"champion version {current} of {name!r} has no previous champion")
    client.set_registered_model_alias(name, CHAMPION, previous)
    record_event(client, name, "rolled back", previous, reason, replaced=current)
    return previous
    # END SOLUTION


# --- 4. audit_log ----------------------------------------------------------------------------


def audit_log(tracking_uri: str, name: str) -> pd.DataFrame:
    """The audit log of a registered model as a table, one row per event, oldest first.

    Rows come in the order of the event numbers (``event.0001``, ...), not
    sorted by the ``at`` timestamps: clocks of different machines disagree.
    Tags that are not events are ignored.

    Returns:
        A DataFrame with exactly the columns of ``AUDIT_COLUMNS``: ``at``,
        ``by``, ``event``, ``version`` (text), ``reason`` and the scores
        ``challenger_score`` and ``champion_score`` from the event (floats;
        NaN when the event has none), then ``run_id`` and ``data_hash`` from
        the tags of the event's version (None when it has none). No events:
        an empty DataFrame with those columns.

    Raises:
        ValueError: there is no registered model called ``name``.
    """
    # BEGIN SOLUTION hint: an unknown model fails the way the given helper fails; only tags with the event prefix are events, in the order of their numbers (not their times); each row joins an event with the tags of its version
    client = MlflowClient(tracking_uri)
    aliases(client, name)  # a ValueError for an unknown model
    tags = client.get_registered_model(name).tags
    numbered = sorted(
        (int(key[len(EVENT_PREFIX) :]), value)
        for key, value in tags.items()
        if key.startswith(EVENT_PREFIX) and key[len(EVENT_PREFIX) :].isdigit()
    )
    version_tags: dict[str, dict] = {}
    rows = []
    for _, value in numbered:
        event = json.loads(value)
        version = event.get("version")
        version = None if version is None else str(version)
        if version is not None and version not in version_tags:
            try:
                version_tags[version] = client.get_model_version(name, version).tags
            except MlflowException:  # a deleted version: its events stay readable
                version_tags[version] = {}
        facts = version_tags.get(version, {}) if version is not None else {}
        rows.append(
            {
                "at": event.get("at"),
                "by": event.get("by"),
                "event": event.get("event"),
                "version": version,
                "reason": event.get("reason"),
                "challenger_score": as_score(event.get("challenger_score")),
                "champion_score": as_score(event.get("champion_score")),
                "run_id": facts.get("run_id"),
                "data_hash": facts.get("data_hash"),
            }
        )
    table = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    return table.astype({"challenger_score": "float64", "champion_score": "float64"})
    # END SOLUTION
