"""Replay the statement's commands (kit/statement.py) in a lab folder, as a person types them.

Commands run with the words the statement writes; a replay changes only what a person
does by hand and a script cannot: a server is started detached (`-d`), typed input is
fed without a terminal (`-i`, `-T`), `logs -f` is read for a bounded time, a prune's
question is answered y and its scope kept to the replay's own objects (a `--filter`),
and `<nom_ou_id_du_conteneur>` becomes the id of the container started at step 4.1.
What it changes is in `Outcome.shown`, so that nothing differs silently.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from kit import quiet
from kit.quiet import stop
from kit.statement import CONTAINER_PLACEHOLDER, Command, edited
from kit.wait import poll


@dataclass
class Outcome:
    command: Command
    shown: str
    exit: int
    output: str
    # The command's standard output alone (curl's progress meter goes to stderr).
    stdout: str = ""

    @property
    def ok(self) -> bool:
        found = re.search(self.command.expect, self.output) if self.command.expect else True
        return self.exit == 0 and bool(found)

    def __str__(self) -> str:
        return f"[{self.command.step}] $ {self.shown}\n{self.output.rstrip()}\n[exit {self.exit}]"


@dataclass
class Replay:
    """A lab folder (root), the environment its commands run in, and their scope."""

    root: Path
    env: dict[str, str]
    # A label that every container the replay starts with `docker run` carries.
    label: str
    # The --filter of each prune (`docker container prune`, `docker image prune`),
    # by the kind of object: a replay never prunes beyond its own objects.
    scope: dict[str, str] = field(default_factory=dict)
    timeout: float = 300
    follow_seconds: float = 30
    server: str = ""
    transcript: list[Outcome] = field(default_factory=list)
    # Ids of the images the replay's builds made, for whoever cleans up after it.
    images: set[str] = field(default_factory=set)
    # Words replaced wherever they appear (the grader's own image tag and ports for
    # the statement's `simple-api` and `8000:8000`), and options every `docker run`
    # gets (the grader's limits). Empty for the kit's own verbatim replay.
    rewrite: dict[str, str] = field(default_factory=dict)
    run_options: list[str] = field(default_factory=list)
    # Options every `docker build` gets: the base images' build arguments where the
    # machine needs others than the Dockerfile's defaults (the kit's own CI).
    build_options: list[str] = field(default_factory=list)

    def words(self, command: Command) -> list[str]:
        """The words actually run for command (see the module's docstring)."""
        words = shlex.split(command.command.replace(CONTAINER_PLACEHOLDER, self.server or "?"))
        words = [self.rewrite.get(word, word) for word in words]
        if words[:2] == ["docker", "run"]:
            # Every container the replay starts carries its label, to be found again.
            words[2:2] = ["--label", self.label, *self.run_options]
        if words[:2] == ["docker", "build"]:
            words[2:2] = self.build_options
        if command.kind == "server":
            words[2:2] = ["-d"]
        elif command.kind == "interactive" and words[:2] == ["docker", "run"]:
            words = ["-i" if w == "-it" else w for w in words]
        elif command.kind == "interactive" and words[1:3] == ["compose", "exec"]:
            words[3:3] = ["-T"]
        elif command.kind == "confirm":
            if words[1] not in self.scope:
                raise ValueError(f"no scope for `{command.command}`: a replay never prunes all")
            words += ["--filter", self.scope[words[1]]]
        return words

    def run(self, command: Command) -> Outcome:
        """Run one command of the statement; its outcome is kept in the transcript."""
        if command.kind == "edit":
            path = self.root / command.path
            path.write_text(edited(path.read_text(encoding="utf-8"), command), encoding="utf-8")
            outcome = Outcome(command, command.command, 0, f"edited {command.path}")
        elif command.kind == "follow":
            outcome = self._follow(command)
        else:
            words = self.words(command)
            answer = "y\n" if command.kind == "confirm" else command.input
            # Bytes both ways: typed lines end in `\n` on every platform.
            result = self._typed(words, command.where, answer.encode())
            out, err = (b.decode("utf-8", errors="replace") for b in (result.stdout, result.stderr))
            outcome = Outcome(command, shlex.join(words), result.returncode, out + err, out)
            if command.kind == "server" and result.returncode == 0:
                self.server = out.strip()[:12]
        self.transcript.append(outcome)
        return outcome

    def _typed(self, words: list[str], where: str, typed: bytes) -> subprocess.CompletedProcess:
        """Run words with typed as their input; after self.timeout, end them and their
        children (`docker compose` runs its plugin as a child: ending `docker` alone would
        leave it running), then raise TimeoutExpired. Ctrl-C ends them the same way: in a
        session of their own, the terminal's Ctrl-C does not reach them."""
        posix = os.name != "nt"
        with subprocess.Popen(
            words,
            cwd=self.root / where,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=posix,
        ) as process:
            out, err = quiet.communicate(process, typed, self.timeout)
        return subprocess.CompletedProcess(words, process.returncode, out, err)

    def run_until_ok(self, command: Command, timeout: float = 60) -> Outcome:
        """Run command again until it succeeds (a server still starting), for at most timeout."""
        outcomes: list[Outcome] = []

        def attempt() -> Outcome | None:
            outcomes.append(self.run(command))
            return outcomes[-1] if outcomes[-1].ok else None

        found = poll(attempt, timeout, interval=0.5)
        # Keep the transcript to the first try and the last: a person retried in between.
        del self.transcript[-len(outcomes) : -1]
        return found or outcomes[-1]

    def _follow(self, command: Command) -> Outcome:
        """Read a `logs -f` until what is expected shows, or follow_seconds pass."""
        words = self.words(command)
        # A group of its own: `docker compose` runs its plugin as a child process, and
        # Ctrl-C reaches both through the terminal's process group, as it does here.
        posix = os.name != "nt"
        process = subprocess.Popen(
            words,
            cwd=self.root / command.where,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=posix,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
        reader.start()
        expected = re.compile(command.expect or r"\A\Z(?!x)x")
        found = poll(lambda: expected.search("".join(lines)), self.follow_seconds, interval=0.2)
        stop(process, signal.SIGINT if posix else signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            stop(process, signal.SIGKILL if posix else signal.SIGTERM)
            process.wait()
        reader.join(timeout=5)
        shown = f"{shlex.join(words)}   # read until Ctrl-C"
        return Outcome(command, shown, 0 if found or not command.expect else 1, "".join(lines))


def environment(**values: str) -> dict[str, str]:
    """This process's environment with values set, for the commands of a replay."""
    return {**os.environ, **values}
