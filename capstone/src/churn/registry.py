"""The model registry: register, promote, roll back, and keep an audit trail.

Aliases name the roles: ``challenger`` is the newest model that passed the
gate, ``champion`` is the one in production (``models:/churn@champion``).
Promotion moves an alias; rollback moves it back. Every move is recorded as
tags on the model version (who, when, why, the scores) and as an event in
the registered model's ``history`` tag.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from churn.tracking import connect

MODEL_NAME = "churn"
CHAMPION = "champion"
CHALLENGER = "challenger"
HISTORY_TAG = "history"
HISTORY_LENGTH = 20  # events kept in the registered model's history tag


class RegistryError(Exception):
    """A registry request that was refused; nothing was changed."""


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


def client():
    """An MLflow client on the configured tracking store."""
    return connect().MlflowClient()


def register(verdict: dict, name: str = MODEL_NAME) -> str:
    """Register a gated model as a new version and make it the challenger.

    Args:
        verdict: the evaluate stage's verdict (``reports/metrics.json``).
        name: the registered model's name.

    Returns:
        The new version number.

    Raises:
        RegistryError: the model failed the gate; nothing is registered.
    """
    if not verdict.get("gate_passed"):
        reasons = "; ".join(verdict.get("gate_reasons") or ["no gate verdict"])
        raise RegistryError(f"refusing to register a model that failed the gate: {reasons}")
    mlflow = connect()
    registry = mlflow.MlflowClient()
    existing = _version_of_run(registry, name, verdict["run_id"])
    if existing is not None:
        return existing  # re-running the stage must not register the same model twice
    version = mlflow.register_model(verdict["model_uri"], name).version
    run = registry.get_run(verdict["run_id"])
    tags = {
        "gate": "passed",
        "run_id": verdict["run_id"],
        "accuracy": str(verdict["accuracy"]),
        "recall": str(verdict["recall"]),
        "data_hash": run.data.tags.get("data_hash", "unknown"),
        "git_commit": run.data.tags.get("git_commit", "unknown"),
        "registered_at": _now(),
        "registered_by": _who(),
    }
    for key, value in tags.items():
        registry.set_model_version_tag(name, version, key, value)
    registry.set_registered_model_alias(name, CHALLENGER, version)
    _record(registry, name, "registered", version, f"gate passed, accuracy {verdict['accuracy']}")
    return str(version)


def promote(
    score_version, margin: float, version: str | None = None, name: str = MODEL_NAME
) -> Decision:
    """Make the challenger champion if it beats the champion by more than ``margin``.

    Args:
        score_version: a function ``(model_uri) -> accuracy`` that scores a
            model on the same fresh held-out data for both contenders.
        margin: how much better the challenger must score.
        version: the version to promote (default: the current challenger).
        name: the registered model's name.
    """
    registry = client()
    challenger = version or _alias_version(registry, name, CHALLENGER)
    if challenger is None:
        raise NothingToPromote(f"no challenger to promote: register a model first ({name})")
    tags = _version(registry, name, challenger).tags
    if tags.get("gate") != "passed":
        raise RegistryError(f"version {challenger} did not pass the quality gate; not promoting")
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


def promote_on_held_out(
    test_path, margin: float, version: str | None = None, name: str = MODEL_NAME
) -> Decision:
    """``promote``, scoring champion and challenger on the same held-out CSV."""
    from churn.evaluate import held_out_accuracy

    return promote(lambda uri: held_out_accuracy(uri, test_path), margin, version, name)


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
    if _version(registry, name, version).tags.get("gate") != "passed":
        raise RegistryError(f"version {version} did not pass the quality gate; not promoting")
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
    previous = _version(registry, name, current).tags.get("previous_champion")
    if not previous:
        raise RegistryError(f"champion version {current} has no previous champion to return to")
    registry.set_registered_model_alias(name, CHAMPION, previous)
    registry.set_model_version_tag(name, current, "rolled_back_at", _now())
    registry.set_model_version_tag(name, current, "rollback_reason", reason)
    registry.set_model_version_tag(name, current, "rolled_back_by", _who())
    _record(registry, name, "rollback", previous, f"from version {current}: {reason}")
    return previous


def status(name: str = MODEL_NAME) -> dict:
    """Return the champion and challenger versions with their metrics and tags."""
    registry = client()
    roles = {}
    for alias in (CHAMPION, CHALLENGER):
        version = _alias_version(registry, name, alias)
        roles[alias] = (
            None
            if version is None
            else {"version": version, **_version(registry, name, version).tags}
        )
    return roles


def describe_status(name: str = MODEL_NAME) -> list[str]:
    """One readable line per role: version, metrics, run and when it was registered."""
    lines = []
    for role, version in status(name).items():
        if version is None:
            lines.append(f"{role:<10} none")
            continue
        lines.append(
            f"{role:<10} {name} v{version['version']}  accuracy {version.get('accuracy')}  "
            f"recall {version.get('recall')}  run {version.get('run_id')}  "
            f"registered {version.get('registered_at')}"
        )
    return lines


def history(name: str = MODEL_NAME) -> list[dict]:
    """Return the audit events of a registered model, oldest first."""
    registry = client()
    try:
        model = registry.get_registered_model(name)
    except Exception:  # noqa: BLE001 - MLflow raises its own error when the name is unknown
        return []
    return json.loads(model.tags.get(HISTORY_TAG, "[]"))


def _record_decision(registry, name: str, decision: Decision) -> None:
    tags = {
        "promotion_checked_at": _now(),
        "promotion_decision": decision.reason,
        "challenger_score": str(decision.challenger_score),
        "champion_score": str(decision.champion_score),
    }
    for key, value in tags.items():
        registry.set_model_version_tag(name, decision.challenger, key, value)
    if not decision.promoted:
        _record(registry, name, "kept champion", decision.champion, decision.reason)
        return
    if decision.champion is not None:
        registry.set_model_version_tag(
            name, decision.challenger, "previous_champion", decision.champion
        )
    registry.set_model_version_tag(name, decision.challenger, "promoted_at", _now())
    registry.set_model_version_tag(name, decision.challenger, "promoted_by", _who())
    registry.set_registered_model_alias(name, CHAMPION, decision.challenger)
    registry.delete_registered_model_alias(name, CHALLENGER)
    _record(registry, name, "promoted", decision.challenger, decision.reason)


def _record(registry, name: str, event: str, version: str | None, detail: str) -> None:
    events = json.loads(registry.get_registered_model(name).tags.get(HISTORY_TAG, "[]"))
    events.append(
        {"at": _now(), "by": _who(), "event": event, "version": version, "detail": detail}
    )
    registry.set_registered_model_tag(name, HISTORY_TAG, json.dumps(events[-HISTORY_LENGTH:]))


def _version_of_run(registry, name: str, run_id: str) -> str | None:
    """The version already registered from this training run, if any."""
    try:
        found = registry.search_model_versions(f"name = '{name}' and tags.run_id = '{run_id}'")
    except Exception:  # noqa: BLE001 - the registered model does not exist yet
        return None
    return str(found[0].version) if found else None


def _alias_version(registry, name: str, alias: str) -> str | None:
    try:
        return str(registry.get_model_version_by_alias(name, alias).version)
    except Exception:  # noqa: BLE001 - no such alias (or model) yet
        return None


def _version(registry, name: str, version: str):
    try:
        return registry.get_model_version(name, str(version))
    except Exception as error:  # noqa: BLE001 - MLflow's RestException for a missing version
        raise RegistryError(f"model {name} has no version {version}") from error


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _who() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"
