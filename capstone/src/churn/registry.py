"""The model registry: register, promote, approve, roll back, and keep an audit trail.

Aliases name the roles: ``challenger`` is the newest model that passed the
gate, ``champion`` is the one in production (``models:/churn@champion``).
Promotion moves an alias; rollback moves it back. Where a person must sign
off (``registry.needs_approval``), a winner waits as *pending* until someone
approves it with a reason. These are lesson 07's rules, with its margin.

Every move is recorded twice: as tags on the model version (who, when, why),
and as one event in the registered model's audit trail (``churn.audit``: one
tag per event, never cut).

Only MLflow's "does not exist" means "no such model, version or alias". Any
other registry error (a store that is down, a server that fails) stops the
request with ``RegistryError`` before anything moves: a champion that could
not be read is never mistaken for no champion.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from churn import audit
from churn.contracts import GateVerdict, RegistryEvent, RegistryEventKind, VersionRecord
from churn.settings import settings
from churn.tracking import connect

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

MODEL_NAME = "churn"
CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS_CHAMPION_TAG = "previous_champion"  # what rollback gives the champion alias back to
APPROVAL_TAG = "approval"  # "pending" while a person must decide, then "approved"
COMPARED_WITH_TAG = "compared_with"  # the champion a pending version was scored against
DECISION_TAG = "promotion_decision"  # set once a version's promotion was decided
PENDING, APPROVED = "pending", "approved"
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"  # MLflow's error code for a missing model or version
T = TypeVar("T")


class RegistryError(Exception):
    """A registry request that was refused or could not be completed; nothing was changed."""


class NothingToPromote(RegistryError):
    """There is no challenger waiting: not an error for a scheduled run."""


@dataclass(frozen=True)
class Decision:
    """The outcome of a promotion attempt.

    ``promoted``: the challenger is champion now. ``pending``: it won, and
    waits for a person's approval (``approve``). Neither: the champion stays.
    """

    promoted: bool
    challenger: str
    champion: str | None
    reason: str
    challenger_score: float | None = None
    champion_score: float | None = None
    pending: bool = False


@dataclass(frozen=True)
class Role:
    """The version holding a role, where it came from, and its training run's scores."""

    version: str
    record: VersionRecord
    tags: dict[str, str]
    scores: dict[str, float]


def client() -> MlflowClient:
    """An MLflow client on the configured tracking store."""
    connect()
    from mlflow import MlflowClient

    return MlflowClient()


def register(verdict: GateVerdict, name: str = MODEL_NAME) -> str:
    """Register a gated model as a new version and make it the challenger.

    Args:
        verdict: the evaluate stage's verdict (``reports/metrics.json``).
        name: the registered model's name.

    Returns:
        The new version number (or the existing one, if this run was registered already).

    Raises:
        RegistryError: the model failed the gate (nothing is registered), or the
            registry failed on the way (the message says what may be recorded).
    """
    if not verdict.gate_passed:
        reasons = "; ".join(verdict.gate_reasons)
        raise RegistryError(f"refusing to register a model that failed the gate: {reasons}")
    registry = client()

    def write() -> str:
        existing = _version_of_run(registry, name, verdict.run_id)
        if existing is not None:
            return existing  # re-running the stage must not register the same model twice
        import mlflow

        version = str(mlflow.register_model(verdict.model_uri, name).version)
        run_tags = registry.get_run(verdict.run_id).data.tags
        month = run_tags.get("data_month")
        record = VersionRecord(
            gate="passed",
            run_id=verdict.run_id,
            data_hash=run_tags.get("data_hash", "unknown"),
            git_commit=run_tags.get("git_commit", "unknown"),
            registered_at=_now(),
            registered_by=_who(),
            data_month=None if month is None else int(month),
            data_scenario=run_tags.get("data_scenario"),
        )
        for key, value in record.to_tags().items():
            registry.set_model_version_tag(name, version, key, value)
        registry.set_registered_model_alias(name, CHALLENGER, version)
        reason = f"passed the gate: accuracy {verdict.accuracy}, recall {verdict.recall}"
        _record(registry, name, "registered", version, reason)
        return version

    return _guarded(write, f"registering run {verdict.run_id}")


def promote(
    score_version: Callable[[str], float],
    margin: float,
    version: str | None = None,
    name: str = MODEL_NAME,
    needs_approval: bool = False,
    evidence: str | None = None,
) -> Decision:
    """Decide whether the challenger replaces the champion: it must win by more than ``margin``.

    Args:
        score_version: a function ``(model_uri) -> accuracy`` that scores both
            contenders on the same rows (held-out data, or shadow traffic).
        margin: how much better the challenger must score.
        version: the version to promote (default: the current challenger).
        name: the registered model's name.
        needs_approval: a winner waits as pending until a person approves it.
        evidence: what the scores were measured on, for the audit trail.

    Raises:
        NothingToPromote: there is no challenger.
        RegistryError: the version did not pass the gate, is champion already, or the
            registry could not be read (the champion alias is then left as it was).
    """
    registry = client()
    challenger = version or _alias_version(registry, name, CHALLENGER)
    if challenger is None:
        raise NothingToPromote(f"no challenger to promote: register a model first ({name})")
    _gated_record(registry, name, challenger)
    champion = _alias_version(registry, name, CHAMPION)
    if champion == challenger:
        raise RegistryError(f"version {challenger} is already the champion")
    challenger_score = score_version(f"models:/{name}/{challenger}")
    champion_score = None
    if champion is None:
        wins, reason = True, f"first champion: nothing to compare with ({challenger_score:.4f})"
    else:
        champion_score = score_version(f"models:/{name}/{champion}")
        # Strictly better by more than the margin: a tie, or a gain of exactly the
        # margin, keeps the champion (lesson 07's rule).
        wins = challenger_score > champion_score + margin
        reason = (
            f"challenger {challenger_score:.4f} vs champion v{champion} {champion_score:.4f}, "
            f"margin {margin}: {'wins' if wins else 'the champion stays'}"
        )
    pending = wins and needs_approval
    if pending:
        reason += "; waits for a person's approval"
    decision = Decision(
        promoted=wins and not pending,
        challenger=challenger,
        champion=champion,
        reason=reason,
        challenger_score=challenger_score,
        champion_score=champion_score,
        pending=pending,
    )
    _guarded(
        lambda: _write_decision(registry, name, decision, evidence),
        f"could not record the decision on version {challenger}",
    )
    return decision


def approve(version: str, reason: str, name: str = MODEL_NAME) -> str | None:
    """A person approves a pending version: it becomes the champion.

    Refused (``RegistryError``, nothing changes) without a reason, for a
    version that is not pending, or when the champion changed since the
    version was compared with it: a stale "yes" is not a decision, so compare
    again. The reason is recorded whole.

    Returns:
        The version that lost the champion alias, or None for a first champion.
    """
    if not reason.strip():
        raise RegistryError("an approval needs a reason, for the audit trail")
    registry = client()
    tags = _version(registry, name, version).tags
    if tags.get(APPROVAL_TAG) != PENDING:
        state = tags.get(APPROVAL_TAG, "none")
        raise RegistryError(f"version {version} is not waiting for approval (approval: {state})")
    champion = _alias_version(registry, name, CHAMPION)
    compared_with = tags.get(COMPARED_WITH_TAG)
    if compared_with != champion:
        raise RegistryError(
            f"version {version} was compared with champion {compared_with or 'none'}, but the "
            f"champion is now {champion or 'none'}: compare it again before approving"
        )

    def write() -> str | None:
        replaced = _move_champion(registry, name, str(version))
        registry.set_model_version_tag(name, version, APPROVAL_TAG, APPROVED)
        _record(registry, name, "approved", str(version), reason, replaced=replaced)
        return replaced

    return _guarded(write, f"could not approve version {version}")


def promote_by_hand(version: str, reason: str, name: str = MODEL_NAME) -> None:
    """Make a gated version champion without comparing scores: a human override.

    The override is recorded like any promotion (who, when, why), and the
    previous champion is kept, so ``rollback`` undoes it in one step.

    Raises:
        RegistryError: no reason given, the version failed the gate, or it is champion already.
    """
    if not reason.strip():
        raise RegistryError("a promotion by hand needs a reason, for the audit trail")
    registry = client()
    _gated_record(registry, name, version)
    if _alias_version(registry, name, CHAMPION) == str(version):
        raise RegistryError(f"version {version} is already the champion")

    def write() -> None:
        replaced = _move_champion(registry, name, str(version))
        _record(registry, name, "promoted", str(version), f"by hand: {reason}", replaced=replaced)

    _guarded(write, f"could not promote version {version}")


def rollback(reason: str, name: str = MODEL_NAME) -> str:
    """Give the champion alias back to the previous champion; return that version.

    Raises:
        RegistryError: no reason, no champion, or a champion with no previous champion.
    """
    if not reason.strip():
        raise RegistryError("a rollback needs a reason, for the audit trail")
    registry = client()
    current = _alias_version(registry, name, CHAMPION)
    if current is None:
        raise RegistryError("there is no champion to roll back")
    previous = _version(registry, name, current).tags.get(PREVIOUS_CHAMPION_TAG)
    if not previous:
        raise RegistryError(f"champion version {current} has no previous champion to return to")

    def write() -> None:
        registry.set_registered_model_alias(name, CHAMPION, previous)
        registry.set_model_version_tag(name, current, "rolled_back_at", _now().isoformat())
        registry.set_model_version_tag(name, current, "rolled_back_by", _who())
        _record(registry, name, "rolled back", previous, reason, replaced=current)

    _guarded(write, "could not roll back")
    return previous


def describe(version: str, name: str = MODEL_NAME) -> Role:
    """A registered version: its record, all its tags, and its training run's scores.

    Raises:
        RegistryError: no such version, no registration record on it, or the registry failed.
    """
    registry = client()
    found = _version(registry, name, version)
    record = _record_of(found)
    scores = registry.get_run(record.run_id).data.metrics
    return Role(str(found.version), record, dict(found.tags), dict(scores))


def status(name: str = MODEL_NAME) -> dict[str, Role | None]:
    """Return who holds the champion and challenger roles (None: nobody)."""
    registry = client()
    roles: dict[str, Role | None] = {}
    for alias in (CHAMPION, CHALLENGER):
        version = _alias_version(registry, name, alias)
        roles[alias] = None if version is None else describe(version, name)
    return roles


def describe_status(name: str = MODEL_NAME) -> list[str]:
    """One readable line per role: version, scores, data month, approval, run."""
    lines = []
    for alias, role in status(name).items():
        if role is None:
            lines.append(f"{alias:<10} none")
            continue
        scores = {key: role.scores.get(key) for key in ("accuracy", "recall")}
        shown = "  ".join(
            f"{key} {'-' if value is None else f'{value:.4f}'}" for key, value in scores.items()
        )
        month = "?" if role.record.data_month is None else role.record.data_month
        approval = f"  {role.tags[APPROVAL_TAG]}" if APPROVAL_TAG in role.tags else ""
        lines.append(
            f"{alias:<10} {name} v{role.version}  {shown}  month {month}{approval}  "
            f"run {role.record.run_id}"
        )
    return lines


def next_data_month(name: str = MODEL_NAME) -> int:
    """The data month to train on next: the one after the champion's; 0 without a champion.

    Raises:
        RegistryError: the champion records no data month (registered before months were).
    """
    registry = client()
    champion = _alias_version(registry, name, CHAMPION)
    if champion is None:
        return 0
    month = _record_of(_version(registry, name, champion)).data_month
    if month is None:
        raise RegistryError(
            f"champion v{champion} records no data month: set ingest.month by hand once"
        )
    return month + 1


def history(name: str = MODEL_NAME) -> list[RegistryEvent]:
    """Return the audit events of a registered model, in the order of their numbers.

    Returns no events if the model does not exist.
    """
    from mlflow.exceptions import MlflowException

    registry = client()
    try:
        tags = registry.get_registered_model(name).tags
    except MlflowException as error:
        if error.error_code == NOT_FOUND:
            return []
        raise _failed(f"could not read the history of {name}", error) from error
    return audit.events_in(tags)


def describe_history(name: str = MODEL_NAME) -> list[str]:
    """The audit trail, one line per event: number, time, who, what, which version, why."""
    return audit.describe(history(name))


def _write_decision(
    registry: MlflowClient, name: str, decision: Decision, evidence: str | None
) -> None:
    """Record the decision on the challenger; move the champion alias if it won outright."""
    challenger = decision.challenger
    registry.set_model_version_tag(name, challenger, "promotion_checked_at", _now().isoformat())
    registry.set_model_version_tag(name, challenger, DECISION_TAG, decision.reason)
    replaced = None
    if decision.pending:
        event: RegistryEventKind = "awaiting approval"
        registry.set_model_version_tag(name, challenger, APPROVAL_TAG, PENDING)
        if decision.champion is not None:  # none for a first champion: nothing was compared
            registry.set_model_version_tag(name, challenger, COMPARED_WITH_TAG, decision.champion)
    elif decision.promoted:
        event = "promoted"
        replaced = _move_champion(registry, name, challenger)
    else:
        event = "not promoted"
    _record(
        registry,
        name,
        event,
        challenger,
        decision.reason,
        challenger_score=decision.challenger_score,
        champion_score=decision.champion_score,
        evidence=evidence,
        replaced=replaced,
    )


def _move_champion(registry: MlflowClient, name: str, version: str) -> str | None:
    """Give ``champion`` to a version: the one step every promotion shares.

    The version gets ``previous_champion`` only when it replaces one (never the
    text "None"); the ``challenger`` alias goes only if it named this version.

    Returns:
        The version that lost the alias, or None for a first champion.
    """
    aliases = registry.get_registered_model(name).aliases
    replaced = aliases.get(CHAMPION)
    registry.set_registered_model_alias(name, CHAMPION, version)
    if replaced is not None:
        registry.set_model_version_tag(name, version, PREVIOUS_CHAMPION_TAG, str(replaced))
    registry.set_model_version_tag(name, version, "promoted_at", _now().isoformat())
    registry.set_model_version_tag(name, version, "promoted_by", _who())
    challenger = aliases.get(CHALLENGER)
    if challenger is not None and str(challenger) == version:
        registry.delete_registered_model_alias(name, CHALLENGER)
    return None if replaced is None else str(replaced)


def _record(
    registry: MlflowClient,
    name: str,
    event: RegistryEventKind,
    version: str | None,
    reason: str,
    **details: float | str | None,
) -> None:
    """Append one event to the audit trail, as a numbered tag of its own."""
    tag = audit.next_tag(registry.get_registered_model(name).tags)
    entry = RegistryEvent.model_validate(
        {"at": _now(), "by": _who(), "event": event, "version": version, "reason": reason} | details
    )
    registry.set_registered_model_tag(name, tag, entry.model_dump_json())


def _guarded(write: Callable[[], T], what: str) -> T:
    """Run a sequence of registry writes; a failure halfway says so plainly."""
    from mlflow.exceptions import MlflowException

    try:
        return write()
    except MlflowException as error:
        outcome = "it may be partly recorded: check `churn status` and `churn history`"
        raise _failed(what, error, outcome) from error


def _version_of_run(registry: MlflowClient, name: str, run_id: str) -> str | None:
    """The version already registered from this training run, if any."""
    found = registry.search_model_versions(f"name = '{name}' and tags.run_id = '{run_id}'")
    return str(found[0].version) if found else None


def _alias_version(registry: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points at; None only if the model or the alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        aliases = registry.get_registered_model(name).aliases
    except MlflowException as error:
        if error.error_code == NOT_FOUND:
            return None
        raise _failed(f"could not read the {alias} of {name}", error) from error
    version = aliases.get(alias)
    return None if version is None else str(version)


def _version(registry: MlflowClient, name: str, version: str) -> ModelVersion:
    from mlflow.exceptions import MlflowException

    try:
        return registry.get_model_version(name, str(version))
    except MlflowException as error:
        if error.error_code == NOT_FOUND:
            raise RegistryError(f"model {name} has no version {version}") from error
        raise _failed(f"could not read version {version} of {name}", error) from error


def _gated_record(registry: MlflowClient, name: str, version: str) -> VersionRecord:
    """The version's registration record; refuses a version that did not pass the gate."""
    found = _version(registry, name, version)
    if found.tags.get("gate") != "passed":
        raise RegistryError(f"version {version} did not pass the quality gate; not promoting")
    return _record_of(found)


def _record_of(found: ModelVersion) -> VersionRecord:
    try:
        return VersionRecord.from_tags(found.tags)
    except ValidationError as error:
        raise RegistryError(
            f"version {found.version} of {found.name} has no valid registration record "
            f"(was it registered by `churn register`?):\n{error}"
        ) from error


def _failed(what: str, error: Exception, outcome: str = "nothing was changed") -> RegistryError:
    """A registry failure that is not "not found", said plainly, with what it left behind."""
    cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return RegistryError(f"{what}: the registry failed, so {outcome} ({cause})")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _who() -> str:
    """Who is acting: the GitHub user in a GitHub Actions job, else the login name."""
    actor = settings().github_actor
    if actor:
        return actor
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"
