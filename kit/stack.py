"""What a task needs before its command runs: the engine, free ports, the service or
the container it acts on; and the stack's answers, asked from the host.

Each check says what is wrong and what to do (an invoke.Exit). Under --dry nothing
is asked: the commands are only shown.
"""

from __future__ import annotations

from invoke import Context, Exit

from kit import docker
from kit.console import interactive
from kit.http import get, pretty
from kit.settings import Settings, load
from kit.shell import dry, sh


def ready(c: Context, ports_for: str = "", service: str = "", running: bool = True) -> Settings:
    """The settings, after checking (not under --dry) that the engine and Compose answer;
    for the task named by ports_for, that the stack's ports are free; and that the
    service exists (and runs, unless running=False)."""
    settings = load()
    if not dry(c):
        docker.require_engine()
        if ports_for:
            free_stack_ports(settings, ports_for)
        if service:
            docker.require_service(service, running=running)
    return settings


def free_stack_ports(settings: Settings, task_name: str) -> None:
    """The stack's ports must be free, unless this project's own containers hold them
    (running, or restarting as a crashing API does between two attempts)."""
    rows = docker.containers().items()
    running = {service for service, row in rows if row.get("State") in docker.HOLDS_PORTS}
    if "api" not in running:
        docker.require_port(settings.api_port, "API_PORT", task_name)
    if "db" not in running:
        docker.require_port(settings.db_port, "DB_PORT", task_name)


def require_room_to_run(c: Context, settings: Settings, port: int) -> None:
    """`invoke run` needs the image built, no container of its name yet, and its port free
    (not asked under --dry)."""
    if dry(c):
        return
    if not docker.image_exists(settings.api_image):
        raise Exit(f"No image {settings.api_image}: build it first with `invoke build`.", 1)
    if docker.inspect(settings.run_container):
        name = settings.run_container
        raise Exit(f"A container named {name} exists already: remove it with `invoke stop`.", 1)
    docker.require_port(port, "API_PORT", "run")


def require_run_container(c: Context, name: str) -> None:
    """`invoke stop` needs the container `invoke run` started (not asked under --dry)."""
    if not dry(c) and not docker.inspect(name):
        raise Exit(f"No container named {name}: `invoke run` starts one.", 1)


def service_container(service: str) -> str:
    """The container of a service of this project, in any state."""
    return docker.require_service(service, running=False)["Name"]


def exec_in(c: Context, service: str, *command: str, tty: bool, failure: str) -> None:
    """`docker compose exec SERVICE COMMAND`, with a terminal only when asked and there is one."""
    tty = tty and interactive()
    words = ["docker", "compose", "exec", *([] if tty else ["-T"]), service, *command]
    result = sh(c, *words, pty=tty, stdin=True)
    if result.failed:
        raise Exit(f"{failure} (exit {result.exited}).", result.exited)


def show_endpoints(c: Context, port: int) -> None:
    """GET /health, /ready and /db and print their JSON; stop if /health is not 200 (not
    under --dry)."""
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
