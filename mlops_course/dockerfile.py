"""A small, plain Dockerfile parser: read a Dockerfile as data, the way ``docker build`` does.

Lesson 09's notebook and grader, and the capstone's tests, check Dockerfiles by
what they mean (which stage runs as which user, what the health check calls)
rather than by searching the text. This module does the reading::

    from mlops_course import dockerfile

    parsed = dockerfile.parse(Path("Dockerfile").read_text())
    parsed.global_args                 # {"BASE_IMAGE": "python:3.11-slim"}
    final = parsed.final_stage         # the stage `docker build` produces
    final.base, final.name             # "${BASE_IMAGE}", "runtime"
    parsed.effective(final, "USER")    # the USER instruction in force, or None

It follows Docker's reference: parser directives (``# syntax=``, ``# escape=``)
at the very top; comments and blank lines dropped, also inside a continued
instruction; lines ending in the escape character (``\\``) joined; heredocs
(``RUN <<EOF``) kept with their instruction; keywords case-insensitive; only
``ARG`` may come before the first ``FROM``. It does not evaluate anything:
arguments stay as written, and ``expand`` substitutes variables on request.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD "
    "RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
DIRECTIVE = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$")
HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
FLAG = re.compile(r"--([A-Za-z][A-Za-z0-9_-]*)(?:=(\S*))?(?:\s+|$)")
VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<op>[-+])(?P<word>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)
ROOT_USERS = frozenset({"root", "0"})


class DockerfileError(ValueError):
    """A Dockerfile that ``docker build`` would refuse, with the line it stops at."""


@dataclass(frozen=True)
class Instruction:
    """One instruction: ``keyword`` upper-cased, ``arguments`` as written, 1-based ``line``.

    Continued lines are joined (the escape character and line break removed,
    comment lines inside dropped); a heredoc's body follows its first line
    after a line break.
    """

    keyword: str
    arguments: str
    line: int

    @property
    def flags(self) -> dict[str, str]:
        """The leading ``--name=value`` options: ``{"from": "build"}`` for ``COPY --from=build``.

        A flag without a value maps to ``""``; a repeated flag keeps its last value.
        """
        return split_flags(self.arguments)[0]

    @property
    def body(self) -> str:
        """The arguments after the leading flags: ``/opt/venv /opt/venv`` for a COPY."""
        return split_flags(self.arguments)[1]

    @property
    def command(self) -> str:
        """The command: the body, or for HEALTHCHECK the text after ``CMD`` (``NONE`` stays)."""
        body = self.body
        if self.keyword == "HEALTHCHECK":
            match = re.match(r"CMD(?:\s+|$)", body, re.IGNORECASE)
            return body[match.end() :].strip() if match else body
        return body

    @property
    def exec_form(self) -> list[str] | None:
        """The command as a list when written in JSON (exec) form, otherwise None."""
        return exec_form(self.command)

    @property
    def words(self) -> list[str]:
        """The command's words: the JSON list, or the shell form split like a shell would."""
        return command_words(self.command)

    @property
    def pairs(self) -> list[tuple[str, str | None]]:
        """The ``KEY=VALUE`` pairs of an ENV, ARG or LABEL (an ARG without default: None)."""
        return key_values(self.arguments, self.keyword)


@dataclass(frozen=True)
class Stage:
    """A build stage: its ``FROM`` and the instructions after it, up to the next ``FROM``.

    ``base`` is the image as written (``python:3.11-slim``, ``${BASE_IMAGE}`` or
    an earlier stage's name); ``name`` is the ``AS`` name in lower case, or None.
    """

    index: int
    base: str
    name: str | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]

    def all(self, keyword: str) -> list[Instruction]:
        """Every instruction of this stage with the given keyword, in order."""
        wanted = keyword.upper()
        return [item for item in self.instructions if item.keyword == wanted]

    def last(self, keyword: str) -> Instruction | None:
        """This stage's last instruction with the given keyword (the one in force), or None."""
        found = self.all(keyword)
        return found[-1] if found else None

    @property
    def user(self) -> str | None:
        """The user of this stage's last USER instruction (``app``, ``10001:10001``), or None."""
        last = self.last("USER")
        return last.body if last else None

    @property
    def healthcheck(self) -> Instruction | None:
        """This stage's last HEALTHCHECK instruction, or None."""
        return self.last("HEALTHCHECK")

    @property
    def copies_from(self) -> list[str]:
        """The ``--from=`` value of every COPY in this stage (stage names, indexes or images)."""
        return [item.flags["from"] for item in self.all("COPY") if "from" in item.flags]

    @property
    def env(self) -> dict[str, str]:
        """The variables this stage's ENV instructions set, later ones winning."""
        return {key: value or "" for item in self.all("ENV") for key, value in item.pairs}

    @property
    def label(self) -> str:
        """How to name the stage in a message: its name, or ``stage 0``."""
        return self.name or f"stage {self.index}"


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: directives, every instruction, the global ARGs and the stages."""

    directives: dict[str, str]
    instructions: tuple[Instruction, ...]
    preamble: tuple[Instruction, ...]
    stages: tuple[Stage, ...]

    @property
    def global_args(self) -> dict[str, str | None]:
        """The ARGs declared before the first FROM: name -> default (None when it has none).

        Only these can be used in a FROM line.
        """
        return {key: value for item in self.preamble for key, value in item.pairs}

    @property
    def final_stage(self) -> Stage:
        """The last stage: what ``docker build`` produces unless ``--target`` says otherwise."""
        return self.stages[-1]

    def stage(self, reference: str | int) -> Stage | None:
        """The stage with this name (any case) or index (``1`` or ``"1"``), or None."""
        text = str(reference).strip()
        for stage in self.stages:
            if stage.name is not None and stage.name == text.lower():
                return stage
        if text.isdigit() and int(text) < len(self.stages):
            return self.stages[int(text)]
        return None

    def parent(self, stage: Stage) -> Stage | None:
        """The earlier stage that ``stage`` is built FROM, or None when it starts from an image."""
        found = self.stage(stage.base) if not stage.base.isdigit() else None
        return found if found is not None and found.index < stage.index else None

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the earlier stages it is built on, nearest first."""
        chain = [stage]
        while (parent := self.parent(chain[-1])) is not None:
            chain.append(parent)
        return chain

    def effective(self, stage: Stage, keyword: str) -> Instruction | None:
        """The instruction in force in ``stage``, inherited from the stages it is built on.

        USER, HEALTHCHECK, CMD, ENTRYPOINT, WORKDIR and the like carry over from
        a parent stage (``FROM build AS runtime``), never from a stage only copied from.
        """
        for item in self.lineage(stage):
            found = item.last(keyword)
            if found is not None:
                return found
        return None

    def base_image(self, stage: Stage, build_args: Mapping[str, str] | None = None) -> str:
        """The image a stage finally starts from, with global ARGs and ``build_args`` substituted.

        A stage built on an earlier stage reports that stage's image.
        """
        variables = {key: value for key, value in self.global_args.items() if value is not None}
        variables.update(build_args or {})
        root = self.lineage(stage)[-1]
        return expand(root.base, variables)


def parse(text: str) -> Dockerfile:
    """Parse a Dockerfile's text.

    Args:
        text: the whole Dockerfile.

    Returns:
        A ``Dockerfile`` with its directives, instructions, global ARGs and stages.

    Raises:
        DockerfileError: an unknown instruction, an instruction other than ARG
            before the first FROM, a malformed FROM, or no FROM at all.
    """
    lines = text.splitlines()
    directives, start = _directives(lines)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise DockerfileError(f"line 1: the escape directive must be \\ or `, not {escape!r}")
    instructions = tuple(_instructions(lines, start, escape))
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    current: tuple[Instruction, list[Instruction]] | None = None
    for item in instructions:
        if item.keyword == "FROM":
            if current is not None:
                stages.append(_stage(len(stages), *current))
            current = (item, [])
        elif current is not None:
            current[1].append(item)
        elif item.keyword == "ARG":
            preamble.append(item)
        else:
            raise DockerfileError(
                f"line {item.line}: only ARG may come before the first FROM, saw {item.keyword}"
            )
    if current is None:
        raise DockerfileError("no FROM instruction: a Dockerfile needs at least one stage")
    stages.append(_stage(len(stages), *current))
    return Dockerfile(directives, instructions, tuple(preamble), tuple(stages))


def read(path: str | Path) -> Dockerfile:
    """Parse the Dockerfile at ``path`` (see ``parse``)."""
    return parse(Path(path).read_text())


def split_flags(arguments: str) -> tuple[dict[str, str], str]:
    """Split the leading ``--name=value`` options off an instruction's arguments.

    Returns:
        The flags (name -> value, ``""`` for a bare flag) and the rest of the arguments.
    """
    flags: dict[str, str] = {}
    rest = arguments.strip()
    while (match := FLAG.match(rest)) is not None:
        flags[match.group(1).lower()] = match.group(2) or ""
        rest = rest[match.end() :]
    return flags, rest.strip()


def exec_form(arguments: str) -> list[str] | None:
    """Return the command as a list if it is written in JSON (exec) form, else None.

    ``["python3", "app.py"]`` is exec form: Docker runs it without a shell.
    ``python3 app.py`` is shell form: Docker runs ``/bin/sh -c "python3 app.py"``.
    """
    text = arguments.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return value
    return None


def command_words(arguments: str) -> list[str]:
    """Return a command's words: the exec-form list, or the shell form split like ``sh`` would.

    Unbalanced quotes fall back to splitting on whitespace.
    """
    listed = exec_form(arguments)
    if listed is not None:
        return listed
    try:
        return shlex.split(arguments)
    except ValueError:
        return arguments.split()


def key_values(arguments: str, keyword: str = "ENV") -> list[tuple[str, str | None]]:
    """Return the ``(key, value)`` pairs of an ENV, ARG or LABEL instruction's arguments.

    Reads both ``ENV A=1 B="two words"`` and the legacy ``ENV A 1`` (one key,
    the rest of the line its value). For ARG, a name without ``=`` has no
    default: its value is None.

    Raises:
        DockerfileError: an ENV or LABEL with no key, or a pair without ``=``.
    """
    keyword = keyword.upper()
    text = arguments.strip()
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise DockerfileError(f"{keyword} {text!r}: {error}") from None
    if not tokens:
        raise DockerfileError(f"{keyword} needs at least one name")
    if keyword != "ARG" and "=" not in tokens[0]:
        if len(tokens) == 1:
            raise DockerfileError(f"{keyword} {text!r}: a name needs a value")
        # Legacy form: the first word is the key, the rest of the line the value.
        return [(tokens[0], " ".join(tokens[1:]))]
    pairs: list[tuple[str, str | None]] = []
    for token in tokens:
        key, equals, value = token.partition("=")
        if not key:
            raise DockerfileError(f"{keyword} {text!r}: a name may not be blank")
        if not equals and keyword != "ARG":
            raise DockerfileError(f"{keyword} {text!r}: {token!r} has no '='")
        pairs.append((key, value if equals else None))
    return pairs


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Substitute ``$NAME``, ``${NAME}``, ``${NAME:-default}`` and ``${NAME:+word}`` in ``text``.

    Unknown names become ``""``, as in Docker.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        value = variables.get(name, "")
        operator = match.group("op")
        if operator == "-":
            return value or match.group("word")
        if operator == "+":
            return match.group("word") if value else ""
        return value

    return VARIABLE.sub(substitute, text)


def is_root(user: str | None) -> bool:
    """True when a USER value means root: None (no USER), ``root`` or ``0``, with any group."""
    if user is None:
        return True
    name = user.strip().split(":")[0].strip()
    return name.lower() in ROOT_USERS or name == ""


# --- internals ----------------------------------------------------------------------------------


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read the parser directives at the top; return them and the index of the first other line."""
    directives: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = DIRECTIVE.match(line.strip())
        name = match.group(1).lower() if match else None
        if match is None or name not in KNOWN_DIRECTIVES or name in directives:
            return directives, index
        directives[name] = match.group(2)
    return directives, len(lines)


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _instructions(lines: list[str], start: int, escape: str) -> Iterator[Instruction]:
    index = start
    while index < len(lines):
        if _is_comment_or_blank(lines[index]):
            index += 1
            continue
        first = index
        text = lines[index].rstrip()
        index += 1
        # A line ending in the escape character continues on the next line that is
        # neither blank nor a comment (Docker drops those inside an instruction).
        while text.endswith(escape):
            text = text[: -len(escape)]
            while index < len(lines) and _is_comment_or_blank(lines[index]):
                index += 1
            if index == len(lines):
                break
            text += lines[index].rstrip()
            index += 1
        keyword, arguments = (text.strip().split(maxsplit=1) + [""])[:2]
        keyword = keyword.upper()
        if keyword not in KEYWORDS:
            raise DockerfileError(f"line {first + 1}: unknown instruction {keyword!r}")
        arguments = arguments.strip()
        if keyword in ("RUN", "COPY", "ADD"):
            arguments, index = _heredocs(arguments, lines, index)
        yield Instruction(keyword, arguments, first + 1)


def _heredocs(arguments: str, lines: list[str], index: int) -> tuple[str, int]:
    """Append the bodies of ``<<WORD`` heredocs that follow an instruction's line."""
    body: list[str] = []
    for match in HEREDOC.finditer(arguments):
        strip_tabs, word = match.group(1) == "-", match.group(3)
        while index < len(lines):
            line = lines[index]
            index += 1
            if (line.lstrip("\t") if strip_tabs else line) == word:
                break
            body.append(line)
        body.append(word)
    return ("\n".join([arguments, *body]) if body else arguments), index


def _stage(index: int, from_instruction: Instruction, body: list[Instruction]) -> Stage:
    flags, rest = split_flags(from_instruction.arguments)
    words = rest.split()
    if len(words) == 1:
        base, name = words[0], None
    elif len(words) == 3 and words[1].lower() == "as":
        base, name = words[0], words[2].lower()
    else:
        raise DockerfileError(
            f"line {from_instruction.line}: FROM takes an image and an optional 'AS name', "
            f"saw {from_instruction.arguments!r}"
        )
    return Stage(index, base, name, from_instruction, tuple(body))


__all__ = [
    "Dockerfile",
    "DockerfileError",
    "Instruction",
    "Stage",
    "command_words",
    "exec_form",
    "expand",
    "is_root",
    "key_values",
    "parse",
    "read",
    "split_flags",
]
