"""Hints teach the idea; the solution line is never the hint (STYLE rule 22).

A hint is shown twice: as the TODO of a starter (the ``hint:`` of a solution
region) and under a failing check (the ``hint=`` of a ``points`` marker). Either
way it must point at the idea and the failing case, not hand over the code. So
no hint may:

- name a call its lesson's solution regions make (``train_test_split(``, ``.hexdigest()``);
- repeat three consecutive code tokens of them (``hashlib.sha256``, ``if not labels``);
- quote one of their code-like strings (``"attributes.status = 'FINISHED'"``).

The concrete fix belongs in the marker's ``more=``, which a learner sees only
when asking for it (``course check NN --more``).
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

import pytest

from mlops_course import starters
from mlops_course.workspace import COURSE_ROOT

# Tokens of a hint, or of a YAML or Dockerfile line: quoted strings (an apostrophe inside
# a word is not a quote), names, numbers, operators. Spaces and prose marks separate them.
TOKEN = re.compile(
    r"""(?<![A-Za-z0-9])[fFrRbB]?"[^"\n]*"|(?<![A-Za-z0-9])[fFrRbB]?'[^'\n]*'"""
    r"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?"
    r"|==|!=|<=|>=|\*\*|//|->|:=|[-+*/%<>=()\[\]{}.,:@|&~^$]"
)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CALL = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\(")
QUOTES = ('"""', "'''", '"', "'")


@dataclass(frozen=True)
class Token:
    """One code token: its text (a string's content for a string) and whether it is a string."""

    text: str
    string: bool = False

    @property
    def wordlike(self) -> bool:
        """Names, numbers and strings carry code; punctuation alone does not."""
        return self.string or bool(re.match(r"[A-Za-z_0-9]", self.text))


LINE_END = Token("\n")  # a separator: a run of three tokens never spans two lines
MIN_STRING = 8  # a string this long with a non-letter in it is code, not a word


@dataclass(frozen=True)
class SolutionRegion:
    """The code of one graded region and where it is."""

    lesson: str
    where: str
    hint: str
    code: str
    python: bool


@dataclass(frozen=True)
class Hint:
    """One hint a learner can see, and where it is written."""

    lesson: str
    where: str
    text: str


def read_token(text: str) -> Token:
    """A token as matched by TOKEN: a quoted string becomes its content."""
    stripped = text.lstrip("fFrRbBuU")
    for quote in QUOTES:
        if len(stripped) >= 2 * len(quote) and stripped[:1] == quote[:1]:
            if stripped.startswith(quote) and stripped.endswith(quote):
                return Token(stripped[len(quote) : -len(quote)], string=True)
    return Token(text)


def hint_tokens(text: str) -> list[Token]:
    """A hint's tokens."""
    return [read_token(match) for match in TOKEN.findall(text)]


def code_tokens(code: str, python: bool) -> list[Token]:
    """A region's tokens: comments left out, a separator at each line end."""
    if python:
        try:
            return _python_tokens(code)
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass  # a region cut from the middle of a block: read it line by line
    tokens = []
    for line in code.splitlines():
        uncommented = re.sub(r"(^|\s)#.*$", "", line)
        tokens += [read_token(match) for match in TOKEN.findall(uncommented)]
        tokens.append(LINE_END)
    return tokens


def _python_tokens(code: str) -> list[Token]:
    tokens = []
    skipped = (tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    for token in tokenize.generate_tokens(io.StringIO(textwrap.dedent(code)).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            tokens.append(LINE_END)
        elif token.type == tokenize.STRING:
            tokens.append(read_token(token.string))
        elif token.type not in skipped:
            tokens.append(Token(token.string))
    return tokens


def shared_code(hint: str, code: str, python: bool) -> list[str]:
    """What a hint gives away of some code: calls, runs of three tokens, code-like strings.

    A run counts only when at least two of its three tokens are names, numbers or
    strings: ``( ) ,`` in both is punctuation, not code given away.
    """
    tokens = code_tokens(code, python)
    called = {
        name.text
        for name, following in zip(tokens, tokens[1:], strict=False)
        if following.text == "(" and not name.string and NAME.fullmatch(name.text)
    }
    found = [f"{name}(...)" for name in sorted(set(CALL.findall(hint)) & called)]
    texts = [token.text for token in tokens]
    runs = {tuple(texts[i : i + 3]) for i in range(len(texts) - 2)}
    words = hint_tokens(hint)
    for i in range(len(words) - 2):
        run = words[i : i + 3]
        if tuple(t.text for t in run) in runs and sum(t.wordlike for t in run) >= 2:
            found.append(" ".join(t.text for t in run))
    for token in tokens:
        code_like = len(token.text) >= MIN_STRING and re.search(r"[^A-Za-z\s]", token.text)
        if token.string and code_like and token.text in hint:
            found.append(f"the string {token.text!r}")
    return list(dict.fromkeys(found))


def solution_regions() -> list[SolutionRegion]:
    """Every graded region of every solution file."""
    regions = []
    for source, _ in starters.solution_files(COURSE_ROOT):
        lesson = source.relative_to(COURSE_ROOT / "solutions").parts[0][:2]
        text = source.read_text()
        lines = text.splitlines()
        python = source.suffix == ".py"
        for region in starters.find_regions(text, source.name, python):
            where = f"{source.relative_to(COURSE_ROOT)}:{region.begin + 1}"
            code = "\n".join(lines[region.begin + 1 : region.end])
            regions.append(SolutionRegion(lesson, where, region.hint, code, python))
    return regions


def marker_hints() -> list[Hint]:
    """Every ``hint=`` of a ``points`` marker in the lessons' grading tests."""
    hints = []
    for test_file in sorted((COURSE_ROOT / "tests" / "lessons").glob("test_[0-9][0-9]_*.py")):
        lesson = test_file.name[5:7]
        tree = ast.parse(test_file.read_text())
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _is_points_marker(node.func)):
                continue
            for keyword in node.keywords:
                if keyword.arg == "hint":
                    where = f"{test_file.relative_to(COURSE_ROOT)}:{keyword.value.lineno}"
                    hints.append(Hint(lesson, where, _string_value(keyword.value, constants)))
    return hints


def _is_points_marker(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "points"


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments, so a hint may name a constant."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node.value.value
    return found


def _string_value(node: ast.expr, constants: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _string_value(node.left, constants) + _string_value(node.right, constants)
    pytest.fail(f"line {node.lineno}: a hint must be a string the test file spells out")


# --- the rule catches what it claims to, and lets ideas through ----------------------------

GIVEN_AWAY = [
    (
        "check 0 < test_share < 1; train_test_split(random_state=, stratify=)",
        "train, test = train_test_split(table, random_state=seed, stratify=table[label])",
    ),
    ("hashlib.sha256 over the bytes", "digest = hashlib.sha256(Path(path).read_bytes())"),
    ("then .hexdigest()", "return digest.hexdigest()"),
    ("return early if not labels", "if not labels:\n    raise ValueError('none')"),
    (
        "filter on attributes.status = 'FINISHED'",
        "runs = client.search_runs(filter_string=\"attributes.status = 'FINISHED'\")",
    ),
    (
        'order_by=[f"metrics.`{metric}` DESC", ...]',
        'order_by=[f"metrics.`{metric}` DESC", "attributes.start_time ASC"]',
    ),
]

IDEAS = [
    (
        "count each class and divide the largest count by the total",
        "return max(Counter(labels).values()) / len(labels)",
    ),
    (
        "an empty list of labels has no majority: say so with a ValueError",
        "if not labels:\n    raise ValueError('none')",
    ),
    (
        "the same seed must give the same rows, and both parts keep the class shares",
        "train, test = train_test_split(table, random_state=seed, stratify=table[label])",
    ),
    ("a comment is not code", "x = 1  # a comment is not code"),
    ("the message may say no finished run", "raise ValueError('no finished run has it')"),
]


@pytest.mark.parametrize(("hint", "code"), GIVEN_AWAY)
def test_the_rule_catches_a_solution_line(hint, code):
    assert shared_code(hint, code, python=True), f"{hint!r} gives away {code!r}"


@pytest.mark.parametrize(("hint", "code"), IDEAS)
def test_the_rule_lets_an_idea_through(hint, code):
    found = shared_code(hint, code, python=True)
    assert not found, f"{hint!r} only teaches the idea, but the rule saw {found}"


def test_the_rule_reads_yaml_and_dockerfiles():
    dockerfile = "COPY requirements.txt .\nRUN pip install -r requirements.txt"
    assert shared_code("COPY requirements.txt first", dockerfile, python=False)
    assert not shared_code("copy the list of wheels before the code", dockerfile, python=False)
    workflow = '  schedule:\n    - cron: "0 3 * * *"  # every night'
    assert shared_code('a cron line ("0 3 * * *")', workflow, python=False)
    assert not shared_code("every night", workflow, python=False)


# --- the course's hints ---------------------------------------------------------------------


def test_no_starter_hint_is_its_solution_line():
    """The TODO a learner reads in a starter never spells out its own region's code."""
    regions = solution_regions()
    assert regions
    given_away = [
        f"{region.where}: hint {region.hint!r} shares {found}"
        for region in regions
        if (found := shared_code(region.hint, region.code, region.python))
    ]
    assert not given_away, "hints that give the solution away:\n" + "\n".join(given_away)


def test_no_check_hint_is_a_solution_line():
    """A failing check's hint never spells out code of its lesson's solution regions.

    The concrete fix goes in the marker's ``more=``, shown by ``course check NN --more``.
    """
    regions = solution_regions()
    hints = marker_hints()
    assert hints
    given_away = []
    for hint in hints:
        for region in (r for r in regions if r.lesson == hint.lesson):
            if found := shared_code(hint.text, region.code, region.python):
                given_away.append(f"{hint.where}: {hint.text!r} shares {found} ({region.where})")
    assert not given_away, "check hints that give the solution away:\n" + "\n".join(given_away)
