"""The statement as data (kit/statement.py) and how a replay types it (kit/replay.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kit import statement
from kit.replay import Replay

STATEMENT = Path(__file__).resolve().parents[2] / "shared" / "lab" / "tp1-enonce.md"


def replay(**scope: str) -> Replay:
    return Replay(Path("."), {}, "tp1-verbatim=x", scope=scope, server="6a886cd9778d")


@pytest.mark.skipif(not STATEMENT.exists(), reason="the lab statement is in ../shared/lab")
def test_every_command_is_written_as_the_statement_writes_it() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", STATEMENT.read_text(encoding="utf-8"), re.DOTALL)
    written = {line.strip() for block in blocks for line in block.splitlines()}
    for command in statement.COMMANDS:
        if command.kind != "edit":
            assert command.command in written, command
    typed = "".join(c.input for c in statement.COMMANDS)
    assert "ls\nuname -a\nexit\n" in typed and "ls\npython --version\nexit\n" in typed


@pytest.mark.skipif(not STATEMENT.exists(), reason="the lab statement is in ../shared/lab")
def test_the_titles_are_the_statements_words() -> None:
    """Each title of statement.TITLES in the statement's own words (apostrophes and code
    marks aside): a part's or an « Étape »'s heading, an item's words in bold (from its
    first bold word to its last: the words between may be plain)."""
    text = STATEMENT.read_text(encoding="utf-8").replace("\u2019", "'").replace("`", "")
    for step, title in statement.TITLES.items():
        part, _, number = step.partition(".")
        if not number:
            assert f"\n### {part}. {title}\n" in text, step
        elif part in "12":
            # Bold marks only between two words; the title begins and ends in bold.
            words = r"(?: | \*\*|\*\* )".join(map(re.escape, title.split(" ")))
            assert re.search(rf"\n{number}\. \*\*{words}\*\*", text), step
        elif number != "0":  # 6.0 is the « Pré-requis » of part 6
            assert f"\n#### Étape {number} — {title}\n" in text, step


def test_steps_follow_the_statements_order() -> None:
    numbers = [tuple(map(int, c.step.split("."))) for c in statement.COMMANDS]
    assert numbers == sorted(numbers)
    assert [c.command for c in statement.commands(3, 3)] == ["docker build -t simple-api ."]


def test_a_server_runs_detached_and_stop_names_it() -> None:
    run = next(c for c in statement.COMMANDS if c.kind == "server")
    assert replay().words(run) == [
        *["docker", "run", "-d", "--label", "tp1-verbatim=x"],
        *["-p", "8000:8000", "simple-api"],
    ]
    hello = next(c for c in statement.COMMANDS if c.command == "docker run hello-world")
    assert replay().words(hello) == ["docker", "run", "--label", "tp1-verbatim=x", "hello-world"]
    stop = next(c for c in statement.COMMANDS if statement.CONTAINER_PLACEHOLDER in c.command)
    assert replay().words(stop) == ["docker", "stop", "6a886cd9778d"]


def test_typed_input_goes_without_a_terminal() -> None:
    alpine, psql, shell = (c for c in statement.COMMANDS if c.kind == "interactive")
    alpine_words = ["docker", "run", "--label", "tp1-verbatim=x", "-i", "alpine", "sh"]
    assert replay().words(alpine) == alpine_words
    assert replay().words(psql)[:5] == ["docker", "compose", "exec", "-T", "db"]
    assert replay().words(shell) == ["docker", "compose", "exec", "-T", "api", "sh"]


def test_a_prune_never_runs_without_its_scope() -> None:
    prune = next(c for c in statement.COMMANDS if c.command == "docker image prune")
    with pytest.raises(ValueError, match="never prunes all"):
        replay().words(prune)
    words = replay(image="label=com.docker.compose.project=p").words(prune)
    assert words == ["docker", "image", "prune", "--filter", "label=com.docker.compose.project=p"]


def test_the_statements_edit_renames_app_at_module_level() -> None:
    edit = next(c for c in statement.COMMANDS if c.kind == "edit")
    source = "app = FastAPI()\n\n@app.get('/health')\ndef health():\n    return app\n"
    assert statement.edited(source, edit) == (
        "appi = FastAPI()\n\n@appi.get('/health')\ndef health():\n    return app\n"
    )
