"""Grading tests for lesson 02: a project layout, data versions in git, restoring old data.

The DVC tests share one real repository, built once for the module with git
and DVC's own command-line entry point: two versions of ``data/raw/customers.csv``, an
unrelated commit between them, and a commit before any data. Tests that
change a repository work on a copy of it. Every expected hash is computed
here with hashlib from the bytes that were committed, never taken from the
code under test.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mlops_course import data, shell, workspace

POINTER = "data/raw/customers.csv.dvc"
DATA = "data/raw/customers.csv"
ROWS = 200  # small: the tests are about versions, not volume
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def md5(content: bytes) -> str:
    return hashlib.md5(content).hexdigest()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def short(digest: object) -> str:
    """The first 12 characters of a digest, enough to tell two apart in a message."""
    return repr(digest[:12]) + "..." if isinstance(digest, str) else repr(digest)


def git(repo: Path, *args: str) -> str:
    return shell.run(["git", *args], cwd=repo, show=False)


def expect_error(kind: type[BaseException], action, situation: str) -> BaseException:
    """Run ``action``; return the error of ``kind`` it raises, or fail saying what it did."""
    try:
        result = action()
    except NotImplementedError:
        raise  # a starter's TODO: a RuntimeError too, but not the error asked for
    except kind as error:
        return error
    pytest.fail(f"expected a {kind.__name__} {situation}, saw it return {result!r}", pytrace=False)


# --- the shared DVC repository ------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """A real git + DVC repository with two data versions, and what each commit holds."""

    repo: Path
    start: str  # README and DVC set up, no data yet
    month0: str  # data/raw/customers.csv = month 0
    notes: str  # only the README changes
    month1: str  # data/raw/customers.csv = month 1 (prices up): HEAD of main
    bytes0: bytes
    bytes1: bytes


@pytest.fixture(scope="module", autouse=True)
def private_dvc_state(tmp_path_factory):
    """Keep DVC's per-machine state (normally /var/tmp/dvc) inside the test's folders."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DVC_SITE_CACHE_DIR", str(tmp_path_factory.mktemp("dvc-site")))
        patch.setenv("DVC_NO_ANALYTICS", "1")
        yield


def dvc_in_process(repo: Path, *args: str) -> None:
    """Run one dvc command in this process, as the dvc CLI would in ``repo``.

    The same code as the ``dvc`` program, without paying its start-up (about a
    second of imports) for every call: the grading run has a time limit.
    """
    from dvc.cli import main

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # DVC's own, about pygtrie
        patch.chdir(repo)
        code = main([*args, "--quiet"])
    assert code == 0, f"setting up the test repository: `dvc {' '.join(args)}` exited {code}"


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    repo = workspace.git_init(tmp_path_factory.mktemp("dvc") / "churn-project")
    dvc_in_process(repo, "init")
    (repo / "README.md").write_text("# churn-project\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Start the project")
    start = git(repo, "rev-parse", "HEAD")

    def ingest(month: int, scenario: str, message: str) -> tuple[str, bytes]:
        data.write_batch(repo / DATA, month=month, rows=ROWS, seed=7, scenario=scenario)
        content = (repo / DATA).read_bytes()
        dvc_in_process(repo, "add", DATA)
        git(repo, "add", POINTER, "data/raw/.gitignore")
        git(repo, "commit", "-q", "-m", message)
        return git(repo, "rev-parse", "HEAD"), content

    month0, bytes0 = ingest(0, "none", "Ingest month 0")
    git(repo, "tag", "month-0")
    (repo / "README.md").write_text("# churn-project\n\nMonthly customer exports.\n")
    git(repo, "commit", "-q", "-am", "Describe the data")
    notes = git(repo, "rev-parse", "HEAD")
    month1, bytes1 = ingest(1, "price_increase", "Ingest month 1")
    assert md5(bytes0) != md5(bytes1), "the two months must differ"
    return History(repo, start, month0, notes, month1, bytes0, bytes1)


def copy_repo(history: History, folder: Path) -> Path:
    """A private copy of the shared repository (git history, DVC cache and all)."""
    return Path(shutil.copytree(history.repo, folder / "churn-project", symlinks=True))


# --- create_project ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def layout(exercise):
    return exercise("02", "layout")


PROJECT = "Churn Predictor"
PACKAGE = "churn_predictor"
KEPT_FOLDERS = (
    "data/raw",
    "data/interim",
    "data/processed",
    "models",
    "notebooks",
    "reports",
    "tests",
)
EXPECTED_FILES = {
    "README.md",
    ".gitignore",
    "pyproject.toml",
    "params.yaml",
    f"src/{PACKAGE}/__init__.py",
    *(f"{folder}/.gitkeep" for folder in KEPT_FOLDERS),
}


def files_under(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.points(
    0,
    exercise="create_project",
    hint="Keep create_project, package_name, gitignore_text and pyproject_text.",
)
def test_layout_functions_exist(layout):
    missing = [
        name
        for name in ("create_project", "package_name", "gitignore_text", "pyproject_text")
        if not callable(getattr(layout, name, None))
    ]
    assert not missing, f"expected these functions in layout.py, saw {missing} missing"


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="Every run of characters that cannot appear in a Python name becomes one underscore, not only spaces.",
    more='re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")',
)
def test_package_name_from_spaces_and_dashes(layout):
    cases = {
        "Churn Predictor": "churn_predictor",
        "churn-predictor": "churn_predictor",
        "churn-model v2!": "churn_model_v2",
        "  Churn -- Model  ": "churn_model",
    }
    for name, expected in cases.items():
        seen = layout.package_name(name)
        assert seen == expected, f"expected package_name({name!r}) == {expected!r}, saw {seen!r}"


@pytest.mark.points(
    1,
    exercise="create_project",
    hint="A Python name cannot start with a digit or be a keyword: rules 4 and 5 of the docstring.",
)
def test_package_name_is_always_an_identifier(layout):
    cases = {"2024 churn": "project_2024_churn", "42": "project_42", "class": "class_"}
    cases["Import"] = "import_"
    for name, expected in cases.items():
        seen = layout.package_name(name)
        assert seen == expected, f"expected package_name({name!r}) == {expected!r}, saw {seen!r}"


@pytest.mark.points(
    1, exercise="create_project", hint="No letter or digit left to build a name from? Refuse it."
)
def test_package_name_without_letters_raises(layout):
    for name in ("---", "", "!!"):
        expect_error(
            ValueError,
            lambda name=name: layout.package_name(name),
            f"for the name {name!r} (no letter or digit to build a package name from)",
        )


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="Write exactly the files the module docstring draws: the top-level files, a placeholder per empty folder, the package.",
)
def test_creates_exactly_the_layout(layout, tmp_path):
    project = layout.create_project(tmp_path / "work", PROJECT)
    expected_folder = tmp_path / "work" / PROJECT
    assert project is not None and Path(project) == expected_folder, (
        f"expected create_project to return {expected_folder}, saw {project!r}"
    )
    seen = files_under(expected_folder)
    missing, extra = sorted(EXPECTED_FILES - seen), sorted(seen - EXPECTED_FILES)
    assert not missing and not extra, (
        f"expected exactly {sorted(EXPECTED_FILES)}, saw {missing} missing and {extra} extra"
    )


@pytest.mark.points(
    1,
    exercise="create_project",
    hint="The readme's first line is a Markdown title with the project's name; the settings file is a YAML mapping.",
)
def test_readme_and_params(layout, tmp_path):
    project = Path(layout.create_project(tmp_path, PROJECT))
    first_line = (project / "README.md").read_text().splitlines()[:1]
    assert first_line == [f"# {PROJECT}"], (
        f"expected README.md to start with '# {PROJECT}', saw {first_line}"
    )
    params = yaml.safe_load((project / "params.yaml").read_text())
    assert isinstance(params, dict) and params, (
        f"expected params.yaml to hold a YAML mapping, saw {params!r}"
    )


def committed_files(project: Path) -> set[str]:
    """Make the project a git repo with DVC's files in place, stage everything, list it."""
    workspace.git_init(project)
    (project / ".dvc").mkdir(exist_ok=True)
    (project / ".dvc" / "config").write_text("[core]\n    remote = storage\n")
    (project / ".dvc" / ".gitignore").write_text("/config.local\n/tmp\n/cache\n")  # dvc init's
    (project / "data" / "raw" / "customers.csv").write_text("customerID,Churn\n")
    (project / "data" / "raw" / ".gitignore").write_text("/customers.csv\n")
    (project / POINTER).write_text("outs:\n- md5: 0\n  path: customers.csv\n")
    (project / "uv.lock").write_text("version = 1\n")  # what `uv lock` writes
    for junk in (
        ".venv/lib/site.py",
        f"src/{PACKAGE}/__pycache__/core.cpython-311.pyc",
        "notebooks/.ipynb_checkpoints/eda-checkpoint.ipynb",
    ):
        (project / junk).parent.mkdir(parents=True, exist_ok=True)
        (project / junk).write_text("rebuilt on each machine\n")
    git(project, "add", "-A")
    return set(git(project, "ls-files").splitlines())


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="Never hide a whole folder of data or every pointer: the pointers, placeholders and the lock must reach git.",
)
def test_git_keeps_the_pointers_the_lock_and_the_skeleton(layout, tmp_path):
    project = Path(layout.create_project(tmp_path, PROJECT))
    staged = committed_files(project)
    must_keep = {POINTER, "data/raw/.gitignore", ".dvc/config", "uv.lock", *EXPECTED_FILES}
    lost = sorted(must_keep - staged)
    assert not lost, f"expected `git add -A` to stage {lost} too, saw them ignored by .gitignore"


@pytest.mark.points(
    1,
    exercise="create_project",
    hint="The environment, Python's bytecode caches and Jupyter's checkpoints are rebuilt on each machine, in any folder: ignore them.",
    more="One line each: .venv/, __pycache__/ and .ipynb_checkpoints/.",
)
def test_git_ignores_what_is_rebuilt_or_secret(layout, tmp_path):
    project = Path(layout.create_project(tmp_path, PROJECT))
    staged = committed_files(project)
    leaked = sorted(
        path
        for path in staged
        if path.startswith(".venv/") or "__pycache__/" in path or ".ipynb_checkpoints/" in path
    )
    assert not leaked, f"expected .gitignore to keep these out of git, saw {leaked} staged"


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="A folder that already holds something, or a file with the project's name, is refused before anything is written.",
)
def test_refuses_a_folder_that_is_not_empty(layout, tmp_path):
    project = tmp_path / PROJECT
    project.mkdir()
    (project / "notes.txt").write_text("my notes\n")
    expect_error(
        FileExistsError,
        lambda: layout.create_project(tmp_path, PROJECT),
        "for a project folder that already holds notes.txt",
    )
    seen = files_under(project)
    assert seen == {"notes.txt"}, (
        f"expected the existing folder left as it was (only notes.txt), saw {sorted(seen)}"
    )
    (tmp_path / "taken").write_text("a file, not a folder\n")
    expect_error(
        FileExistsError,
        lambda: layout.create_project(tmp_path, "taken"),
        "when a file already has the project's name",
    )


@pytest.mark.points(
    1,
    exercise="create_project",
    hint="An existing empty folder is fine, and so is a root that does not exist yet.",
)
def test_accepts_an_empty_folder_and_a_new_root(layout, tmp_path):
    (tmp_path / PROJECT).mkdir()
    project = Path(layout.create_project(tmp_path, PROJECT))
    assert (project / "data" / "raw" / ".gitkeep").is_file(), (
        "expected the layout inside an existing empty folder, saw no data/raw/.gitkeep"
    )
    nested = Path(layout.create_project(tmp_path / "a" / "b", "2024 churn"))
    init = nested / "src" / "project_2024_churn" / "__init__.py"
    assert init.is_file(), f"expected {init.relative_to(tmp_path)} under a new root, saw none"


def read_pyproject(layout, name: str) -> dict:
    """pyproject_text(name) parsed as TOML; fails with the parser's message if it is not."""
    text = layout.pyproject_text(name)
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, TypeError) as error:
        pytest.fail(
            f"expected pyproject_text({name!r}) to be valid TOML, saw {error} in {text!r:.300}",
            pytrace=False,
        )


VALID_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508's rule


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="An installer accepts a name of letters, digits and -_. that starts and ends with a letter or digit; the version and the Pythons it runs on come next.",
    more='name = "churn-predictor", version = "0.1.0", requires-python = REQUIRES_PYTHON.',
)
def test_pyproject_names_the_project(layout):
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    cases = {
        PROJECT: "churn-predictor",
        "2024 churn": "2024-churn",
        "Churn-model v2!": "churn-model-v2",
    }
    for name, expected in cases.items():
        project = read_pyproject(layout, name).get("project") or {}
        seen = project.get("name")
        valid = isinstance(seen, str) and VALID_NAME.fullmatch(seen)
        assert valid and canonicalize_name(seen) == expected, (
            f"expected [project] name {expected!r} for the project {name!r}, saw {seen!r}"
        )
        try:
            Version(str(project.get("version")))
            pythons = SpecifierSet(str(project.get("requires-python")))
        except (InvalidVersion, InvalidSpecifier) as error:
            pytest.fail(
                f"expected a version and requires-python for {name!r}, saw {error}", pytrace=False
            )
        running = platform.python_version()
        assert running in pythons, (
            f"expected requires-python to include the Python you run, {running}, saw {str(pythons)!r}"
        )


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="Declare what the project's code imports as requirements an installer reads, with ranges that allow the versions you have.",
)
def test_pyproject_declares_the_dependencies(layout):
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    listed = (read_pyproject(layout, PROJECT).get("project") or {}).get("dependencies")
    assert isinstance(listed, list), f"expected [project] dependencies as a list, saw {listed!r}"
    try:
        requirements = [Requirement(item) for item in listed]
    except (InvalidRequirement, TypeError) as error:
        pytest.fail(f"expected requirements such as 'pandas>=2.3', saw {error}", pytrace=False)
    names = {canonicalize_name(requirement.name) for requirement in requirements}
    missing = sorted({"pandas", "scikit-learn", "pyyaml"} - names)
    assert not missing, (
        f"expected dependencies on pandas, scikit-learn and pyyaml, saw {missing} missing"
    )
    for requirement in requirements:
        installed = metadata.version(requirement.name)
        assert requirement.specifier.contains(installed), (
            f"expected {str(requirement)!r} to allow the installed {requirement.name} {installed}, "
            "saw it excluded: the lock could never pick it"
        )


@pytest.mark.points(
    2,
    exercise="create_project",
    hint="Say how to build the project and where its code is: the folder under src/ carries the package's name, not the project's.",
    more='[build-system] requires = ["hatchling"], build-backend = "hatchling.build"; [tool.hatch.build.targets.wheel] packages = ["src/<package>"].',
)
def test_pyproject_builds_the_package_under_src(layout, tmp_path):
    for name, package in ((PROJECT, PACKAGE), ("2024 churn", "project_2024_churn")):
        table = read_pyproject(layout, name)
        build = table.get("build-system") or {}
        assert build.get("build-backend") == "hatchling.build" and "hatchling" in str(
            build.get("requires")
        ), f"expected hatchling as the build backend for {name!r}, saw {build!r}"
        wheel = table.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {})
        packages = (wheel.get("wheel") or {}).get("packages")
        assert packages == [f"src/{package}"], (
            f"expected packages = ['src/{package}'] for {name!r}, saw {packages!r}"
        )
    project = Path(layout.create_project(tmp_path, PROJECT))
    written = (project / "pyproject.toml").read_text()
    assert written == layout.pyproject_text(PROJECT), (
        "expected create_project to write pyproject_text(name) to pyproject.toml, saw other text"
    )


# --- data_hash_at and data_versions ------------------------------------------------------


@pytest.fixture(scope="module")
def versions(exercise):
    return exercise("02", "versions")


@pytest.mark.points(0, exercise="data_hash_at", hint="Keep data_hash_at and data_versions.")
def test_versions_functions_exist(versions):
    missing = [
        name
        for name in ("data_hash_at", "data_versions")
        if not callable(getattr(versions, name, None))
    ]
    assert not missing, f"expected these functions in versions.py, saw {missing} missing"


@pytest.mark.points(
    2,
    exercise="data_hash_at",
    hint="Read the pointer as it was at that revision, not the one in your folder today.",
    more="git show REV:data/raw/customers.csv.dvc prints the old pointer; its outs[0].md5 is the answer.",
)
def test_hash_at_an_old_commit(versions, history):
    expected = md5(history.bytes0)
    seen = versions.data_hash_at(history.repo, history.month0, POINTER)
    mistake = ""
    if seen == md5(history.bytes1):
        mistake = " (today's data: that is the pointer in the folder, not the one at the commit)"
    assert seen == expected, (
        f"expected the md5 of month 0's bytes, {short(expected)}, at the month-0 commit, "
        f"saw {short(seen)}{mistake}"
    )


@pytest.mark.points(
    1,
    exercise="data_hash_at",
    hint="Pass the revision to git as it is: HEAD, HEAD~1, main and tags all work.",
)
def test_hash_at_branches_tags_and_relative_revisions(versions, history):
    cases = {
        "HEAD": md5(history.bytes1),
        "main": md5(history.bytes1),
        "HEAD~1": md5(history.bytes0),  # the README commit: the pointer still says month 0
        "month-0": md5(history.bytes0),
    }
    for revision, expected in cases.items():
        seen = versions.data_hash_at(history.repo, revision, POINTER)
        assert seen == expected, (
            f"expected {short(expected)} at revision {revision!r}, saw {short(seen)}"
        )


@pytest.mark.points(
    1,
    exercise="data_hash_at",
    hint="Reading history must not change the working tree: nothing checked out, nothing written.",
)
def test_hash_at_leaves_the_working_tree_alone(versions, history):
    pointer_before = (history.repo / POINTER).read_bytes()
    status_before = git(history.repo, "status", "--porcelain")
    versions.data_hash_at(history.repo, history.month0, POINTER)
    pointer_after = (history.repo / POINTER).read_bytes()
    status_after = git(history.repo, "status", "--porcelain")
    assert pointer_after == pointer_before and status_after == status_before, (
        f"expected the working tree unchanged, saw git status {status_after!r} "
        f"(before: {status_before!r})"
    )


@pytest.mark.points(
    2,
    exercise="data_hash_at",
    hint="A revision where the pointer did not exist, or that does not exist: say which pointer and which revision, as a FileNotFoundError.",
)
def test_revision_without_the_pointer_raises(versions, history):
    for revision, why in ((history.start, "before any data was added"), ("nope", "unknown")):
        error = expect_error(
            FileNotFoundError,
            lambda revision=revision: versions.data_hash_at(history.repo, revision, POINTER),
            f"at a revision {why} ({revision[:12]})",
        )
        message = str(error)
        assert POINTER in message and revision[:7] in message, (
            f"expected the message to name {POINTER} and the revision {revision[:12]}, "
            f"saw {message!r}"
        )


@pytest.mark.points(
    2,
    exercise="data_versions",
    hint="Only the commits that changed the pointer count; a commit that touched the README is not a data version.",
    more="git log -- POINTER lists exactly those commits.",
)
def test_data_versions_lists_each_version(versions, history):
    seen = versions.data_versions(history.repo, POINTER)
    expected = {(history.month0, md5(history.bytes0)), (history.month1, md5(history.bytes1))}
    assert isinstance(seen, list) and set(map(tuple, seen)) == expected, (
        f"expected the two data commits with their md5s, {sorted(expected)}, "
        f"saw {seen!r} (the README commit and the first commit did not touch the pointer)"
    )


@pytest.mark.points(
    1,
    exercise="data_versions",
    hint="git's history lists the newest commit first; the versions go oldest first.",
    more="git log --reverse --format=%H -- POINTER",
)
def test_data_versions_oldest_first(versions, history):
    seen = [commit for commit, _ in versions.data_versions(history.repo, POINTER)]
    expected = [history.month0, history.month1]
    assert seen == expected, (
        f"expected the commits oldest first, {[c[:7] for c in expected]}, "
        f"saw {[str(c)[:7] for c in seen]}"
    )


@pytest.mark.points(
    1, exercise="data_versions", hint="A pointer no commit touched has no versions: []."
)
def test_data_versions_of_an_untracked_pointer(versions, history):
    seen = versions.data_versions(history.repo, "data/raw/payments.csv.dvc")
    assert seen == [], f"expected [] for a pointer that was never committed, saw {seen!r}"


# --- file_md5, pointer_target, restore_version -------------------------------------------


@pytest.fixture(scope="module")
def restore(exercise):
    return exercise("02", "restore")


@pytest.mark.points(
    0, exercise="restore_version", hint="Keep file_md5, pointer_target and restore_version."
)
def test_restore_functions_exist(restore):
    missing = [
        name
        for name in ("file_md5", "pointer_target", "restore_version")
        if not callable(getattr(restore, name, None))
    ]
    assert not missing, f"expected these functions in restore.py, saw {missing} missing"


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="The md5 of the file's bytes, as 32 lowercase hex characters, for any file, empty ones too.",
    more="hashlib.md5() fed the file's bytes, then .hexdigest().",
)
def test_file_md5_of_a_data_file(restore, tmp_path):
    cases = {"customers.csv": data.write_batch(tmp_path / "customers.csv", rows=50).read_bytes()}
    cases["empty.csv"] = b""
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        seen = restore.file_md5(tmp_path / name)
        assert seen == md5(content), f"expected md5 {md5(content)} of {name}, saw {seen!r}"


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="Text mode changes line endings and rejects some bytes: hash the bytes exactly as they are on disk.",
)
def test_file_md5_reads_bytes_not_text(restore, tmp_path):
    content = b"customerID,Churn\r\n00-00001-ABCDE,Yes\r\n\xff\xfe\x00"
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    seen = restore.file_md5(path)
    assert seen == md5(content), (
        f"expected md5 {md5(content)} of the file's exact bytes (CRLF and all), saw {seen!r}"
    )


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="A file larger than one chunk: keep reading and feeding the same md5 until the file has no bytes left.",
    more="while chunk := handle.read(CHUNK): digest.update(chunk)",
)
def test_file_md5_of_a_file_larger_than_a_chunk(restore, tmp_path):
    content = bytes(range(256)) * (10 * 1024 + 3)  # about 2.5 MB
    path = tmp_path / "big.bin"
    path.write_bytes(content)
    seen = restore.file_md5(path)
    assert seen == md5(content), f"expected md5 {md5(content)} of all 2.5 MB, saw {seen!r}"


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="The pointer's first output holds the md5 and the tracked file's path, relative to the pointer's folder inside the repository.",
)
def test_pointer_target_of_the_customers_pointer(restore, history):
    seen = restore.pointer_target(history.repo, POINTER)
    expected = (history.repo / DATA, md5(history.bytes1))
    assert seen is not None and (Path(seen[0]), seen[1]) == expected, (
        f"expected {(str(expected[0]), expected[1])}, saw {seen!r}"
    )


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="The tracked file is wherever the pointer says, relative to the pointer's folder: read it, never guess it from the pointer's name.",
)
def test_pointer_target_reads_the_path(restore, tmp_path):
    pointer = tmp_path / "data" / "external" / "prices-2024.dvc"
    pointer.parent.mkdir(parents=True)
    digest = "0123456789abcdef0123456789abcdef"
    pointer.write_text(f"outs:\n- md5: {digest}\n  size: 10\n  hash: md5\n  path: prices.csv\n")
    seen = restore.pointer_target(tmp_path, "data/external/prices-2024.dvc")
    expected = (tmp_path / "data" / "external" / "prices.csv", digest)
    assert seen is not None and (Path(seen[0]), seen[1]) == expected, (
        f"expected {(str(expected[0].relative_to(tmp_path)), digest)} (relative to the "
        f"pointer's folder), saw {seen!r}"
    )


@pytest.fixture(scope="module")
def restored(restore, history, tmp_path_factory):
    """One restore of month 0 in a copy of the repository: (repo, returned path or error)."""
    repo = copy_repo(history, tmp_path_factory.mktemp("restored"))
    try:
        return repo, restore.restore_version(repo, history.month0, POINTER), None
    except Exception as error:  # noqa: BLE001 - each test reports it
        return repo, None, error


def restored_path(restored) -> tuple[Path, Path]:
    repo, result, error = restored
    if error is not None:
        raise error
    return repo, result


@pytest.mark.points(
    3,
    exercise="restore_version",
    hint="Two steps, in order: git brings back the old pointer, then DVC the bytes it names.",
    more="git checkout REV -- POINTER, then dvc checkout POINTER.",
)
def test_restore_brings_back_the_exact_old_bytes(restored, history):
    repo, _ = restored_path(restored)
    content = (repo / DATA).read_bytes()
    seen = (md5(content), sha256(content))
    expected = (md5(history.bytes0), sha256(history.bytes0))
    mistake = ""
    if content == history.bytes1:
        mistake = " (still month 1: did both the git and the dvc checkout run?)"
    assert seen == expected, (
        f"expected {DATA} to hold month 0 again (md5 {short(expected[0])}, sha256 "
        f"{short(expected[1])}), saw md5 {short(seen[0])}, sha256 {short(seen[1])}{mistake}"
    )


@pytest.mark.points(
    1, exercise="restore_version", hint="Return the data file's path, from pointer_target."
)
def test_restore_returns_the_data_path(restored):
    repo, result = restored_path(restored)
    expected = repo / DATA
    assert result is not None and Path(result) == expected, (
        f"expected the path {expected}, saw {result!r}"
    )


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="Bring back one file, the pointer, and stay on your branch: no switch, no commit.",
)
def test_restore_keeps_the_branch_and_commits_nothing(restored, history):
    repo, _ = restored_path(restored)
    branch = shell.run(
        ["git", "symbolic-ref", "--short", "HEAD"], cwd=repo, show=False, check=False
    )
    head = git(repo, "rev-parse", "HEAD")
    assert (branch, head) == ("main", history.month1), (
        f"expected to stay on main at {history.month1[:7]}, saw branch {branch!r} at {head[:7]}"
    )
    old_pointer = git(repo, "show", f"{history.month0}:{POINTER}")
    seen = (repo / POINTER).read_text().strip()
    assert seen == old_pointer, f"expected the working tree's pointer to be month 0's, saw {seen!r}"


@pytest.mark.points(
    2,
    exercise="restore_version",
    hint="A cache can hand back damaged bytes without a word: hash what was restored yourself and refuse a mismatch, showing both md5s.",
)
def test_restore_refuses_a_damaged_cache(restore, history, tmp_path):
    repo = copy_repo(history, tmp_path)
    # Damage month 0's copy in the cache the way an in-place edit of a linked file would:
    # same size, same timestamp, one byte different. DVC copies it out without noticing.
    expected = md5(history.bytes0)
    cached = repo / ".dvc" / "cache" / "files" / "md5" / expected[:2] / expected[2:]
    stat = cached.stat()
    damaged = bytearray(cached.read_bytes())
    damaged[-2] = ord("Y") if damaged[-2] != ord("Y") else ord("N")
    os.chmod(cached, 0o644)
    cached.write_bytes(bytes(damaged))
    os.utime(cached, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    error = expect_error(
        ValueError,
        lambda: restore.restore_version(repo, history.month0, POINTER),
        "when the restored file's bytes do not match the pointer's md5",
    )
    message = str(error)
    assert expected in message and md5(bytes(damaged)) in message, (
        f"expected the message to show the pointer's md5 {expected} and the file's "
        f"{md5(bytes(damaged))}, saw {message!r}"
    )


@pytest.mark.points(
    1,
    exercise="restore_version",
    hint="When git fails, stop there: its error is the answer, and the data must stay as it was.",
)
def test_restore_at_a_revision_without_the_pointer_raises(restore, history, tmp_path):
    repo = copy_repo(history, tmp_path)
    expect_error(
        RuntimeError,
        lambda: restore.restore_version(repo, history.start, POINTER),
        f"for a revision with no {POINTER} (git checkout fails)",
    )
    content = (repo / DATA).read_bytes()
    assert content == history.bytes1, (
        "expected the data left as it was (month 1) after the failed restore, saw other bytes"
    )
