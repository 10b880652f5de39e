"""What the run waits for and asks the engine quietly, as a person watches the screen:
uvicorn's start line, PostgreSQL taking a login, a container stopped; the volumes, the
network's gateway, and what each prune of 7.5 would remove."""

from __future__ import annotations

import dataclasses

from invoke import Exit

from kit import docker, statement
from kit.report.lab import API_CONTAINER
from kit.settings import load
from kit.usable import db_takes_logins
from kit.wait import poll

START_TIMEOUT = 90.0  # seconds a server or the database gets to answer
UVICORN_READY = "Uvicorn running on"


def uvicorn_starts(container: str = API_CONTAINER) -> int:
    """How many times the container's uvicorn said it listens (its logs, read quietly)."""
    logs = docker.query("logs", container)
    return (logs.stdout + logs.stderr).count(UVICORN_READY)


def wait_uvicorn(step: str, starts_before: int = 0) -> None:
    """Until the API's uvicorn listens (once more than before): then a person types curl.
    Read from its logs, so that no request of the report's own shows in them."""
    if not poll(lambda: uvicorn_starts() > starts_before, START_TIMEOUT, interval=0.2):
        raise Exit(f"report: step {step}: uvicorn did not start within {START_TIMEOUT:g} s", 1)


def wait_database() -> None:
    settings = dataclasses.replace(
        load(), db_port=statement.DB_PORT, postgres_user=statement.DB_USER,
        postgres_password=statement.DB_PASSWORD, postgres_db=statement.DB_NAME,
    )  # fmt: skip
    if not poll(lambda: db_takes_logins(settings), START_TIMEOUT, interval=0.3):
        raise Exit(f"report: PostgreSQL took no login within {START_TIMEOUT:g} s", 1)


def wait_exited(container: str, step: str) -> None:
    """Until the container has stopped, as a person sees it stop (bounded)."""

    def exited() -> bool:
        return (docker.inspect(container) or {}).get("State", {}).get("Status") == "exited"

    if not poll(exited, START_TIMEOUT, interval=0.2):
        raise Exit(f"report: step {step}: {container} did not stop within {START_TIMEOUT:g} s", 1)


def network_gateway(network: str) -> str:
    """The gateway address of a network, from which Docker forwards a published port's connections."""
    template = "{{range .IPAM.Config}}{{.Gateway}}{{end}}"
    return docker.query("network", "inspect", "-f", template, network).stdout.strip()


def volumes() -> set[str]:
    return set(docker.query("volume", "ls", "-q").stdout.split())


def stopped_containers() -> set[str]:
    """What `docker container prune` removes: every container that is not running."""
    states = ("created", "exited", "dead")
    filters = [word for state in states for word in ("--filter", f"status={state}")]
    return set(docker.query("ps", "-aq", "--no-trunc", *filters).stdout.split())


def dangling_images() -> set[str]:
    """What `docker image prune` removes: the images without a tag that no container uses."""
    dangling = docker.query("images", "-q", "--no-trunc", "--filter", "dangling=true")
    containers = docker.query("ps", "-aq", "--no-trunc").stdout.split()
    used = {(docker.inspect(c) or {}).get("Image") for c in containers}
    return set(dangling.stdout.split()) - used
