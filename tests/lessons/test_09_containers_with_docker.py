"""Grading tests for lesson 09: a production Dockerfile, and a compose file with a tracking server.

Both files are graded by what they mean, not by how they are written. The
Dockerfile is parsed with ``mlops_course.dockerfile`` (stages, the user and
health check in force in the final stage, the ARGs before the first FROM) and
linted with the real hadolint. The compose file is parsed as YAML and read the
way compose and MLflow would: which address the server listens on, where its
store lives, which Host header the service sends. No test needs Docker.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from mlops_course import dockerfile
from mlops_course.workspace import COURSE_ROOT

LESSON = "09"
OFFLINE_BASE = "local/python:3.11-bookworm"
SECRET_NAME = re.compile(r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|KEY|APIKEY|CREDENTIALS?)(_|$)")
INSTALL = re.compile(r"\b(pip3?|python3? -m pip|uv pip) install\b|\buv sync\b")
DEPENDENCY_FILE = re.compile(
    r"^(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|uv\.lock|pyproject\.toml"
    r"|poetry\.lock|wheels?)/?$"
)
USER_CREATION = re.compile(r"\b(useradd|adduser)\b")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SERVER_PORT_DEFAULT = 5000


# --- Dockerfile ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile_path(exercise_file) -> Path:
    return exercise_file(LESSON, "Dockerfile")


@pytest.fixture(scope="module")
def parsed(dockerfile_path) -> dockerfile.Dockerfile:
    """The learner's Dockerfile, parsed; fails with the line Docker would stop at."""
    try:
        return dockerfile.read(dockerfile_path)
    except dockerfile.DockerfileError as error:
        pytest.fail(f"expected a Dockerfile docker build can read, saw: {error}", pytrace=False)


def hadolint_path() -> str | None:
    """hadolint next to this Python (the course's venv), else on PATH."""
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def shown(instruction: dockerfile.Instruction | None) -> str:
    if instruction is None:
        return "none"
    return f"line {instruction.line}: {instruction.keyword} {instruction.arguments}"


def installs(instruction: dockerfile.Instruction) -> bool:
    return instruction.keyword == "RUN" and bool(INSTALL.search(instruction.arguments))


def install_stages(parsed: dockerfile.Dockerfile) -> list[dockerfile.Stage]:
    return [stage for stage in parsed.stages if any(installs(i) for i in stage.instructions)]


def lineage_instructions(parsed, stage) -> list[dockerfile.Instruction]:
    """Every instruction in force in a stage: its own and those of the stages it is built on."""
    return [item for part in reversed(parsed.lineage(stage)) for item in part.instructions]


@pytest.mark.points(0, exercise="Dockerfile", hint="Keep a Dockerfile that docker build can read.")
def test_dockerfile_parses(parsed):
    assert parsed.stages, "expected at least one FROM, saw none"


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="Run `.venv/bin/hadolint Dockerfile` and fix each finding (a # hadolint ignore does not count).",
)
def test_hadolint_finds_nothing(dockerfile_path, require_tool, tmp_path):
    found = hadolint_path()
    linter = require_tool("hadolint", found or str(Path(sys.executable).parent / "hadolint"))
    # No configuration file of the learner's or the machine's: the same rules for everyone.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [linter, "--no-color", "--disable-ignore-pragma", str(dockerfile_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    findings = [
        line.replace(str(dockerfile_path), "Dockerfile")
        for line in result.stdout.splitlines()
        if line.strip()
    ]
    assert result.returncode == 0 and not findings, (
        f"expected hadolint to find nothing, saw exit code {result.returncode} and "
        f"{len(findings)} finding(s): {findings[:5] or result.stderr.strip()[-300:]}"
    )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="ARG BASE_IMAGE=python:3.11-slim above the first FROM, and FROM ${BASE_IMAGE} in every stage that starts from an image.",
)
def test_base_image_is_a_build_argument(parsed):
    declared_late = [
        stage.label
        for stage in parsed.stages
        if any(name == "BASE_IMAGE" for i in stage.all("ARG") for name, _ in i.pairs)
    ]
    assert "BASE_IMAGE" in parsed.global_args, (
        "expected `ARG BASE_IMAGE=...` before the first FROM, saw "
        + (
            f"it declared inside {declared_late}: an ARG after FROM belongs to that stage, "
            "and no FROM line can see it"
            if declared_late
            else f"the global ARGs {sorted(parsed.global_args) or 'none'}"
        )
    )
    default = parsed.global_args["BASE_IMAGE"] or ""
    _, _, tag = default.rpartition(":") if ":" in default.split("/")[-1] else ("", "", "")
    assert tag and tag != "latest" and tag.startswith("3.11"), (
        f"expected BASE_IMAGE's default to be a pinned Python 3.11 image such as "
        f"python:3.11-slim (the course's lock is for 3.11), saw {default!r}"
    )
    offline = {"BASE_IMAGE": OFFLINE_BASE}
    fixed = [
        f"{stage.label} (FROM {stage.base})"
        for stage in parsed.stages
        if parsed.parent(stage) is None and parsed.base_image(stage, offline) != OFFLINE_BASE
    ]
    assert not fixed, (
        f"expected every stage that starts from an image to use ${{BASE_IMAGE}}, so that "
        f"--build-arg BASE_IMAGE={OFFLINE_BASE} swaps all of them, saw {fixed}"
    )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="COPY requirements.txt, RUN pip install -r it, and only then COPY app.py: a code change then reuses the install layer.",
)
def test_dependencies_install_before_the_code_is_copied(parsed):
    stages = install_stages(parsed)
    assert stages, (
        "expected a RUN that installs the requirements (pip install -r requirements.txt), saw none"
    )
    stage = stages[0]
    first_install = next(i for i in stage.instructions if installs(i))
    assert re.search(r"(-r|--requirement)[=\s]+\S*requirements", first_install.arguments), (
        f"expected the install to read the pinned requirements file (-r requirements.txt), "
        f"saw {shown(first_install)}"
    )
    early_copies = [
        item
        for item in lineage_instructions(parsed, stage)
        if item.keyword in ("COPY", "ADD")
        and "from" not in item.flags
        and item.line < first_install.line
    ]
    code_first = [
        shown(item)
        for item in early_copies
        if not all(DEPENDENCY_FILE.match(PurePosixPath(src).name) for src in item.words[:-1])
    ]
    assert not code_first, (
        f"expected only dependency files (requirements.txt) to be copied before "
        f"{shown(first_install)}, saw {code_first}: every change to the code would then "
        f"re-run the install"
    )
    later_copies = [
        word
        for item in parsed.instructions
        if item.keyword in ("COPY", "ADD") and item.line > first_install.line
        for word in item.words[:-1]
    ]
    assert any("app.py" in word or word in (".", "./") for word in later_copies), (
        f"expected app.py to be copied after the install, saw the later copies {later_copies}"
    )


@pytest.mark.points(
    3,
    exercise="Dockerfile",
    hint="A second FROM ${BASE_IMAGE} AS runtime that COPY --from=build the venv and app.py, and installs nothing itself.",
)
def test_runtime_stage_copies_only_results_from_the_build_stage(parsed):
    assert len(parsed.stages) >= 2, (
        f"expected two stages (build, then runtime), saw {len(parsed.stages)}: "
        f"{[stage.label for stage in parsed.stages]}"
    )
    final = parsed.final_stage
    builders = install_stages(parsed)
    inherited = [stage.label for stage in parsed.lineage(final) if stage in builders]
    assert not inherited, (
        f"expected the final stage to start from a fresh base image, saw it built FROM "
        f"{final.base}, which installs the dependencies: pip, caches and build files "
        f"all stay in the image (stages {inherited})"
    )
    sources = [
        parsed.stage(reference)
        for stage in parsed.lineage(final)
        for reference in stage.copies_from
    ]
    from_builder = [
        source.label
        for source in sources
        if source is not None
        and source.index < final.index
        and any(part in builders for part in parsed.lineage(source))
    ]
    assert from_builder, (
        f"expected the final stage ({final.label}) to COPY --from= the stage that installs "
        f"the dependencies ({[stage.label for stage in builders]}), saw COPY --from= "
        f"{[ref for stage in parsed.lineage(final) for ref in stage.copies_from] or 'nothing'}"
    )


@pytest.mark.points(
    3,
    exercise="Dockerfile",
    hint="In the final stage: RUN groupadd/useradd with UID 10001, then USER 10001:10001; a USER in the build stage does not carry over.",
)
def test_runs_as_a_user_that_exists_and_is_not_root(parsed):
    final = parsed.final_stage
    user = parsed.effective(final, "USER")
    elsewhere = [stage.label for stage in parsed.stages if stage.all("USER")]
    assert user is not None, f"expected a USER in the final stage ({final.label}), saw none" + (
        f"; the USER in {elsewhere} does not carry over to a new FROM"
        if elsewhere
        else ": the container would run as root"
    )
    assert not dockerfile.is_root(user.body), (
        f"expected a user other than root, saw {shown(user)}: `0` and `root` are the same user"
    )
    name = user.body.split(":")[0]
    if not name.isdigit() and name != "nobody":
        created = [
            item
            for item in lineage_instructions(parsed, final)
            if item.keyword == "RUN"
            and USER_CREATION.search(item.arguments)
            and re.search(rf"(^|\s){re.escape(name)}(\s|$|&|;)", item.arguments)
        ]
        assert created, (
            f"expected the final stage to create the user {name!r} (useradd) before "
            f"{shown(user)}, saw no such RUN: the container would fail to start with "
            f"'unable to find user {name}'"
        )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint='HEALTHCHECK CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen(\'http://127.0.0.1:8000/health\')"]',
)
def test_healthcheck_calls_the_health_endpoint(parsed):
    final = parsed.final_stage
    check = parsed.effective(final, "HEALTHCHECK")
    assert check is not None and check.command.upper() != "NONE", (
        f"expected a HEALTHCHECK in the final stage, saw {shown(check)}"
    )
    text = " ".join(check.words)
    assert "/health" in text, f"expected the health check to call /health, saw {shown(check)}"
    tools = [word for word in check.words if word in ("curl", "wget")]
    installed = [
        item
        for item in lineage_instructions(parsed, final)
        if item.keyword == "RUN" and any(tool in item.arguments for tool in tools)
    ]
    assert not tools or installed, (
        f"expected the health check to use a program the image has, saw {shown(check)}: "
        f"python:3.11-slim has no {tools[0]}, so the check would always fail. Use python3 "
        f"with urllib.request"
    )
    port = re.search(r"://[^/\s:'\"]+:(\d+)/health", text)
    exposed = {
        word.split("/")[0]
        for item in lineage_instructions(parsed, final)
        if item.keyword == "EXPOSE"
        for word in item.words
    }
    assert not (port and exposed) or port.group(1) in exposed, (
        f"expected the health check to ask the port the service listens on "
        f"(EXPOSE {sorted(exposed)}), saw port {port.group(1) if port else '?'}"
    )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="Delete the password: pass secrets when the container starts (docker run -e, compose); ENV and ARG stay in docker history.",
)
def test_no_secret_in_env_or_arg(parsed):
    leaks = [
        f"line {item.line}: {item.keyword} {name}"
        for item in parsed.instructions
        if item.keyword in ("ENV", "ARG")
        for name, value in item.pairs
        if SECRET_NAME.search(name.upper()) and value
    ]
    assert not leaks, (
        f"expected no secret-looking ENV or ARG with a value, saw {leaks}: anyone who can "
        f"pull the image reads them with `docker history` or `docker inspect`"
    )


def test_requirements_are_pinned_to_the_lock():
    """The given requirements.txt pins what uv.lock holds (a course check, not graded)."""
    text = (
        COURSE_ROOT / "solutions" / "09-containers-with-docker" / "exercises" / "requirements.txt"
    ).read_text()
    lock = (COURSE_ROOT / "uv.lock").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", text, re.M)
    assert pins
    for name, version in pins:
        assert f'name = "{name}"\nversion = "{version}"' in lock, f"{name}=={version} not in lock"


# --- compose.yaml ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose(exercise_file) -> dict:
    """The learner's compose file, parsed; fails with the YAML error if it does not parse."""
    path = exercise_file(LESSON, "compose.yaml")
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        pytest.fail(f"expected compose.yaml to be valid YAML, saw: {error}", pytrace=False)
    services = loaded.get("services") if isinstance(loaded, dict) else None
    if not isinstance(services, dict) or not all(isinstance(s, dict) for s in services.values()):
        pytest.fail(
            f"expected a 'services:' mapping of service mappings, saw {str(loaded)[:160]!r}",
            pytrace=False,
        )
    return loaded


def command_words(service: dict) -> list[str]:
    command = service.get("command") or []
    if isinstance(command, list):
        return [str(word) for word in command]
    try:
        return shlex.split(str(command))
    except ValueError:
        return str(command).split()


def option(words: list[str], *names: str) -> str | None:
    """The value of ``--name value`` or ``--name=value`` in a command, or None."""
    for index, word in enumerate(words):
        for name in names:
            if word == name and index + 1 < len(words):
                return words[index + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(
            (str(item).split("=", 1) + [""])[:2] for item in env if not str(item).startswith("#")
        )
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def server_name(compose: dict) -> str:
    """The service that runs `mlflow server`."""
    for name, service in compose["services"].items():
        words = command_words(service)
        if "mlflow" in " ".join(words[:3]) and "server" in words[:3]:
            return name
    for name, service in compose["services"].items():
        if "mlflow" in str(service.get("image", "")):
            return name
    pytest.fail(
        f"expected a service that runs `mlflow server`, saw the services "
        f"{sorted(compose['services'])}",
        pytrace=False,
    )


def api_name(compose: dict) -> str:
    """The service built from this folder's Dockerfile."""
    server = server_name(compose)
    built = [name for name, s in compose["services"].items() if "build" in s and name != server]
    if not built:
        pytest.fail(
            f"expected a service with `build:` (the churn service from the Dockerfile), saw "
            f"{sorted(compose['services'])}",
            pytrace=False,
        )
    return built[0]


def server_port(server: dict) -> int:
    value = option(command_words(server), "--port", "-p")
    return int(value) if value and value.isdigit() else SERVER_PORT_DEFAULT


def volume_targets(compose: dict, service: dict) -> tuple[list[str], list[str]]:
    """(mount targets of the service's volumes, named volumes it uses that are not declared)."""
    declared = compose.get("volumes") or {}
    targets, undeclared = [], []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            source, target = str(entry.get("source", "")), str(entry.get("target", ""))
            named = entry.get("type", "volume") == "volume"
        else:
            parts = str(entry).split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
            named = bool(source) and not source.startswith((".", "/", "~", "$"))
        if named and source and source not in declared:
            undeclared.append(source)
        if target.startswith("/"):
            targets.append(target)
    return targets, undeclared


def on_a_volume(path: str, targets: list[str]) -> bool:
    return path.startswith("/") and any(
        PurePosixPath(path).is_relative_to(PurePosixPath(target)) for target in targets
    )


def health_test(service: dict) -> str | None:
    """The healthcheck's command as one string, or None when there is none (or it is disabled)."""
    check = service.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable") or "test" not in check:
        return None
    test = check["test"]
    if isinstance(test, list):
        if not test or str(test[0]).upper() == "NONE":
            return None
        return " ".join(str(word) for word in test[1:])
    return str(test)


def port_host_ip(entry) -> str | None:
    """The host address a `ports:` entry publishes on, or None for every interface."""
    if isinstance(entry, dict):
        return entry.get("host_ip")
    text = str(entry).split("/")[0]
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        return address if rest.count(":") >= 2 else None
    parts = text.split(":")
    return parts[0] if len(parts) == 3 else None


@pytest.mark.points(
    0, exercise="compose.yaml", hint="Keep the services mlflow (mlflow server) and churn-api."
)
def test_compose_has_the_server_and_the_service(compose):
    assert server_name(compose) != api_name(compose)


@pytest.mark.points(
    2,
    exercise="compose.yaml",
    hint="mlflow server --host 0.0.0.0: MLflow's default, 127.0.0.1, is the server's own container only.",
)
def test_server_listens_beyond_its_own_container(compose):
    server = compose["services"][server_name(compose)]
    host = option(command_words(server), "--host", "-h")
    assert host in ("0.0.0.0", "::", "[::]"), (
        f"expected `mlflow server --host 0.0.0.0`, saw --host {host or 'missing'} in "
        f"{' '.join(command_words(server))!r}: MLflow then listens on 127.0.0.1, which in a "
        f"container is that container alone, so no other service can reach it"
    )


@pytest.mark.points(
    2,
    exercise="compose.yaml",
    hint="--backend-store-uri sqlite:////mlflow/mlflow.db (4 slashes: absolute) and --artifacts-destination /mlflow/artifacts, with mlflow-data mounted at /mlflow.",
)
def test_server_keeps_its_store_and_artifacts_on_a_volume(compose):
    server = compose["services"][server_name(compose)]
    words = command_words(server)
    targets, undeclared = volume_targets(compose, server)
    assert not undeclared, (
        f"expected every named volume to be declared under the top-level `volumes:`, saw "
        f"{undeclared} undeclared"
    )
    store = option(words, "--backend-store-uri") or "sqlite:///mlflow.db (the default)"
    if store.startswith("sqlite:"):
        path = store.removeprefix("sqlite:///")
        assert on_a_volume(path, targets), (
            f"expected the SQLite store on a volume (mounted at {targets or 'nowhere'}), saw "
            f"{store!r}: {'a relative path, inside the container' if not path.startswith('/') else 'outside every volume'}"
            f", lost with the container. sqlite:////mlflow/mlflow.db is /mlflow/mlflow.db"
        )
    elif "://" not in store or store.startswith("file:"):
        path = store.removeprefix("file://")
        assert on_a_volume(path, targets), (
            f"expected the file store on a volume ({targets or 'none mounted'}), saw {store!r}"
        )
    artifacts = option(words, "--artifacts-destination", "--default-artifact-root")
    if artifacts is None or "://" not in artifacts or artifacts.startswith("file:"):
        path = (artifacts or "./mlartifacts").removeprefix("file://")
        assert on_a_volume(path, targets), (
            f"expected the artifacts (the models themselves) on a volume too "
            f"({targets or 'none mounted'}), saw {artifacts or 'no --artifacts-destination: ./mlartifacts inside the container'}"
        )


@pytest.mark.points(
    2,
    exercise="compose.yaml",
    hint="healthcheck: test: [CMD, python, -c, \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health')\"]",
)
def test_server_has_a_healthcheck_on_health(compose):
    server = compose["services"][server_name(compose)]
    test = health_test(server)
    assert test is not None, (
        f"expected a healthcheck on the tracking server, saw {server.get('healthcheck')!r}"
    )
    port = server_port(server)
    assert "/health" in test and re.search(rf":{port}\b", test), (
        f"expected the healthcheck to ask the server's own /health on port {port}, saw {test!r}"
    )


@pytest.mark.points(
    3,
    exercise="compose.yaml",
    hint="MLFLOW_TRACKING_URI: http://mlflow:5000 (the service name; localhost is the container itself), and mlflow:5000 in --allowed-hosts.",
)
def test_service_reaches_the_server_by_its_service_name(compose):
    name = server_name(compose)
    server = compose["services"][name]
    api = compose["services"][api_name(compose)]
    uri = environment(api).get("MLFLOW_TRACKING_URI")
    assert uri, f"expected MLFLOW_TRACKING_URI in the service's environment, saw {environment(api)}"
    parts = urlsplit(uri)
    reachable = {name, server.get("hostname"), server.get("container_name")} - {None}
    assert parts.hostname in reachable, (
        f"expected MLFLOW_TRACKING_URI to name the server's service, http://{name}:"
        f"{server_port(server)}, saw {uri!r}"
        + (
            ": inside a container, localhost is that container itself"
            if parts.hostname in LOOPBACK
            else ""
        )
    )
    port = parts.port or 80
    assert port == server_port(server), (
        f"expected port {server_port(server)} (where the server listens), saw {uri!r}"
    )
    host_header = parts.hostname if port == 80 else f"{parts.hostname}:{port}"
    allowed = option(command_words(server), "--allowed-hosts") or environment(server).get(
        "MLFLOW_SERVER_ALLOWED_HOSTS"
    )
    patterns = [item.strip() for item in (allowed or "").split(",") if item.strip()]
    accepted = "*" in patterns or any(
        fnmatch.fnmatch(host_header, pattern) if "*" in pattern else host_header == pattern
        for pattern in patterns
    )
    assert accepted, (
        f"expected the server to accept the Host header {host_header!r} the service sends, "
        f"saw --allowed-hosts {allowed or 'missing (only localhost and private IPs)'}: "
        f"MLflow 3 answers 403 to every API call but /health"
    )


@pytest.mark.points(
    2,
    exercise="compose.yaml",
    hint="depends_on: {mlflow: {condition: service_healthy}}; the list form waits only until the container has started.",
)
def test_service_waits_for_a_healthy_server(compose):
    name = server_name(compose)
    api = compose["services"][api_name(compose)]
    depends = api.get("depends_on")
    assert isinstance(depends, dict) and name in depends, (
        f"expected depends_on to be a mapping with {name}: {{condition: service_healthy}}, "
        f"saw {depends!r}"
        + (
            ": a list waits only until the container has started"
            if isinstance(depends, list)
            else ""
        )
    )
    condition = (depends[name] or {}).get("condition", "service_started")
    assert condition == "service_healthy", (
        f"expected condition: service_healthy for {name}, saw {condition!r}"
    )
    assert health_test(compose["services"][name]) is not None, (
        f"expected {name} to have a healthcheck: service_healthy waits for it, and compose "
        f"refuses to start without one"
    )


@pytest.mark.points(
    1,
    exercise="compose.yaml",
    hint='Publish on the loopback address: "127.0.0.1:5000:5000" (host address, host port, container port).',
)
def test_ports_are_published_on_localhost_only(compose):
    open_to_all = [
        f"{name}: {entry!r}"
        for name, service in compose["services"].items()
        for entry in service.get("ports") or []
        if port_host_ip(entry) not in LOOPBACK
    ]
    assert not open_to_all, (
        f"expected every published port to be bound to 127.0.0.1, saw {open_to_all}: without "
        f"an address, Docker publishes on every interface of the machine (and bypasses "
        f"most host firewalls), and this tracking server has no login"
    )
