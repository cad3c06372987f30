"""Promotion on held-out data: the registry's rule, scored by the evaluate stage's scorer.

Kept apart from ``registry`` so the register stage does not run the evaluation
code (``dvc.yaml`` lists what each stage runs).
"""

from __future__ import annotations

from pathlib import Path

from churn.evaluate import held_out_accuracy
from churn.registry import MODEL_NAME, Decision, promote


def promote_on_held_out(
    test_path: Path, margin: float, version: str | None = None, name: str = MODEL_NAME
) -> Decision:
    """``registry.promote``, scoring champion and challenger on the same held-out CSV."""
    return promote(lambda uri: held_out_accuracy(uri, test_path), margin, version, name)
