"""The pipeline's tunables, read from params.yaml into a strict, frozen model.

A typo in params.yaml (an unknown key, a wrong type) fails loudly instead of
being silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestParams(_Section):
    """Which month of data arrives."""

    month: int = Field(ge=0)
    rows: int = Field(gt=0)
    seed: int
    scenario: Literal["none", "price_increase", "concept_shift", "schema_break"]


class FeaturizeParams(_Section):
    """How the held-out test set is split off."""

    test_share: float = Field(gt=0, lt=1)
    split_seed: int


class TrainParams(_Section):
    """The logistic regression's settings."""

    C: float = Field(gt=0)
    max_iter: int = Field(gt=0)
    class_weight: Literal["balanced"] | None = None


class EvaluateParams(_Section):
    """The quality gate a model must pass, overall and on each slice (lesson 05's rules)."""

    min_accuracy: float = Field(ge=0, le=1)
    min_recall: float = Field(ge=0, le=1)
    slice_column: str = "Contract"
    slice_tolerance: float = Field(default=0.05, ge=0, le=1)
    min_slice_churners: int = Field(default=20, ge=1)


class RegistryParams(_Section):
    """How the registry names the model and when a challenger may replace the champion."""

    model_name: str = Field(min_length=1)
    margin: float = Field(ge=0, le=1)
    needs_approval: bool = False
    shadow_min_labelled: int = Field(default=1000, gt=0)


class MonitorParams(_Section):
    """How drift and performance are judged: named methods, thresholds above the noise."""

    numeric_method: Literal["wasserstein", "psi", "ks"] = "wasserstein"
    numeric_threshold: float = Field(default=0.1, gt=0)
    categorical_method: Literal["jensenshannon", "psi", "chisquare"] = "jensenshannon"
    categorical_threshold: float = Field(default=0.1, gt=0)
    min_rows: int = Field(default=1000, gt=0)  # fewer rows: too noisy to judge drift
    max_accuracy_drop: float = Field(default=0.05, ge=0, le=1)


class RetrainParams(_Section):
    """When a monitoring verdict may trigger retraining."""

    on_data_drift: bool = True
    on_performance_drop: bool = True
    every_windows: int | None = Field(default=None, gt=0)  # a schedule, or None
    cooldown_windows: int = Field(default=1, ge=0)  # windows drift waits after a retrain
    max_failed_gates: int = Field(default=3, gt=0)  # then stop retraining and call a person


class Params(_Section):
    """All of params.yaml."""

    ingest: IngestParams
    featurize: FeaturizeParams
    train: TrainParams
    evaluate: EvaluateParams
    registry: RegistryParams
    monitor: MonitorParams = MonitorParams()
    retrain: RetrainParams = RetrainParams()


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and check params.yaml; raise ``pydantic.ValidationError`` on a typo."""
    return Params.model_validate(yaml.safe_load(Path(path).read_text()))
