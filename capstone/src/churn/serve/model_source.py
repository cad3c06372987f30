"""Where the served model comes from: the registry alias, watched for changes.

At startup the service loads ``models:/<name>@<alias>``. The app's watcher
then calls ``refresh`` every few seconds: where does the alias point now? When
it moves, the new version is loaded beside the old one and a single
reference is swapped. A request already scoring keeps the model it started
with, so nothing in flight fails during a promotion or a rollback.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model and where it came from."""

    model: Any  # a fitted sklearn Pipeline
    name: str
    version: str
    alias: str | None
    run_id: str | None
    model_uri: str
    loaded_at: str

    def predict(self, features: pd.DataFrame) -> list[float]:
        """Churn probability of each row of a DataFrame."""
        scores: list[float] = self.model.predict_proba(features)[:, 1].tolist()
        return scores


class ModelSource:
    """Holds the model being served and replaces it when the registry alias moves.

    Args:
        name: the registered model's name.
        alias: the alias to serve (``champion``).
        tracking_uri: the MLflow tracking (and registry) store.
        fixed_uri: serve this one model instead and never watch the registry
            (a model baked into an image, or a folder mounted into a container).
    """

    def __init__(self, name: str, alias: str, tracking_uri: str, fixed_uri: str | None = None):
        self.name = name
        self.alias = alias
        self.tracking_uri = tracking_uri
        self.fixed_uri = fixed_uri
        self.current: LoadedModel | None = None
        self.problem: str | None = "not loaded yet"

    def refresh(self) -> bool:
        """Load the alias's version if it is not the one served; return True if it changed.

        Blocking (registry call, model load): run it in a thread from async code.
        Failures are kept in ``problem`` and the current model keeps serving.
        """
        try:
            changed = self._load_fixed(self.fixed_uri) if self.fixed_uri else self._load_alias()
        except Exception as error:  # noqa: BLE001 - any registry or load failure: keep serving
            self.problem = f"{type(error).__name__}: {error}"
            log.warning("could not refresh the model: %s", self.problem)
            return False
        self.problem = None
        return changed

    def _load_alias(self) -> bool:
        mlflow = _mlflow(self.tracking_uri)
        found = mlflow.MlflowClient().get_model_version_by_alias(self.name, self.alias)
        version = str(found.version)
        if self.current is not None and self.current.version == version:
            return False
        model_uri = f"models:/{self.name}/{version}"
        self._swap(
            LoadedModel(
                model=mlflow.sklearn.load_model(model_uri),
                name=self.name,
                version=version,
                alias=self.alias,
                run_id=found.run_id,
                model_uri=model_uri,
                loaded_at=_now(),
            )
        )
        return True

    def _load_fixed(self, model_uri: str) -> bool:
        if self.current is not None:
            return False
        mlflow = _mlflow(self.tracking_uri)
        from mlflow.models import Model

        run_id = Model.load(model_uri).run_id
        self._swap(
            LoadedModel(
                model=mlflow.sklearn.load_model(model_uri),
                name=self.name,
                version=_registered_version(model_uri),
                alias=None,
                run_id=run_id,
                model_uri=model_uri,
                loaded_at=_now(),
            )
        )
        return True

    def _swap(self, loaded: LoadedModel) -> None:
        self.current = loaded  # one reference: requests in flight keep the old model
        # The model and MLflow leave ~300k long-lived objects; without freezing them a
        # full garbage collection pass costs ~0.2 s in the middle of some request.
        gc.collect()
        gc.freeze()


def _registered_version(model_folder: str) -> str:
    """The registry version a downloaded model came from, or ``fixed`` if unknown."""
    import yaml

    meta = Path(model_folder) / "registered_model_meta"
    if meta.is_file():
        return str(yaml.safe_load(meta.read_text()).get("model_version", "fixed"))
    return "fixed"


def _mlflow(tracking_uri: str) -> ModuleType:
    """MLflow pointed at the store (imported here: it costs seconds)."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    return mlflow


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
