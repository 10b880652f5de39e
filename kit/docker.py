"""Read-only questions to Docker that tasks ask before and after the commands they show.

These are not the lab's commands, so they run quietly; every failure becomes one
line that says what is wrong and what to do (an invoke.Exit).
"""

from __future__ import annotations

import json
import socket
import subprocess
from typing import Any

from invoke import Exit

from kit import quiet
from kit.settings import with_setting

ENGINE_FIX = (
    "start Docker (Docker Desktop, or `sudo systemctl start docker`), "
    "then check with `invoke doctor`"
)


def query(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `docker ARGS` quietly and return the result, whatever its exit code."""
    try:
        return quiet.run(["docker", *args])
    except FileNotFoundError:
        raise Exit(
            "The docker command is not installed: install Docker, or enter the kit's "
            "shell with `nix develop`.",
            code=1,
        ) from None


def image_id(name: str) -> str:
    """The image's ID, or "" where the engine has no such image."""
    result = query("image", "inspect", "-f", "{{.Id}}", name)
    return result.stdout.strip() if result.returncode == 0 else ""


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1].strip() if lines else f"exit code {result.returncode}"


def engine_problem() -> str | None:
    """None when the engine answers; else why not."""
    result = query("version", "--format", "{{.Server.Version}}")
    return None if result.returncode == 0 else last_line(result)


def compose_problem() -> str | None:
    """None when the Compose plugin (`docker compose`, v2 or later) works; else why not."""
    result = query("compose", "version", "--short")
    return None if result.returncode == 0 else last_line(result)


def require_engine() -> None:
    if problem := engine_problem():
        raise Exit(f"The Docker engine is not reachable ({problem}): {ENGINE_FIX}.", code=1)
    if problem := compose_problem():
        raise Exit(
            f"Docker Compose is missing ({problem}): install the Compose plugin "
            "(`docker compose version` must work).",
            code=1,
        )


def services() -> list[str]:
    """The services the compose file defines."""
    result = query("compose", "config", "--services")
    if result.returncode != 0:
        raise Exit(f"docker-compose.yml is not valid: {last_line(result)}", code=1)
    return result.stdout.split()


# Container states in which a container keeps its published ports.
HOLDS_PORTS = {"running", "restarting", "paused"}


def containers() -> dict[str, dict[str, Any]]:
    """This project's containers by service, running or not (`docker compose ps --all`)."""
    result = query("compose", "ps", "--all", "--format", "json")
    if result.returncode != 0:
        raise Exit(f"docker compose ps failed: {last_line(result)}", code=1)
    text = result.stdout.strip()
    # Compose prints one JSON object per line (newer) or one JSON array (older).
    rows = json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines()]
    return {row["Service"]: row for row in rows}


def require_service(service: str, *, running: bool = True) -> dict[str, Any]:
    """The service's container, or a clear Exit: unknown service, or stack not running."""
    row = containers().get(service)
    # The Compose file is read only when the service has no container: a task that
    # finds its service running pays one `docker compose` call, not two.
    if row is None and service not in (known := services()):
        raise Exit(f"Unknown service {service!r}: choose one of {', '.join(known)}.", code=2)
    if row is None or (running and row.get("State") != "running"):
        state = "has no container" if row is None else f"is {row.get('State')}"
        raise Exit(
            f"The stack is not running (service {service} {state}): start it with `invoke up`.",
            code=1,
        )
    return row


def inspect(container: str) -> dict[str, Any] | None:
    result = query("inspect", "--type", "container", container)
    return json.loads(result.stdout)[0] if result.returncode == 0 else None


def image_exists(image: str) -> bool:
    return query("image", "inspect", image).returncode == 0


def port_in_use(port: int) -> bool:
    """Whether 127.0.0.1:port is taken. SO_REUSEADDR as servers set it, so that
    connections in TIME_WAIT (right after a `down`) do not count as taken."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, chosen by the system."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_port(port: int, variable: str, task: str) -> None:
    """Exit with one line when the port is taken, naming the container that holds it, if any."""
    if not port_in_use(port):
        return
    holders = query("ps", "--filter", f"publish={port}", "--format", "{{.Names}}").stdout.split()
    held_by = f" by container {', '.join(holders)}" if holders else ""
    raise Exit(
        f"Port {port} on 127.0.0.1 is already in use{held_by} ({variable}): stop what uses it, "
        f"or choose another, e.g. {with_setting(variable, port + 1, task)}.",
        code=1,
    )


def logs_tail(container: str, lines: int = 20) -> str:
    result = query("logs", "--tail", str(lines), container)
    return (result.stdout + result.stderr).rstrip()


def health_output(info: dict[str, Any]) -> str:
    """What the container's last healthcheck printed, on one line."""
    log = ((info.get("State") or {}).get("Health") or {}).get("Log") or []
    return " ".join(log[-1].get("Output", "").split()) if log else ""
