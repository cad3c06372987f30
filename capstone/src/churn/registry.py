"""The model registry: register, promote, roll back, and keep an audit trail.

Aliases name the roles: ``challenger`` is the newest model that passed the
gate, ``champion`` is the one in production (``models:/churn@champion``).
Promotion moves an alias; rollback moves it back. Every move is recorded as
tags on the model version (who, when, why) and as an event, with the scores,
in the registered model's ``history`` tag.

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
from typing import TYPE_CHECKING

from pydantic import ValidationError

from churn.contracts import HISTORY, GateVerdict, RegistryEvent, RegistryEventKind, VersionRecord
from churn.tracking import connect

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

MODEL_NAME = "churn"
CHAMPION = "champion"
CHALLENGER = "challenger"
HISTORY_TAG = "history"
HISTORY_LENGTH = 20  # events kept in the registered model's history tag
PREVIOUS_CHAMPION_TAG = "previous_champion"  # what rollback gives the champion alias back to
NOT_FOUND = "RESOURCE_DOES_NOT_EXIST"  # MLflow's error code for a missing model or version


class RegistryError(Exception):
    """A registry request that was refused or could not be completed; nothing was changed."""


class NothingToPromote(RegistryError):
    """There is no challenger waiting: not an error for a scheduled run."""


@dataclass(frozen=True)
class Decision:
    """The outcome of a promotion attempt."""

    promoted: bool
    challenger: str
    champion: str | None
    reason: str
    challenger_score: float | None = None
    champion_score: float | None = None


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
        RegistryError: the model failed the gate; nothing is registered.
    """
    if not verdict.gate_passed:
        reasons = "; ".join(verdict.gate_reasons)
        raise RegistryError(f"refusing to register a model that failed the gate: {reasons}")
    registry = client()
    existing = _version_of_run(registry, name, verdict.run_id)
    if existing is not None:
        return existing  # re-running the stage must not register the same model twice
    import mlflow

    version = str(mlflow.register_model(verdict.model_uri, name).version)
    run_tags = registry.get_run(verdict.run_id).data.tags
    record = VersionRecord(
        gate="passed",
        run_id=verdict.run_id,
        data_hash=run_tags.get("data_hash", "unknown"),
        git_commit=run_tags.get("git_commit", "unknown"),
        registered_at=_now(),
        registered_by=_who(),
    )
    for key, value in record.to_tags().items():
        registry.set_model_version_tag(name, version, key, value)
    registry.set_registered_model_alias(name, CHALLENGER, version)
    _record(registry, name, "registered", version, f"gate passed, accuracy {verdict.accuracy}")
    return version


def promote(
    score_version: Callable[[str], float],
    margin: float,
    version: str | None = None,
    name: str = MODEL_NAME,
) -> Decision:
    """Make the challenger champion if it beats the champion by more than ``margin``.

    Args:
        score_version: a function ``(model_uri) -> accuracy`` that scores a
            model on the same fresh held-out data for both contenders.
        margin: how much better the challenger must score.
        version: the version to promote (default: the current challenger).
        name: the registered model's name.

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
    if champion is None:
        decision = Decision(True, challenger, None, "first champion", challenger_score)
    else:
        champion_score = score_version(f"models:/{name}/{champion}")
        # Strictly better by more than the margin: a tie, or a gain of exactly the
        # margin, keeps the champion (the same rule lesson 07 teaches).
        better = challenger_score > champion_score + margin
        reason = (
            f"challenger {challenger_score:.4f} vs champion {champion_score:.4f}, "
            f"margin {margin}: {'promoted' if better else 'kept the champion'}"
        )
        decision = Decision(better, challenger, champion, reason, challenger_score, champion_score)
    _record_decision(registry, name, decision)
    return decision


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
    champion = _alias_version(registry, name, CHAMPION)
    if champion == str(version):
        raise RegistryError(f"version {version} is already the champion")
    decision = Decision(True, str(version), champion, f"promoted by hand: {reason}")
    _record_decision(registry, name, decision)


def rollback(reason: str, name: str = MODEL_NAME) -> str:
    """Give the champion alias back to the previous champion; return that version.

    Raises:
        RegistryError: there is no champion, or it has no previous champion.
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
    registry.set_registered_model_alias(name, CHAMPION, previous)
    registry.set_model_version_tag(name, current, "rolled_back_at", _now().isoformat())
    registry.set_model_version_tag(name, current, "rollback_reason", reason)
    registry.set_model_version_tag(name, current, "rolled_back_by", _who())
    _record(registry, name, "rollback", previous, f"from version {current}: {reason}")
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
    """One readable line per role: version, scores, run and when it was registered."""
    lines = []
    for alias, role in status(name).items():
        if role is None:
            lines.append(f"{alias:<10} none")
            continue
        scores = {key: role.scores.get(key) for key in ("accuracy", "recall")}
        shown = "  ".join(
            f"{key} {'-' if value is None else f'{value:.4f}'}" for key, value in scores.items()
        )
        lines.append(
            f"{alias:<10} {name} v{role.version}  {shown}  run {role.record.run_id}  "
            f"registered {role.record.registered_at.isoformat()}"
        )
    return lines


def history(name: str = MODEL_NAME) -> list[RegistryEvent]:
    """Return the audit events of a registered model, oldest first (none if it does not exist)."""
    from mlflow.exceptions import MlflowException

    registry = client()
    try:
        model = registry.get_registered_model(name)
    except MlflowException as error:
        if error.error_code == NOT_FOUND:
            return []
        raise _failed(f"could not read the history of {name}", error) from error
    return HISTORY.validate_json(model.tags.get(HISTORY_TAG, "[]"))


def _record_decision(registry: MlflowClient, name: str, decision: Decision) -> None:
    """Record the decision on the challenger, then move the aliases if it won."""
    from mlflow.exceptions import MlflowException

    try:
        _write_decision(registry, name, decision)
    except MlflowException as error:
        outcome = "the decision may be partly recorded: check `churn status`"
        what = f"could not record the decision on version {decision.challenger}"
        raise _failed(what, error, outcome) from error


def _write_decision(registry: MlflowClient, name: str, decision: Decision) -> None:
    tags = {"promotion_checked_at": _now().isoformat(), "promotion_decision": decision.reason}
    for key, value in tags.items():
        registry.set_model_version_tag(name, decision.challenger, key, value)
    scores = {
        "challenger_score": decision.challenger_score,
        "champion_score": decision.champion_score,
    }
    if not decision.promoted:
        _record(registry, name, "kept champion", decision.champion, decision.reason, **scores)
        return
    if decision.champion is not None:
        registry.set_model_version_tag(
            name, decision.challenger, PREVIOUS_CHAMPION_TAG, decision.champion
        )
    registry.set_model_version_tag(name, decision.challenger, "promoted_at", _now().isoformat())
    registry.set_model_version_tag(name, decision.challenger, "promoted_by", _who())
    registry.set_registered_model_alias(name, CHAMPION, decision.challenger)
    registry.delete_registered_model_alias(name, CHALLENGER)
    _record(registry, name, "promoted", decision.challenger, decision.reason, **scores)


def _record(
    registry: MlflowClient,
    name: str,
    event: RegistryEventKind,
    version: str | None,
    detail: str,
    challenger_score: float | None = None,
    champion_score: float | None = None,
) -> None:
    events = HISTORY.validate_json(registry.get_registered_model(name).tags.get(HISTORY_TAG, "[]"))
    events.append(
        RegistryEvent(
            at=_now(),
            by=_who(),
            event=event,
            version=version,
            detail=detail,
            challenger_score=challenger_score,
            champion_score=champion_score,
        )
    )
    kept = HISTORY.dump_json(events[-HISTORY_LENGTH:]).decode()
    registry.set_registered_model_tag(name, HISTORY_TAG, kept)


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
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"
