"""Commands typed in a terminal, as a person types them, and the screen they leave.

On Linux and macOS a command runs in a pseudo-terminal (pexpect), so that it behaves
as in a person's terminal: BuildKit draws its live progress, `docker run -it` and
`docker compose exec` get a terminal, psql and sh print their prompts, Ctrl-C is the
terminal's. A line is typed only once the program shows its prompt, then Enter. What
the terminal shows is rendered by a terminal emulator (pyte) of a fixed size, with
what scrolled off the top kept above: the text of a capture and its colours.

Windows has no pseudo-terminal: there a command runs with pipes (`Piped`), and only
what needs a terminal changes, as little as a script must: `-i` for `docker run -it`,
`-T` for `docker compose exec`, typed lines sent at once, Ctrl-C as a break signal.
The words run are then the words shown (`shown`), so that nothing differs silently.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyte
from rich.style import Style
from rich.text import Text

# Wide and tall enough that psql shows `SELECT version();` without its pager, and
# that `docker ps` rarely wraps: a maximised terminal on a laptop.
ROWS, COLUMNS = 48, 180
# BuildKit fills the terminal's width, its times at the right edge: a window of usual
# width keeps a build's picture readable.
NARROW = 120
# The end of a shell's or psql's prompt, where the cursor waits: `/ # `, `# `, `$ `, `demo=# `.
PROMPT = re.compile(r"(?:[#$>]|=#) $")
# pyte's names for the 16 colours, and rich's.
COLOURS = {"brown": "yellow", **{f"bright{c}": f"bright_{c}" for c in (
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")}}  # fmt: skip
PTY = os.name != "nt"


class TerminalError(Exception):
    """A program did not show what was waited for in time; the message has its screen."""


def without_terminal(words: list[str]) -> list[str]:
    """The words to run where there is no terminal: `-i` for `-it`, `-T` for compose exec."""
    if words[:2] == ["docker", "run"]:
        return ["-i" if w == "-it" else w for w in words]
    if words[1:3] == ["compose", "exec"]:
        return [*words[:3], "-T", *words[3:]]
    return words


class Screen:
    """A terminal of ROWS x COLUMNS as pyte draws it, fed with what a program writes."""

    def __init__(self, rows: int = ROWS, columns: int = COLUMNS) -> None:
        self.screen = pyte.HistoryScreen(columns, rows, history=100_000)
        self.stream = pyte.ByteStream(self.screen)
        # A moment to keep while the program runs: the last screen that matched it.
        self.watched: re.Pattern[str] | None = None
        self.moment: list[Text] = []
        self.moment_seconds = 0.0
        self.created = time.monotonic()

    def watch(self, pattern: str) -> None:
        """Keep the last screen on which pattern (a regular expression) shows."""
        self.watched = re.compile(pattern)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)
        if self.watched and self.watched.search("\n".join(self.display())):
            self.keep_moment()

    def keep_moment(self) -> None:
        """Keep the screen as it is now, while the program runs (`moment`)."""
        self.moment = self.lines()
        self.moment_seconds = time.monotonic() - self.created

    def display(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def rows(self) -> list[dict[int, pyte.screens.Char]]:
        """Every line shown, those scrolled off the top first."""
        screen = self.screen
        return [*screen.history.top, *(screen.buffer[y] for y in range(screen.lines))]

    def lines(self) -> list[Text]:
        """Every line shown, with its colours."""
        texts = [styled(row, self.screen.columns) for row in self.rows()]
        while texts and not texts[-1].plain.strip():
            texts.pop()
        return texts

    def text(self) -> str:
        """The lines shown, as plain text (what a capture's .txt holds)."""
        width = range(self.screen.columns)
        return "\n".join(
            "".join(row[x].data for x in width).rstrip() for row in self.rows()
        ).rstrip()

    def position(self) -> int:
        """The cursor's line, counted from the first line ever shown."""
        return len(self.screen.history.top) + self.screen.cursor.y

    def at_prompt(self) -> bool:
        cursor = self.screen.cursor
        line = self.screen.display[cursor.y][: cursor.x]
        return bool(PROMPT.search(line))


def styled(row: dict[int, pyte.screens.Char], columns: int) -> Text:
    text = Text()
    for x in range(columns):
        char = row[x]
        text.append(char.data, style(char))
    text.rstrip()
    return text


def style(char: pyte.screens.Char) -> Style | None:
    def colour(name: str) -> str | None:
        if name == "default":
            return None
        if re.fullmatch(r"[0-9a-fA-F]{6}", name):
            return f"#{name}"
        return COLOURS.get(name, name)

    fg, bg = colour(char.fg), colour(char.bg)
    if char.reverse:
        fg, bg = bg or "black", fg or "white"
    if not (fg or bg or char.bold or char.underscore):
        return None
    return Style(color=fg, bgcolor=bg, bold=char.bold, underline=char.underscore)


class Session:
    """One command typed at a prompt, in a terminal (or pipes), until it ends."""

    def __init__(self, typed: str, cwd: Path, env: dict[str, str], prompt: str = "$ ",
                 columns: int = COLUMNS) -> None:  # fmt: skip
        self.typed = typed
        self.words = self.adapted(shlex.split(typed))
        # What was run, as typed where nothing changed it.
        self.shown = typed if self.words == shlex.split(typed) else shlex.join(self.words)
        self.cwd, self.env = cwd, env
        self.screen = Screen(columns=columns)
        self.screen.feed(f"{prompt}{self.shown}\r\n".encode())
        self.started = time.monotonic()
        self.ended = False
        self.status: int | None = None
        self.seconds = 0.0

    # What each kind of terminal provides.
    def adapted(self, words: list[str]) -> list[str]:
        """The words to run for the words typed."""
        return words

    def _read(self, timeout: float) -> bytes | None:
        """What the program wrote within timeout (b"" if nothing), None once it ended."""
        raise NotImplementedError

    def send(self, data: str) -> None:
        raise NotImplementedError

    def interrupt(self) -> None:
        """Ctrl-C."""
        raise NotImplementedError

    def _exit_status(self) -> int:
        raise NotImplementedError

    # What a person does.
    def pump(self, timeout: float) -> None:
        data = self._read(timeout)
        if data is None:
            self.ended = True
        elif data:
            self.screen.feed(data)

    def until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if self.ended:
                raise TerminalError(f"`{self.shown}` ended before {what}:\n{self.screen.text()}")
            if time.monotonic() > deadline:
                raise TerminalError(
                    f"`{self.shown}`: no {what} in {timeout:g} s:\n{self.screen.text()}"
                )
            self.pump(min(0.2, max(deadline - time.monotonic(), 0.01)))

    def expect(self, pattern: str, timeout: float = 60) -> None:
        """Wait until the terminal shows pattern (a regular expression)."""
        regex = re.compile(pattern)
        self.until(lambda: bool(regex.search(self.screen.text())), timeout, repr(pattern))

    def type(self, line: str, timeout: float = 60) -> None:
        """At the program's prompt, type line and Enter; return once the line is taken."""
        self.until(self.screen.at_prompt, timeout, "prompt")
        before = self.screen.position()
        self.send(line + "\r")
        self.until(lambda: self.screen.position() > before, timeout, f"answer to {line!r}")

    def wait(self, timeout: float = 120) -> int:
        """Until the program ends; its exit status."""
        self.until(lambda: self.ended, timeout, "end")
        self.status = self._exit_status()
        self.seconds = time.monotonic() - self.started
        return self.status

    def close(self) -> None:
        """End the program if it still runs (a failed step), without waiting long."""


class Terminal(Session):
    """A pseudo-terminal (Linux, macOS)."""

    def __init__(self, typed: str, cwd: Path, env: dict[str, str], prompt: str = "$ ",
                 columns: int = COLUMNS) -> None:  # fmt: skip
        import pexpect  # no pseudo-terminal, and no pexpect.spawn, on Windows

        super().__init__(typed, cwd, env, prompt, columns)
        rows, columns = self.screen.screen.lines, self.screen.screen.columns
        self._eof, self._timeout = pexpect.EOF, pexpect.TIMEOUT
        self.child = pexpect.spawn(
            self.words[0], self.words[1:], cwd=str(cwd), env=env, dimensions=(rows, columns)
        )

    def _read(self, timeout: float) -> bytes | None:
        try:
            return self.child.read_nonblocking(65536, timeout=timeout)
        except self._timeout:
            return b""
        except self._eof:
            return None

    def send(self, data: str) -> None:
        self.child.send(data.encode())

    def interrupt(self) -> None:
        self.child.sendintr()

    def _exit_status(self) -> int:
        self.child.wait()  # the terminal has closed: the program is ending
        self.child.close()
        if self.child.exitstatus is not None:
            return self.child.exitstatus
        return 128 + (self.child.signalstatus or 0)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


class Piped(Session):
    """Pipes instead of a terminal (Windows; anywhere, when asked): see the module's docstring."""

    def __init__(self, typed: str, cwd: Path, env: dict[str, str], prompt: str = "$ ",
                 columns: int = COLUMNS) -> None:  # fmt: skip
        super().__init__(typed, cwd, env, prompt, columns)
        # What is written to a pipe ends its lines with \n alone: a terminal's new line.
        self.screen.screen.set_mode(pyte.modes.LNM)
        group = {"start_new_session": True} if PTY else {
            "creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]  # fmt: skip
        self.process = subprocess.Popen(
            self.words, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, **group,
        )  # fmt: skip
        self.chunks: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()

    def adapted(self, words: list[str]) -> list[str]:
        return without_terminal(words)

    def _reader(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read1(65536):
            self.chunks.put(chunk)
        self.chunks.put(b"")  # the end

    def _read(self, timeout: float) -> bytes | None:
        try:
            chunk = self.chunks.get(timeout=timeout)
        except queue.Empty:
            return b""
        return chunk or None

    def send(self, data: str) -> None:
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.write(data.replace("\r", "\n").encode())
            self.process.stdin.flush()

    def type(self, line: str, timeout: float = 60) -> None:
        """No prompt comes through a pipe: the line is sent at once."""
        self.send(line + "\n")

    def interrupt(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            if PTY:
                os.killpg(self.process.pid, signal.SIGINT)
            else:
                self.process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]

    def _exit_status(self) -> int:
        code = self.process.wait(timeout=30)
        return code if code >= 0 else 128 - code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


def session(typed: str, cwd: Path, env: dict[str, str], prompt: str = "$ ",
            terminal: bool = PTY, columns: int = COLUMNS) -> Session:  # fmt: skip
    """The command typed at prompt in a new terminal (pipes where there is none)."""
    kind = Terminal if terminal else Piped
    return kind(typed, cwd, env, prompt, columns)
