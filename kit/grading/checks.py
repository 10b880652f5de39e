"""Grade one lab: kit/statement.py's commands of parts 3 to 7, replayed in the student's
folder by kit/replay.py, each judged by what it did (a container's state, an HTTP
answer, its logs), never by its exit code alone: `docker compose up -d` and
`docker stop` exit 0 while the API has already crashed.

What a replay changes on the student's commands, and why: the image is tagged and
the Compose project named for this grading only; every port is published on
127.0.0.1 at a free port, never the host's 8000 or 5432; `docker run` gets limits and
a label. Step 7.4 (the deliberate break) and 7.5 (prunes of the whole engine) are
not replayed: they would grade the engine, not the student.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kit import quiet, statement
from kit.docker import free_port
from kit.grading import diagnose, inside, safety, student_report
from kit.grading.source import COMPOSE_FILES, Source
from kit.http import get
from kit.replay import Outcome, Replay
from kit.statement import Command
from kit.wait import poll

PASSED, FAILED, DEVIATES, UNAVAILABLE = "passed", "failed", "deviates", "unavailable"
MARKS = {PASSED: "✔", FAILED: "✗", DEVIATES: "≠", UNAVAILABLE: "?"}
NOT_REPLAYED = ("7.4", "7.5")
STEP_TIMEOUT = 300.0  # seconds any one command may take (a build included)
START_TIMEOUT = 30.0  # seconds a server or a stack gets to answer the first time
AGAIN_TIMEOUT = 10.0  # and once it has answered, or has been seen not to, afterwards
LIMITS = ["--memory", "512m", "--cpus", "1", "--pids-limit", "256"]


@dataclass
class Check:
    step: str
    title: str
    outcome: str
    detail: str
    command: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == PASSED

    @classmethod
    def of(cls, step: str, outcome: str, detail: str, command: str = "") -> Check:
        return cls(step, statement.title(step), outcome, detail, command)

    def line(self) -> str:
        shown = f"  $ {self.command}\n" if self.command else ""
        return f"{MARKS[self.outcome]} {self.step} {self.title}\n{shown}    {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Grade:
    repo: str
    commit: str | None
    root: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(check.ok for check in self.checks)

    @property
    def total(self) -> int:
        """Checks that count: one that cannot be made here never counts against anyone."""
        return sum(check.outcome != UNAVAILABLE for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        checks = [check.as_json() for check in self.checks]
        return {
            "repo": self.repo,
            "commit": self.commit,
            "root": self.root,
            "checks": checks,
            "passed": self.passed,
            "total": self.total,
        }


class Grader:
    """One grading: a project name, an image tag, a label and ports of its own."""

    def __init__(self, source: Source, say: Callable[[str], None] = print) -> None:
        self.source = source
        self.say = say
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
        self.grade = Grade(source.origin, source.commit, source.root_in_repo)
        self.gates: dict[str, Check] = {}
        self.confined: safety.Confined | None = None
        self.config_problem: Check | None = None
        # Whether the stack's API has answered HTTP yet (None: not tried): a second
        # start is as fast as the first was, and one that never answered is not
        # waited for a minute at every step again.
        self.answered: bool | None = None
        self.volumes: set[str] = set()  # volumes of its containers, removed at the end
        self.report_found: tuple[bool, str] = (False, "")  # step 8, read before all runs

    # The statement's words, and the grader's.
    def part_4_words(self) -> dict[str, str]:
        port = statement.API_PORT
        return {
            statement.IMAGE: self.tag,
            f"{port}:8000": f"127.0.0.1:{self.run_port}:8000",
            statement.CURL_HEALTH.split()[-1]: f"http://127.0.0.1:{self.run_port}/health",
        }

    def stack_words(self, api_port: int) -> dict[str, str]:
        url = statement.CURL_HEALTH.split()[-1]
        return {url: f"http://127.0.0.1:{api_port}/health"}

    # Before anything runs: the Compose file, resolved and judged.
    def read_compose(self) -> None:
        """Resolve the student's Compose file; raise safety.Unsafe before anything runs."""
        root = self.source.root
        name = next((n for n in reversed(COMPOSE_FILES) if (root / n).is_file()), None)
        if name is None:
            self.config_problem = Check.of(
                "5.2", FAILED, "no docker-compose.yml in the lab's folder (part 5, step 2)"
            )
            return
        env = safety.clean_environment(self.replay.env, COMPOSE_PROJECT_NAME=self.project)
        try:
            config = safety.judged(root, root / name, self.source.copy, env, self.project)
        except ValueError as error:
            missing = "required variable" in str(error) or "is missing a value" in str(error)
            why = f"docker compose config: {error}"
            if missing:
                why += " (from a .env that is not in the repository?)"
            self.config_problem = Check.of("5.2", UNAVAILABLE if missing else FAILED, why)
            return
        services = sorted(config.get("services") or {})
        if not {"api", "db"} <= set(services):
            self.config_problem = Check.of(
                "5.2",
                FAILED,
                f"the statement's services are api and db; this file has {', '.join(services)}",
            )
            return
        self.confined = safety.confine(config, self.project, free_port)
        self.compose_file.write_text(json.dumps(self.confined.config, indent=2), encoding="utf-8")

    # The checks.
    def check(self, step: str, outcome: str, detail: str, command: str = "") -> Check:
        return self.record(Check.of(step, outcome, detail, command))

    def record(self, made: Check) -> Check:
        self.grade.checks.append(made)
        self.say(made.line())
        return made

    def judged(self, outcome: Outcome, ok: bool, detail: str, failure: str = "") -> Check:
        """A check from a replayed command: passed, else the cause from its output."""
        step = outcome.command.step
        if ok:
            return self.check(step, PASSED, detail, outcome.shown)
        if pulled := diagnose.unpullable(outcome.output):
            return self.check(step, UNAVAILABLE, f"cannot be pulled here: {pulled}", outcome.shown)
        why = failure or diagnose.explain(outcome.output)
        return self.check(step, FAILED, why, outcome.shown)

    def blocked(self, command: Command, gate: Check) -> Check:
        outcome = UNAVAILABLE if gate.outcome == UNAVAILABLE else FAILED
        detail = f"not run: step {gate.step} ({gate.title}) did not pass"
        return self.check(command.step, outcome, detail, command.command)

    def gate_for(self, command: Command) -> Check | None:
        """The earlier check this command needs, if that one did not pass."""
        part = int(command.step.split(".")[0])
        needed = {4: ["image"] + ([] if command.kind == "server" else ["server"])}.get(
            part, ["compose"] + ([] if command.command == "docker compose up -d" else ["stack"])
        )
        for gate in needed:
            if gate in self.gates and not self.gates[gate].ok:
                return self.gates[gate]
        return None

    def run(self, command: Command, retry: float = 0) -> Outcome:
        try:
            return self.replay.run_until_ok(command, retry) if retry else self.replay.run(command)
        except subprocess.TimeoutExpired:
            shown = " ".join(self.replay.words(command))
            return Outcome(command, shown, 124, f"timed out after {STEP_TIMEOUT:g} s")

    def grade_all(self) -> Grade:
        # All the grader reads of the repository is read before any of it runs.
        safety.statement_build(self.source.root, self.source.copy, self.project)
        self.read_compose()
        self.report_found = student_report.check(self.source.root, self.source.copy)
        for command in statement.commands(3, 7):
            if command.step in NOT_REPLAYED:
                continue
            if command.step.startswith("5.") and "layout" not in self.gates:
                self.layout()
                self.gates["compose"] = self.record(self.config_problem or self.compose_read())
            if gate := self.gate_for(command):
                self.blocked(command, gate)
                continue
            self.one(command)
        self.report()
        return self.grade

    def one(self, command: Command) -> None:
        words = command.command
        if words.startswith("docker build"):
            if not (self.source.root / "api" / "Dockerfile").is_file():
                detail = "no api/Dockerfile (part 3, step 2)"
                self.gates["image"] = self.check(command.step, FAILED, detail, command.command)
            else:
                outcome = self.run(command)
                built = f"image {self.tag} built"
                self.gates["image"] = self.judged(outcome, outcome.exit == 0, built)
        elif command.kind == "server":
            self.gates["server"] = self.server(command)
        elif words.startswith("curl"):
            self.health(command)
        elif words.startswith("docker stop"):
            outcome = self.run(command)
            state = self.state(self.replay.server)
            self.judged(outcome, outcome.exit == 0 and state == "exited", f"state: {state}")
        elif words in ("docker ps", "docker ps -a"):
            self.listed(command)
        elif words == "docker compose up -d":
            self.gates["stack"] = self.stack_up(command)
        elif words == "docker compose ps":
            outcome = self.run(command)
            services = sorted((self.confined.config.get("services") or {}) if self.confined else [])
            shown = all(name in outcome.stdout for name in services)
            self.judged(outcome, outcome.exit == 0 and shown, f"lists {', '.join(services)}")
        elif words.startswith("docker compose down"):
            self.remember_volumes()
            outcome = self.run(command)
            left = self.project_containers()
            detail = "containers and network removed" if not left else f"left: {left}"
            self.judged(outcome, outcome.exit == 0 and not left, detail, detail)
        elif "psql" in words:
            self.psql(command)
        else:  # logs -f, exec ... sh, restart: as the statement expects them to print
            outcome = self.run(command)
            expected = f"prints /{command.expect}/" if command.expect else "exit 0"
            self.judged(outcome, outcome.ok, expected)

    # Part 4: the image alone.
    def server(self, command: Command) -> Check:
        outcome = self.run(command)
        if outcome.exit != 0:
            return self.judged(outcome, False, "")
        container = self.replay.server
        url = f"http://127.0.0.1:{self.run_port}/health"
        answered = poll(
            lambda: self.state(container) != "running" or answers(url),
            START_TIMEOUT,
            interval=0.5,
        )
        state = self.state(container)
        if state == "running" and answered:
            return self.check(command.step, PASSED, f"{container} running", outcome.shown)
        logs = self.logs(container)
        if state != "running":
            why = f"the container {state} ({diagnose.explain(logs)})"
        else:
            why = f"nothing answers on its port 8000 after {START_TIMEOUT:g} s: "
            why += diagnose.explain(logs)
        return self.check(command.step, FAILED, why, outcome.shown)

    def health(self, command: Command) -> None:
        part_4 = command.step.startswith("4.")  # 4.1 saw it answer already
        outcome = self.run(command, retry=AGAIN_TIMEOUT if part_4 else self.wait())
        if outcome.ok or not self.confined or part_4:
            self.judged(outcome, outcome.ok, outcome.stdout.strip() or "answered")
            return
        asked = self.confined.asked.get("api", {}).get(8000)
        if asked is None:
            fix = 'the api service publishes no port for 8000: add `ports: ["8000:8000"]`'
            self.check(command.step, FAILED, fix, outcome.shown)
        elif asked != str(statement.API_PORT):
            detail = f"the api is published on host port {asked}, not the statement's 8000"
            self.check(command.step, DEVIATES, detail, outcome.shown)
        else:
            logs = self.compose("logs", "--tail", "30", "api").stdout
            self.check(command.step, FAILED, diagnose.explain(logs), outcome.shown)

    def listed(self, command: Command) -> None:
        outcome = self.run(command)
        container = self.replay.server
        stopped = any(c.command.startswith("docker stop") for c in self.done())
        line = next((ln for ln in outcome.stdout.splitlines() if ln.startswith(container)), "")
        if command.command == "docker ps -a":
            ok, detail = "Exited" in line, "the stopped container listed, Exited"
        elif stopped:
            ok, detail = not line, "the stopped container no longer listed"
        else:
            ok, detail = "Up" in line, "the container listed, Up"
        self.judged(outcome, outcome.exit == 0 and ok, detail, f"not so: {line or 'not listed'}")

    def done(self) -> list[Command]:
        return [outcome.command for outcome in self.replay.transcript]

    # Parts 5 to 7: the stack.
    def layout(self) -> None:
        root, repo = self.source.root, self.source.copy
        away = {n: why for n in statement.LAYOUT if (why := inside.leaves(root / n, repo))}
        missing = [n for n in statement.LAYOUT if n not in away and not (root / n).is_file()]
        other = [
            n
            for n in COMPOSE_FILES[:3]
            if not inside.leaves(root / n, repo) and (root / n).is_file()
        ]
        if away:
            detail = "; ".join(f"{name}: {why}, not followed" for name, why in away.items())
            self.gates["layout"] = self.check("5.1", FAILED, detail, "tree")
        elif missing == ["docker-compose.yml"] and other:
            self.gates["layout"] = self.check(
                "5.1", DEVIATES, f"{other[0]} instead of docker-compose.yml", "tree"
            )
        elif missing:
            detail = f"missing: {', '.join(missing)} (part 5, step 1's tree, from the lab's root)"
            self.gates["layout"] = self.check("5.1", FAILED, detail, "tree")
        else:
            self.gates["layout"] = self.check(
                "5.1", PASSED, ", ".join(statement.LAYOUT) + " in place", "tree"
            )

    def compose_read(self) -> Check:
        assert self.confined is not None
        ports = ", ".join(
            f"{service} {asked or '-'}:{target}"
            for service, published in self.confined.asked.items()
            for target, asked in published.items()
        )
        detail = f"services api and db; ports asked: {ports or 'none'} (run on free local ports)"
        return Check.of("5.2", PASSED, detail, "docker compose config")

    def stack_up(self, command: Command) -> Check:
        assert self.confined is not None
        api_port = self.confined.ports.get("api", {}).get(8000)
        self.replay.rewrite = self.stack_words(api_port or 9)
        outcome = self.run(command)
        if outcome.exit != 0:
            return self.judged(outcome, False, "")
        url = f"http://127.0.0.1:{api_port}/health"
        # Until the API answers, or crashes; without a published port, 10 s to see
        # whether it stays up.
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
        state = self.api_state()
        if state == "running":
            return self.judged(outcome, True, "db and api running")
        logs = self.compose("logs", "--tail", "30", "api").stdout
        why = f"the api container is {state}: {diagnose.explain(logs)}"
        return self.check(command.step, FAILED, why, outcome.shown)

    def wait(self) -> float:
        """How long the stack's API gets to answer: START_TIMEOUT until it has been tried."""
        return START_TIMEOUT if self.answered is None else AGAIN_TIMEOUT

    def psql(self, command: Command) -> None:
        outcome = self.run(command, retry=START_TIMEOUT)
        if outcome.ok:
            self.judged(outcome, True, "SELECT version(); and SELECT current_database(); answered")
            return
        db = (self.confined.config["services"].get("db") or {}) if self.confined else {}
        env = db.get("environment") or {}
        user, name = env.get("POSTGRES_USER") or "postgres", env.get("POSTGRES_DB")
        name = name or user
        if (user, name) == (statement.DB_USER, statement.DB_NAME):
            self.judged(outcome, False, "")
            return
        theirs = Command(
            command.step,
            command.command.replace(f"-U {statement.DB_USER}", f"-U {user}").replace(
                f"-d {statement.DB_NAME}", f"-d {name}"
            ),
            command.kind,
            input=command.input,
            expect=r"PostgreSQL \d+",
        )
        again = self.run(theirs, retry=10)
        detail = (
            f"the database is user {user!r}, database {name!r}, not the statement's "
            f"demo/demo: `{theirs.command}`"
            + (" works" if again.ok else f" fails too: {diagnose.last_error(again.output)}")
        )
        self.check(command.step, DEVIATES if again.ok else FAILED, detail, outcome.shown)

    # Step 8.
    def report(self) -> None:
        ok, detail = self.report_found
        self.check("8", PASSED if ok else FAILED, detail, "reports/rapport.md")

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

    def api_state(self) -> str:
        rows = self.compose("ps", "-a", "--format", "json", "api").stdout
        states = [json.loads(r).get("State", "") for r in rows.splitlines() if r.startswith("{")]
        if rows.startswith("["):  # older Compose: one JSON array
            states = [row.get("State", "") for row in json.loads(rows)]
        return states[0] if states else "gone"

    def project_containers(self) -> list[str]:
        label = f"label=com.docker.compose.project={self.project}"
        return self.docker("ps", "-aq", "--filter", label).stdout.split()

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


def grade(source: Source, say: Callable[[str], None] = print) -> Grade:
    """Grade the lab of source; everything it made is removed, on failure and Ctrl-C too."""
    grader = Grader(source, say)
    try:
        return grader.grade_all()
    finally:
        grader.cleanup()


def write_json(grade: Grade, path: Path) -> None:
    path.write_text(json.dumps(grade.as_json(), indent=2, ensure_ascii=False), encoding="utf-8")
