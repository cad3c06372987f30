"""The capstone end to end, on embedded defaults, telling where every result is."""

from __future__ import annotations

import json
import time
from pathlib import Path

from churn import paths
from churn.dvc_tools import configure_storage, dvc
from churn.tracking import tracking_uri


def run_story(project: Path | None = None) -> int:
    """Run the pipeline with DVC, push the data version, print a summary; return 0 or 1."""
    project = (project or paths.PROJECT_DIR).resolve()
    started = time.monotonic()
    _say("1. Storage", f"DVC cache {paths.dvc_cache_dir()}, remote {paths.dvc_remote_dir()}")
    print(f"   MLflow tracking store {tracking_uri()}")
    configure_storage(project)

    _say(
        "2. Pipeline", "dvc repro: ingest -> validate -> featurize -> train -> evaluate -> register"
    )
    repro = dvc(["repro"], project, check=False)
    print(_indent(repro.stdout + repro.stderr))
    if repro.returncode != 0:
        print("The pipeline stopped: see the messages above. Nothing downstream ran.")
        return 1
    dvc(["push", "--quiet"], project)
    print(f"   pushed this data version to {paths.dvc_remote_dir()}")

    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    _say(
        "3. Results",
        f"accuracy {metrics['accuracy']:.3f}, churn recall {metrics['recall']:.3f}, "
        f"gate {'passed' if metrics['gate_passed'] else 'FAILED'}",
    )
    print(f"   MLflow run {metrics['run_id']} (model {metrics['model_uri']})")
    print(f"   see it: mlflow ui --backend-store-uri {tracking_uri()} --host 127.0.0.1")
    for label, relative in (
        ("raw data", "data/raw/customers.csv"),
        ("validation report", "reports/validation.json"),
        ("train / test splits", "data/processed/"),
        ("model", "models/model.joblib"),
        ("MLflow run record", "models/run.json"),
        ("metrics and gate verdict", "reports/metrics.json"),
        ("registration record", "reports/registration.json"),
        ("pipeline lock (hashes of every dep and out)", "dvc.lock"),
    ):
        print(f"   {label:<45} {project / relative}")
    _promote_and_report(project)
    print(f"\nDone in {time.monotonic() - started:.1f} s.")
    return 0


def _promote_and_report(project: Path) -> None:
    """Give the registered challenger its chance, then show who serves production."""
    from churn.config import load_params
    from churn.registry import RegistryError, describe_status, promote_on_held_out

    params = load_params(project / "params.yaml").registry
    test = project / "data" / "processed" / "test.csv"
    _say("4. Registry", f"model '{params.model_name}', promotion margin {params.margin}")
    try:
        decision = promote_on_held_out(test, params.margin, name=params.model_name)
        print(f"   version {decision.challenger}: {decision.reason}")
    except RegistryError as nothing_to_do:
        print(f"   {nothing_to_do}")
    for line in describe_status(params.model_name):
        print(f"   {line}")


def _say(title: str, detail: str) -> None:
    print(f"\n== {title}\n   {detail}")


def _indent(text: str) -> str:
    return "\n".join(f"   | {line}" for line in text.strip().splitlines())
