"""params.yaml is read strictly: typos fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from churn.config import load_params
from churn.paths import PROJECT_DIR


def test_the_committed_params_load():
    params = load_params(PROJECT_DIR / "params.yaml")
    assert params.evaluate.min_accuracy == 0.85
    assert 0 < params.evaluate.min_recall < 1


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("train", "C_value", 1.0), ("train", "C", -1.0), ("ingest", "scenario", "chaos")],
)
def test_typos_and_bad_values_are_refused(tmp_path, section, key, value):
    params = yaml.safe_load((PROJECT_DIR / "params.yaml").read_text())
    params[section][key] = value
    path = Path(tmp_path / "params.yaml")
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(ValidationError):
        load_params(path)


def test_a_missing_file_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    from churn import cli

    missing = tmp_path / "nowhere.csv"
    code = cli.main(
        [
            "validate",
            "--input",
            str(missing),
            "--output",
            str(tmp_path / "o.csv"),
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 2
    assert f"No such file or directory: {missing}" in capsys.readouterr().err
