"""Starting and waiting: the stack's `up`, then the wait until it is usable, and what a
person would look at when a service does not come up or crashes.

The waits ask from the host, as a person would (kit/usable.py, kit/http.py), are
bounded, and give up early once a container has exited: each then says what is wrong
and stops the task. Under --dry there is nothing to wait for.
"""

from __future__ import annotations

import time

from invoke import Context, Exit

from kit import docker, usable
from kit.http import get
from kit.settings import Settings
from kit.shell import dry, sh
from kit.stack import service_container
from kit.wait import poll

# How long a start may take before the task says what is wrong: a first start
# initialises the database, on a slow laptop too.
START_TIMEOUT = 120.0
# Container states from which a service will not become usable by itself.
GAVE_UP = {"exited", "dead"}


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


def show_stack(c: Context, settings: Settings, took: float) -> None:
    """Where the stack answers, once `invoke up` has found it usable (not under --dry)."""
    if dry(c):
        return
    print(f"Stack usable in {took:.1f} s (its healthchecks report within 30 s: `invoke ps`).")
    print(f"  API:        http://127.0.0.1:{settings.api_port}/health  /ready  /db  /docs")
    print(
        f"  PostgreSQL: 127.0.0.1:{settings.db_port}, user {settings.postgres_user}, database "
        f"{settings.postgres_db} (`invoke psql`)"
    )


def usable_again(c: Context, settings: Settings, service: str) -> None:
    """After `docker compose restart SERVICE`: wait until it is usable (not under --dry)."""
    if dry(c):
        return
    print(f"Waiting for {service} to be usable...")
    require_usable(settings, (service,), f"{service} after its restart")
    print(f"{service} is usable again.")


def wait_for_health(c: Context, container: str, port: int, timeout: float = 30) -> None:
    """Wait for /health 200, or stop early when the container has already exited (not
    under --dry)."""
    if dry(c):
        return

    def outcome() -> str | None:
        if (docker.inspect(container) or {}).get("State", {}).get("Status") == "exited":
            return "exited"
        return "up" if get(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200 else None

    if poll(outcome, timeout, interval=0.2) == "up":
        return
    print(docker.logs_tail(container))
    raise Exit(f"{container} does not answer /health on port {port}: see its logs above.", 1)


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


def diagnose_crash(c: Context, service: str, timeout: float = 60) -> None:
    """Wait for the service's first crash, then print what a person would look at (not
    under --dry)."""
    if dry(c):
        return
    container = service_container(service)

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
    print(f"  see more:  docker compose logs {service}   (invoke logs {service})")
    print("  repair:    invoke fix-app")
