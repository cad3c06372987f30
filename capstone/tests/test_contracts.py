"""The hand-off files keep the shapes their readers rely on, and a bad one says what is wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from churn.config import EvaluateParams
from churn.contracts import (
    ContractError,
    GateVerdict,
    Problem,
    Registration,
    RegistryEvent,
    RunRecord,
    Scores,
    SliceScores,
    ValidationReport,
    VersionRecord,
)

RUN = RunRecord(run_id="abc123", model_uri="models:/m-1", tracking_uri="sqlite:///x.db")
GATE = EvaluateParams(min_accuracy=0.85, min_recall=0.7)


def test_a_gate_verdict_stays_flat_for_dvc_metrics_and_ci(tmp_path):
    """`dvc metrics show` and lesson 06's CI read the scores at the top level."""
    scores = Scores(accuracy=0.8, recall=0.75, precision=0.6, test_rows=1000)
    slices = {"One year": SliceScores(rows=200, churners=3, accuracy=0.97, recall=None)}
    verdict = GateVerdict.judge(scores, ["accuracy 0.8000 is below 0.85"], GATE, RUN, slices)
    verdict.write(tmp_path / "metrics.json")
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert list(written) == [
        "accuracy",
        "recall",
        "precision",
        "test_rows",
        "gate_passed",
        "gate_reasons",
        "thresholds",
        "run_id",
        "model_uri",
        "slices",
    ]
    assert written["accuracy"] == 0.8 and written["gate_passed"] is False
    assert written["thresholds"] == {
        "min_accuracy": 0.85,
        "min_recall": 0.7,
        "slice_column": "Contract",
        "slice_tolerance": 0.05,
        "min_slice_churners": 20,
    }
    assert written["slices"]["One year"] == {
        "rows": 200,
        "churners": 3,
        "accuracy": 0.97,
        "recall": None,
    }
    assert GateVerdict.read(tmp_path / "metrics.json") == verdict


def test_the_registration_and_validation_files_keep_their_shape(tmp_path):
    Registration(name="churn", version="1").write(tmp_path / "registration.json")
    assert json.loads((tmp_path / "registration.json").read_text()) == {
        "name": "churn",
        "version": "1",
    }
    problem = Problem(column="tenure", check="out of range", count=1, examples=("240",))
    report = ValidationReport(source="raw.csv", rows=3, valid=False, problems=(problem,))
    report.write(tmp_path / "validation.json")
    written = json.loads((tmp_path / "validation.json").read_text())
    assert list(written)[:3] == ["source", "rows", "valid"]
    assert written["problems"][0]["examples"] == ["240"]


def test_a_file_that_is_not_the_contract_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"accuracy": "high", "gate_passed": True}))
    with pytest.raises(ContractError) as error:
        GateVerdict.read(path)
    message = str(error.value)
    assert str(path) in message and "GateVerdict" in message
    assert "accuracy" in message and "run_id" in message  # the bad field and a missing one


def test_a_verdict_cannot_pass_with_reasons_or_fail_without():
    scores = Scores(accuracy=0.9, recall=0.8, precision=0.7, test_rows=100)
    fields = {**scores.model_dump(), "thresholds": GATE, "run_id": "r", "model_uri": "m"}
    for passed, reasons in ((True, ("recall too low",)), (False, ())):
        with pytest.raises(ValidationError, match="gate_passed must be true exactly when"):
            GateVerdict(**fields, gate_passed=passed, gate_reasons=reasons)


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError, match="gate_pased"):
        Registration.model_validate({"name": "churn", "version": "1", "gate_pased": True})


def test_a_version_record_goes_to_tags_and_back():
    record = VersionRecord(
        gate="passed",
        run_id="abc123",
        data_hash="0" * 32,
        git_commit="deadbeef-dirty",
        registered_at=datetime(2026, 11, 3, 9, 14, 2, tzinfo=UTC),
        registered_by="ana",
    )
    tags = record.to_tags()
    assert all(isinstance(value, str) for value in tags.values())
    # Other tags on the version (promotion, rollback, a person's note) are not the record.
    assert VersionRecord.from_tags({**tags, "note": "checked by Bo"}) == record
    del tags["data_hash"]
    with pytest.raises(ValidationError, match="data_hash"):
        VersionRecord.from_tags(tags)


def test_a_version_record_writes_no_tag_for_a_missing_value():
    """Lesson 07's pitfall: the text "None" in a tag reads back as a value."""
    record = VersionRecord(
        gate="passed",
        run_id="abc123",
        data_hash="0" * 32,
        git_commit="deadbeef",
        registered_at=datetime(2026, 11, 3, tzinfo=UTC),
        registered_by="ana",
        data_month=None,
    )
    assert "data_month" not in record.to_tags() and "None" not in record.to_tags().values()
    assert VersionRecord.from_tags(record.to_tags()).data_month is None
    month = record.model_copy(update={"data_month": 4}).to_tags()
    assert month["data_month"] == "4" and VersionRecord.from_tags(month).data_month == 4


def test_a_registry_event_keeps_its_reason_whole():
    reason = "checked 50 customers of the new call list with the retention team; " * 20
    event = RegistryEvent(
        at=datetime(2026, 11, 3, tzinfo=UTC), by="ana", event="approved", version="2", reason=reason
    )
    assert RegistryEvent.model_validate_json(event.model_dump_json()).reason == reason
