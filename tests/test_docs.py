"""The docs say only what exists: README.md and every docs/*.md page.

Each repository path they name (in a code span or a link) exists, each link's anchor is
a heading of its page, and each `invoke ...` command they write parses with Invoke's own
parser against the kit's collection (tasks.py): the task exists, and so does each option
given to it. The README stays short, a student meets step 3's command early, and its
table of the lab is tied to kit/statement.py. No engine needed.
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from helpers import ROOT
from invoke import Collection, Program
from invoke.parser import ParseError, Parser, ParserContext
from markdown_it import MarkdownIt

from kit import statement

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The pages a reader is sent to from the README, one per audience, and the index.
AUDIENCES = [
    "docs/README.md",
    "docs/guide-etudiant.md",
    "docs/grading.md",
    "docs/architecture.md",
    "docs/testing.md",
]
# Names the docs give to files that are not in the repository, on purpose.
NOT_IN_REPOSITORY = {
    ".env": "the user's own settings, copied from .env.example, never committed",
    ".venv": "made by `uv sync`",
    "grades.md": "written by `invoke grade-class`",
    "grades.svg": "the chart `invoke grade-class` writes beside grades.md",
    "api/dockerfile": "a student's Dockerfile named in lower case (docs/grading.md)",
    "api/DockerFile": "a student's Dockerfile named in another case (docs/grading.md)",
    "grade.json": "written by the grading workflow in a student's repository",
}
# Former names, allowed only on the pages that record runs made before the move.
FORMER_NAMES = {
    "bench/naive/": {"BENCHMARKS.md", "BENCHMARKS-grading.md", "benchmark-notes.md"},
}
# What makes a code span a path: a folder (trailing /), a file of one of these kinds...
SUFFIXES = {".py", ".md", ".yml", ".yaml", ".toml", ".lock", ".nix", ".txt", ".sh", ".svg"}
SUFFIXES |= {".json", ".example"}
# ... or one of these names (files without a suffix), or a top-level entry followed by /.
NAMES = {"Dockerfile", "Makefile", "LICENSE"}
MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Named:
    page: Path
    kind: str  # "code", "link" or "fence"
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}: {self.kind} {self.text!r}"


def named(page: Path) -> list[Named]:
    """Every code span, link target and fenced line of a page, in order."""
    found = []
    for token in MARKDOWN.parse(page.read_text(encoding="utf-8")):
        if token.type == "fence":
            found += [Named(page, "fence", line) for line in token.content.splitlines()]
        for child in token.children or []:
            if child.type == "code_inline":
                found.append(Named(page, "code", child.content))
            elif child.type in ("link_open", "image"):
                found.append(
                    Named(page, "link", str(child.attrs.get("href") or child.attrs["src"]))
                )
    return found


ALL = [item for page in PAGES for item in named(page)]


def looks_like_a_path(text: str) -> bool:
    """A code span that names a file or folder of the repository, not a command, an
    image, a URL route or a path inside a container."""
    if re.search(r"[\s:@<>=\\*$]", text) or text.startswith(("/", "-", "~", "../")):
        return False
    path = Path(text)
    first = text.split("/")[0]
    return (
        text.endswith("/")
        or path.suffix in SUFFIXES
        or path.name in NAMES
        or text.startswith(".")
        or ("/" in text and (ROOT / first).exists())
    )


@cache
def every_file_name() -> set[str]:
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}
    return {p.name for p in ROOT.rglob("*") if not skip.intersection(p.relative_to(ROOT).parts)}


def exists(text: str, page: Path) -> bool:
    """A path from the top level; a bare file name, anywhere in the repository."""
    if text.split("/")[0] in NOT_IN_REPOSITORY or text in NOT_IN_REPOSITORY:
        return True
    if page.name in FORMER_NAMES.get(text, ()):
        return True
    if "/" not in text.rstrip("/"):
        return (ROOT / text).exists() or text.rstrip("/") in every_file_name()
    return (ROOT / text).exists()


def test_every_path_the_docs_name_exists() -> None:
    missing = [
        str(item)
        for item in ALL
        if item.kind == "code" and looks_like_a_path(item.text) and not exists(item.text, item.page)
    ]
    assert not missing, "\n".join(missing)


def slugs(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings."""
    tokens = MARKDOWN.parse(page.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open":
            continue
        text = "".join(
            c.content for c in inline.children or [] if c.type in ("text", "code_inline")
        )
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def test_every_link_resolves_to_a_file_and_a_heading() -> None:
    broken = []
    for item in (i for i in ALL if i.kind == "link"):
        if re.match(r"^[a-z]+:", item.text):  # https:, mailto:
            continue
        target, _, anchor = item.text.partition("#")
        path = (item.page.parent / target).resolve() if target else item.page
        if not path.exists():
            broken.append(f"{item}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in slugs(path):
            broken.append(f"{item}: no heading #{anchor}")
    assert not broken, "\n".join(broken)


def shell_words(line: str) -> list[list[str]]:
    """A command line as a shell splits it: its commands (split at ;, &&, |), as words."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for word in lexer:
        if set(word) <= set(";&|"):
            commands.append([])
        else:
            commands[-1].append(word)
    return commands


def invoke_commands() -> list[tuple[Named, list[str]]]:
    """Every Invoke command written in the docs, as the words after `invoke`."""
    found = []
    for item in ALL:
        if item.kind == "link":
            continue
        try:
            commands = shell_words(re.sub(r"^\$ ", "", item.text.strip()))
        except ValueError:  # not a shell line (output quoting French: « l'image »)
            continue
        for words in commands:
            while words and re.match(r"^[A-Z_]+=", words[0]):  # VAR=value invoke ...
                words = words[1:]
            if words[:2] == ["uv", "run"]:
                words = [w for w in words[2:] if w != "--locked"]
            if words[:1] == ["invoke"]:
                # `invoke down [--volumes]`: an optional part, as --help writes it.
                found.append((item, [w.strip("[]") for w in words[1:] if w.strip("[]")]))
    return found


@cache
def collection() -> Collection:
    import tasks

    return Collection.from_module(tasks)


def task_names() -> dict[str, list[str]]:
    return collection().task_names


def placeholder(word: str) -> bool:
    """`TASK`, `TÂCHE`, `...`: a word the reader replaces."""
    return word.isupper() or word == "..."


def problem(words: list[str]) -> str | None:
    """What Invoke itself would say of `invoke WORDS`, None when it parses. As Invoke's
    Program does: the core options first (`--help TASK`, `--dry`), then the tasks."""
    core_context = ParserContext(args=Program().core_args())
    try:
        core = Parser(initial=core_context, ignore_unknown=True).parse_argv(words)
        helped = core[0].args["help"].value
        if isinstance(helped, str) and not placeholder(helped) and helped not in task_names():
            return f"--help of no task {helped!r}"
        rest = core.unparsed
        if not rest or placeholder(rest[0]):
            return None
        if len(rest) == 1:  # a task named in prose, its arguments left out
            return None if rest[0] in task_names() else f"no task {rest[0]!r}"
        Parser(initial=core_context, contexts=collection().to_contexts()).parse_argv(rest)
    except ParseError as error:
        return str(error)
    return None


def test_every_invoke_command_names_a_task_and_its_options() -> None:
    commands = invoke_commands()
    assert len(commands) > 20, "the docs' Invoke commands are not where the test looks"
    wrong = [f"{item}: {why}" for item, words in commands if (why := problem(words))]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "words",
    [
        ["nope"],
        ["down", "--nope"],
        ["logs", "api", "--nope"],
        ["grade-class", "c.txt", "--root", "x"],
        ["--help", "nope"],
        ["--dry", "nope"],
    ],
)
def test_a_wrong_task_or_option_is_caught(words: list[str]) -> None:
    assert problem(words)


def test_a_missing_path_and_a_bad_anchor_are_caught(tmp_path: Path) -> None:
    readme = ROOT / "README.md"
    assert looks_like_a_path("bench/gone/") and not exists("bench/gone/", readme)
    assert looks_like_a_path("kit/gone.py") and not exists("kit/gone.py", readme)
    # A former name is a missing path outside the pages that record runs made before it moved.
    assert not exists("bench/naive/", readme)
    assert exists("bench/naive/", ROOT / "docs" / "BENCHMARKS.md")
    for not_a_path in (
        "docker compose up -d",
        "/health",
        "python:3.12-slim",
        "lab-standin/busybox",
    ):
        assert not looks_like_a_path(not_a_path)
    page = tmp_path / "page.md"
    page.write_text("# The dev loop\n\n## Windows : PowerShell\n", encoding="utf-8")
    assert slugs(page) == {"the-dev-loop", "windows--powershell"}


# ---- The README: short, step 3 early, one table of the lab tied to the statement. -------
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_short_and_step_3_comes_early() -> None:
    assert len(README.split()) <= 900
    build = statement.commands(3, 3)[0].command
    assert len(README[: README.index(f"`{build}`")].split()) < 300


def lab_table() -> list[dict[str, str]]:
    """The README's table of the lab, as rows of its column names."""
    tokens = MARKDOWN.parse(README)
    start = next(i for i, t in enumerate(tokens) if t.type == "table_open")
    rows, row = [], []
    for token in tokens[start:]:
        if token.type == "inline":
            row.append(token.content)
        elif token.type == "tr_close":
            rows.append(row)
            row = []
        elif token.type == "table_close":
            break
    header, *body = rows
    return [dict(zip(header, cells, strict=True)) for cells in body]


def test_readme_table_is_the_statements_steps_in_its_order() -> None:
    rows = lab_table()
    steps = [[s.strip() for s in row["step"].split(",")] for row in rows]
    known = {c.step for c in statement.COMMANDS}
    assert all(set(s) <= known for s in steps), steps
    firsts = [tuple(map(int, s[0].split("."))) for s in steps]
    assert firsts == sorted(firsts)
    for command in statement.COMMANDS:
        row = next(
            (
                r
                for r, s in zip(rows, steps, strict=True)
                if command.step in s
                and (
                    command.kind == "edit" or f"`{command.command}`" in r["the statement's command"]
                )
            ),
            None,
        )
        assert row is not None, f"no row of the README's table has {command}"
        if command.kind == "edit":
            assert "`appi`" in row["the statement's command"]
        if command.where == "api":
            assert "`api/`" in row["where"], command


def test_readme_links_each_audiences_page() -> None:
    for page in AUDIENCES:
        assert f"]({page})" in README, page


def test_the_docs_index_links_every_page() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name != "README.md":
            assert f"]({page.name})" in index, page.name
