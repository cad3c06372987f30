"""The Dockerfile parser reads a Dockerfile as ``docker build`` does."""

from __future__ import annotations

import pytest

from mlops_course import dockerfile
from mlops_course.dockerfile import DockerfileError

MULTI_STAGE = """\
# syntax=docker/dockerfile:1
# A comment that is not a directive.
ARG BASE_IMAGE=python:3.11-slim
ARG APP_VERSION

FROM ${BASE_IMAGE} AS Build
WORKDIR /app
RUN python3 -m venv /opt/venv \\
    # a comment inside the continued line is dropped
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

FROM ${BASE_IMAGE} AS runtime
COPY --from=build --chown=10001:10001 /opt/venv /opt/venv
env PATH="/opt/venv/bin:$PATH" MODEL_URI=models:/churn@champion
USER 10001:10001
HEALTHCHECK --interval=30s CMD ["python3", "-c", "print('ok')"]
CMD ["uvicorn", "app:app"]
"""


@pytest.fixture
def parsed() -> dockerfile.Dockerfile:
    return dockerfile.parse(MULTI_STAGE)


def test_global_args_are_the_args_before_the_first_from(parsed):
    assert parsed.global_args == {"BASE_IMAGE": "python:3.11-slim", "APP_VERSION": None}
    assert [item.line for item in parsed.preamble] == [3, 4]


def test_stages_have_base_name_and_instructions(parsed):
    assert [(s.index, s.base, s.name) for s in parsed.stages] == [
        (0, "${BASE_IMAGE}", "build"),
        (1, "${BASE_IMAGE}", "runtime"),
    ]
    assert parsed.final_stage is parsed.stages[1]
    assert [item.keyword for item in parsed.final_stage.instructions] == [
        "COPY",
        "ENV",
        "USER",
        "HEALTHCHECK",
        "CMD",
    ]
    assert parsed.final_stage.from_instruction.line == 12


def test_continuation_lines_join_and_comments_inside_are_dropped(parsed):
    run = parsed.stages[0].last("RUN")
    assert run.line == 8
    assert "comment" not in run.arguments
    assert run.arguments.startswith("python3 -m venv /opt/venv ")
    assert run.arguments.endswith("&& /opt/venv/bin/pip install --no-cache-dir -r requirements.txt")


def test_keywords_are_case_insensitive_and_env_pairs_are_read(parsed):
    assert parsed.final_stage.env == {
        "PATH": "/opt/venv/bin:$PATH",
        "MODEL_URI": "models:/churn@champion",
    }


def test_stage_helpers(parsed):
    final = parsed.final_stage
    assert final.user == "10001:10001"
    assert final.copies_from == ["build"]
    copy = final.last("COPY")
    assert copy.flags == {"from": "build", "chown": "10001:10001"}
    assert copy.body == "/opt/venv /opt/venv"
    assert final.healthcheck.flags == {"interval": "30s"}
    assert final.healthcheck.exec_form == ["python3", "-c", "print('ok')"]
    assert final.last("CMD").words == ["uvicorn", "app:app"]
    assert parsed.stages[0].user is None and parsed.stages[0].healthcheck is None


def test_directives_are_read_only_at_the_top(parsed):
    assert parsed.directives == {"syntax": "docker/dockerfile:1"}
    late = dockerfile.parse("FROM scratch\n# escape=`\nRUN echo hi \\\n  there\n")
    assert late.directives == {}
    assert late.final_stage.last("RUN").arguments == "echo hi   there"


def test_escape_directive_changes_the_continuation_character():
    parsed = dockerfile.parse("# escape=`\nFROM windows\nRUN dir C:\\ `\n  && echo done\n")
    assert parsed.directives == {"escape": "`"}
    assert parsed.final_stage.last("RUN").arguments == "dir C:\\   && echo done"


def test_blank_lines_inside_a_continuation_are_skipped():
    parsed = dockerfile.parse("FROM a\nRUN one \\\n\n    two\nUSER 1\n")
    assert [(i.keyword, i.arguments, i.line) for i in parsed.instructions] == [
        ("FROM", "a", 1),
        ("RUN", "one     two", 2),
        ("USER", "1", 5),
    ]


def test_a_trailing_escape_at_the_end_of_the_file():
    parsed = dockerfile.parse("FROM a\nRUN echo \\\n")
    assert parsed.final_stage.last("RUN").arguments == "echo"


def test_heredoc_bodies_stay_with_their_instruction():
    text = "FROM a\nRUN <<EOF\nset -e\nUSER root\nEOF\nUSER 10001\n"
    parsed = dockerfile.parse(text)
    run = parsed.final_stage.last("RUN")
    assert run.arguments == "<<EOF\nset -e\nUSER root\nEOF"
    assert parsed.final_stage.user == "10001"


def test_stage_lookup_parent_lineage_and_effective():
    parsed = dockerfile.parse(
        "FROM python:3.11-slim AS base\nUSER 10001\nHEALTHCHECK CMD true\n"
        "FROM base AS build\nRUN make\n"
        "FROM base AS runtime\nCOPY --from=1 /out /out\nHEALTHCHECK NONE\n"
    )
    base, build, runtime = parsed.stages
    assert parsed.stage("BASE") is base and parsed.stage(1) is build
    assert parsed.stage("2") is runtime
    assert parsed.stage("missing") is None and parsed.stage(7) is None
    assert parsed.parent(runtime) is base and parsed.parent(base) is None
    assert parsed.lineage(runtime) == [runtime, base]
    assert parsed.effective(runtime, "USER").body == "10001"
    assert parsed.effective(runtime, "HEALTHCHECK").command == "NONE"
    assert parsed.effective(build, "HEALTHCHECK").command == "true"
    assert parsed.effective(build, "CMD") is None
    assert parsed.base_image(runtime) == "python:3.11-slim"


def test_a_stage_copied_from_is_not_a_parent():
    parsed = dockerfile.parse("FROM a AS build\nUSER 1\nFROM b\nCOPY --from=build /x /x\n")
    assert parsed.parent(parsed.final_stage) is None
    assert parsed.effective(parsed.final_stage, "USER") is None


def test_base_image_substitutes_global_args_and_build_args(parsed):
    runtime = parsed.final_stage
    assert parsed.base_image(runtime) == "python:3.11-slim"
    offline = {"BASE_IMAGE": "local/python:3.11-bookworm"}
    assert parsed.base_image(runtime, offline) == "local/python:3.11-bookworm"


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("$A/b", {"A": "x"}, "x/b"),
        ("${A:-fallback}", {}, "fallback"),
        ("${A:-fallback}", {"A": "x"}, "x"),
        ("${A:+set}", {"A": "x"}, "set"),
        ("${A:+set}", {}, ""),
        ("$UNKNOWN-slim", {}, "-slim"),
        ("no variables", {"A": "x"}, "no variables"),
    ],
)
def test_expand(text, variables, expected):
    assert dockerfile.expand(text, variables) == expected


@pytest.mark.parametrize(
    ("arguments", "keyword", "expected"),
    [
        ("A=1 B=2", "ENV", [("A", "1"), ("B", "2")]),
        ('A="two words" B=', "ENV", [("A", "two words"), ("B", "")]),
        ("A 1", "ENV", [("A", "1")]),
        ("A some words here", "ENV", [("A", "some words here")]),
        ("NAME", "ARG", [("NAME", None)]),
        ("NAME=default", "ARG", [("NAME", "default")]),
        ("NAME=", "ARG", [("NAME", "")]),
        ("A=1 B", "ARG", [("A", "1"), ("B", None)]),
        (
            'org.opencontainers.image.title="churn api"',
            "LABEL",
            [("org.opencontainers.image.title", "churn api")],
        ),
    ],
)
def test_key_values(arguments, keyword, expected):
    assert dockerfile.key_values(arguments, keyword) == expected


@pytest.mark.parametrize(
    ("arguments", "keyword"),
    [("", "ENV"), ("A", "ENV"), ("A=1 B", "ENV"), ("=1", "ENV"), ('A="open', "ENV"), ("", "ARG")],
)
def test_key_values_refuses_what_docker_refuses(arguments, keyword):
    with pytest.raises(DockerfileError):
        dockerfile.key_values(arguments, keyword)


def test_exec_form_and_shell_form():
    assert dockerfile.exec_form('["python3", "app.py"]') == ["python3", "app.py"]
    assert dockerfile.exec_form("python3 app.py") is None
    assert dockerfile.exec_form("[not json") is None
    assert dockerfile.exec_form("[1, 2]") is None
    assert dockerfile.command_words("python3 -c 'print(1)'") == ["python3", "-c", "print(1)"]
    assert dockerfile.command_words('["a", "b c"]') == ["a", "b c"]
    assert dockerfile.command_words("echo 'unbalanced") == ["echo", "'unbalanced"]


def test_split_flags():
    assert dockerfile.split_flags("--from=build --chown=1:1 /a /b") == (
        {"from": "build", "chown": "1:1"},
        "/a /b",
    )
    assert dockerfile.split_flags("--link --mount=type=cache,target=/root/.cache pip") == (
        {"link": "", "mount": "type=cache,target=/root/.cache"},
        "pip",
    )
    assert dockerfile.split_flags("no flags --here") == ({}, "no flags --here")


def test_healthcheck_command_forms():
    parsed = dockerfile.parse(
        "FROM a\nHEALTHCHECK --timeout=3s CMD curl -f http://localhost/health\n"
    )
    check = parsed.final_stage.healthcheck
    assert check.command == "curl -f http://localhost/health"
    assert check.exec_form is None
    assert check.words == ["curl", "-f", "http://localhost/health"]


@pytest.mark.parametrize(
    ("user", "root"),
    [
        (None, True),
        ("root", True),
        ("ROOT", True),
        ("0", True),
        ("0:0", True),
        ("root:app", True),
        ("10001:10001", False),
        ("app", False),
        ("10001:0", False),
    ],
)
def test_is_root(user, root):
    assert dockerfile.is_root(user) is root


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no FROM"),
        ("# only a comment\n", "no FROM"),
        ("RUN echo\nFROM a\n", "only ARG may come before the first FROM"),
        ("FROM a\nFORM b\n", "unknown instruction 'FORM'"),
        ("FROM a AS\n", "FROM takes an image"),
        ("FROM a b c d\n", "FROM takes an image"),
        ("# escape=x\nFROM a\n", "escape directive"),
    ],
)
def test_what_docker_refuses_is_an_error(text, problem):
    with pytest.raises(DockerfileError, match=problem):
        dockerfile.parse(text)


def test_read_a_file(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text(MULTI_STAGE)
    assert dockerfile.read(path).final_stage.name == "runtime"
