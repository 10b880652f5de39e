"""Commands typed in a terminal (kit/terminal.py): prompts, typed lines, Ctrl-C, the screen.

A small Python program stands in for psql and sh: it prints a prompt, reads lines,
answers them. No Docker needed; the report's end-to-end test types the real ones."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from kit import terminal

# A prompt like psql's, an answer per line, \q to leave.
REPL = (
    "import sys\n"
    "while True:\n"
    "    try:\n"
    "        line = input('demo=# ')\n"
    "    except EOFError:\n"
    "        break\n"
    "    if line == '\\\\q':\n"
    "        break\n"
    "    print('got', line.upper())\n"
)
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}
posix_only = pytest.mark.skipif(not terminal.PTY, reason="no pseudo-terminal on Windows")


@pytest.fixture
def command(tmp_path: Path):
    """The command that runs a program's source, as a person types it on one line."""

    def typed(source: str) -> str:
        script = tmp_path / "program.py"
        script.write_text(source, encoding="utf-8")
        return shlex.join([sys.executable, str(script)])

    return typed


@posix_only
def test_lines_are_typed_at_the_prompt_and_shown_as_a_terminal_shows_them(command) -> None:
    session = terminal.session(command(REPL), Path("."), ENV, "$ ")
    for line in ("select 1;", "select 2;", "\\q"):
        session.type(line, timeout=20)
    assert session.wait(20) == 0
    lines = session.screen.text().splitlines()
    assert lines[0] == f"$ {command(REPL)}"
    assert lines[1:] == [
        "demo=# select 1;",
        "got SELECT 1;",
        "demo=# select 2;",
        "got SELECT 2;",
        "demo=# \\q",
    ]
    assert session.shown == command(REPL)  # typed exactly, nothing added


def test_without_a_terminal_the_lines_go_through_a_pipe_and_the_words_say_so(command) -> None:
    session = terminal.session(command(REPL), Path("."), ENV, "$ ", terminal=False)
    for line in ("select 1;", "\\q"):
        session.type(line)
    assert session.wait(20) == 0
    # No terminal, no echo: the prompts are there, the typed lines are not.
    assert "demo=# got SELECT 1;" in session.screen.text()
    if shutil.which("docker"):  # whatever docker answers here, what matters is what it was asked
        piped = terminal.Piped("docker run -it no-such-image/tp1 sh", Path("."), ENV)
        piped.wait(60)
        assert piped.shown == "docker run -i no-such-image/tp1 sh"
        assert piped.screen.text().startswith("$ docker run -i no-such-image/tp1 sh\n")
    assert terminal.without_terminal(["docker", "run", "-it", "alpine", "sh"]) == [
        *["docker", "run", "-i", "alpine", "sh"]
    ]
    assert terminal.without_terminal(["docker", "compose", "exec", "db", "psql"]) == [
        *["docker", "compose", "exec", "-T", "db", "psql"]
    ]


@posix_only
def test_ctrl_c_ends_a_program_that_follows_until_interrupted(command) -> None:
    # One write for the line and its end: print() writes them apart, and Ctrl-C can come between.
    follow = (
        "import sys, time\nsys.stdout.write('following\\n'); sys.stdout.flush()\n"
        "while True:\n    time.sleep(0.1)\n"
    )
    session = terminal.session(command(follow), Path("."), ENV)
    session.expect("following", timeout=20)
    session.interrupt()
    status = session.wait(20)
    assert status == 130, session.screen.text()  # killed by SIGINT, as in a shell
    assert "following\n^C" in session.screen.text() and "KeyboardInterrupt" in session.screen.text()


@posix_only
def test_a_moment_of_a_redrawn_screen_is_kept_with_its_colours(command) -> None:
    # Like BuildKit: a line shown while a step runs, then the screen redrawn without it.
    source = (
        "import sys, time\n"
        "sys.stdout.write('\\x1b[34m=> RUN pip install\\x1b[0m\\n=> => # Installing fastapi\\n')\n"
        "sys.stdout.flush(); time.sleep(0.3)\n"
        "sys.stdout.write('\\x1b[2A\\x1b[J\\x1b[34m=> RUN pip install  2.1s\\x1b[0m\\n')\n"
    )
    session = terminal.session(command(source), Path("."), ENV)
    session.screen.watch(r"=> => # Installing")
    assert session.wait(20) == 0
    moment = [line.plain for line in session.screen.moment]
    assert "=> => # Installing fastapi" in moment
    assert "Installing" not in session.screen.text()
    final = session.screen.lines()[-1]
    assert final.plain == "=> RUN pip install  2.1s"
    assert any(str(span.style.color.name) == "blue" for span in final.spans if span.style)


@posix_only
def test_a_prompt_that_never_comes_is_an_error_with_the_screen(command) -> None:
    session = terminal.session(command("print('no prompt here')"), Path("."), ENV)
    with pytest.raises(terminal.TerminalError, match="no prompt here"):
        session.type("ls", timeout=5)
    session.close()
