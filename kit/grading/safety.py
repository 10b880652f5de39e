"""A student's Compose file is untrusted: what the grader refuses, and what it runs instead.

The grader reads the file as Compose resolves it (`docker compose config`), refuses
every setting that reaches past the container (exit 3, before anything is built or
run), and runs a confined copy: its own project name and image tags, ports on
127.0.0.1 chosen free, no fixed container names, limits on memory, CPU and PIDs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import quiet

# Namespaces of the host a service may ask to share.
HOST_NAMESPACES = ("network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup")
# security_opt values that switch a protection off.
DISABLED = ("unconfined", "label:disable", "label=disable", "no-new-privileges:false")
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "//./pipe/docker_engine")
# What each graded service may use, whatever its file says.
LIMITS = {"memory": "512M", "cpus": "1.0", "pids": 256}
LIMIT_KEYS = ("mem_limit", "memswap_limit", "cpus", "cpu_count", "cpu_quota", "pids_limit")
# The variables a student's Compose file is resolved with: the engine's, nothing of ours.
PASSED_ON = (
    "PATH", "HOME", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY", "DOCKER_BUILDKIT", "SYSTEMROOT", "USERPROFILE", "APPDATA",
    "LOCALAPPDATA", "TEMP", "TMP", "PROGRAMDATA",
)  # fmt: skip


class Unsafe(Exception):
    """Settings refused (exit 3), each naming its service."""

    def __init__(self, offences: list[str]) -> None:
        super().__init__("; ".join(offences))
        self.offences = offences


def clean_environment(environ: dict[str, str], **values: str) -> dict[str, str]:
    """The engine's variables and values, nothing else: the host's own settings (a
    POSTGRES_PASSWORD, an API_PORT) never leak into what a student's file resolves to."""
    return {k: v for k, v in environ.items() if k.upper() in PASSED_ON} | values


def resolved(root: Path, compose_file: Path, env: dict[str, str]) -> dict[str, Any]:
    """The student's Compose file as Compose resolves it; ValueError with its last line."""
    config = ["docker", "compose", "-f", str(compose_file), "config", "--format", "json"]
    result = quiet.run(config, cwd=root, env=env)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit {result.returncode}"]
        raise ValueError(lines[-1])
    return json.loads(result.stdout)


def outside(path: str, repo: Path) -> bool:
    return not Path(path).resolve().is_relative_to(repo.resolve())


def offences(config: dict[str, Any], repo: Path) -> list[str]:
    """Every setting that reaches the host, as `service NAME: what`."""
    found = []
    for name, service in (config.get("services") or {}).items():
        said = []
        if service.get("privileged"):
            said.append("privileged: true")
        said += [f"{key}: host" for key in HOST_NAMESPACES if service.get(key) == "host"]
        if service.get("devices"):
            said.append("devices: the host's devices")
        if service.get("cap_add"):
            said.append(f"cap_add: {', '.join(service['cap_add'])}")
        said += [f"security_opt: {o}" for o in service.get("security_opt") or [] if o in DISABLED]
        for volume in service.get("volumes") or []:
            source = str(volume.get("source", ""))
            if volume.get("type") in ("bind", "npipe") and source in DOCKER_SOCKETS:
                said.append(f"the Docker socket mounted ({source})")
            elif volume.get("type") in ("bind", "npipe") and outside(source, repo):
                said.append(f"a host bind mount ({source})")
        build = service.get("build") or {}
        if build and outside(build.get("context", "."), repo):
            said.append(f"a build context outside the repository ({build['context']})")
        if build.get("network") == "host":
            said.append("build network: host")
        found += [f"service {name}: {what}" for what in said]
    for kind in ("volumes", "networks", "secrets", "configs"):
        for name, item in (config.get(kind) or {}).items():
            if (item or {}).get("external"):
                found.append(f"{kind} {name}: external (not the grader's to use)")
            elif (item or {}).get("file") and outside(item["file"], repo):
                found.append(f"{kind} {name}: a host file ({item['file']})")
    return found


@dataclass
class Confined:
    """The copy of the student's file that is run, and what it changed."""

    config: dict[str, Any]
    # Each service's published ports: {service: {container port: host port}}.
    ports: dict[str, dict[int, int]] = field(default_factory=dict)
    # The host ports the student's file asked for: {service: {container port: host port}}.
    asked: dict[str, dict[int, str]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # the tags its builds make


def confine(config: dict[str, Any], project: str, free_port: Any) -> Confined:
    """The file to run: ports on 127.0.0.1 chosen free, no container_name, our image
    tags for what it builds, our limits."""
    config = json.loads(json.dumps(config))
    config.pop("name", None)
    confined = Confined(config)
    for name, service in (config.get("services") or {}).items():
        service.pop("container_name", None)
        if service.get("build"):
            service["image"] = f"{project}-{name}"
            confined.images.append(service["image"])
        for key in LIMIT_KEYS:
            service.pop(key, None)
        deploy = service.setdefault("deploy", {})
        deploy.setdefault("resources", {})["limits"] = dict(LIMITS)
        for port in service.get("ports") or []:
            target = int(port["target"])
            confined.asked.setdefault(name, {})[target] = str(port.get("published") or "")
            port["host_ip"] = "127.0.0.1"
            port["published"] = str(free_port())
            confined.ports.setdefault(name, {})[target] = int(port["published"])
    return confined
