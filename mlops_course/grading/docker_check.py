"""Lesson 09 for real: build the learner's image offline, run it, ask it, remove it.

The grading tests of lesson 09 read the Dockerfile and compose file as data; they
run inside the sandboxed grading process, which has no Docker socket. What only
running can show (the image builds from the pinned wheels with no network, the
container becomes healthy, the baked model answers ``/predict``, the compose
file's healthcheck program exists in the image) is checked here, on the trusted
side: by ``course grade --docker`` for a class, by the course's CI, and by
``python -m mlops_course.grading.docker_check`` for a learner's own copy.

The build context is put together in a scratch folder: the learner's
``Dockerfile`` and ``.dockerignore``, and the course's own files: the pinned
``requirements.txt``, the wheels and the churn service's wheel that
``make image-wheels`` downloads and builds, ``params.yaml``, and a small churn
model trained here. The build runs with ``--network=none`` and the commit as
the build argument ``GIT_COMMIT``; the container runs with no network, no
capabilities, and is probed with ``docker exec``. Containers are removed after
each check, images at the end of a class.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlops_course.workspace import COURSE_ROOT

log = logging.getLogger(__name__)

LESSON = "09"
BASE_IMAGES = ("local/python:3.11-bookworm", "python:3.11-slim")  # never pulled
IMAGE_BUILD = COURSE_ROOT / "capstone" / "build"  # `make image-wheels` fills it
GIVEN = COURSE_ROOT / "solutions" / "09-containers-with-docker" / "exercises"
PARAMS = COURSE_ROOT / "capstone" / "params.yaml"
MODEL_VERSION = "9"  # written into the baked model's metadata; the service reports it
MODEL_NAME = "churn"
FALLBACK_COMMIT = "0123456789abcdef0123456789abcdef01234567"
BUILD_TIMEOUT = 1200.0
HEALTH_TIMEOUT = 180.0
REVISION = "org.opencontainers.image.revision"
RUN_OPTIONS = (
    "--network=none",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--pids-limit=512",
    "--memory=2g",
)


@dataclass(frozen=True)
class Check:
    """One graded property of the running image."""

    name: str
    exercise: str
    points: float
    hint: str


CHECKS = (
    Check(
        "image_builds_offline",
        "Dockerfile",
        2,
        "The build has no network: everything it installs must come from the build context.",
    ),
    Check(
        "image_is_labelled_with_the_commit",
        "Dockerfile",
        1,
        "The commit arrives as a build argument; only an argument declared in the final stage "
        "reaches its labels.",
    ),
    Check(
        "container_becomes_healthy",
        "Dockerfile",
        2,
        "The container must start, and its health check must reach the service: read the "
        "logs and the health log the message shows.",
    ),
    Check(
        "container_answers_with_the_baked_model",
        "Dockerfile",
        3,
        "The service must find the model folder where its command says it is, and be able "
        "to read it.",
    ),
    Check(
        "container_runs_as_a_user_that_is_not_root",
        "Dockerfile",
        1,
        "The final stage must switch to an unprivileged user.",
    ),
    Check(
        "compose_healthchecks_use_programs_the_image_has",
        "compose.yaml",
        1,
        "A healthcheck runs inside the container: its program must exist in this image.",
    ),
    Check(
        "compose_server_volume_is_writable_by_the_image_user",
        "compose.yaml",
        1,
        "A new named volume starts as a copy of the image's folder at its mount point, owner "
        "included: mount it on a folder the image prepared for its user.",
    ),
)
POINTS = sum(check.points for check in CHECKS)

Record = dict[str, Any]  # one check's outcome, in the grading runner's format
Result = tuple[bool, str]  # passed, and what to tell the learner when not


class DockerUnavailable(RuntimeError):
    """No Docker daemon answers, no base image is here, or the wheels were never fetched."""


@dataclass
class ImageReport:
    """What checking one learner's image found: one record per check, and the timings."""

    records: list[Record] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)  # untagged images the build left

    @property
    def earned(self) -> float:
        """Points earned by the image."""
        return float(sum(record["earned"] for record in self.records))


def docker_ready() -> str:
    """Return the base image to build on; raise DockerUnavailable saying what is missing."""
    if shutil.which("docker") is None:
        raise DockerUnavailable("there is no `docker` command on PATH")
    info = _docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    if info.returncode != 0:
        raise DockerUnavailable(f"no Docker daemon answers: {_tail(info.stderr, 1)}")
    missing = [
        path
        for path in (IMAGE_BUILD / "wheels", IMAGE_BUILD / "app")
        if not path.is_dir() or not any(path.iterdir())
    ]
    if missing:
        raise DockerUnavailable(
            f"{', '.join(str(p) for p in missing)} missing: run `make image-wheels` once (online)"
        )
    for image in BASE_IMAGES:
        if _docker("image", "inspect", image, timeout=30).returncode == 0:
            return image
    raise DockerUnavailable(
        f"none of the base images {list(BASE_IMAGES)} is here (`docker pull python:3.11-slim`, "
        f"or .ci/start-docker builds the offline one)"
    )


def train_model(folder: Path) -> Path:
    """Train a small churn model and save it in MLflow's format under ``folder/model``.

    Its metadata names version ``MODEL_VERSION``, which the service reports, so a
    check can tell the baked model from any other. Every file is world-readable:
    the container's user is not the one who saved it.
    """
    from mlops_course.workspace import quiet_environment

    quiet_environment()
    from importlib.metadata import version

    import mlflow.sklearn
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from churn.schema import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS
    from mlops_course import data

    table = data.generate(month=0, rows=800, seed=9)
    text = table["TotalCharges"].astype(str).str.strip()
    table["TotalCharges"] = text.where(text != "", "0").astype("float64")
    numeric, categorical = list(NUMERIC_COLUMNS), list(CATEGORICAL_COLUMNS)
    features = table[numeric + categorical].astype({column: "float64" for column in numeric})
    encode = ColumnTransformer(
        [
            ("numbers", StandardScaler(), numeric),
            ("categories", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    model = Pipeline([("encode", encode), ("classify", LogisticRegression(max_iter=500))])
    model.fit(features, table["Churn"] == "Yes")
    target = folder / "model"
    pins = [f"{name}=={version(name)}" for name in ("scikit-learn", "skops")]
    mlflow.sklearn.save_model(model, target, pip_requirements=pins)  # no slow inference
    (target / "registered_model_meta").write_text(
        f"model_name: {MODEL_NAME}\nmodel_version: {MODEL_VERSION}\n"
    )
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def prepare_context(exercises: Path, folder: Path, model: Path) -> Path:
    """Put the build context together in ``folder``: the learner's two files, the course's rest."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("Dockerfile", ".dockerignore"):
        if (exercises / name).is_file():
            shutil.copyfile(exercises / name, folder / name)
    shutil.copyfile(GIVEN / "requirements.txt", folder / "requirements.txt")
    shutil.copyfile(PARAMS, folder / "params.yaml")
    shutil.copytree(IMAGE_BUILD / "wheels", folder / "wheels", dirs_exist_ok=True)
    shutil.copytree(IMAGE_BUILD / "app", folder / "app", dirs_exist_ok=True)
    shutil.copytree(model, folder / "model", dirs_exist_ok=True)
    return folder


def check_image(
    exercises: Path, base_image: str, model: Path, tag: str, commit: str = FALLBACK_COMMIT
) -> ImageReport:
    """Build the exercises' image offline as ``tag``, run it, probe it, remove the container.

    Args:
        exercises: a lesson 09 ``exercises`` folder (the learner's Dockerfile and compose.yaml).
        base_image: the base image passed as ``--build-arg BASE_IMAGE``.
        model: a model folder from ``train_model``, baked into the image.
        tag: the image's name; the caller removes it (``remove_images``).
        commit: the value of the build argument ``GIT_COMMIT``.

    Returns:
        One record per check of ``CHECKS`` (the runner's format), and the timings.
    """
    report = ImageReport()
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="course-image-") as scratch:
        context = prepare_context(exercises, Path(scratch) / "context", model)
        if not (context / "Dockerfile").is_file():
            results["image_builds_offline"] = (False, "there is no Dockerfile")
        else:
            started, before = time.monotonic(), _untagged()
            built = _docker(
                "build", "--network=none", "--force-rm", f"--build-arg=BASE_IMAGE={base_image}",
                f"--build-arg=GIT_COMMIT={commit}", "--tag", tag, str(context),
                timeout=BUILD_TIMEOUT,
            )  # fmt: skip
            report.seconds["build"] = time.monotonic() - started
            # The classic builder keeps each earlier stage as an untagged image; it is
            # also the next build's cache, so it goes when the caller removes the tags.
            report.leftovers = sorted(_untagged() - before)
            results["image_builds_offline"] = (
                built.returncode == 0,
                f"docker build --network=none failed (exit {built.returncode}); its last lines:\n"
                + _tail(built.stdout + built.stderr, 12),
            )
    if results["image_builds_offline"][0]:
        results.update(_probe_image(tag, commit, exercises, report))
    report.records = [_record(check, *results.get(check.name, _NOT_RUN)) for check in CHECKS]
    return report


def remove_images(images: list[str]) -> None:
    """Remove the images a check built: tags and leftover stages, and the layers only they used."""
    if images:
        _docker("image", "rm", "--force", *images, timeout=600)


def add_image_checks(
    submissions: Path, outcomes: dict[tuple[str, str], Any], maximum: dict[str, float]
) -> None:
    """The ``course grade --docker`` hook: add the image checks to every graded lesson 09.

    Args:
        submissions: the folder with one copy of the course per learner.
        outcomes: ``{(learner, lesson): LessonOutcome}``; lesson 09's graded
            outcomes get one more test per check.
        maximum: points per lesson; lesson 09's grows by ``POINTS``.
    """
    from mlops_course.grading.targets import exercises_dir, lessons_root

    if LESSON not in maximum:
        return
    base_image = docker_ready()
    maximum[LESSON] += POINTS
    commit = course_commit()
    images: list[str] = []
    with tempfile.TemporaryDirectory(prefix="course-model-") as scratch:
        model = train_model(Path(scratch))
        try:
            for (learner, lesson), outcome in sorted(outcomes.items()):
                folder = exercises_dir(lessons_root(str(submissions / learner)), lesson)
                if lesson != LESSON or outcome.status != "graded" or folder is None:
                    continue
                tag = f"course09-{_slug(learner)}:{commit[:12]}"
                report = check_image(folder, base_image, model, tag, commit)
                images += [tag, *report.leftovers]
                outcome.tests.extend(report.records)
                log.info("lesson 09 image of %s: %s", learner, summary(report))
        finally:
            remove_images(images)


def course_commit() -> str:
    """The course checkout's commit, which every image is built with (a fixed one without git)."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=COURSE_ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return FALLBACK_COMMIT
    commit = found.stdout.strip()
    return commit if found.returncode == 0 and len(commit) == 40 else FALLBACK_COMMIT


def main(argv: list[str] | None = None) -> int:
    """Check one exercises folder's image (default: your lessons/ copy) and print the points."""
    parser = argparse.ArgumentParser(
        prog="python -m mlops_course.grading.docker_check",
        description="Build lesson 09's image offline, run it, ask it, remove it.",
    )
    parser.add_argument(
        "--target", default="lessons", help="lessons (yours), solutions, or a course copy"
    )
    args = parser.parse_args(argv)
    from mlops_course.grading.targets import exercises_dir, lessons_root

    folder = exercises_dir(lessons_root(args.target), LESSON)
    if folder is None:
        print(f"no lesson {LESSON} exercises under {args.target}", file=sys.stderr)
        return 2
    try:
        base_image = docker_ready()
    except DockerUnavailable as missing:
        print(f"cannot check the image: {missing}", file=sys.stderr)
        return 2
    tag = f"course09-check:{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="course-model-") as scratch:
        model = train_model(Path(scratch))
        report = ImageReport()
        try:
            report = check_image(folder, base_image, model, tag, course_commit())
        finally:
            remove_images([tag, *report.leftovers])
    print(describe(report))
    return 0 if report.earned == POINTS else 1


def describe(report: ImageReport) -> str:
    """The report as a learner reads it: each check, its points, and what went wrong."""
    lines = []
    for record in report.records:
        mark = "ok " if record["earned"] == record["points"] else "   "
        lines.append(f"{mark}{record['test']}  {record['earned']:g} / {record['points']:g}")
        if record["message"]:
            lines.append("    " + record["message"].replace("\n", "\n    "))
            lines.append(f"    hint: {record['hint']}")
    return "\n".join([*lines, "", f"total: {summary(report)}"])


def summary(report: ImageReport) -> str:
    """Points and timings in one line, e.g. ``11 / 11 points (build 41.2 s, healthy 9.8 s)``."""
    timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    return f"{report.earned:g} / {POINTS:g} points ({timings})"


# --- internals ----------------------------------------------------------------------------------

_NOT_RUN = (False, "not checked: the image did not build")
NOTICE = ("legacy builder is deprecated", "buildx component", "docs.docker.com/go/buildx")
PROBE = """\
import json, sys, urllib.request
customer = json.loads(sys.argv[1])
request = urllib.request.Request(
    "http://127.0.0.1:8000/predict", json.dumps(customer).encode(),
    {"content-type": "application/json"})
answers = {}
for name, call in (("predict", request), ("ready", "http://127.0.0.1:8000/ready")):
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            answers[name] = {"status": response.status, "body": json.loads(response.read())}
    except urllib.error.HTTPError as error:
        answers[name] = {"status": error.code, "body": error.read().decode(errors="replace")}
    except OSError as error:
        answers[name] = {"status": None, "body": str(error)}
print(json.dumps(answers))
"""


def _probe_image(tag: str, commit: str, exercises: Path, report: ImageReport) -> dict[str, Result]:
    """Every check after a successful build: the label, then the running container."""
    results: dict[str, Result] = {}
    labels = _docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag).stdout
    revision = (json.loads(labels or "null") or {}).get(REVISION)
    results["image_is_labelled_with_the_commit"] = (
        revision == commit,
        f"expected the label {REVISION}={commit} (passed as --build-arg GIT_COMMIT), "
        f"saw {revision!r}",
    )
    name = f"course09-{uuid.uuid4().hex[:12]}"
    started = _docker("run", "--detach", "--name", name, *RUN_OPTIONS, tag, timeout=120)
    try:
        if started.returncode != 0:
            failed = (False, f"docker run failed: {_tail(started.stderr, 4)}")
            return results | {check.name: failed for check in CHECKS[2:]}
        began = time.monotonic()
        health = _wait_until_healthy(name)
        report.seconds["healthy"] = time.monotonic() - began
        results["container_becomes_healthy"] = health
        if not _running(name):
            stopped = (False, "the container is not running: " + health[1])
            return results | {check.name: stopped for check in CHECKS[3:]}
        results["container_answers_with_the_baked_model"] = _predicts(name)
        user = _docker("exec", name, "id", "-u", timeout=30)
        results["container_runs_as_a_user_that_is_not_root"] = (
            user.returncode == 0 and user.stdout.strip() not in ("", "0"),
            f"expected the service to run as a user other than root, saw uid "
            f"{user.stdout.strip() or user.stderr.strip()!r}",
        )
        results.update(_compose_checks(name, exercises / "compose.yaml"))
    finally:
        _docker("rm", "--force", name, timeout=120)
    return results


def _wait_until_healthy(name: str) -> Result:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = json.loads(_docker("inspect", "--format", "{{json .State}}", name).stdout or "{}")
        health = state.get("Health")
        if not state.get("Running"):
            logs = _docker("logs", "--tail", "15", name)
            return False, (
                f"the container stopped (exit code {state.get('ExitCode')}); its last output:\n"
                + _tail(logs.stdout + logs.stderr, 15)
            )
        if health is None:
            return False, "the image has no HEALTHCHECK, so Docker can never call it healthy"
        if health.get("Status") == "healthy":
            return True, ""
        if health.get("Status") == "unhealthy":
            break
        time.sleep(1)
    log = (state.get("Health") or {}).get("Log") or [{}]
    return False, (
        f"health status {(state.get('Health') or {}).get('Status', '?')!r} after waiting up to "
        f"{HEALTH_TIMEOUT:.0f} s; the last check said (exit {log[-1].get('ExitCode')}): "
        f"{_tail(str(log[-1].get('Output', '')), 4)}"
    )


def _predicts(name: str) -> Result:
    from churn.serve.schemas import EXAMPLE_CUSTOMER

    probe = _docker("exec", name, "python3", "-c", PROBE, json.dumps(EXAMPLE_CUSTOMER), timeout=60)
    if probe.returncode != 0:
        return False, f"could not ask the service from inside: {_tail(probe.stderr, 4)}"
    answers = json.loads(probe.stdout)
    predict, ready = answers["predict"], answers["ready"]
    body = predict["body"] if isinstance(predict["body"], dict) else {}
    readiness = ready["body"] if isinstance(ready["body"], dict) else {}
    probability = body.get("churn_probability")
    served = body.get("model_version") or readiness.get("model_version")
    good = (
        predict["status"] == 200
        and isinstance(probability, int | float)
        and 0 <= probability <= 1
        and str(served) == MODEL_VERSION
    )
    return good, (
        f"expected POST /predict to answer 200 with a churn probability from the baked model "
        f"(version {MODEL_VERSION}), saw {predict['status']}: {str(predict['body'])[:200]}; "
        f"/ready said {str(ready['body'])[:200]}"
    )


def _compose_checks(name: str, compose_file: Path) -> dict[str, Result]:
    """Read the learner's compose file against the running image."""
    import yaml

    checks = CHECKS[5:]
    try:
        services = (yaml.safe_load(compose_file.read_text()) or {}).get("services") or {}
    except (OSError, yaml.YAMLError, AttributeError) as error:
        failed = (False, f"could not read compose.yaml: {error}")
        return {check.name: failed for check in checks}
    ours = {key: s for key, s in services.items() if isinstance(s, dict) and "build" in s}
    found = {key: _health_program(s) for key, s in ours.items()}
    programs = {key: program for key, program in found.items() if program is not None}
    missing = [
        f"{key}: {program}"
        for key, program in programs.items()
        if _docker("exec", name, "sh", "-c", 'command -v "$0"', program).returncode != 0
    ]
    results = {
        checks[0].name: (
            bool(programs) and not missing,
            f"expected every healthcheck of a service built from this folder to run a program "
            f"the image has, saw {missing or 'no healthcheck on such a service'}",
        )
    }
    servers = [s for s in ours.values() if "server" in _words(s.get("command"))[:3]]
    targets = [target for s in servers for target in _volume_targets(s)]
    refused = [
        target
        for target in targets
        if _docker("exec", name, "sh", "-c", 'test -d "$0" && test -w "$0"', target).returncode
    ]
    results[checks[1].name] = (
        bool(targets) and not refused,
        f"expected the tracking server's volume to be mounted on a folder of the image that "
        f"its user may write, saw {refused or 'no named volume on the server'}: a new volume "
        f"is a copy of that folder, owner included, and MLflow could not create its store",
    )
    return results


def _health_program(service: dict[str, Any]) -> str | None:
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list) and len(test) > 1:
        words = [str(word) for word in test[1:]]
        if str(test[0]).upper() == "CMD-SHELL":
            words = _words(words[0])
    elif isinstance(test, str):
        words = _words(test)
    else:
        return None
    return words[0] if words else None


def _volume_targets(service: dict[str, Any]) -> list[str]:
    targets = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict) and entry.get("type", "volume") == "volume":
            targets.append(str(entry.get("target", "")))
        elif isinstance(entry, str) and ":" in entry:
            source, target = entry.split(":")[:2]
            if source and not source.startswith((".", "/", "~", "$")):
                targets.append(target)
    return [target for target in targets if PurePosixPath(target).is_absolute()]


def _words(command: object) -> list[str]:
    if isinstance(command, list):
        return [str(word) for word in command]
    try:
        return shlex.split(str(command or ""))
    except ValueError:
        return str(command).split()


def _untagged() -> set[str]:
    listed = _docker("images", "--filter", "dangling=true", "--quiet", "--no-trunc").stdout
    return set(listed.split())


def _running(name: str) -> bool:
    return _docker("inspect", "--format", "{{.State.Running}}", name).stdout.strip() == "true"


def _record(check: Check, passed: bool, message: str) -> Record:
    from mlops_course.grading.plugin import TestResult

    result = TestResult(
        test=f"test_{check.name}",
        lesson=LESSON,
        exercise=check.exercise,
        points=float(check.points),
        earned=float(check.points) if passed else 0.0,
        outcome="passed" if passed else "failed",
        message="" if passed else message,
        hint=check.hint,
    )
    return asdict(result)


def _docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        return subprocess.CompletedProcess(error.cmd, 124, "", f"timed out after {timeout:g} s")


def _tail(text: str, lines: int) -> str:
    """The last non-blank lines of a command's output, without the classic builder's notice."""
    kept = [
        line
        for line in (text or "").splitlines()
        if line.strip() and not any(word in line for word in NOTICE)
    ]
    return "\n".join(kept[-lines:])


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return cleaned[:40] or "learner"


if __name__ == "__main__":
    sys.exit(main())
