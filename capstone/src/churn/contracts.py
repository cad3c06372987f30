"""What crosses a boundary between the capstone's stages: one typed class per hand-off.

Every file one stage writes and another reads, and every record the registry
keeps, is one class here. The writer and every reader use that same class, so
a field cannot be renamed on one side only, a number cannot come back as text,
and a malformed file fails where it is read, naming the field.

=====================  ===================  =========================  =============================
class                  written by           read by                    where
=====================  ===================  =========================  =============================
``ValidationReport``   validate             people, CI (lesson 06)     ``reports/validation.json``
``RunRecord``          train                evaluate                   ``models/run.json``
``GateVerdict``        evaluate             register, story, CI        ``reports/metrics.json``
``Registration``       register             CI (lesson 06)             ``reports/registration.json``
``VersionRecord``      register             monitor, status, shadow    a registry version's tags
``RegistryEvent``      every registry move  ``history``, people        one ``event.NNNN`` model tag
``MonitoringVerdict``  monitor              retraining, /metrics       ``<state>/monitoring/*.json``
``RetrainingState``    retraining policy    retraining policy          ``<state>/retraining.json``
=====================  ===================  =========================  =============================

To extend a contract, add a field with a default: files written before still
read. Unknown fields are refused, so a typo in a writer fails its first test.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from churn.config import EvaluateParams


class ContractError(ValueError):
    """A file that should hold a contract does not: says which file, class and field."""


class Contract(BaseModel):
    """A frozen, strict record that reads and writes itself as JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def read(cls, path: Path) -> Self:
        """Read and check a JSON file written by ``write``.

        Raises:
            FileNotFoundError: there is no such file.
            ContractError: the file is not this contract (names the field).
        """
        try:
            return cls.model_validate_json(path.read_text())
        except ValidationError as error:
            raise ContractError(f"{path} is not a valid {cls.__name__}:\n{error}") from error

    def write(self, path: Path) -> None:
        """Write as indented JSON, creating the folder if needed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n")


# --- the pipeline's files ---------------------------------------------------------------


class Problem(Contract):
    """One failing column and check of a rejected batch."""

    column: str
    check: str
    count: int = Field(ge=0, description="failing rows; 0 for a table-level problem")
    examples: tuple[str, ...] = Field(description="up to three failing values")


class ValidationReport(Contract):
    """The validate stage's report on one batch."""

    source: str
    rows: int = Field(ge=0)
    valid: bool
    problems: tuple[Problem, ...]


class RunRecord(Contract):
    """The MLflow run a training produced: what the evaluate stage adds its metrics to."""

    run_id: str
    model_uri: str
    tracking_uri: str


class Scores(Contract):
    """A model's scores on a held-out set."""

    accuracy: float = Field(ge=0, le=1)
    recall: float = Field(ge=0, le=1, description="share of real churners caught")
    precision: float = Field(ge=0, le=1)
    test_rows: int = Field(gt=0)


class SliceScores(Contract):
    """A model's scores on one slice of the held-out customers (one contract type, say)."""

    rows: int = Field(gt=0)
    churners: int = Field(ge=0)
    accuracy: float = Field(ge=0, le=1)
    recall: float | None = Field(ge=0, le=1, description="None: no churner to catch")


class GateVerdict(Scores):
    """The evaluate stage's verdict: scores, whether the gate passed and why not.

    Only a model whose verdict passed may be registered. ``dvc metrics show``
    reads the scores from the same file, so they stay at its top level; the
    slices (lesson 05) follow the verdict.
    """

    gate_passed: bool
    gate_reasons: tuple[str, ...] = Field(description="why the gate failed; empty if it passed")
    thresholds: EvaluateParams
    run_id: str
    model_uri: str
    slices: dict[str, SliceScores] = Field(
        default_factory=dict, description="scores per value of thresholds.slice_column"
    )

    @model_validator(mode="after")
    def _passed_means_no_reasons(self) -> Self:
        if self.gate_passed == bool(self.gate_reasons):
            raise ValueError("gate_passed must be true exactly when gate_reasons is empty")
        return self

    @classmethod
    def judge(
        cls,
        scores: Scores,
        reasons: list[str],
        thresholds: EvaluateParams,
        run: RunRecord,
        slices: Mapping[str, SliceScores] | None = None,
    ) -> Self:
        """The verdict on a run's model: its scores and the gate's reasons (none: passed)."""
        return cls(
            **scores.model_dump(),
            gate_passed=not reasons,
            gate_reasons=tuple(reasons),
            thresholds=thresholds,
            run_id=run.run_id,
            model_uri=run.model_uri,
            slices=dict(slices or {}),
        )


class Registration(Contract):
    """Which registry version the register stage created (or found) for the verdict's run."""

    name: str
    version: str


# --- the registry's records ---------------------------------------------------------------


class VersionRecord(Contract):
    """Where a registered version came from, kept as tags on the version.

    MLflow keeps tags as text. This class is the only code that writes or reads
    these tags, and it holds no scores: numbers stay in the training run's
    metrics, where MLflow keeps them as numbers.
    """

    gate: Literal["passed"]
    run_id: str
    data_hash: str = Field(description="md5 of the training split: its DVC data version")
    git_commit: str = Field(description="the code's commit, -dirty if files had changed")
    registered_at: datetime
    registered_by: str
    data_month: int | None = Field(
        default=None, ge=0, description="the data world's month it was trained on (ingest.month)"
    )
    data_scenario: str | None = None

    def to_tags(self) -> dict[str, str]:
        """The record as MLflow tags; a field with no value writes no tag (never "None")."""
        dumped = self.model_dump(mode="json", exclude_none=True)
        return {key: str(value) for key, value in dumped.items()}

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> Self:
        """Read the record back from a version's tags (other tags are ignored)."""
        return cls.model_validate({key: tags[key] for key in cls.model_fields if key in tags})


RegistryEventKind = Literal[
    "registered", "promoted", "not promoted", "awaiting approval", "approved", "rolled back"
]


class RegistryEvent(Contract):
    """One move in the registry's audit trail: who did what to which version, when and why.

    Each event is one registered-model tag of its own, ``event.0001``,
    ``event.0002``, ... (lesson 07): a tag stays small and is stored whole, and
    the numbers keep the order when clocks disagree.
    """

    at: datetime
    by: str
    event: RegistryEventKind
    version: str | None
    reason: str = Field(description="why, whole, as the person or the rule gave it")
    challenger_score: float | None = None
    champion_score: float | None = None
    evidence: str | None = Field(
        default=None, description="what the scores were measured on, e.g. 1000 shadow rows"
    )
    replaced: str | None = Field(default=None, description="the version that lost the champion")


# --- monitoring and retraining ----------------------------------------------------------


class ColumnDrift(Contract):
    """One column's drift: the distance, the method that measured it, the threshold.

    ``score`` is None when the column could not be judged in this window (too
    few usable values, or a reference with a single value); ``note`` says why.
    """

    score: float | None
    method: str
    threshold: float
    drifted: bool
    note: str | None = None


class MonitoringVerdict(Contract):
    """What monitoring concluded about one window of production traffic.

    The retraining policy decides from it, and the service's /metrics shows
    the latest one (``checked_at``, ``data_drift``, each column's ``score``,
    ``accuracy``, ``baseline_accuracy``, how many ``problems``). A window with
    unusable values still gets a verdict: ``problems`` says what was left out.
    """

    window: str
    checked_at: datetime
    rows: int = Field(gt=0)
    model_version: str
    columns: dict[str, ColumnDrift]
    drifted_columns: tuple[str, ...]
    data_drift: bool
    labelled_rows: int = 0
    labelled_until: datetime | None = Field(
        default=None, description="when the newest labelled answer was logged"
    )
    accuracy: float | None = None
    baseline_accuracy: float | None = None
    performance_drop: bool = False
    problems: tuple[str, ...] = Field(default=(), description="what in the window was unusable")
    alerts: tuple[str, ...] = ()
    report: str | None = None


class RetrainingState(Contract):
    """The retraining policy's memory between windows (lesson 11's rules).

    ``windows_since_retrain`` counts the windows checked since the last
    retrain (None: never retrained), for the cooldown; ``last_window`` is the
    last window judged, so judging it again does not count twice.
    ``retrained_at`` tells labels the last retrain already saw from newer
    ones, and ``failed_gates_in_a_row`` stops the loop for a person.
    """

    windows_since_retrain: int | None = Field(default=None, ge=0)
    last_window: str | None = None
    retrained_at: datetime | None = None
    failed_gates_in_a_row: int = Field(default=0, ge=0)
