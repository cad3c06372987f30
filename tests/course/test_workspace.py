"""The workspace: one overridable folder, resets, scratch git repos, servers that stop."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from mlops_course import cli, servers, workspace


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv(workspace.WORKSPACE_VARIABLE, str(tmp_path / "ws"))
    return tmp_path / "ws"


def test_the_variable_moves_the_workspace(isolated):
    assert workspace.root() == isolated.resolve()
    assert workspace.lesson_dir(4) == isolated.resolve() / "04"


def test_default_workspace_is_inside_the_course(monkeypatch):
    monkeypatch.delenv(workspace.WORKSPACE_VARIABLE, raising=False)
    assert workspace.root() == workspace.COURSE_ROOT / "workspace"


def test_reset_empties_only_that_lesson(isolated):
    old = workspace.reset("02") / "old.txt"
    old.write_text("stale")
    keep = workspace.reset("03") / "keep.txt"
    keep.write_text("keep")
    assert cli.main(["reset", "02"]) == 0
    assert not old.exists() and (isolated / "02").is_dir()
    assert keep.exists()


def test_reset_refuses_a_bad_lesson(isolated, capsys):
    assert cli.main(["reset", "../etc"]) == 2
    assert "lesson" in capsys.readouterr().err


def test_scratch_repos_have_a_local_identity(tmp_path):
    repo = workspace.git_init(tmp_path / "repo")
    (repo / "a.txt").write_text("a")
    subprocess.run(["git", "add", "a.txt"], cwd=repo, check=True)
    env = {"HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "commit", "-qm", "first"], cwd=repo, check=True, env=env)
    author = subprocess.run(
        ["git", "log", "-1", "--format=%an <%ae>"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    assert author == "Course Learner <learner@example.invalid>"


def _http_server(port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


def test_a_server_stops_when_the_block_fails(isolated):
    port = servers.free_port()
    folder = isolated / "08"
    with pytest.raises(RuntimeError, match="cell failed"):
        with servers.running_server("web", _http_server(port), folder, port) as server:
            assert (folder / "web.pid").exists()
            raise RuntimeError("cell failed")
    assert server.process.poll() is not None
    assert not (folder / "web.pid").exists()


def test_course_stop_stops_what_a_dead_kernel_left(isolated, capsys):
    port = servers.free_port()
    server = servers.start("left-behind", _http_server(port), isolated / "09", port)
    servers.wait_until_up(server)
    assert cli.main(["stop"]) == 0
    assert "left-behind" in capsys.readouterr().out
    deadline = time.monotonic() + 10
    while server.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.process.poll() is not None
    assert not server.pid_file.exists()


def test_reset_also_stops_the_lessons_servers(isolated):
    port = servers.free_port()
    server = servers.start("web", _http_server(port), workspace.lesson_dir("10"), port)
    servers.wait_until_up(server)
    workspace.reset("10")
    server.process.wait(timeout=10)
    assert server.process.returncode is not None


def test_quiet_environment_sets_telemetry_off(monkeypatch):
    monkeypatch.delenv("MLFLOW_DISABLE_TELEMETRY", raising=False)
    import os

    workspace.quiet_environment()
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert os.environ["DVC_NO_ANALYTICS"] == "1"


def test_shell_run_shows_a_pasteable_command_and_raises_with_output(tmp_path, capsys):
    from mlops_course import shell

    output = shell.run(["git", "init", "-q", str(tmp_path / "my repo")])
    assert output == ""
    assert f"$ git init -q '{tmp_path / 'my repo'}'" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="exit code 1") as failure:
        shell.run(["git", "no-such-command"], show=False)
    assert "not a git command" in str(failure.value)
    assert "FORCE_COLOR" not in shell.tool_environment()
