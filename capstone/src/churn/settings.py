"""Everything the capstone reads from the environment, in one object, read once.

Tunables live in params.yaml (``churn.config``); what differs between a laptop,
CI and a container lives in environment variables, and only this module reads
them: where the state folder is, which MLflow store to use, where DVC's remote
is, a model to serve instead of the registry's champion, and who acts in CI.
``settings()`` reads them on first use and returns the same object afterwards (a
test that changes the environment calls ``settings.cache_clear()``).
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The capstone's environment variables, checked once.

    Each field is read from the variable of the same name in capitals. An empty
    variable counts as unset: CI passes ``MLFLOW_TRACKING_URI: ${{ secrets... }}``,
    which is empty when the secret does not exist.
    """

    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="ignore")

    churn_state_dir: Path | None = Field(default=None, description="the capstone's state folder")
    course_workspace: Path | None = Field(
        default=None, description="the course's workspace; state goes to its capstone/ folder"
    )
    mlflow_tracking_uri: str | None = Field(
        default=None, description="the MLflow store (default: SQLite in the state folder)"
    )
    dvc_remote_url: str | None = Field(
        default=None, description="DVC's remote, e.g. s3://bucket/churn (default: a folder)"
    )
    churn_model_uri: str | None = Field(
        default=None, description="serve this model instead of the registry's champion"
    )
    github_actor: str | None = Field(
        default=None, description="who triggered a GitHub Actions job: the audit trail's 'by'"
    )


@functools.cache
def settings() -> Settings:
    """The environment's settings, read on the first call and the same object afterwards."""
    return Settings()
