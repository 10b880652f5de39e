"""Lab step 1's checks: is Docker ready for the lab? Each finding says how to fix what is not.

The probes only ask (kit/docker.py); `invoke doctor` prints their findings as they come.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kit import docker
from kit.settings import Settings, with_setting

WINDOWS_CONTAINERS_FIX = (
    "Docker Desktop is in Windows containers mode: right-click its icon in the "
    "taskbar, then 'Switch to Linux containers...'"
)


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str
    fix: str = ""

    def __str__(self) -> str:
        line = f"[{'ok' if self.ok else '!!'}] {self.text}"
        return line if self.ok else f"{line}\n     fix: {self.fix}"


def findings(settings: Settings) -> Iterator[Finding]:
    """The engine, its kind of containers, Compose, then the stack's two ports."""
    engine = docker.query("version", "--format", "{{.Server.Version}} {{.Server.Os}}")
    engine_ok = engine.returncode == 0
    version, _, system = engine.stdout.strip().partition(" ")
    found = version if engine_ok else f"not reachable: {docker.last_line(engine)}"
    yield Finding(engine_ok, f"Docker engine {found}", docker.ENGINE_FIX)
    if engine_ok:
        text = f"the engine runs Linux containers ({system or 'unknown'})"
        yield Finding(system == "linux", text, WINDOWS_CONTAINERS_FIX)
    compose = docker.query("compose", "version", "--short")
    compose_ok = compose.returncode == 0
    found = compose.stdout.strip() if compose_ok else f"missing: {docker.last_line(compose)}"
    yield Finding(
        compose_ok, f"Docker Compose {found}", "install the Compose plugin (`docker compose`)"
    )
    ours = docker.containers() if engine_ok and compose_ok else {}
    for service, port, variable in (
        ("api", settings.api_port, "API_PORT"),
        ("db", settings.db_port, "DB_PORT"),
    ):
        if ours.get(service, {}).get("State") in docker.HOLDS_PORTS:
            yield Finding(True, f"port {port} ({variable}) is used by this stack's {service}")
        else:
            yield Finding(
                not docker.port_in_use(port),
                f"port {port} ({variable}) is free on 127.0.0.1",
                f"stop what uses it, or choose another: {with_setting(variable, port + 1, 'up')}",
            )
