"""The verdicts: each step of the statement judged from the facts the sandbox returns
(an outcome, a container's state, whether the API answered, its logs), never from an
exit code alone: `docker compose up -d` and `docker stop` exit 0 while the API has
already crashed.

`JUDGES` finds the judge of a command by the statement's exact words; a command not in
it (`logs -f`, `exec ... sh`, `restart`) passes when it exits 0 printing what the
statement expects. Each judge takes the command and the sandbox, and returns a Check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from kit import statement
from kit.grading import diagnose, inside
from kit.grading.messages import _
from kit.grading.sandbox import AGAIN_TIMEOUT, START_TIMEOUT, ComposeFile, Sandbox
from kit.grading.source import COMPOSE_FILES
from kit.grading.verdict import DEVIATES, FAILED, PASSED, UNAVAILABLE, Check
from kit.replay import Outcome
from kit.statement import Command

Judge = Callable[[Command, Sandbox], Check]


def judged(box: Sandbox, outcome: Outcome, ok: bool, detail: str, failure: str = "") -> Check:
    """A check from a replayed command: passed; else not counted when an image the
    student's files name (and do not build) cannot be pulled from here; else failed,
    with the cause from its output."""
    step = outcome.command.step
    if ok:
        return Check.of(step, PASSED, detail, outcome.shown)
    if pulled := diagnose.unpullable(outcome.output, box.confined.pulled() if box.confined else {}):
        image, line = pulled
        why = _("the image {image} cannot be pulled here ({line})").format(image=image, line=line)
        return Check.of(step, UNAVAILABLE, why, outcome.shown)
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
    # A step that deviates (≠) still lets the next ones run: they say whether it works.
    passes = (PASSED, DEVIATES)
    return next((gates[g] for g in needed if g in gates and gates[g].outcome not in passes), None)


def blocked(command: Command, gate: Check) -> Check:
    outcome = UNAVAILABLE if gate.outcome == UNAVAILABLE else FAILED
    detail = _("not run: step {step} ({title}) did not pass").format(
        step=gate.step, title=gate.title
    )
    return Check.of(command.step, outcome, detail, command.command)


# Part 3: the image.
def misnamed(root: Path) -> str | None:
    """A Dockerfile of api/ whose name differs from `Dockerfile` only by case (Windows
    and macOS find it as Dockerfile), when there is no api/Dockerfile."""
    found = [p.name for p in (root / "api").glob("*") if p.name.lower() == "dockerfile"]
    return None if "Dockerfile" in found or not found else f"api/{sorted(found)[0]}"


def no_dockerfile(root: Path) -> str:
    """Why api/ has no Dockerfile Docker finds on Linux, and the fix."""
    if found := misnamed(root):
        return _(
            "{found} is not api/Dockerfile: on Linux, Docker reads a file named exactly "
            "Dockerfile (or dockerfile); Windows and macOS ignore case — fix: rename it "
            "(`git mv {found} api/Dockerfile`) and commit."
        ).format(found=found)
    return _("no api/Dockerfile (part 3, step 2)")


def lower_case() -> str:
    """api/dockerfile: Docker finds it where there is no Dockerfile, the statement does not."""
    return _(
        "api/dockerfile instead of api/Dockerfile: Docker reads it too (it looks for "
        "dockerfile where there is no Dockerfile), but the statement names it Dockerfile "
        "— fix: `git mv api/dockerfile api/Dockerfile` and commit."
    )


def build(command: Command, box: Sandbox) -> Check:
    api = box.source.root / "api"
    if not any((api / name).is_file() for name in ("Dockerfile", "dockerfile")):
        return Check.of(command.step, FAILED, no_dockerfile(box.source.root), command.command)
    outcome = box.run(command)
    return judged(box, outcome, outcome.exit == 0, _("image {tag} built").format(tag=box.tag))


# Part 4: the image alone.
def server(command: Command, box: Sandbox) -> Check:
    started = box.start_server(command)
    outcome, state = started.outcome, started.state
    if outcome.exit != 0:
        return judged(box, outcome, False, "")
    if state == "running" and started.answered:
        running = _("{container} running").format(container=box.server)
        return Check.of(command.step, PASSED, running, outcome.shown)
    why = diagnose.explain(box.logs(box.server))
    if state != "running":
        why = _("the container {state} ({why})").format(state=state, why=why)
    else:
        why = _("nothing answers on its port 8000 after {seconds} s: {why}").format(
            seconds=f"{START_TIMEOUT:g}", why=why
        )
    return Check.of(command.step, FAILED, why, outcome.shown)


def health(command: Command, box: Sandbox) -> Check:
    part_4 = command.step.startswith("4.")  # 4.1 saw it answer already
    outcome = box.run(command, retry=AGAIN_TIMEOUT if part_4 else box.wait())
    if outcome.ok or not box.confined or part_4:
        return judged(box, outcome, outcome.ok, outcome.stdout.strip() or _("answered"))
    asked = box.confined.asked.get("api", {}).get(8000)
    if asked is None:
        fix = _('the api service publishes no port for 8000: add `ports: ["8000:8000"]`')
        return Check.of(command.step, FAILED, fix, outcome.shown)
    if asked != str(statement.API_PORT):
        detail = _("the api is published on host port {port}, not the statement's 8000")
        return Check.of(command.step, DEVIATES, detail.format(port=asked), outcome.shown)
    why = diagnose.explain(box.service_logs("api"))
    return Check.of(command.step, FAILED, why, outcome.shown)


def stop(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    state = box.state(box.server)
    detail = _("state: {state}").format(state=state)
    return judged(box, outcome, outcome.exit == 0 and state == "exited", detail)


def listed(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    stopped = any(c.command == statement.STOP for c in box.done())
    line = next((ln for ln in outcome.stdout.splitlines() if ln.startswith(box.server)), "")
    if command.command == "docker ps -a":
        ok, detail = "Exited" in line, _("the stopped container listed, Exited")
    elif stopped:
        ok, detail = not line, _("the stopped container no longer listed")
    else:
        ok, detail = "Up" in line, _("the container listed, Up")
    failure = _("not so: {line}").format(line=line or _("not listed"))
    return judged(box, outcome, outcome.exit == 0 and ok, detail, failure)


# Parts 5 to 7: the stack.
def layout(root: Path, repo: Path) -> Check:
    """Step 5.1: the statement's tree, from the lab's root (links that leave it reported)."""
    away = {n: why for n in statement.LAYOUT if (why := inside.leaves(root / n, repo))}
    missing = [n for n in statement.LAYOUT if n not in away and not (root / n).is_file()]
    other = [
        n for n in COMPOSE_FILES[:3] if not inside.leaves(root / n, repo) and (root / n).is_file()
    ]
    if away:
        said = _("{name}: {why}, not followed")
        detail = "; ".join(said.format(name=name, why=why) for name, why in away.items())
        return Check.of("5.1", FAILED, detail, "tree")
    if missing == ["docker-compose.yml"] and other:
        detail = _("{found} instead of docker-compose.yml").format(found=other[0])
        return Check.of("5.1", DEVIATES, detail, "tree")
    odd = misnamed(root) if missing == ["api/Dockerfile"] else None
    if odd == "api/dockerfile":
        return Check.of("5.1", DEVIATES, lower_case(), "tree")
    if odd:
        return Check.of("5.1", FAILED, no_dockerfile(root), "tree")
    if missing:
        detail = _("missing: {names} (part 5, step 1's tree, from the lab's root)")
        return Check.of("5.1", FAILED, detail.format(names=", ".join(missing)), "tree")
    detail = _("{names} in place").format(names=", ".join(statement.LAYOUT))
    return Check.of("5.1", PASSED, detail, "tree")


def runnable(found: ComposeFile) -> bool:
    """Whether the stack can run: the file resolved, with the statement's services."""
    return found.config is not None and {"api", "db"} <= set(found.config.get("services") or {})


def values_fix(missing: str) -> str:
    """What is said of values kept out of the repository (a .env in .gitignore)."""
    return _(
        "fix: commit the values the lab needs (in docker-compose.yml, or in a {missing} "
        "committed) or say in the README how to make {missing}."
    ).format(missing=missing)


def compose_file(found: ComposeFile, box: Sandbox) -> Check:
    """Step 5.2, from what `docker compose config` said before anything ran."""
    if found.name is None:
        return Check.of(
            "5.2", FAILED, _("no docker-compose.yml in the lab's folder (part 5, step 2)")
        )
    if found.config is None:
        why = _("docker compose config: {error}").format(error=found.error)
        missing = re.search(r"env file (\S+) not found|is missing a value", found.error)
        if missing and not found.example:
            name = inside.shown(missing[1], box.source.copy) if missing[1] else ".env"
            why += _(" ({missing} is not in the repository)").format(missing=name)
            why += " — " + values_fix(name)
        return Check.of("5.2", FAILED, why)
    services = sorted(found.config.get("services") or {})
    if not runnable(found):
        why = _("the statement's services are api and db; this file has {services}")
        return Check.of("5.2", FAILED, why.format(services=", ".join(services)))
    if found.example:
        missing, example = found.example
        why = _(
            "{missing} is not in the repository (docker compose config: {error}): graded with "
            "the committed {example} in its place — "
        ).format(missing=missing, error=found.error, example=example)
        return Check.of("5.2", DEVIATES, why + values_fix(missing), "docker compose config")
    assert box.confined is not None
    ports = ", ".join(
        f"{service} {asked or '-'}:{target}"
        for service, published in box.confined.asked.items()
        for target, asked in published.items()
    )
    detail = _("services api and db; ports asked: {ports} (run on free local ports)")
    return Check.of("5.2", PASSED, detail.format(ports=ports or _("none")), "docker compose config")


def stack(command: Command, box: Sandbox) -> Check:
    started = box.start_stack(command)
    if started.outcome.exit != 0:
        misnamed_file = misnamed(box.source.root) and "dockerfile" in started.outcome.output.lower()
        why = no_dockerfile(box.source.root) if misnamed_file else ""
        return judged(box, started.outcome, False, "", why)
    if started.state == "running":
        return judged(box, started.outcome, True, _("db and api running"))
    why = _("the api container is {state}: {why}").format(
        state=started.state, why=diagnose.explain(box.service_logs("api"))
    )
    return Check.of(command.step, FAILED, why, started.outcome.shown)


def compose_ps(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    services = sorted((box.confined.config.get("services") or {}) if box.confined else [])
    shown = all(name in outcome.stdout for name in services)
    detail = _("lists {services}").format(services=", ".join(services))
    return judged(box, outcome, outcome.exit == 0 and shown, detail)


def down(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command)
    left = box.project_containers()
    detail = _("left: {left}").format(left=left) if left else _("containers and network removed")
    return judged(box, outcome, outcome.exit == 0 and not left, detail, detail)


def psql(command: Command, box: Sandbox) -> Check:
    outcome = box.run(command, retry=START_TIMEOUT)
    if outcome.ok:
        answered = _("SELECT version(); and SELECT current_database(); answered")
        return judged(box, outcome, True, answered)
    db = (box.confined.config["services"].get("db") or {}) if box.confined else {}
    env = db.get("environment") or {}
    user = env.get("POSTGRES_USER") or "postgres"
    name = env.get("POSTGRES_DB") or user
    if (user, name) == (statement.DB_USER, statement.DB_NAME):
        return judged(box, outcome, False, "")
    again = box.psql_as(command, user, name)
    theirs = {"user": repr(user), "database": repr(name), "command": again.command.command}
    if again.ok:
        said = _(
            "the database is user {user}, database {database}, not the statement's "
            "demo/demo: `{command}` works"
        )
        return Check.of(command.step, DEVIATES, said.format(**theirs), outcome.shown)
    said = _(
        "the database is user {user}, database {database}, not the statement's "
        "demo/demo: `{command}` fails too: {error}"
    )
    detail = said.format(**theirs, error=diagnose.last_error(again.output))
    return Check.of(command.step, FAILED, detail, outcome.shown)


def expected(command: Command, box: Sandbox) -> Check:
    """Any other command (logs -f, exec ... sh, restart): as the statement expects it to print."""
    outcome = box.run(command)
    detail = _("prints /{expect}/").format(expect=command.expect) if command.expect else "exit 0"
    return judged(box, outcome, outcome.ok, detail)


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
