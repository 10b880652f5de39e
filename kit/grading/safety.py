"""A student's Compose file is untrusted: what the grader accepts, and what it runs instead.

Before anything is built or run: the files `docker compose config` would read are
judged first (compose_reads.py), then the file is resolved with a clean environment,
then judged key by key against an allowlist (allowlist.py); anything not known safe is
refused (exit 3). What runs is a confined copy: its own project name and image tags,
ports on 127.0.0.1 chosen free, no fixed container names nor engine object names,
limits on memory, CPU and PIDs.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import quiet
from kit.grading import allowlist, compose_reads, inside
from kit.grading.messages import _
from kit.grading.refusals import said

# What each graded service may use, whatever its file says.
LIMITS = {"memory": "512M", "cpus": "1.0", "pids": 256}
# The variables a student's Compose file is resolved with: the engine's, nothing of ours.
PASSED_ON = (
    "PATH", "HOME", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY", "DOCKER_BUILDKIT", "SYSTEMROOT", "USERPROFILE", "APPDATA",
    "LOCALAPPDATA", "TEMP", "TMP", "PROGRAMDATA",
)  # fmt: skip
# Once resolved, the confined file holds every value: Compose reads no .env again (a
# container may have changed the one in the repository since).
AT_RUN = {"COMPOSE_DISABLE_ENV_FILE": "1"}
CONFIG_TIMEOUT = 60.0  # seconds `docker compose config` may take
COMPOSE = ("docker", "compose")


class Unsafe(Exception):
    """Settings refused (exit 3), each naming its service (or the top level) and key."""

    def __init__(self, offences: list[str], project: str | None = None) -> None:
        super().__init__("; ".join(offences))
        self.offences = offences
        self.project = project  # the names this grading would have used


def clean_environment(environ: dict[str, str], **values: str) -> dict[str, str]:
    """The engine's variables and values, nothing else: the host's own settings (a
    POSTGRES_PASSWORD, an API_PORT) never leak into what a student's file resolves to."""
    return {k: v for k, v in environ.items() if k.upper() in PASSED_ON} | values


def resolved(
    root: Path, compose_file: Path, env: dict[str, str], compose: tuple[str, ...] = COMPOSE
) -> dict[str, Any]:
    """The student's Compose file as Compose resolves it; ValueError with its last line."""
    config = [*compose, "-f", str(compose_file), "config", "--format", "json"]
    try:
        result = quiet.run(config, cwd=root, env=env, timeout=CONFIG_TIMEOUT)
    except subprocess.TimeoutExpired:
        took = _("docker compose config took more than {seconds} s")
        raise ValueError(took.format(seconds=f"{CONFIG_TIMEOUT:g}")) from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit {result.returncode}"]
        raise ValueError(lines[-1])
    return json.loads(result.stdout)


def judged(
    root: Path,
    compose_file: Path,
    repo: Path,
    env: dict[str, str],
    project: str,
    compose: tuple[str, ...] = COMPOSE,
) -> dict[str, Any]:
    """The resolved file, once every file Compose reads and every setting it holds is
    known safe; Unsafe before anything is run otherwise, ValueError for a file that
    cannot be resolved (the student's mistake)."""
    if found := compose_reads.judge(compose_file, repo):
        raise Unsafe(found, project)
    config = resolved(root, compose_file, env, compose)
    if found := allowlist.offences(config, repo):
        raise Unsafe(found, project)
    return config


def statement_build(root: Path, repo: Path, project: str) -> None:
    """The statement's own `docker build .` in api/: Docker's client reads the folder,
    its Dockerfile and .dockerignore files, which must all be the repository's (a
    `dockerfile` in lower case too: Docker reads it when there is no `Dockerfile`)."""
    api = root / "api"
    if why := inside.leaves(api, repo):
        raise Unsafe([said("api/", why)], project)
    for name in (*allowlist.dockerfiles("Dockerfile"), ".dockerignore"):
        if why := inside.problem(api / name, repo):
            raise Unsafe([said(f"api/{name}", why)], project)


@dataclass
class Confined:
    """The copy of the student's file that is run, and what it changed."""

    config: dict[str, Any]
    # Each service's published ports: {service: {container port: host port}}.
    ports: dict[str, dict[int, int]] = field(default_factory=dict)
    # The host ports the student's file asked for: {service: {container port: host port}}.
    asked: dict[str, dict[int, str]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # the tags its builds make

    def pulled(self) -> dict[str, str]:
        """The images the file names and does not build, by service: what Compose pulls."""
        services = self.config.get("services") or {}
        return {n: s["image"] for n, s in services.items() if s.get("image") and not s.get("build")}


def confine(config: dict[str, Any], project: str, free_port: Any) -> Confined:
    """The file to run: ports on 127.0.0.1 chosen free; no name of the student's for a
    container, volume or network (Compose names them after the grader's project, so
    no other project's volume is ever mounted); our image tags for what it builds, so
    no image of the engine is overwritten; our limits; `pull_policy: never` for what it
    builds: Compose builds the image when it is missing and never tries to pull it
    (whose failure it would print as a warning), nor builds it again while the
    student's containers run (`build` would, at every `up`)."""
    config = {
        key: value
        for key, value in json.loads(json.dumps(config)).items()
        if key != "name" and not key.startswith("x-")
    }
    for kind in ("volumes", "networks", "secrets", "configs"):
        for item in (config.get(kind) or {}).values():
            if isinstance(item, dict):
                item.pop("name", None)
    confined = Confined(config)
    for name, service in (config.get("services") or {}).items():
        for key in allowlist.REPLACED:
            service.pop(key, None)
        if service.get("build"):
            service["image"] = f"{project}-{name}"
            service["pull_policy"] = "never"
            confined.images.append(service["image"])
        policy = (service.get("deploy") or {}).get("restart_policy")
        service["deploy"] = {"resources": {"limits": dict(LIMITS)}}
        if policy:
            service["deploy"]["restart_policy"] = policy
        # A variable named without a value is taken from Compose's own environment.
        environment = service.get("environment") or {}
        service["environment"] = {k: v for k, v in environment.items() if v is not None}
        for port in service.get("ports") or []:
            target = int(port["target"])
            confined.asked.setdefault(name, {})[target] = str(port.get("published") or "")
            port["host_ip"] = "127.0.0.1"
            port["published"] = str(free_port())
            confined.ports.setdefault(name, {})[target] = int(port["published"])
    return confined
