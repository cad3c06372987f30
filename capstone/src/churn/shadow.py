"""Shadow scoring: the challenger answers the live traffic beside the champion, unseen.

A challenger that passed the gate has only met its own month's held-out rows,
not the customers the service sees. In shadow it scores exactly the requests
the champion answered since the challenger was registered, read back from the
prediction log: serving is untouched and nobody sees its answers. When those
customers' outcomes arrive, both models are judged on exactly the labelled
rows: the same customers, the live traffic, the true outcomes (lesson 11).

With fewer than ``registry.shadow_min_labelled`` labelled rows the decision
waits: on a handful of rows the difference is noise. Then the registry's rule
decides (lesson 07): the challenger must win by more than the margin, and
waits for a person's approval where ``registry.needs_approval`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from churn.config import RegistryParams
from churn.monitor import FEATURES, read_labels
from churn.registry import (
    CHALLENGER,
    CHAMPION,
    DECISION_TAG,
    Decision,
    NothingToPromote,
    RegistryError,
    Role,
    promote,
    status,
)
from churn.schema import CHURN_THRESHOLD, ID_COLUMN, LABEL_COLUMN, NUMERIC_COLUMNS

SHADOW_COLUMNS = [
    ID_COLUMN,
    "logged_at",
    "champion_version",
    "champion_probability",
    "challenger_version",
    "challenger_probability",
]


@dataclass(frozen=True)
class ShadowEvidence:
    """Both models' accuracy on the labelled shadow rows, or why there is no decision yet."""

    challenger: str
    champion: str
    shadow_rows: int  # live requests the challenger scored in shadow
    labelled: int  # of those, the rows whose outcome has arrived
    ready: bool  # enough labelled rows for a decision
    champion_accuracy: float | None
    challenger_accuracy: float | None
    reason: str


def shadow_scores(
    logged: pd.DataFrame, challenger_model: Any, champion: str, challenger: str
) -> pd.DataFrame:
    """The champion's logged answers beside the challenger's, on the same requests.

    Only rows the champion answered are kept (after a rollback the log holds
    other versions' answers too), and only rows a model can score (no missing
    number).
    """
    served = logged[logged["model_version"].astype(str) == champion]
    served = served.dropna(subset=[*NUMERIC_COLUMNS, "churn_probability"])
    shadow = pd.DataFrame(
        {
            ID_COLUMN: served[ID_COLUMN].astype(str),
            "logged_at": served["logged_at"],
            "champion_version": champion,
            "champion_probability": served["churn_probability"].astype(float),
            "challenger_version": challenger,
        }
    )
    if served.empty:
        return shadow.assign(challenger_probability=pd.Series(dtype=float))
    probabilities = challenger_model.predict_proba(served[FEATURES])[:, 1]
    return shadow.assign(challenger_probability=probabilities).reset_index(drop=True)


def shadow_evidence(
    shadow: pd.DataFrame,
    labels: pd.DataFrame,
    min_labelled: int,
    champion: str,
    challenger: str,
    threshold: float = CHURN_THRESHOLD,
) -> ShadowEvidence:
    """Judge both models on exactly the shadow rows whose label has arrived (joined by id)."""
    joined = shadow.merge(labels[[ID_COLUMN, LABEL_COLUMN]], on=ID_COLUMN, how="inner")
    labelled = len(joined)
    if labelled < min_labelled:
        reason = (
            f"{labelled} of {len(shadow)} shadow rows labelled, fewer than {min_labelled}: "
            "wait for more labels"
        )
        return ShadowEvidence(
            challenger, champion, len(shadow), labelled, False, None, None, reason
        )
    left = joined[LABEL_COLUMN] == "Yes"
    champion_accuracy = float(((joined["champion_probability"] >= threshold) == left).mean())
    challenger_accuracy = float(((joined["challenger_probability"] >= threshold) == left).mean())
    reason = (
        f"on the same {labelled} labelled live rows: challenger v{challenger} "
        f"{challenger_accuracy:.4f}, champion v{champion} {champion_accuracy:.4f}"
    )
    return ShadowEvidence(
        challenger,
        champion,
        len(shadow),
        labelled,
        True,
        round(champion_accuracy, 4),
        round(challenger_accuracy, 4),
        reason,
    )


def waiting_challenger(name: str) -> tuple[Role, Role] | None:
    """The challenger waiting for a shadow decision and the champion it runs beside, if any."""
    roles = status(name)
    challenger, champion = roles[CHALLENGER], roles[CHAMPION]
    if challenger is None or champion is None or DECISION_TAG in challenger.tags:
        return None
    return challenger, champion


def score_in_shadow(
    labels_paths: Sequence[Path], params: RegistryParams, out_dir: Path
) -> ShadowEvidence:
    """Score the logged traffic since the challenger's registration with it; weigh the labels.

    Writes the shadow table to ``<out_dir>/v<challenger>.csv``.

    Raises:
        NothingToPromote: no challenger waits for a shadow decision.
    """
    from churn import paths
    from churn.serve.prediction_log import read_predictions
    from churn.tracking import connect

    waiting = waiting_challenger(params.model_name)
    if waiting is None:
        raise NothingToPromote(
            f"no challenger waits for a shadow decision ({params.model_name}): "
            "a champion and an undecided challenger are needed"
        )
    challenger, champion = waiting
    logged = read_predictions(paths.predictions_dir(), since=challenger.record.registered_at)
    connect()
    import mlflow.sklearn

    model = mlflow.sklearn.load_model(f"models:/{params.model_name}/{challenger.version}")
    if logged.empty:
        shadow = pd.DataFrame(columns=SHADOW_COLUMNS)
    else:
        shadow = shadow_scores(logged, model, champion.version, challenger.version)
    out_dir.mkdir(parents=True, exist_ok=True)
    shadow.to_csv(out_dir / f"v{challenger.version}.csv", index=False)
    labels = pd.concat([read_labels(path) for path in labels_paths], ignore_index=True)
    return shadow_evidence(
        shadow, labels, params.shadow_min_labelled, champion.version, challenger.version
    )


def promote_on_shadow(
    labels_paths: Sequence[Path], params: RegistryParams, out_dir: Path
) -> tuple[ShadowEvidence, Decision | None]:
    """Decide on the shadow evidence; no decision (None) while too few rows are labelled."""
    evidence = score_in_shadow(labels_paths, params, out_dir)
    if not evidence.ready:
        return evidence, None
    scores = {
        f"models:/{params.model_name}/{evidence.challenger}": evidence.challenger_accuracy,
        f"models:/{params.model_name}/{evidence.champion}": evidence.champion_accuracy,
    }

    def scored(uri: str) -> float:
        score = scores.get(uri)
        if score is None:
            raise RegistryError(f"{uri} was not scored in shadow: the roles changed; run it again")
        return score

    decision = promote(
        scored,
        params.margin,
        version=evidence.challenger,
        name=params.model_name,
        needs_approval=params.needs_approval,
        evidence=f"{evidence.labelled} labelled live rows, scored in shadow",
    )
    return evidence, decision
