"""Edits to params.yaml that keep its comments: a new data version, a setting changed.

Retraining moves ``ingest.month``, the nightly run sets the month after the
champion's, and the story turns on the approval step in its own copy. Each edit
goes through a round-trip YAML editor (comments, order and spacing stay), and the
result must still be valid params before anything is written.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.representer import RoundTripRepresenter

from churn.config import Params


def edit_params(params_path: Path, changes: Mapping[str, Mapping[str, Any]]) -> None:
    """Set ``changes`` (section -> key -> value) in a params file, keeping its comments.

    Raises:
        ValueError: a section is missing, or the new values are not valid params
            (nothing is written then).
    """
    yaml = _round_trip_yaml()
    document: Any = yaml.load(params_path.read_text())
    for section, values in changes.items():
        if not isinstance(document, dict) or not isinstance(document.get(section), dict):
            raise ValueError(f"{params_path} has no {section} section")
        for key, value in values.items():
            document[section][key] = value
    Params.model_validate(document)  # refuse a bad edit before writing it
    text = io.StringIO()
    yaml.dump(document, text)
    params_path.write_text(text.getvalue())


def set_data_version(params_path: Path, month: int, scenario: str | None = None) -> None:
    """Point the ``ingest`` section of params.yaml at another month (and scenario)."""
    ingest: dict[str, Any] = {"month": month}
    if scenario is not None:
        ingest["scenario"] = scenario
    edit_params(params_path, {"ingest": ingest})


class _KeepNull(RoundTripRepresenter):
    """Writes None as ``null``, as params.yaml spells it (ruamel would leave it blank)."""


_KeepNull.add_representer(
    type(None), lambda dumper, _: dumper.represent_scalar("tag:yaml.org,2002:null", "null")
)


def _round_trip_yaml() -> YAML:
    """A YAML editor that keeps comments, order and spacing."""
    yaml = YAML()  # round-trip mode
    yaml.Representer = _KeepNull
    return yaml
