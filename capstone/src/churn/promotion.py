"""Promotion on held-out data: the registry's rule, scored by the evaluate stage's scorer.

Kept apart from ``registry`` so the register stage does not run the evaluation
code (``dvc.yaml`` lists what each stage runs). Held-out rows decide where there
is no live traffic yet (the first champion, a CI run); where there is, the
challenger runs in shadow first (``churn.shadow``).
"""

from __future__ import annotations

from pathlib import Path

from churn.config import RegistryParams
from churn.evaluate import held_out_accuracy
from churn.registry import Decision, promote


def promote_on_held_out(
    test_path: Path, params: RegistryParams, version: str | None = None
) -> Decision:
    """``registry.promote``, scoring champion and challenger on the same held-out CSV."""
    rows = len(test_path.read_text().splitlines()) - 1  # the header is not a customer
    return promote(
        lambda uri: held_out_accuracy(uri, test_path),
        params.margin,
        version,
        params.model_name,
        needs_approval=params.needs_approval,
        evidence=f"{rows} held-out rows of {test_path.name}",
    )
