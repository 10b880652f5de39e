"""The driver of one grading: the student's stack run in its confinement.

A `Sandbox` owns the grading's names (project, image tag, label), its free ports, the
environment and the confined Compose file; it runs the statement's commands through
kit/replay.py, asks the engine about their containers, and removes everything the
grading made when its `with` block ends, after a failure and Ctrl-C too. Its methods
return facts (an outcome, a state, whether the API answered, logs), never a verdict:
judge.py judges them.

What a replay changes on the student's commands, and why: the image is tagged and
the Compose project named for this grading only; every port is published on
127.0.0.1 at a free port, never the host's 8000 or 5432; `docker run` gets limits and
a label.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit import quiet, statement
from kit.docker import free_port
from kit.grading import inside, safety
from kit.grading.messages import _
from kit.grading.source import COMPOSE_FILES, Source
from kit.http import get
from kit.replay import Outcome, Replay
from kit.statement import Command
from kit.wait import poll

STEP_TIMEOUT = 300.0  # seconds any one command may take (a build included)
START_TIMEOUT = 30.0  # seconds a server or a stack gets to answer the first time
AGAIN_TIMEOUT = 10.0  # and once it has answered, or has been seen not to, afterwards
LIMITS = ["--memory", "512m", "--cpus", "1", "--pids-limit", "256"]


@dataclass(frozen=True)
class ComposeFile:
    """The student's Compose file as `docker compose config` resolved it: its name (None:
    no file), the resolved settings, or the error that stopped Compose. When a file of
    values that is not in the repository stopped it (a .env in .gitignore), and its
    example is (.env.example), example names both, and error is the first error."""

    name: str | None
    config: dict[str, Any] | None = None
    error: str = ""
    example: tuple[str, str] | None = None


@dataclass(frozen=True)
class Started:
    """A server or a stack started: the command's outcome, then the state of its
    container (the api service's, for a stack) and whether it answered HTTP."""

    outcome: Outcome
    state: str = ""
    answered: bool = False


class Sandbox:
    """One grading's stack: `with Sandbox(source) as box:` removes all it made at the end."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.project = f"tp1-grade-{uuid.uuid4().hex[:8]}"
        self.tag = f"{self.project}-simple-api"
        self.compose_file = source.copy.parent / "compose.graded.json"
        env = safety.clean_environment(
            dict(os.environ),
            COMPOSE_PROJECT_NAME=self.project,
            COMPOSE_FILE=str(self.compose_file),
            **safety.AT_RUN,
        )
        label = f"tp1-lab-kit.grade={self.project}"
        self.replay = Replay(source.root, env, label, timeout=STEP_TIMEOUT)
        self.replay.run_options = LIMITS
        self.run_port = free_port()
        self.replay.rewrite = self.part_4_words()
        self.confined: safety.Confined | None = None
        # Whether the stack's API has answered HTTP yet (None: not tried): a second
        # start is as fast as the first was, and one that never answered is not
        # waited for a minute at every step again.
        self.answered: bool | None = None
        self.volumes: set[str] = set()  # volumes of its containers, removed at the end

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # The statement's words, and the grader's.
    def part_4_words(self) -> dict[str, str]:
        port = statement.API_PORT
        return {
            statement.IMAGE: self.tag,
            f"{port}:8000": f"127.0.0.1:{self.run_port}:8000",
            statement.CURL_HEALTH.split()[-1]: f"http://127.0.0.1:{self.run_port}/health",
        }

    # Before anything runs: the Compose file, resolved (judged by safety.py), then confined.
    def read_compose(self) -> ComposeFile:
        """The student's Compose file resolved; safety.Unsafe before anything runs."""
        root = self.source.root
        name = next((n for n in reversed(COMPOSE_FILES) if (root / n).is_file()), None)
        if name is None:
            return ComposeFile(None)
        env = safety.clean_environment(self.replay.env, COMPOSE_PROJECT_NAME=self.project)
        try:
            return ComposeFile(
                name, safety.judged(root, root / name, self.source.copy, env, self.project)
            )
        except ValueError as error:
            if not (example := example_in_place(str(error), root, self.source.copy)):
                return ComposeFile(name, error=str(error))
            try:
                config = safety.judged(root, root / name, self.source.copy, env, self.project)
            except ValueError as again:
                return ComposeFile(name, error=str(again), example=example)
            return ComposeFile(name, config, str(error), example)

    def confine(self, config: dict[str, Any]) -> None:
        """Write the confined copy of the resolved file: what the stack's commands run."""
        self.confined = safety.confine(config, self.project, free_port)
        self.compose_file.write_text(json.dumps(self.confined.config, indent=2), encoding="utf-8")

    # The statement's commands.
    def run(self, command: Command, retry: float = 0) -> Outcome:
        """Run a command (again until it succeeds, for at most retry seconds)."""
        if command.command.startswith("docker compose down"):
            self.remember_volumes()
        try:
            return self.replay.run_until_ok(command, retry) if retry else self.replay.run(command)
        except subprocess.TimeoutExpired:
            shown = " ".join(self.replay.words(command))
            said = _("timed out after {seconds} s").format(seconds=f"{STEP_TIMEOUT:g}")
            return Outcome(command, shown, 124, said)

    def start_server(self, command: Command) -> Started:
        """Part 4's `docker run`: until its container answers HTTP, or stops running."""
        outcome = self.run(command)
        if outcome.exit != 0:
            return Started(outcome)
        url = f"http://127.0.0.1:{self.run_port}/health"
        answered = poll(
            lambda: self.state(self.server) != "running" or answers(url),
            START_TIMEOUT,
            interval=0.5,
        )
        return Started(outcome, self.state(self.server), bool(answered))

    def start_stack(self, command: Command) -> Started:
        """`docker compose up -d`: until the API answers HTTP, or crashes; without a
        published port, AGAIN_TIMEOUT to see whether it stays up."""
        assert self.confined is not None
        api_port = self.confined.ports.get("api", {}).get(8000)
        url = f"http://127.0.0.1:{api_port or 9}/health"
        self.replay.rewrite = {statement.CURL_HEALTH.split()[-1]: url}
        outcome = self.run(command)
        if outcome.exit != 0:
            return Started(outcome)
        answered = poll(
            lambda: (
                "crashed"
                if self.api_state() not in ("running", "created")
                else api_port is not None and answers(url) and "answered"
            ),
            self.wait() if api_port else AGAIN_TIMEOUT,
            interval=0.5,
        )
        self.answered = bool(self.answered) or answered == "answered"
        return Started(outcome, self.api_state(), answered == "answered")

    def wait(self) -> float:
        """How long the stack's API gets to answer: START_TIMEOUT until it has been tried."""
        return START_TIMEOUT if self.answered is None else AGAIN_TIMEOUT

    def psql_as(self, command: Command, user: str, database: str) -> Outcome:
        """Step 6.1's psql again, as the user and database the student's file sets."""
        theirs = Command(
            command.step,
            command.command.replace(f"-U {statement.DB_USER}", f"-U {user}").replace(
                f"-d {statement.DB_NAME}", f"-d {database}"
            ),
            command.kind,
            input=command.input,
            expect=r"PostgreSQL \d+",
        )
        return self.run(theirs, retry=AGAIN_TIMEOUT)

    @property
    def server(self) -> str:
        """The container part 4's `docker run` started."""
        return self.replay.server

    def done(self) -> list[Command]:
        return [outcome.command for outcome in self.replay.transcript]

    # Questions to the engine, quietly.
    def docker(self, *args: str) -> subprocess.CompletedProcess[str]:
        return quiet.run(["docker", *args], env=self.replay.env)

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.docker("compose", *args)

    def state(self, container: str) -> str:
        found = self.docker("inspect", "-f", "{{.State.Status}}", container).stdout.strip()
        return found or "gone"

    def logs(self, container: str) -> str:
        result = self.docker("logs", "--tail", "30", container)
        return result.stdout + result.stderr

    def service_logs(self, service: str) -> str:
        return self.compose("logs", "--tail", "30", service).stdout

    def api_state(self) -> str:
        rows = self.compose("ps", "-a", "--format", "json", "api").stdout
        states = [json.loads(r).get("State", "") for r in rows.splitlines() if r.startswith("{")]
        if rows.startswith("["):  # older Compose: one JSON array
            states = [row.get("State", "") for row in json.loads(rows)]
        return states[0] if states else "gone"

    def project_containers(self) -> list[str]:
        label = f"label=com.docker.compose.project={self.project}"
        return self.docker("ps", "-aq", "--filter", label).stdout.split()

    # Cleanup.
    def remember_volumes(self) -> None:
        """The volumes the project's containers use, before a `down` that keeps them:
        `postgres:16` declares an anonymous volume, which the statement's `down` (no
        `-v`) leaves behind with no label to find it by."""
        ids = self.project_containers()
        mounts = self.docker("inspect", "-f", "{{range .Mounts}}{{.Name}} {{end}}", *ids)
        self.volumes.update(mounts.stdout.split() if ids else [])

    def cleanup(self) -> None:
        """Remove all this grading made: containers, networks, volumes, images."""
        self.remember_volumes()
        if self.compose_file.exists():
            self.compose("down", "-v", "--remove-orphans", "--timeout", "3")
        for label in (self.replay.label, f"com.docker.compose.project={self.project}"):
            ids = self.docker("ps", "-aq", "--filter", f"label={label}").stdout.split()
            if ids:
                self.docker("rm", "-f", "-v", *ids)
        images = [self.tag, *(self.confined.images if self.confined else [])]
        present = [i for i in images if self.docker("image", "inspect", i).returncode == 0]
        if present:
            self.docker("image", "rm", "-f", *present)
        left = [v for v in self.volumes if self.docker("volume", "inspect", v).returncode == 0]
        if left:
            self.docker("volume", "rm", *left)


def answers(url: str) -> bool:
    """Whether an HTTP server answers at url (any status): a reset, a refusal or a
    garbled answer while a container starts all mean not yet."""
    try:
        get(url, timeout=2)
    except (OSError, http.client.HTTPException):
        return False
    return True


def example_in_place(error: str, root: Path, repo: Path) -> tuple[str, str] | None:
    """When Compose stopped on a file of values that is not in the repository (an
    env_file, or the .env of a required variable) and the repository has its example
    (`.env.example`): that example copied in its place in the scratch copy repo, and
    both names; else None."""
    found = re.search(r"env file (\S+) not found", error)
    missing = Path(found[1]) if found else root / ".env"
    if not found and ("is missing a value" not in error or missing.exists()):
        return None
    example = missing.with_name(missing.name + ".example")
    if inside.leaves(missing, repo) or not example.is_file():
        return None
    try:
        missing.write_text(inside.read_text(example, repo), encoding="utf-8")
    except inside.Refused:
        return None
    return inside.shown(missing, repo), inside.shown(example, repo)
