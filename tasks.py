"""One Invoke task per step of TP1 (CSC 8613): `invoke --list`, then `invoke --help TASK`.

Every task prints the docker command it runs before running it, so the lab's
commands stay visible; `invoke --dry TASK` prints them without running anything.
Settings (ports, project name, images) come from the environment or from .env.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from invoke import Context, Exit, Result, task

from kit import dates, docker, layers, usable
from kit import lint as lint_checks
from kit.breakage import broken_copy
from kit.http import get, pretty
from kit.settings import ROOT, Settings, load, port_number, with_setting
from kit.wait import poll

# Compose and `docker build .` work from the top level, wherever invoke was typed.
os.chdir(ROOT)

SERVICE_HELP = "a service of docker-compose.yml: api or db"
# The label api/Dockerfile puts on the kit's images.
KIT_LABEL = "tp1-lab-kit.image=api"


WINDOWS = os.name == "nt"
# Commands are shown and run as one line, quoted for the shell that runs them.
QUOTE = subprocess.list2cmdline if WINDOWS else shlex.join


class Interrupted(Exit):
    """A shown command was stopped by Ctrl-C (exit status 130): the task stops there too."""

    def __init__(self) -> None:
        super().__init__("Interrupted (Ctrl-C): stopped there.", 130)


def sh(c: Context, *words: str, pty: bool = False, stdin: bool = False) -> Result:
    """Show and run a command given as words, quoted for the shell exactly as shown.

    Only commands that read input (stdin=True) get ours: for the others, Invoke keeps
    their input open, so that a Ctrl-C passed on to them never meets a closed pipe."""
    if pty and WINDOWS:
        return on_console(c, list(words))
    in_stream = None if stdin else False
    result = c.run(QUOTE(words), echo=True, warn=True, pty=pty, in_stream=in_stream)
    if result.exited == Interrupted().code:
        raise Interrupted
    return result


def on_console(c: Context, words: list[str]) -> Result:
    """A command that needs the user's terminal, on Windows: Python has no pty module
    there, so Invoke cannot give it one. It runs on the console itself instead, shown
    first as Invoke shows commands; Ctrl-C stops it and the task, as elsewhere."""
    command = QUOTE(words)
    print(c.config.run.echo_format.format(command=command), flush=True)
    if dry(c):
        return Result(command=command)
    try:
        exited = subprocess.run(words, check=False).returncode
    except KeyboardInterrupt:
        raise Interrupted from None
    return Result(command=command, exited=exited)


def date_as_committed(c: Context) -> None:
    """Files of api/ dated by their last commit, not by the checkout, so that two clones
    build the same layers (kit/dates.py)."""
    if not dry(c) and (dated := dates.date_as_committed(ROOT)):
        print(f"# {len(dated)} files of api/ dated at their last commit (reproducible layers)")


def dry(c: Context) -> bool:
    return bool(c.config.run.dry)


def succeed(result: Result, what: str) -> None:
    """Stop with one line when a shown command failed (its own output is above)."""
    if result.failed:
        raise Exit(f"{what} failed (exit {result.exited}): see the output above.", result.exited)


def ready(c: Context) -> Settings:
    """The settings, after checking that the engine and Compose answer (not under --dry)."""
    settings = load()
    if not dry(c):
        docker.require_engine()
    return settings


# Container states in which a container keeps its published ports.
HOLDS_PORTS = {"running", "restarting", "paused"}


def free_stack_ports(settings: Settings, task_name: str) -> None:
    """The stack's ports must be free, unless this project's own containers hold them
    (running, or restarting as a crashing API does between two attempts)."""
    rows = docker.containers().items()
    running = {service for service, row in rows if row.get("State") in HOLDS_PORTS}
    if "api" not in running:
        docker.require_port(settings.api_port, "API_PORT", task_name)
    if "db" not in running:
        docker.require_port(settings.db_port, "DB_PORT", task_name)


def build_command(settings: Settings, context: str = ".") -> list[str]:
    """The lab's `docker build -t simple-api .`, with the base images' build args when set."""
    return ["docker", "build", "-t", settings.api_image, *settings.build_arg_words, context]


def service_container(service: str) -> str:
    return docker.require_service(service, running=False)["Name"]


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


# How long a start may take before the task says what is wrong: a first start
# initialises the database, on a slow laptop too.
START_TIMEOUT = 120.0
# Container states from which a service will not become usable by itself.
GAVE_UP = {"exited", "dead"}


def require_usable(settings: Settings, services: tuple[str, ...], what: str) -> float:
    """Wait from the host until the services are usable (kit/usable.py), or stop early
    once one has given up; then say which and why, and stop. Returns the seconds waited."""
    started = time.monotonic()
    deadline = started + START_TIMEOUT
    pending = list(services)
    while pending and time.monotonic() < deadline:
        pending = usable.wait_usable(settings, pending, timeout=2)
        # Still waiting: has a container given up? (Asked only then: a start that went
        # well pays no `docker compose ps`.)
        if pending:
            states = {s: row.get("State") for s, row in docker.containers().items()}
            if any(states.get(service) in GAVE_UP for service in pending):
                break
    if pending:
        explain_unhealthy()
        raise Exit(
            f"{what}: {', '.join(pending)} not usable (see above): `invoke logs {pending[0]}`.",
            1,
        )
    return time.monotonic() - started


def up_until_usable(
    c: Context,
    settings: Settings,
    *words: str,
    what: str,
    services: tuple[str, ...] = ("db", "api"),
) -> float:
    """Show and run a `docker compose ... up -d`, then wait until the services are usable
    (not for their healthchecks, which run every 30 s). Returns the seconds it all took."""
    started = time.monotonic()
    if sh(c, "docker", "compose", *words).failed:
        explain_unhealthy()
        raise Exit(f"{what} did not start: see above, and `invoke logs api`.", 1)
    if not dry(c):
        require_usable(settings, services, what)
    return time.monotonic() - started


def exec_in(c: Context, service: str, *command: str, tty: bool, failure: str) -> None:
    """`docker compose exec SERVICE COMMAND`, with a terminal only when asked and there is one."""
    words = ["docker", "compose", "exec", *([] if tty else ["-T"]), service, *command]
    result = sh(c, *words, pty=tty, stdin=True)
    if result.failed:
        raise Exit(f"{failure} (exit {result.exited}).", result.exited)


@task
def doctor(c: Context) -> None:
    """Lab step 1: check that Docker is ready for the lab, and say how to fix what is not."""
    settings = load()
    problems: list[str] = []

    def report(ok: bool, text: str, fix: str = "") -> None:
        print(f"[{'ok' if ok else '!!'}] {text}")
        if not ok:
            print(f"     fix: {fix}")
            problems.append(text)

    engine = docker.query("version", "--format", "{{.Server.Version}} {{.Server.Os}}")
    engine_ok = engine.returncode == 0
    version, _, system = engine.stdout.strip().partition(" ")
    found = version if engine_ok else f"not reachable: {docker.last_line(engine)}"
    report(engine_ok, f"Docker engine {found}", docker.ENGINE_FIX)
    if engine_ok:
        report(
            system == "linux",
            f"the engine runs Linux containers ({system or 'unknown'})",
            "Docker Desktop is in Windows containers mode: right-click its icon in the "
            "taskbar, then 'Switch to Linux containers...'",
        )
    compose = docker.query("compose", "version", "--short")
    compose_ok = compose.returncode == 0
    found = compose.stdout.strip() if compose_ok else f"missing: {docker.last_line(compose)}"
    report(compose_ok, f"Docker Compose {found}", "install the Compose plugin (`docker compose`)")
    ours = docker.containers() if engine_ok and compose_ok else {}
    for service, port, variable in (
        ("api", settings.api_port, "API_PORT"),
        ("db", settings.db_port, "DB_PORT"),
    ):
        if ours.get(service, {}).get("State") in HOLDS_PORTS:
            report(True, f"port {port} ({variable}) is used by this stack's {service}")
        else:
            report(
                not docker.port_in_use(port),
                f"port {port} ({variable}) is free on 127.0.0.1",
                f"stop what uses it, or choose another: {with_setting(variable, port + 1, 'up')}",
            )
    if problems:
        raise Exit(f"{len(problems)} problem(s): fix them as shown above.", 1)
    print("Ready for the lab: `invoke up` starts the stack.")


@task
def build(c: Context) -> None:
    """Lab step 3: build the API image (`cd api && docker build -t simple-api .`)."""
    settings = ready(c)
    date_as_committed(c)
    # api/ is the build context, as in the lab: the command is the statement's own.
    with c.cd("api"):
        succeed(sh(c, *build_command(settings)), "docker build")
    if not dry(c):
        # Two builds of the same commit give the same layers: compare these.
        print("\n".join(layers.summary(settings.api_image, settings.python_image)))


@task(help={"port": "port on 127.0.0.1 to publish the API on (default: API_PORT, or 8000)"})
def run(c: Context, port: str = "") -> None:
    """Lab step 4: run the image alone (`docker run -d --name simple-api ...`), wait for /health."""
    settings = ready(c)
    port = port_number(port, "--port") if port else settings.api_port
    name = settings.run_container
    if not dry(c):
        if not docker.image_exists(settings.api_image):
            raise Exit(f"No image {settings.api_image}: build it first with `invoke build`.", 1)
        if docker.inspect(name):
            raise Exit(f"A container named {name} exists already: remove it with `invoke stop`.", 1)
        docker.require_port(port, "API_PORT", "run")
    command = ["docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000"]
    succeed(sh(c, *command, settings.api_image), "docker run")
    if not dry(c):
        wait_for_health(name, port)
    print(f"API at http://127.0.0.1:{port}/health; `invoke stop` stops it.")


def wait_for_health(container: str, port: int, timeout: float = 30) -> None:
    """Wait for /health 200, or stop early when the container has already exited."""

    def outcome() -> str | None:
        if (docker.inspect(container) or {}).get("State", {}).get("Status") == "exited":
            return "exited"
        return "up" if get(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200 else None

    if poll(outcome, timeout, interval=0.2) == "up":
        return
    print(docker.logs_tail(container))
    raise Exit(f"{container} does not answer /health on port {port}: see its logs above.", 1)


@task(help={"port": "port of the API on 127.0.0.1 (default: API_PORT, or 8000)"})
def health(c: Context, port: str = "") -> None:
    """Lab steps 4 and 6: GET /health, /ready and /db and print their JSON (as `curl` would)."""
    port = port_number(port, "--port") if port else load().api_port
    if dry(c):
        return
    for path in ("/health", "/ready", "/db"):
        url = f"http://127.0.0.1:{port}{path}"
        print(f"GET {url}")
        try:
            status, body = get(url)
        except OSError as exc:
            raise Exit(
                f"Nothing answers on 127.0.0.1:{port} ({exc}): start the API with "
                "`invoke up` (or `invoke run`).",
                1,
            ) from None
        print(f"{status}\n{pretty(body)}")
        if path == "/health" and status != 200:
            raise Exit(f"/health answered {status}, not 200: see `invoke logs api`.", 1)


@task
def stop(c: Context) -> None:
    """Lab step 4: stop and remove the container that `invoke run` started."""
    name = ready(c).run_container
    if not dry(c) and not docker.inspect(name):
        raise Exit(f"No container named {name}: `invoke run` starts one.", 1)
    succeed(sh(c, "docker", "stop", name), "docker stop")
    succeed(sh(c, "docker", "rm", name), "docker rm")


@task
def up(c: Context) -> None:
    """Lab step 5: build and start the stack, and return once db and api are usable."""
    settings = ready(c)
    if not dry(c):
        free_stack_ports(settings, "up")
    date_as_committed(c)
    took = up_until_usable(c, settings, "up", "-d", "--build", what="The stack")
    if dry(c):
        return
    print(f"Stack usable in {took:.1f} s (its healthchecks report within 30 s: `invoke ps`).")
    print(f"  API:        http://127.0.0.1:{settings.api_port}/health  /ready  /db  /docs")
    print(
        f"  PostgreSQL: 127.0.0.1:{settings.db_port}, user {settings.postgres_user}, database "
        f"{settings.postgres_db} (`invoke psql`)"
    )


def explain_unhealthy() -> None:
    """For each service not healthy: its state, what its healthcheck said, its last logs."""
    for service, row in docker.containers().items():
        if row.get("Health") in ("healthy", "") and row.get("State") == "running":
            continue
        info = docker.inspect(row["Name"]) or {}
        said = docker.health_output(info)
        print(
            f"{service}: {row.get('State')} {row.get('Health', '')}".rstrip()
            + (f"; its healthcheck says: {said}" if said else "")
        )
        print(docker.logs_tail(row["Name"], 10))


DEV_FILES = ["-f", "docker-compose.yml", "-f", "docker-compose.dev.yml"]


@task
def dev(c: Context) -> None:
    """Dev loop: the stack with the API reloading on every save under api/; Ctrl-C ends it.

    Adds docker-compose.dev.yml (a bind mount of api/ and `uvicorn --reload`) to the
    stack, then follows the API's logs. Ctrl-C stops the dev API; `invoke up`
    afterwards gives back the hardened stack. API_SOURCE mounts another folder.
    """
    settings = ready(c)
    if not dry(c):
        free_stack_ports(settings, "dev")
    if WINDOWS and "WATCHFILES_FORCE_POLLING" not in os.environ:
        # docker-compose.dev.yml passes it on: Docker Desktop gives a container no
        # file events for a Windows folder, so uvicorn's watcher polls instead.
        os.environ["WATCHFILES_FORCE_POLLING"] = "true"
        print("Windows: the API polls api/ for changes (WATCHFILES_FORCE_POLLING=true).")
    up_until_usable(c, settings, *DEV_FILES, "up", "-d", "--build", what="The dev stack")
    print(
        f"Dev loop on http://127.0.0.1:{settings.api_port}: save a file under api/ and the "
        "API reloads. Ctrl-C ends the loop."
    )
    # Ctrl-C is how the loop ends. A pty lets Invoke pass it on to `logs -f` as a
    # terminal would, even when its own input is closed.
    with contextlib.suppress(KeyboardInterrupt, Interrupted):
        sh(c, "docker", "compose", *DEV_FILES, "logs", "-f", "--tail", "5", "api", pty=True)
    if not dry(c):
        print("\nDev loop ended: stopping the dev API; `invoke up` gives back the hardened stack.")
    sh(c, "docker", "compose", "stop", "api")


@task
def ps(c: Context) -> None:
    """Lab step 5: list the stack's containers (`docker compose ps`)."""
    ready(c)
    succeed(sh(c, "docker", "compose", "ps"), "docker compose ps")


@task(help={"volumes": "also delete the database volume: its data is lost (`down -v`)"})
def down(c: Context, volumes: bool = False) -> None:
    """Lab steps 5 and 6: remove the stack's containers and network (`docker compose down`)."""
    ready(c)
    succeed(sh(c, "docker", "compose", "down", *(["-v"] if volumes else [])), "docker compose down")


@task(help={"command": 'SQL to run, e.g. "SELECT version();" (default: an interactive psql)'})
def psql(c: Context, command: str | None = None) -> None:
    """Lab step 6: psql in the db container (`docker compose exec db psql -U demo -d demo`)."""
    settings = ready(c)
    if not dry(c):
        docker.require_service("db")
    sql = ["-v", "ON_ERROR_STOP=1", "-c", command] if command is not None else []
    psql_words = ["psql", "-U", settings.postgres_user, "-d", settings.postgres_db, *sql]
    tty = command is None and interactive()
    exec_in(c, "db", *psql_words, tty=tty, failure="psql failed: its error is above")


@task(positional=["service"], help={"service": SERVICE_HELP, "follow": "keep printing new lines"})
def logs(c: Context, service: str, follow: bool = False) -> None:
    """Lab step 7.1: print a service's logs (`docker compose logs [-f] SERVICE`)."""
    ready(c)
    if not dry(c):
        service_container(service)
    words = ["docker", "compose", "logs", *(["-f"] if follow else []), service]
    succeed(sh(c, *words), "docker compose logs")


@task(
    positional=["service"],
    help={"service": SERVICE_HELP, "command": "run this in sh -c instead of an interactive sh"},
)
def shell(c: Context, service: str, command: str | None = None) -> None:
    """Lab step 7.2: a shell in a running service (`docker compose exec SERVICE sh`)."""
    ready(c)
    if not dry(c):
        docker.require_service(service)
    script = ["-c", command] if command is not None else []
    tty = command is None and interactive()
    exec_in(c, service, "sh", *script, tty=tty, failure=f"The command in {service} failed")


@task(positional=["service"], help={"service": SERVICE_HELP})
def restart(c: Context, service: str) -> None:
    """Lab step 7.3: restart one service (`docker compose restart SERVICE`), wait until usable."""
    settings = ready(c)
    if not dry(c):
        # Any state will do: restarting a crashed or stopped service is the point.
        docker.require_service(service, running=False)
    succeed(sh(c, "docker", "compose", "restart", service), "docker compose restart")
    if not dry(c):
        print(f"Waiting for {service} to be usable...")
        require_usable(settings, (service,), f"{service} after its restart")
        print(f"{service} is usable again.")


@task(name="break-app")
def break_app(c: Context) -> None:
    """Lab step 7.4: run an image whose app.py names `app` `appi`, and diagnose the crash.

    The rename happens in a temporary copy of the sources: your working tree is
    never modified. `invoke fix-app` puts the good image back.
    """
    settings = ready(c)
    if not dry(c):
        free_stack_ports(settings, "break-app")
    with tempfile.TemporaryDirectory(prefix="tp1-break-app-") as tmp:
        line = broken_copy(Path(tmp))
        print(f"# In a copy of api/ ({tmp}/api), app.py now says: {line}")
        succeed(sh(c, *build_command(settings, f"{tmp}/api")), "docker build")
    # --no-build: use the broken image just built; --force-recreate: replace a running api.
    succeed(
        sh(c, "docker", "compose", "up", "-d", "--no-build", "--force-recreate", "api"),
        "docker compose up",
    )
    if not dry(c):
        diagnose_crash(service_container("api"))


def diagnose_crash(container: str, timeout: float = 60) -> None:
    """Wait for the container's first crash, then print what a person would look at."""

    def crashed() -> dict | None:
        state = (docker.inspect(container) or {}).get("State") or {}
        return state if state.get("ExitCode") else None

    state = poll(crashed, timeout, interval=0.3)
    if state is None:
        print(docker.logs_tail(container))
        raise Exit(f"{container} did not fail within {timeout:g} s: see its logs above.", 1)
    logs = docker.logs_tail(container, 50).splitlines()
    errors = [line for line in logs if "Error" in line or "error" in line]
    restarts = (docker.inspect(container) or {}).get("RestartCount", 0)
    print(f"Diagnosis of {container}:")
    print(f"  state:     {state.get('Status')} (restarted {restarts} times by its restart policy)")
    print(f"  exit code: {state.get('ExitCode')}")
    print(
        f"  error:     {errors[-1].strip() if errors else '(no error line in the last 50 lines)'}"
    )
    print("  see more:  docker compose logs api   (invoke logs api)")
    print("  repair:    invoke fix-app")


@task(name="fix-app")
def fix_app(c: Context) -> None:
    """Lab step 7.4: rebuild the API from the clean sources and wait until it is usable."""
    settings = ready(c)
    if not dry(c):
        free_stack_ports(settings, "fix-app")
    date_as_committed(c)
    up_until_usable(c, settings, "up", "-d", "--build", "api", what="The API", services=("api",))
    print("The API is usable again.")


def confirm(c: Context, risks: list[str], yes: bool) -> None:
    """Go on only with the user's word: --yes, or y on a terminal; else stop, nothing done."""
    if not risks or yes or dry(c):
        return
    what = " and ".join(risks)
    if not interactive():
        raise Exit(f"This would {what}: confirm with --yes.", 2)
    if input(f"This will {what}. Go on? [y/N] ").strip().lower() not in ("y", "yes"):
        raise Exit("Nothing removed.", 1)


@task(
    help={
        "volumes": "also delete the database volume: its data is lost (asks first)",
        "all": "also run the lab's global prunes: every stopped container and dangling "
        "image on this engine, not only the kit's (asks first)",
        "yes": "with --volumes or --all, do not ask for confirmation",
    }
)
def clean(c: Context, volumes: bool = False, all: bool = False, yes: bool = False) -> None:
    """Lab step 7.5: remove this project's containers, network and images; keep the data.

    Touches only what the kit made: the stack (`docker compose down`), the
    `invoke run` container and the API image. The database volume stays, as with
    Docker's own prunes, unless --volumes is given (`down -v`).
    """
    settings = ready(c)
    risks = [
        *(["delete the database volume and its data"] if volumes else []),
        *(["prune every stopped container and dangling image on this engine"] if all else []),
    ]
    confirm(c, risks, yes)
    down = ["docker", "compose", "down", *(["-v"] if volumes else []), "--remove-orphans"]
    succeed(sh(c, *down), "docker compose down")
    if dry(c) or docker.inspect(settings.run_container):
        succeed(sh(c, "docker", "rm", "-f", settings.run_container), "docker rm")
    if dry(c) or docker.image_exists(settings.api_image):
        succeed(sh(c, "docker", "image", "rm", settings.api_image), "docker image rm")
    # Earlier builds of the API image, untagged by later ones (break-app, fix-app, edits).
    prune_ours = ["docker", "image", "prune", "-f", "--filter", f"label={KIT_LABEL}"]
    succeed(sh(c, *prune_ours), "docker image prune")
    if all:
        succeed(sh(c, "docker", "container", "prune", "-f"), "docker container prune")
        succeed(sh(c, "docker", "image", "prune", "-f"), "docker image prune")
    if not volumes and not dry(c):
        print("The database volume is kept: `invoke clean --volumes` deletes it too.")


@task(help={"output": "folder for the captures (default: reports/captures)"})
def report(c: Context, output: str = "reports/captures") -> None:
    """Lab report: run every step for real in a throwaway project and capture each one.

    Writes, per step, the command, its output and exit status as text and as a
    terminal picture (SVG), plus an index with the environment. Removes all it
    started, even when a step fails. Takes a few minutes.
    """
    from kit.report import make_report  # rich is needed here only

    captures = make_report(ROOT / output)
    print(f"report: {len(captures)} captures in {output}/ (index: {output}/index.md)")


@task(
    help={
        "runs": "how many times each measure is repeated (the table shows medians)",
        "load_seconds": "how long each wrk load lasts",
        "idle_seconds": "how long the host's CPU is read with each stack idle (and with none)",
    }
)
def bench(c: Context, runs: int = 3, load_seconds: int = 10, idle_seconds: int = 60) -> None:
    """Kit maintenance: measure the kit against the lab statement's solution (docs/BENCHMARKS.md).

    Builds both on the same base image, measures build, rebuild, size, start-up,
    idle CPU, restart, stop, throughput, latency and memory, and writes the table
    and a chart. Needs wrk. Takes several minutes; not part of the test suite.
    """
    from kit.bench import Plan, benchmark

    if runs < 1 or load_seconds < 1 or idle_seconds < 1:
        raise Exit("--runs, --load-seconds and --idle-seconds must be at least 1.", 2)
    benchmark(Plan(runs, load_seconds, idle_seconds), ROOT / "docs" / "BENCHMARKS.md")


@task(help={"runs": "how many times each measure is repeated (the table shows medians)"})
def bench_grade(c: Context, runs: int = 3) -> None:
    """Kit maintenance: the time `invoke grade` takes on one repository, against the
    student's own build and start-up (docs/BENCHMARKS-grading.md). A few minutes."""
    from kit.bench_grade import benchmark_grading

    if runs < 1:
        raise Exit("--runs must be at least 1.", 2)
    benchmark_grading(runs, ROOT / "docs" / "BENCHMARKS-grading.md")


@task
def test(c: Context) -> None:
    """Kit maintenance: the test suite, as the README runs it (`uv run --locked pytest`)."""
    succeed(sh(c, "uv", "run", "--locked", "pytest"), "pytest")


@task
def requirements(c: Context) -> None:
    """Kit maintenance: write api/requirements.txt, what the image installs, from uv.lock.

    Run it after `uv lock` or `uv add`: `invoke lint` fails while the two differ.
    """
    succeed(sh(c, "python", "-m", "kit.requirements"), "the export of uv.lock")


@task
def lint(c: Context) -> None:
    """Kit maintenance: every lint gate CI runs (ruff, hadolint, compose, lock, Nix flake)."""
    failed = []
    for name, command in lint_checks.CHECKS:
        if why := lint_checks.skipped(command):
            print(f"# skipped {name}: {why}")
        elif sh(c, *command).failed:
            failed.append(name)
    if problem := lint_checks.nix_problem():
        if os.environ.get("CI") and not os.environ.get("SKIP_NIX_CHECKS"):
            failed.append(f"nix flake checks ({problem})")
        print(f"# skipped the Nix flake checks: {problem}")
    elif sh(c, *lint_checks.nix_check()).failed:
        failed.append("nix flake checks")
    if failed:
        raise Exit(f"lint: {len(failed)} check(s) failed: {', '.join(failed)}.", 1)
    print("lint: all checks passed.")


@task(
    positional=["repo"],
    help={
        "repo": "the repository: a folder (copied, never changed), a bare repository or a Git URL",
        "ref": "grade this commit, tag or branch",
        "before": "grade the last commit before this date (a deadline, e.g. 2026-10-01T23:59)",
        "root": "the lab's folder in the repository (default: found, e.g. TP1/)",
        "json": "also write the checks as JSON to this file",
    },
)
def grade(
    c: Context,
    repo: str,
    ref: str | None = None,
    before: str | None = None,
    root: str | None = None,
    json: str | None = None,
) -> None:
    """For teachers and students: replay the lab statement on a repository, step by step.

    Builds, runs, curls, starts the stack, psql, logs, exec and restart as the statement
    says, on a scratch copy, with its own names and free 127.0.0.1 ports; prints a ✔/✗
    per step with the cause and the fix, and removes all it made. Refuses (exit 3) a
    Compose file that reaches the host (privileged, host mounts, the Docker socket...).
    Exit 0: all passed; 1: some failed; 2: not gradable.
    """
    from kit.grading import run as grading

    docker.require_engine()
    code, result = grading.one(repo, ref=ref, before=before, root=root)
    if json:
        grading.write(result, Path(json))
    if code == grading.UNSAFE:
        for offence in result["unsafe"]:
            print(f"refused: {offence}")
        raise Exit(f"{repo}: refused as unsafe, nothing was built or run.", code)
    if code == grading.UNUSABLE:
        raise Exit(result["error"], code)
    score = f"{result['passed']}/{result['total']} checks passed"
    if unchecked := len(result["checks"]) - result["total"]:
        score += f" ({unchecked} could not be checked here, not counted)"
    if code:
        raise Exit(f"{score}: see ✗ above for the cause and the fix of each.", code)
    print(f"{score}.")


@task(
    positional=["class_list"],
    help={
        "class_list": "a file with one repository (path, URL, or JSON result) per line",
        "summary": "the Markdown table to write (default: grades.md)",
        "json_dir": "a folder for each repository's JSON result",
        "jobs": "how many repositories to grade at once (default 1)",
    },
)
def grade_class(
    c: Context, class_list: str, summary: str = "grades.md", json_dir: str = "", jobs: int = 1
) -> None:
    """For teachers: `invoke grade` on each repository of a class list, and one table.

    Lines may name JSON results made by the grading workflow of students' repositories
    (or a folder of them): those are read, not graded again. Writes a row per repository
    (passed/total, the steps not passed) and how many passed each step.
    """
    from kit.grading import run as grading

    if not Path(class_list).is_file():
        raise Exit(f"{class_list}: no such file (one repository, URL or JSON per line).", 2)
    docker.require_engine()
    folder = Path(json_dir) if json_dir else None
    results = grading.klass(Path(class_list), Path(summary), folder, jobs)
    print(f"{len(results)} repositories graded: {summary}")
