"""Grading tests for lesson 09: a production Dockerfile, and a compose file with a tracking server.

Both files are graded by what they mean, not by how they are written. The
Dockerfile is parsed with ``mlops_course.dockerfile`` (stages, the user, PATH
and health check in force in the final stage, the ARGs in scope) and linted
with the real hadolint. The compose file is parsed as YAML and read the way
compose and MLflow would: which address the server listens on, where its
store lives, which Host header the service sends.

No test here needs Docker: this process never gets a Docker socket. Building
the image offline, running it and calling it is the trusted side's job
(``mlops_course.grading.docker_check``, run by ``course grade --docker`` and
by the course's CI), which adds its own points for lesson 09.
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

LESSON = "09"
OFFLINE_BASE = "local/python:3.11-bookworm"
SECRET_NAME = re.compile(r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|KEY|APIKEY|CREDENTIALS?)(_|$)")
INSTALL = re.compile(r"\b(pip3?|python3?(\.\d+)? -m pip|uv pip) install\b|\buv sync\b")
DEPENDENCY_FILE = re.compile(
    r"^(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|uv\.lock|pyproject\.toml"
    r"|poetry\.lock|wheels?)/?$"
)
VENV = re.compile(r"(?:python3?(?:\.\d+)?\s+-m\s+venv|virtualenv|uv\s+venv)(?:\s+--?\S+)*\s+(/\S+)")
USER_CREATION = re.compile(r"\b(useradd|adduser)\b")
HEALTH_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/health\b")
HTTP_IN_PYTHON = re.compile(r"\burllib\b|\bhttp\.client\b|\brequests\b|\bhttpx\b")
PYTHONS = ("python3", "python")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SERVER_PORT_DEFAULT = 5000
REVISION = "org.opencontainers.image.revision"


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


def path_before(items: list[dockerfile.Instruction], line: int) -> list[str]:
    """The directories of PATH as the ENV instructions before ``line`` leave it ($PATH kept)."""
    path = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    for item in items:
        if item.keyword == "ENV" and item.line < line:
            for key, value in item.pairs:
                if key == "PATH" and value is not None:
                    text = dockerfile.expand(value, {"PATH": ":".join(path)})
                    path = [part for part in text.split(":") if part]
    return path


def install_target(parsed, stage, install: dockerfile.Instruction) -> str | None:
    """Where an install RUN puts the packages: a venv or prefix folder, or None (system Python)."""
    items = lineage_instructions(parsed, stage)
    venvs = [
        match for item in items if item.keyword == "RUN" for match in VENV.findall(item.arguments)
    ]
    venvs = [venv.rstrip("/") for venv in venvs]
    segment = next(
        part for part in re.split(r"&&|;|\|\|", install.arguments) if INSTALL.search(part)
    )
    words = segment.split()
    prefix = re.search(r"--(?:prefix|target|root)[=\s]+(/\S+)", segment)
    if prefix:
        return prefix.group(1).rstrip("/")
    program = words[0] if words else ""
    if program == "uv":
        chosen = re.search(r"--python[=\s]+(/\S+)/bin/python", segment)
        return chosen.group(1) if chosen else None
    if program.startswith("/"):
        folder = str(PurePosixPath(program).parent.parent)
        return folder if folder in venvs else None
    for directory in path_before(items, install.line):
        folder = str(PurePosixPath(directory).parent)
        if directory.endswith("/bin") and folder in venvs:
            return folder
        if directory in ("/usr/local/bin", "/usr/bin", "/bin"):
            return None
    return None


def copied_from_build(parsed, final) -> list[str]:
    """The source paths the final stage copies from earlier stages (COPY --from=...)."""
    return [
        word.rstrip("/") or "/"
        for stage in parsed.lineage(final)
        for item in stage.all("COPY")
        if "from" in item.flags
        for word in item.words[:-1]
    ]


def covered(target: str, sources: list[str]) -> bool:
    return any(PurePosixPath(target).is_relative_to(PurePosixPath(source)) for source in sources)


def the_install(parsed) -> tuple[dockerfile.Stage, dockerfile.Instruction, str | None]:
    """The first stage that installs, its first install RUN, and where it installs to."""
    stages = install_stages(parsed)
    if not stages:
        pytest.fail(
            "expected a RUN that installs the requirements (pip install ... requirements.txt), "
            "saw none",
            pytrace=False,
        )
    install = next(i for i in stages[0].instructions if installs(i))
    return stages[0], install, install_target(parsed, stages[0], install)


@pytest.mark.points(0, exercise="Dockerfile", hint="Keep a Dockerfile that docker build can read.")
def test_dockerfile_parses(parsed):
    assert parsed.stages, "expected at least one FROM, saw none"


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="Run the course's hadolint on your Dockerfile and fix each finding (an ignore comment does not count).",
    more="From the course folder: .venv/bin/hadolint lessons/09-containers-with-docker/exercises/Dockerfile",
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
    hint="Declare the base image as a build argument above the first stage, with a pinned Python 3.11 default, and use it in every stage that starts from an image.",
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
    hint="Bring in the pinned list and the wheel files alone, install, and only then the service's own wheel: a new version of the code then reuses the install layer.",
)
def test_dependencies_install_before_the_code_is_copied(parsed):
    stage, first_install, _ = the_install(parsed)
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
        f"expected only dependency files (requirements.txt, wheels/) to be copied before "
        f"{shown(first_install)}, saw {code_first}: every new version of the code would then "
        f"re-run the install"
    )
    later_copies = [
        word
        for item in parsed.instructions
        if item.keyword in ("COPY", "ADD") and item.line > first_install.line
        for word in item.words[:-1]
    ]
    assert any(
        PurePosixPath(word).parts[:1] == ("app",) or word in (".", "./") for word in later_copies
    ), (
        f"expected the service's wheel (app/) to be copied after the install, saw the later "
        f"copies {later_copies}"
    )
    offline = [
        shown(item)
        for item in parsed.instructions
        if installs(item) and "--no-index" not in item.arguments
    ]
    assert not offline, (
        f"expected every install to use only the wheels of the build context (--no-index), saw "
        f"{offline}: without it pip asks an index first, and a build with --network=none fails"
    )


@pytest.mark.points(
    3,
    exercise="Dockerfile",
    hint="Install into a virtual environment in the first stage; the final stage starts from a fresh base, installs nothing, and copies that environment whole from the first.",
)
def test_runtime_stage_copies_the_installed_environment(parsed):
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
    _, install, target = the_install(parsed)
    assert target is not None, (
        f"expected the install to go into a virtual environment (or a --prefix folder), saw "
        f"{shown(install)} install into the build stage's system Python: the final stage, a "
        f"fresh base, gets none of those packages"
    )
    sources = copied_from_build(parsed, final)
    assert covered(target, sources), (
        f"expected the final stage to COPY --from= the folder the packages went into "
        f"({target}), saw it copy {sources or 'nothing'} from earlier stages: the service "
        f"would start without its dependencies"
    )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="The service's command is looked up on the search path of the final stage: the copied environment's programs folder must be on it.",
)
def test_the_command_is_found_on_the_path(parsed):
    final = parsed.final_stage
    command = parsed.effective(final, "ENTRYPOINT") or parsed.effective(final, "CMD")
    words = command.words if command else []
    assert words, f"expected a CMD in the final stage, saw {shown(command)}"
    program = words[0]
    if program.startswith("/"):
        return
    _, _, target = the_install(parsed)
    path = path_before(lineage_instructions(parsed, final), command.line)
    assert target is not None and f"{target}/bin" in path, (
        f"expected {target or 'the environment'}/bin on the PATH of the final stage, where "
        f"`{program}` lives, saw PATH={':'.join(path)}: the container would stop at once with "
        f"'executable file not found in $PATH'"
    )


@pytest.mark.points(
    1,
    exercise="Dockerfile",
    hint="This image bakes its model in: the final stage copies the context's model folder (where to, the command at the bottom says).",
)
def test_the_model_is_baked_into_the_final_stage(parsed):
    final = parsed.final_stage
    copies = [
        item
        for item in lineage_instructions(parsed, final)
        if item.keyword in ("COPY", "ADD")
        and any(PurePosixPath(word).parts[:1] == ("model",) for word in item.words[:-1])
    ]
    assert copies, (
        "expected the final stage to COPY the build context's model/ folder, saw no such copy: "
        "the service would start with no model and answer 503 to every prediction"
    )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="Declare the commit argument inside the final stage (one declared above the first stage is not visible there) and record it in the OCI revision label.",
)
def test_the_image_is_labelled_with_the_commit(parsed):
    final = parsed.final_stage
    items = lineage_instructions(parsed, final)
    labels = {
        key: (value or "", item)
        for item in items
        if item.keyword == "LABEL"
        for key, value in item.pairs
    }
    assert REVISION in labels, (
        f"expected a LABEL {REVISION}=... in the final stage (the commit the image was built "
        f"from), saw the labels {sorted(labels) or 'none'}"
    )
    value, label = labels[REVISION]
    assert re.search(r"\$\{?GIT_COMMIT\b", value), (
        f"expected the label's value to come from the build argument GIT_COMMIT, saw "
        f"{shown(label)}: a graded copy has no git, and a fixed value is wrong after the next commit"
    )
    declared = [
        item
        for item in items
        if item.keyword == "ARG"
        and item.line < label.line
        and any(name == "GIT_COMMIT" for name, _ in item.pairs)
    ]
    assert declared, (
        f"expected `ARG GIT_COMMIT` inside the final stage, before {shown(label)}, saw "
        + (
            "it only above the first FROM: such an ARG is visible to FROM lines alone, so the "
            "label would be empty"
            if "GIT_COMMIT" in parsed.global_args
            else "no such ARG: the label would be empty"
        )
    )


@pytest.mark.points(
    3,
    exercise="Dockerfile",
    hint="Create the user in the final stage and switch to it by number; a user switched to in the first stage does not carry over.",
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


def programs_installed(parsed, stage) -> set[str]:
    """curl or wget, when a RUN of the stage's lineage installs them with apt-get or apk."""
    return {
        tool
        for item in lineage_instructions(parsed, stage)
        if item.keyword == "RUN"
        and re.search(r"\b(apt-get|apt|apk)\b.*\b(install|add)\b", item.arguments)
        for tool in ("curl", "wget")
        if re.search(rf"\b{tool}\b", item.arguments)
    }


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="The health check must really ask the service: an HTTP request to its own /health on the exposed port, made with a program the image has (a slim image has Python, not curl).",
)
def test_healthcheck_asks_the_service_with_a_program_the_image_has(parsed):
    final = parsed.final_stage
    check = parsed.effective(final, "HEALTHCHECK")
    assert check is not None and check.command.upper() != "NONE", (
        f"expected a HEALTHCHECK in the final stage, saw {shown(check)}"
    )
    words = check.words
    text = " ".join(words)
    url = HEALTH_URL.search(text)
    assert url, (
        f"expected the health check to request http://127.0.0.1:<port>/health, saw {shown(check)}"
    )
    program = PurePosixPath(words[0]).name if words else ""
    tools = programs_installed(parsed, final)
    _, _, target = the_install(parsed)
    on_path = target is not None and f"{target}/bin" in path_before(
        lineage_instructions(parsed, final), check.line
    )
    if program in ("curl", "wget"):
        assert program in tools, (
            f"expected the health check to use a program the image has, saw {shown(check)}: "
            f"the slim image has no {program}, so the check would always fail and the container "
            f"would never be healthy. Use python3 with urllib.request"
        )
    else:
        assert program in PYTHONS or words[0].startswith(f"{target}/bin/python"), (
            f"expected the health check to run python3 (or curl/wget installed by the image), "
            f"saw {shown(check)}"
        )
        assert program != "python" or on_path, (
            "expected `python3` in the health check, saw `python`: Debian's image has no "
            "`python` outside a virtual environment on the PATH"
        )
        assert HTTP_IN_PYTHON.search(text), (
            f"expected the Python health check to make an HTTP request (urllib.request), saw "
            f"{shown(check)}: a command that only mentions the URL always succeeds"
        )
    exposed = {
        word.split("/")[0]
        for item in lineage_instructions(parsed, final)
        if item.keyword == "EXPOSE"
        for word in item.words
    }
    assert not exposed or url.group(1) in exposed, (
        f"expected the health check to ask the port the service listens on "
        f"(EXPOSE {sorted(exposed)}), saw port {url.group(1)}"
    )


@pytest.mark.points(
    2,
    exercise="Dockerfile",
    hint="Delete the password: secrets arrive when the container starts; anything set with ENV or ARG stays in the image's history.",
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
    0,
    exercise="compose.yaml",
    hint="Keep the two services: the tracking server and the churn service.",
)
def test_compose_has_the_server_and_the_service(compose):
    assert server_name(compose) != api_name(compose)


@pytest.mark.points(
    2,
    exercise="compose.yaml",
    hint="Tell the server to listen on every interface: its default address is its own container only.",
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
    hint="Both the store (an absolute SQLite path: four slashes) and the artifacts must sit on the named volume's mount point.",
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


def health_program(service: dict) -> str | None:
    """The program a healthcheck runs: the first word of its command (CMD-SHELL: of the shell line)."""
    check = service.get("healthcheck")
    test = check.get("test") if isinstance(check, dict) else None
    if isinstance(test, list) and len(test) > 1:
        words = [str(word) for word in test[1:]]
        if str(test[0]).upper() == "CMD-SHELL":
            words = shlex.split(words[0]) if words else []
    elif isinstance(test, str):
        words = shlex.split(test)
    else:
        return None
    return PurePosixPath(words[0]).name if words else None


@pytest.mark.points(
    2,
    exercise="compose.yaml",
    hint="The server gets a healthcheck that really asks its own /health on its port, with a program its image has: the image is this folder's, which has Python and no curl.",
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
    program = health_program(server)
    assert program in ("python3", "python"), (
        f"expected the healthcheck to run python3 (the image's), saw {program!r} in {test!r}: "
        f"this folder's image has no curl or wget, so the server would never be healthy and "
        f"the service, waiting for it, would never start"
    )
    assert HTTP_IN_PYTHON.search(test), (
        f"expected the healthcheck to make an HTTP request (urllib.request), saw {test!r}"
    )


@pytest.mark.points(
    3,
    exercise="compose.yaml",
    hint="Other containers are reached by their service name (localhost is the container itself), and the server must accept that name as a Host header.",
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
    hint="Wait for the server's healthcheck, not its start: the mapping form of depends_on with a condition.",
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
    hint="Publish every port on the loopback address only: host address, host port, container port.",
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
