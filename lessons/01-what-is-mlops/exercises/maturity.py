"""Exercise: where does a team stand? An MLOps maturity self-assessment.

Level 0 (manual): notebooks, manual deployment, nothing tracked.
Level 1 (ML pipeline automation): data is versioned, experiments are tracked
and training runs automatically.
Level 2 (CI/CD pipeline automation): on top of level 1, every change runs the
pipeline, an automated quality gate decides what ships, and production is
monitored.

A level counts only when *all* its practices are in place, and levels build
on each other: level-2 practices without level 1 are still level 0.
"""

from __future__ import annotations

LEVEL_0 = frozenset({"notebooks", "manual_deployment"})
LEVEL_1 = frozenset({"versioned_data", "tracked_experiments", "automated_training"})
LEVEL_2_EXTRA = frozenset({"ci_on_every_change", "automated_quality_gate", "production_monitoring"})

# Every practice name the assessment knows.
PRACTICES = LEVEL_0 | LEVEL_1 | LEVEL_2_EXTRA


def maturity_level(practices: set[str]) -> int:
    """Return a team's MLOps maturity level: 0, 1 or 2.

    Args:
        practices: the names (from PRACTICES) of what the team does today.

    Returns:
        2 if the team has every LEVEL_1 and every LEVEL_2_EXTRA practice,
        1 if it has every LEVEL_1 practice, else 0.

    Raises:
        ValueError: a name is not in PRACTICES; the message names every unknown name.
    """
    # TODO: find every name not in PRACTICES; raise ValueError naming them all
    raise NotImplementedError('TODO: find every name not in PRACTICES; raise ValueError naming them all')
    # TODO: a level needs ALL its practices (issubset); level 2 needs level 1
    raise NotImplementedError('TODO: a level needs ALL its practices (issubset); level 2 needs level 1')
