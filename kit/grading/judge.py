"""The verdicts: each step of the statement judged from the facts the sandbox returns
(an outcome, a container's state, whether the API answered, its logs), never from an
exit code alone: `docker compose up -d` and `docker stop` exit 0 while the API has
already crashed.

`JUDGES` finds the judge of a command by the statement's exact words; a command not in
it (`logs -f`, `exec ... sh`, `restart`) passes when it exits 0 printing what the
statement expects. Each judge takes the command and the sandbox, and returns a Check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kit import statement
from kit.grading import diagnose, inside
from kit.grading.sandbox import AGAIN_TIMEOUT, START_TIMEOUT, ComposeFile, Sandbox
from kit.grading.source import COMPOSE_FILES
from kit.grading.verdict import DEVIATES, FAILED, PASSED, UNAVAILABLE, Check
from kit.replay import Outcome
from kit.statement import Command

Judge = Callable[[Command, Sandbox], Check]


def judged(outcome: Outcome, ok: bool, detail: str, failure: str = "") -> Check:
    """A check from a replayed command: passed, else the cause from its output."""
    step = outcome.command.step
    if ok:
        return Check.of(step, PASSED, detail, outcome.shown)
    if pulled := diagnose.unpullable(outcome.output):
        return Check.of(step, UNAVAILABLE, f"cannot be pulled here: {pulled}", outcome.shown)
    why = failure or diagnose.explain(outcome.output)
    return Check.of(step, FAILED, why, outcome.shown)


# The gates: a step that needs an earlier one which did not pass is not run.
GATES = {statement.BUILD: "image", statement.RUN_IMAGE: "server", "docker compose up -d": "stack"}


def gate_for(command: Command, gates: dict[str, Check]) -> Check | None:
    """The earlier check this command needs, if that one did not pass."""
    part = int(command.step.split(".")[0])
    needed = {4: ["image"] + ([] if command.kind == "server" else ["server"])}.get(
        part, ["compose"] + ([] if command.command == "docker compose up -d" else ["stack"])
    )
    return next((gates[g] for g in needed if g in gates and not gates[g].ok), None)


def blocked(command: Command, gate: Check) -> Check:
    outcome = UNAVAILABLE if gate.outcome == UNAVAILABLE else FAILED
    detail = f"not run: step {gate.step} ({gate.title}) did not pass"
    return Check.of(command.step, outcome, detail, command.command)


# Part 3: the image.
def build(command: Command, box: Sandbox) -> Check:
    if not (box.source.root / "api" / "Dockerfile").is_file():
        return Check.of(command.step, FAILED, "no api/Dockerfile (part 3, step 2)", command.command)
    outcome = box.run(command)
    return judged(outcome, outcome.exit == 0, f"image {box.tag} built")


# Part 4: the image alone.
def server(command: Command, box: Sandbox) -> Check:
    started = box.start_server(command)
    outcome, state = started.outcome, started.state
    if outcome.exit != 0:
        return judged(outcome, False, "")
    if state == "running" and started.answered:
        return Check.of(command.step, PASSED, f"{box.server} running", outcome.shown)
    logs = box.logs(box.server)
    if state != "running":
        why = f"the container {state} ({diagnose.explain(logs)})"
    else:
        why = f"nothing answers on its port 8000 after {START_TIMEOUT:g} s: "
        why += diagnose.explain(logs)
    return Check.of(command.step, FAILED, why, outcome.shown)


def health(command: Command, box: Sandbox) -> Check:
    part_4 = command.step.startswith("4.")  # 4.1 saw it answer already
    outcome = box.run(command, retry=AGAIN_TIMEOUT if part_4 else box.wait())
    if outcome.ok or not box.confined or part_4:
        return judged(outcome, outcome.ok, outcome.stdout.strip() or "answered")
    asked = box.confined.asked.get("api", {}).get(8000)
    if asked is None:
        fix = 'the api service publishes no port for 8000: add `ports: ["8000:8000"]`'
        return Check.of(command.step, FAILED, fix, outcome.shown)
    if asked != str(statement.API_PORT):
        detail = f"the api is published on host port {asked}, not the statement's 8000"
        return Check.of(command.step, DEVIATES, detail, outcome.shown)
    why = diagnose.explain(box.service_logs("api"))
    return Check.of(command.step, FAILED, why, outcome.shown)


def stop(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    state = box.state(box.server)
    return judged(outcome, outcome.exit == 0 and state == "exited", f"state: {state}")


def listed(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    stopped = any(c.command == statement.STOP for c in box.done())
    line = next((ln for ln in outcome.stdout.splitlines() if ln.startswith(box.server)), "")
    if command.command == "docker ps -a":
        ok, detail = "Exited" in line, "the stopped container listed, Exited"
    elif stopped:
        ok, detail = not line, "the stopped container no longer listed"
    else:
        ok, detail = "Up" in line, "the container listed, Up"
    return judged(outcome, outcome.exit == 0 and ok, detail, f"not so: {line or 'not listed'}")


# Parts 5 to 7: the stack.
def layout(root: Path, repo: Path) -> Check:
    """Step 5.1: the statement's tree, from the lab's root (links that leave it reported)."""
    away = {n: why for n in statement.LAYOUT if (why := inside.leaves(root / n, repo))}
    missing = [n for n in statement.LAYOUT if n not in away and not (root / n).is_file()]
    other = [
        n for n in COMPOSE_FILES[:3] if not inside.leaves(root / n, repo) and (root / n).is_file()
    ]
    if away:
        detail = "; ".join(f"{name}: {why}, not followed" for name, why in away.items())
        return Check.of("5.1", FAILED, detail, "tree")
    if missing == ["docker-compose.yml"] and other:
        return Check.of("5.1", DEVIATES, f"{other[0]} instead of docker-compose.yml", "tree")
    if missing:
        detail = f"missing: {', '.join(missing)} (part 5, step 1's tree, from the lab's root)"
        return Check.of("5.1", FAILED, detail, "tree")
    return Check.of("5.1", PASSED, ", ".join(statement.LAYOUT) + " in place", "tree")


def compose_problem(found: ComposeFile) -> Check | None:
    """Step 5.2 failed (or could not be checked) before anything ran, else None."""
    if found.name is None:
        return Check.of("5.2", FAILED, "no docker-compose.yml in the lab's folder (part 5, step 2)")
    if found.config is None:
        error = found.error
        missing = "required variable" in error or "is missing a value" in error
        why = f"docker compose config: {error}"
        if missing:
            why += " (from a .env that is not in the repository?)"
        return Check.of("5.2", UNAVAILABLE if missing else FAILED, why)
    services = sorted(found.config.get("services") or {})
    if not {"api", "db"} <= set(services):
        why = f"the statement's services are api and db; this file has {', '.join(services)}"
        return Check.of("5.2", FAILED, why)
    return None


def compose_read(box: Sandbox) -> Check:
    """Step 5.2 passed: the file resolved, with the ports it asks for."""
    assert box.confined is not None
    ports = ", ".join(
        f"{service} {asked or '-'}:{target}"
        for service, published in box.confined.asked.items()
        for target, asked in published.items()
    )
    detail = f"services api and db; ports asked: {ports or 'none'} (run on free local ports)"
    return Check.of("5.2", PASSED, detail, "docker compose config")


def stack(command: Command, box: Sandbox) -> Check:
    started = box.start_stack(command)
    if started.outcome.exit != 0:
        return judged(started.outcome, False, "")
    if started.state == "running":
        return judged(started.outcome, True, "db and api running")
    why = f"the api container is {started.state}: {diagnose.explain(box.service_logs('api'))}"
    return Check.of(command.step, FAILED, why, started.outcome.shown)


def compose_ps(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    services = sorted((box.confined.config.get("services") or {}) if box.confined else [])
    shown = all(name in outcome.stdout for name in services)
    return judged(outcome, outcome.exit == 0 and shown, f"lists {', '.join(services)}")


def down(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    left = box.project_containers()
    detail = "containers and network removed" if not left else f"left: {left}"
    return judged(outcome, outcome.exit == 0 and not left, detail, detail)


def psql(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command, retry=START_TIMEOUT)
    if outcome.ok:
        return judged(outcome, True, "SELECT version(); and SELECT current_database(); answered")
    db = (box.confined.config["services"].get("db") or {}) if box.confined else {}
    env = db.get("environment") or {}
    user = env.get("POSTGRES_USER") or "postgres"
    name = env.get("POSTGRES_DB") or user
    if (user, name) == (statement.DB_USER, statement.DB_NAME):
        return judged(outcome, False, "")
    again = box.psql_as(command, user, name)
    detail = (
        f"the database is user {user!r}, database {name!r}, not the statement's "
        f"demo/demo: `{again.command.command}`"
        + (" works" if again.ok else f" fails too: {diagnose.last_error(again.output)}")
    )
    return Check.of(command.step, DEVIATES if again.ok else FAILED, detail, outcome.shown)


def expected(command: Command, box: Sandbox) -> Check:
    """Any other command (logs -f, exec ... sh, restart): as the statement expects it to print."""
    outcome = box.run(command)
    detail = f"prints /{command.expect}/" if command.expect else "exit 0"
    return judged(outcome, outcome.ok, detail)


JUDGES: dict[str, Judge] = {
    statement.BUILD: build,
    statement.RUN_IMAGE: server,
    statement.CURL_HEALTH: health,
    statement.STOP: stop,
    "docker ps": listed,
    "docker ps -a": listed,
    "docker compose up -d": stack,
    "docker compose ps": compose_ps,
    "docker compose down": down,
    "docker compose down -v": down,
    statement.PSQL: psql,
}


# Step 8.
def report(found: tuple[bool, str]) -> Check:
    ok, detail = found
    return Check.of("8", PASSED if ok else FAILED, detail, "reports/rapport.md")
