"""Exercise: where does a team stand? An MLOps maturity self-assessment.

The levels follow Google Cloud's guide *MLOps: Continuous delivery and
automation pipelines in machine learning*:

Level 0 (manual process): notebooks, training run by hand, models handed over
and deployed by hand, nothing watching them in production.
Level 1 (ML pipeline automation): the training pipeline runs on its own
(continuous training, on a schedule, new data or an alert), with automated
data and model validation deciding whether a new model may serve; each run's
data and parameters are recorded, and production is monitored, which is what
can trigger the next run.
Level 2 (CI/CD pipeline automation): on top of level 1, the pipeline itself is
software delivered by CI/CD: every change to its code is built and tested, and
the tested pipeline is deployed to production automatically.

A level counts only when *all* its practices are in place, and levels build
on each other: level-2 practices without level 1 are still level 0.
"""

from __future__ import annotations

LEVEL_0 = frozenset({"notebooks", "manual_deployment"})
LEVEL_1 = frozenset(
    {
        "versioned_data",
        "tracked_experiments",
        "automated_training",
        "automated_validation",
        "production_monitoring",
    }
)
LEVEL_2_EXTRA = frozenset({"ci_on_every_change", "automated_pipeline_deployment"})

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
    # BEGIN SOLUTION hint: collect every name the assessment does not know, and refuse them all in one error that lists each
    unknown = sorted(set(practices) - PRACTICES)
    if unknown:
        raise ValueError(f"unknown practices: {', '.join(unknown)}")
    # END SOLUTION
    # BEGIN SOLUTION hint: a level needs every one of its practices, not most of them; level 2 also needs all of level 1
    if not LEVEL_1 <= set(practices):
        return 0
    if not LEVEL_2_EXTRA <= set(practices):
        return 1
    return 2
    # END SOLUTION
