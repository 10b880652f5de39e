"""What a student's Compose file may say, as Compose resolves it (`docker compose config`):
an allowlist, key by key, with each value checked. Anything else is refused by name.

Written from the statement's file, the kit's own and what students' files of this lab
use, plus what Compose's normalisation adds by itself (`networks: {default: null}`,
ports' `mode` and `protocol`, `depends_on` conditions, `bind.create_host_path`,
`deploy.placement: {}`...). A TP1 stack needs no host namespace, device, capability
beyond Docker's defaults, host file or folder outside the repository, other container
or engine object: those, and every setting not listed here, are for a teacher to grade
by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.grading import inside
from kit.grading.messages import _
from kit.grading.refusals import at, by_hand, not_needed, said, service, top_level


@dataclass(frozen=True)
class Scope:
    """What a value is judged against: the repository and the whole resolved file."""

    repo: Path
    config: dict[str, Any]

    def names(self, kind: str) -> set[str]:
        return set(self.config.get(kind) or {})


# A judge says why a value is refused ("WHERE: KEY: why", refusals.py's words), or
# nothing; where names the value: "service api:", then "service api: build",
# "service api: build.context".
Judge = Callable[[Any, Scope, str], list[str]]


def anything(value: Any, scope: Scope, where: str) -> list[str]:
    """Settings of the container itself (its command, environment, user...)."""
    return []


def fields(**judges: Judge) -> Judge:
    """A mapping whose keys are among judges' (x- extensions aside), each value judged."""

    def judge(value: Any, scope: Scope, where: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, dict):
            return [said(where, said(repr(value), not_needed()))]
        found = []
        for key, item in value.items():
            if str(key).startswith("x-"):
                continue
            if key not in judges:
                found.append(said(at(where, key), not_needed()))
            else:
                found += judges[key](item, scope, at(where, key))
        return found

    return judge


def each(judge: Judge) -> Judge:
    """A list, or a mapping of names (each named in what is said), each item judged."""

    def judged(value: Any, scope: Scope, where: str) -> list[str]:
        if isinstance(value, dict):
            return [why for k, v in value.items() for why in judge(v, scope, at(where, k))]
        items = [value] if isinstance(value, str) else value or []
        return [why for item in items for why in judge(item, scope, where)]

    return judged


def one_of(*allowed: Any) -> Judge:
    def judge(value: Any, scope: Scope, where: str) -> list[str]:
        return [] if value in allowed else [said(where, said(value, not_needed()))]

    return judge


def empty(value: Any, scope: Scope, where: str) -> list[str]:
    """What Compose's normalisation adds empty (`ipam: {}`, `placement: {}`)."""
    return [] if not value else [said(where, not_needed())]


def named(kind: str) -> Judge:
    """A name of the project's own: a service, or a top-level volume, network..."""

    def judge(value: Any, scope: Scope, where: str) -> list[str]:
        if value in scope.names(kind):
            return []
        why = by_hand(_("not one of this file's {kind}").format(kind=kind))
        return [said(where, said(value, why))]

    return judge


def keyed(kind: str, judge: Judge) -> Judge:
    """A mapping from the project's own names (services, networks) to settings."""

    def judged(value: Any, scope: Scope, where: str) -> list[str]:
        if isinstance(value, list):  # Compose's short form: names only
            value = dict.fromkeys(value)
        found = []
        for name, item in (value or {}).items():
            found += named(kind)(name, scope, where) + judge(item, scope, at(where, name))
        return found

    return judged


def labels(value: Any, scope: Scope, where: str) -> list[str]:
    """Labels, but not Compose's nor the grader's own: those say what is whose."""
    keys = value if isinstance(value, list) else list(value or {})
    why = by_hand(_("a label of Docker's or the grader's"))
    return [
        said(where, said(key, why))
        for key in (str(k).split("=")[0] for k in keys)
        if key.startswith(("com.docker.", "tp1-lab-kit"))
    ]


def path_inside(regular: bool) -> Judge:
    """A host path Compose or Docker reads: inside the repository after every link
    (and a regular file under 1 MB when regular)."""

    def judge(value: Any, scope: Scope, where: str) -> list[str]:
        if not isinstance(value, str) or not os.path.isabs(value):
            return [said(where, said(value, by_hand(_("not a path in the repository"))))]
        why = (inside.problem if regular else inside.leaves)(value, scope.repo)
        return [said(where, said(inside.shown(value, scope.repo), why))] if why else []

    return judge


def env_file(value: Any, scope: Scope, where: str) -> list[str]:
    path = value.get("path") if isinstance(value, dict) else value
    return path_inside(regular=True)(path, scope, where)


DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "//./pipe/docker_engine")

# Each kind of mount accepted, and its own keys beside `type`, `target` and `read_only`.
MOUNTS: dict[str, dict[str, Judge]] = {
    "volume": {
        "source": named("volumes"),
        "consistency": anything,
        "volume": fields(nocopy=anything),
    },
    "bind": {
        "source": path_inside(regular=False),
        "consistency": anything,
        "bind": fields(create_host_path=anything, selinux=one_of("z", "Z")),
    },
    "tmpfs": {"tmpfs": fields(size=anything, mode=anything)},
}


def mount(value: Any, scope: Scope, where: str) -> list[str]:
    """A named volume of the project, an anonymous one, a tmpfs, or a bind of a path
    inside the repository."""
    kind = value.get("type") if isinstance(value, dict) else None
    source = value.get("source") if isinstance(value, dict) else None
    if kind == "bind" and source in DOCKER_SOCKETS:
        return [said(where, said(source, by_hand(_("the Docker socket"))))]
    if kind not in MOUNTS:
        return [said(where, said(_("a {kind} mount").format(kind=kind), not_needed()))]
    judge = fields(type=anything, target=anything, read_only=anything, **MOUNTS[kind])
    return judge(value, scope, where)


def granted(kind: str) -> Judge:
    """The file's own secrets or configs, given to a build or a container."""
    return each(
        fields(source=named(kind), target=anything, uid=anything, gid=anything, mode=anything)
    )


def dockerfiles(named: str) -> list[str]:
    """The files Docker's client may read for a Dockerfile so named, with their
    .dockerignore: where there is no `Dockerfile`, it reads `dockerfile` (measured with
    `docker build` on Engine 20.10, classic builder and BuildKit, and Compose 2.40)."""
    folder, name = os.path.split(named)
    names = [name, "dockerfile"] if name == "Dockerfile" else [name]
    found = [os.path.join(folder, n) for n in names]
    return [path for file in found for path in (file, f"{file}.dockerignore")]


def build(value: Any, scope: Scope, where: str) -> list[str]:
    """A build from a folder of the repository, with its Dockerfile there too."""
    found = fields(**BUILD)(value, scope, where)
    context = value.get("context") if isinstance(value, dict) else None
    if found or not isinstance(context, str):
        return found
    named = os.path.join(context, value.get("dockerfile") or "Dockerfile")
    # Docker's client reads the Dockerfile and its .dockerignore files itself.
    read = [*dockerfiles(named), os.path.join(context, ".dockerignore")]
    judge = path_inside(regular=True)
    return [why for path in read for why in judge(path, scope, at(where, "dockerfile"))][:1]


BUILD: dict[str, Judge] = {
    "context": path_inside(regular=False),
    "dockerfile": anything,  # judged in build(), relative to the context
    "args": anything,
    "target": anything,
    "labels": labels,
    "no_cache": anything,
    "pull": anything,
    "network": one_of("default", "none"),
    "additional_contexts": each(path_inside(regular=False)),
    "secrets": granted("secrets"),
}

# Docker's default capabilities: adding one back after `cap_drop: [ALL]` gives the
# container nothing a default container lacks.
DEFAULT_CAPABILITIES = {
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
    "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
}  # fmt: skip


def cap_add(value: Any, scope: Scope, where: str) -> list[str]:
    why = by_hand(_("beyond Docker's default capabilities"))
    return [
        said(where, said(cap, why))
        for cap in value or []
        if str(cap).upper().removeprefix("CAP_") not in DEFAULT_CAPABILITIES
    ]


# The engine's own log drivers, which write on the host's disk (or nowhere); syslog,
# gelf, fluentd, splunk, awslogs... send the logs to network addresses.
LOG_DRIVERS = ("json-file", "local", "none")
LOG_OPTIONS = (
    "max-size",
    "max-file",
    "compress",
    "mode",
    "max-buffer-size",
    "labels",
    "env",
    "tag",
)

# Settings the grader replaces with its own (container_name, limits): accepted as said,
# never run as said.
REPLACED = (
    "container_name", "pull_policy", "mem_limit", "memswap_limit", "mem_reservation",
    "cpus", "cpu_count", "cpu_percent", "cpu_shares", "cpu_quota", "cpu_period", "cpuset",
    "pids_limit",
)  # fmt: skip

SERVICE: dict[str, Judge] = {
    "image": anything,
    "build": build,
    "command": anything,
    "entrypoint": anything,
    "environment": anything,
    "env_file": each(env_file),
    "ports": each(
        fields(
            target=anything,
            published=anything,
            host_ip=anything,  # the grader publishes on 127.0.0.1 only
            protocol=one_of("tcp", "udp"),
            mode=one_of("ingress", "host"),
            name=anything,
            app_protocol=anything,
        )
    ),
    "expose": anything,
    "depends_on": keyed(
        "services", fields(condition=anything, required=anything, restart=anything)
    ),
    "healthcheck": fields(
        test=anything,
        interval=anything,
        timeout=anything,
        retries=anything,
        start_period=anything,
        start_interval=anything,
        disable=anything,
    ),
    "restart": anything,
    "working_dir": anything,
    "user": anything,
    "init": anything,
    "read_only": anything,
    "tmpfs": anything,
    "cap_drop": anything,
    "cap_add": cap_add,
    "security_opt": each(
        one_of("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true")
    ),
    "labels": labels,
    "hostname": anything,
    "stdin_open": anything,
    "tty": anything,
    "stop_signal": anything,
    "stop_grace_period": anything,
    "shm_size": anything,
    "platform": anything,
    "profiles": anything,
    "networks": keyed("networks", fields(aliases=anything)),
    "links": each(
        lambda link, scope, where: named("services")(str(link).split(":")[0], scope, where)
    ),
    "volumes": each(mount),
    "secrets": granted("secrets"),
    "configs": granted("configs"),
    "logging": fields(
        driver=one_of(*LOG_DRIVERS), options=fields(**dict.fromkeys(LOG_OPTIONS, anything))
    ),
    "deploy": fields(
        resources=fields(
            limits=fields(cpus=anything, memory=anything, pids=anything),
            reservations=fields(cpus=anything, memory=anything),
        ),
        restart_policy=fields(
            condition=anything, delay=anything, max_attempts=anything, window=anything
        ),
        placement=empty,
    ),
    **dict.fromkeys(REPLACED, anything),
}

TOP: dict[str, Judge] = {
    "name": anything,  # dropped: the grader names the project
    "version": anything,
    "services": anything,  # judged service by service
    "volumes": each(fields(name=anything, driver=one_of("local"), labels=labels)),
    "networks": each(
        fields(
            name=anything,
            driver=one_of("bridge"),
            internal=anything,
            attachable=anything,
            labels=labels,
            ipam=empty,
        )
    ),
    "secrets": each(fields(name=anything, file=path_inside(regular=True))),
    "configs": each(fields(name=anything, file=path_inside(regular=True), content=anything)),
}


def offences(config: dict[str, Any], repo: Path) -> list[str]:
    """Every setting of the resolved file that is not known safe, as `WHERE KEY: why`."""
    scope = Scope(repo, config)
    found = fields(**TOP)(config, scope, top_level())
    for name, settings in (config.get("services") or {}).items():
        found += fields(**SERVICE)(settings, scope, service(name))
    return found + nested_binds(config, repo)


def nested_binds(config: dict[str, Any], repo: Path) -> list[str]:
    """A folder a container can write holds no other path mounted later: a container
    could swap a folder in it for a link to the host before the next `up` mounts it."""
    used: list[tuple[str, Path, bool]] = []
    for name, settings in (config.get("services") or {}).items():
        for volume in settings.get("volumes") or []:
            if volume.get("type") == "bind":
                writes = not volume.get("read_only")
                used.append((at(service(name), "volumes"), inside.real(volume["source"]), writes))
    for kind in ("secrets", "configs"):
        for key, item in (config.get(kind) or {}).items():
            if (item or {}).get("file"):
                used.append((at(at(top_level(), kind), key), inside.real(item["file"]), False))
    found = []
    for where, path, _writes in used:
        for writer, outer, writes in used:
            if writes and path != outer and path.is_relative_to(outer):
                why = _("{path} lies in {outer}, which a container can write ({writer})")
                shown = {"path": inside.shown(path, repo), "outer": inside.shown(outer, repo)}
                found.append(said(where, by_hand(why.format(**shown, writer=writer))))
    return found
