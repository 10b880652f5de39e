"""The grader confines a student's repository by an allowlist: every kind of setting that
reaches past the student's own containers is refused with exit 3, naming where and why,
and nothing is created on the engine (checked with `docker events` over the grading's
time span). One case per kind: the host's root or files through a volume, another
container's volumes or namespaces, host files through the files Compose reads, builds
that use the host, logs sent over the network, devices, capabilities, kernel settings,
host namespaces, and links that leave the repository.

A refusal builds and runs nothing: these gradings take a second or two each."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from engine_events import EngineEvents
from graded import COMPOSE_2_26, POSIX, grade, speaking
from helpers import docker
from students import REPORT, student_repo

from kit.grading import allowlist, judge, safety, source, student_report, verdict

OUTSIDE = "LEAKED=the host's file was read\n"  # what a file outside the repository holds


@dataclass(frozen=True)
class Hostile:
    """A student-like repository with one setting that reaches the host, and the words
    the refusal must say."""

    case: str
    expect: tuple[str, ...]  # words of one refusal
    db: str = ""
    api: str = ""
    top: str = ""
    build: str = "./api"  # the api service's build
    # Made in the repository after the commit: {path in repo: where its link points}.
    links: tuple[tuple[str, str], ...] = ()

    def write(self, tmp_path: Path) -> Path:
        outside = tmp_path / "host"  # stands for the host: not in the repository
        (outside / "folder").mkdir(parents=True)
        (outside / "secret.env").write_text(OUTSIDE, encoding="utf-8")
        (outside / "compose.yml").write_text("services: {b: {image: x}}\n", encoding="utf-8")
        repo = student_repo(
            tmp_path / "repo",
            db_extra=self.db,
            api_extra=self.api,
            top_extra=self.top,
            api_build=self.build,
        )
        for name, target in self.links:
            link = repo / name
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_dir():
                shutil.rmtree(link)
            link.unlink(missing_ok=True)
            link.symlink_to(target.replace("HOST", str(outside)))
        return repo


NOT_NEEDED = "not a setting a TP1 stack needs; grade it by hand"
OUT = "outside the repository"
LINK = "a link that leaves the repository"

CASES = [
    # The host's root or folders through a volume, engine objects not the grading's.
    Hostile(
        "volume-driver-opts-bind-the-host-root",
        ("top level: volumes.hostroot.driver_opts: " + NOT_NEEDED,),
        db="    volumes: [hostroot:/host]",
        top="volumes:\n  hostroot:\n    driver: local\n"
        "    driver_opts: {type: none, o: bind, device: /}",
    ),
    Hostile(
        "volume-of-another-driver",
        ("top level: volumes.data.driver: vieux/sshfs: " + NOT_NEEDED,),
        db="    volumes: [data:/data]",
        top="volumes:\n  data:\n    driver: vieux/sshfs",
    ),
    Hostile(
        "external-volume",
        ("top level: volumes.theirs.external: " + NOT_NEEDED,),
        db="    volumes: [theirs:/data]",
        top="volumes:\n  theirs:\n    external: true",
    ),
    Hostile(
        "bind-mount-of-a-host-folder",
        ("service db: volumes.source: /etc: " + OUT,),
        db="    volumes: ['/etc:/host-etc']",
    ),
    Hostile(
        "bind-mount-of-the-docker-socket",
        ("service api: volumes: /var/run/docker.sock: the Docker socket",),
        api="    volumes: ['/var/run/docker.sock:/var/run/docker.sock']",
    ),
    Hostile(
        "bind-mount-through-a-link-that-leaves",
        ("service db: volumes.source: ", LINK),
        db="    volumes: ['./data:/var/lib/postgresql/data']",
        links=(("data", "HOST/folder"),),
    ),
    Hostile(
        "bind-mount-inside-a-folder-another-container-writes",
        ("service api: volumes: ", "which a container can write (service db: volumes)"),
        db="    volumes: ['./shared:/shared']",
        api="    volumes: ['./shared/inner:/inner:ro']",
    ),
    # Another container's volumes or namespaces: the container: and service: forms.
    Hostile(
        "volumes-from-a-container",
        ("service api: volumes_from: " + NOT_NEEDED,),
        api="    volumes_from: ['container:someone-elses']",
    ),
    Hostile(
        "volumes-from-a-service",
        ("service api: volumes_from: " + NOT_NEEDED,),
        api="    volumes_from: [db]",
    ),
    Hostile(
        "network-of-a-container",
        ("service api: network_mode: " + NOT_NEEDED,),
        api="    network_mode: 'container:someone-elses'",
    ),
    Hostile(
        "network-of-a-service",
        ("service api: network_mode: " + NOT_NEEDED,),
        api="    network_mode: 'service:db'",
    ),
    Hostile(
        "pid-of-a-container",
        ("service api: pid: " + NOT_NEEDED,),
        api="    pid: 'container:someone-elses'",
    ),
    Hostile(
        "ipc-of-a-service",
        ("service api: ipc: " + NOT_NEEDED,),
        api="    ipc: 'service:db'",
    ),
    Hostile(
        "external-network",
        ("top level: networks.theirs.external: " + NOT_NEEDED,),
        api="    networks: [theirs]",
        top="networks:\n  theirs:\n    external: true",
    ),
    Hostile(
        "network-on-the-hosts-interface",
        ("top level: networks.lan.driver: macvlan: " + NOT_NEEDED,),
        api="    networks: [lan]",
        top="networks:\n  lan:\n    driver: macvlan",
    ),
    Hostile(
        "network-over-the-hosts-subnets",
        ("top level: networks.wide.ipam: " + NOT_NEEDED,),
        api="    networks: [wide]",
        top="networks:\n  wide:\n    ipam:\n      config: [{subnet: 10.0.0.0/8}]",
    ),
    # Host namespaces.
    Hostile(
        "host-network", ("service api: network_mode: " + NOT_NEEDED,), api="    network_mode: host"
    ),
    Hostile("host-pid", ("service db: pid: " + NOT_NEEDED,), db="    pid: host"),
    Hostile("host-ipc", ("service db: ipc: " + NOT_NEEDED,), db="    ipc: host"),
    Hostile("host-uts", ("service db: uts: " + NOT_NEEDED,), db="    uts: host"),
    Hostile("host-userns", ("service db: userns_mode: " + NOT_NEEDED,), db="    userns_mode: host"),
    Hostile("host-cgroup", ("service db: cgroup: " + NOT_NEEDED,), db="    cgroup: host"),
    # Host files, through what Compose reads while it resolves the file.
    Hostile(
        "env-file-of-the-host",
        ("service api: env_file: /etc/os-release: " + OUT,),
        api="    env_file: /etc/os-release",
    ),
    Hostile(
        "env-file-above-the-repository",
        ("service api: env_file: ../host/secret.env: " + OUT,),
        api="    env_file: ../host/secret.env",
    ),
    Hostile(
        "env-file-through-a-link-that-leaves",
        ("service api: env_file: api.env: " + LINK,),
        api="    env_file: api.env",
        links=(("api.env", "HOST/secret.env"),),
    ),
    Hostile(
        "env-file-named-by-a-variable",
        ("service api: env_file: ${HOME}/.profile: a variable in a path",),
        api="    env_file: ${HOME}/.profile",
    ),
    Hostile(
        "dot-env-through-a-link-that-leaves",
        ("the .env beside it: .env: " + LINK,),
        links=((".env", "HOST/secret.env"),),
    ),
    Hostile(
        "compose-file-through-a-link-that-leaves",
        ("the Compose file docker-compose.yml: " + LINK,),
        links=(("docker-compose.yml", "HOST/compose.yml"),),
    ),
    Hostile(
        "label-file-of-the-host",
        ("service api: label_file: " + NOT_NEEDED,),
        api="    label_file: /etc/os-release",
    ),
    Hostile(
        "extends-a-file-of-the-host",
        ("service api: extends.file: ../host/compose.yml: " + OUT,),
        api="    extends: {file: ../host/compose.yml, service: b}",
    ),
    Hostile(
        "extends-through-a-link-that-leaves",
        ("service api: extends.file: base.yml: " + LINK,),
        api="    extends: {file: base.yml, service: b}",
        links=(("base.yml", "HOST/compose.yml"),),
    ),
    Hostile(
        "include-a-file-of-the-host",
        ("top level: include.path: /etc/hostname: " + OUT,),
        top="include: [/etc/hostname]",
    ),
    Hostile(
        "include-through-a-link-that-leaves",
        ("top level: include.path: more/compose.yml: " + LINK,),
        top="include: [more/compose.yml]",
        links=(("more/compose.yml", "HOST/compose.yml"),),
    ),
    Hostile(
        "secret-from-a-host-file",
        ("top level: secrets.pw.file: /etc/hostname: " + OUT,),
        db="    secrets: [pw]",
        top="secrets:\n  pw:\n    file: /etc/hostname",
    ),
    Hostile(
        "secret-from-the-graders-environment",
        ("top level: secrets.pw.environment: " + NOT_NEEDED,),
        db="    secrets: [pw]",
        top="secrets:\n  pw:\n    environment: HOME",
    ),
    Hostile(
        "config-from-a-host-file",
        ("top level: configs.conf.file: ", "/host/secret.env: " + OUT),
        db="    configs: [conf]",
        top="configs:\n  conf:\n    file: ../host/secret.env",
    ),
    # Builds that use the host.
    Hostile(
        "build-with-the-graders-ssh-agent",
        ("service api: build.ssh: " + NOT_NEEDED,),
        build="{context: ./api, ssh: [default]}",
    ),
    Hostile(
        "build-with-a-host-ssh-key",
        ("service api: build.ssh: " + NOT_NEEDED,),
        build="{context: ./api, ssh: ['key=/root/.ssh/id_ed25519']}",
    ),
    Hostile(
        "build-secret-from-a-host-file",
        ("top level: secrets.key.file: /etc/hostname: " + OUT,),
        build="{context: ./api, secrets: [key]}",
        top="secrets:\n  key:\n    file: /etc/hostname",
    ),
    Hostile(
        "build-context-of-a-host-folder",
        ("service api: build.additional_contexts.etc: /etc: " + OUT,),
        build="{context: ./api, additional_contexts: {etc: /etc}}",
    ),
    Hostile(
        "build-context-outside-the-repository",
        ("service api: build.context: ", "/host/folder: " + OUT),
        build="../host/folder",
    ),
    Hostile(
        "build-context-through-a-link-that-leaves",
        ("api/: " + LINK,),
        links=(("api", "HOST/folder"),),
    ),
    Hostile(
        "dockerfile-of-the-host",
        ("service api: build.dockerfile: /etc/hostname: " + OUT,),
        build="{context: ./api, dockerfile: /etc/hostname}",
    ),
    Hostile(
        "dockerfile-through-a-link-that-leaves",
        ("api/Dockerfile: " + LINK,),
        links=(("api/Dockerfile", "HOST/secret.env"),),
    ),
    Hostile(
        "build-on-the-host-network",
        ("service api: build.network: host: " + NOT_NEEDED,),
        build="{context: ./api, network: host}",
    ),
    Hostile(
        "build-tags-an-image-of-the-engine",
        ("service api: build.tags: " + NOT_NEEDED,),
        build="{context: ./api, tags: ['python:3.11-slim']}",
    ),
    # Logs sent over the network.
    *(
        Hostile(
            f"logs-sent-by-{driver}",
            (f"service api: logging.driver: {driver}: " + NOT_NEEDED,),
            api=f"    logging: {{driver: {driver}, options: {{{option}: 'udp://192.0.2.1:514'}}}}",
        )
        for driver, option in (
            ("syslog", "syslog-address"),
            ("gelf", "gelf-address"),
            ("fluentd", "fluentd-address"),
        )
    ),
    # Devices, capabilities, kernel settings, privileges, the engine's API.
    Hostile(
        "devices", ("service db: devices: " + NOT_NEEDED,), db="    devices: ['/dev/null:/dev/x']"
    ),
    Hostile("gpus", ("service db: gpus: " + NOT_NEEDED,), db="    gpus: all"),
    Hostile(
        "capability-added",
        ("service db: cap_add: SYS_ADMIN: beyond Docker's default capabilities",),
        db="    cap_add: [SYS_ADMIN]",
    ),
    Hostile(
        "network-capability-added",
        ("service api: cap_add: NET_ADMIN: beyond Docker's default capabilities",),
        api="    cap_add: [NET_ADMIN]",
    ),
    Hostile(
        "sysctls",
        ("service db: sysctls: " + NOT_NEEDED,),
        db="    sysctls: {net.ipv4.ip_forward: 1}",
    ),
    Hostile("privileged", ("service db: privileged: " + NOT_NEEDED,), db="    privileged: true"),
    Hostile(
        "seccomp-unconfined",
        ("service db: security_opt: seccomp=unconfined: " + NOT_NEEDED,),
        db="    security_opt: ['seccomp=unconfined']",
    ),
    Hostile(
        "the-engines-api-socket",
        ("service api: use_api_socket: " + NOT_NEEDED,),
        api="    use_api_socket: true",
    ),
    Hostile(
        "the-hosts-services-by-name",
        ("service api: extra_hosts: " + NOT_NEEDED,),
        api="    extra_hosts: ['host.docker.internal:host-gateway']",
    ),
    Hostile(
        "labels-of-another-project",
        ("service api: labels: com.docker.compose.project: a label of Docker's or the grader's",),
        api="    labels: {com.docker.compose.project: someone-else}",
    ),
]


def graded_hostile(args: list[str], tmp_path: Path) -> tuple[int, dict, str, EngineEvents]:
    """`invoke grade ARGS --json`: its exit code, JSON and output, and the engine's
    events while it ran."""
    with EngineEvents() as seen:
        result = grade(*args, "--json", str(tmp_path / "grade.json"))
    report = json.loads((tmp_path / "grade.json").read_text(encoding="utf-8"))
    return result.returncode, report, result.stdout + result.stderr, seen


@pytest.mark.parametrize("hostile", CASES, ids=[case.case for case in CASES])
def test_a_setting_that_reaches_the_host_is_refused_and_nothing_is_created(
    engine: None, tmp_path: Path, hostile: Hostile
) -> None:
    repo = hostile.write(tmp_path)
    code, report, output, seen = graded_hostile([str(repo)], tmp_path)
    assert code == 3, output
    said = report["unsafe"]
    assert any(all(words in why for words in hostile.expect) for why in said), said
    assert f"refused: {report['unsafe'][0]}" in output
    assert "Traceback" not in output and "LEAKED" not in output, output
    assert report["checks"] == [] and report["project"].startswith("tp1-grade-")
    made = seen.naming(report["project"])
    assert made == [], f"the engine saw the refused grading make: {made}"


def refusals(copy: Path, compose: tuple[str, ...] = safety.COMPOSE) -> list[str]:
    """What the grader refuses in copy, in its order, in the language in use, as the
    given Compose resolves the file (its `config` needs no engine)."""
    project = "tp1-grade-00000000"
    env = safety.clean_environment(dict(os.environ), COMPOSE_PROJECT_NAME=project)
    with pytest.raises(safety.Unsafe) as refused:
        safety.statement_build(copy, copy, project)
        safety.judged(copy, copy / "docker-compose.yml", copy, env, project, compose)
    return refused.value.offences


@pytest.mark.skipif(not COMPOSE_2_26.is_file(), reason="no Compose 2.26 on this machine")
@pytest.mark.parametrize("hostile", CASES, ids=[case.case for case in CASES])
def test_compose_2_26_resolves_no_case_into_something_accepted(
    tmp_path: Path, hostile: Hostile
) -> None:
    """The same judgement of each case as Debian 13's Compose resolves it: refused with
    the same words."""
    repo = hostile.write(tmp_path)
    copy = source.fetch(str(repo), tmp_path / "scratch").copy
    said = refusals(copy, (str(COMPOSE_2_26),))
    assert any(all(words in why for words in hostile.expect) for why in said), said


# The words of an English refusal, none of which a French one keeps.
ENGLISH = (
    "grade it by hand", "not a setting", "outside the repository", "a link that leaves",
    "not a regular file", "larger than", "beyond Docker", "a label of", "the Docker socket",
    "not a path", "a variable in a path", "lies in", "top level", "beside it", "Compose file",
    "not one of",
)  # fmt: skip


def as_written(line: str) -> set[str]:
    """The keys, values and paths of a refusal: its words with a `.`, `/`, `_` or `$`."""
    return {word.rstrip(":;,") for word in re.findall(r"\S*[./_$]\S*", line)}


@pytest.mark.parametrize("hostile", CASES, ids=[case.case for case in CASES])
def test_each_refusal_is_said_in_french_too(engine: None, tmp_path: Path, hostile: Hostile) -> None:
    """`--lang fr`: the same refusals, their words in French, every key, value and path
    as the student wrote it (Compose's `config` needs the CLI, not the engine)."""
    repo = hostile.write(tmp_path)
    copy = source.fetch(str(repo), tmp_path / "scratch").copy
    english = refusals(copy)
    with speaking("fr"):
        french = refusals(copy)
    assert len(french) == len(english), (english, french)
    for said_en, said_fr in zip(english, french, strict=True):
        assert not [words for words in ENGLISH if words in said_fr], said_fr
        assert as_written(said_fr) == as_written(said_en), (said_en, said_fr)


def test_the_cases_cover_every_kind_of_setting_the_issue_names() -> None:
    """Each kind the issue names has a case of its own above, no case twice."""
    names = " ".join(case.case for case in CASES)
    for kind in (
        "driver-opts", "volumes-from-a-container", "volumes-from-a-service",
        "network-of-a-container", "network-of-a-service", "pid-of-a-container",
        "ipc-of-a-service", "env-file", "secret-from", "config-from", "extends", "include",
        "ssh", "build-secret", "build-context-of", "logs-sent-by-syslog", "logs-sent-by-gelf",
        "logs-sent-by-fluentd", "devices", "capability-added", "sysctls", "host-network",
        "host-pid", "host-ipc", "host-uts", "host-userns", "bind-mount-through-a-link",
        "build-context-through-a-link", "env-file-through-a-link",
    ):  # fmt: skip
        assert kind in names, kind
    assert len({case.case for case in CASES}) == len(CASES)


def test_the_engine_events_of_a_grading_are_seen(engine: None) -> None:
    """What the check above relies on: an object made under a grading's name is seen."""
    name = f"tp1-grade-{uuid.uuid4().hex[:8]}"
    with EngineEvents() as seen:
        docker("network", "create", name)
        docker("network", "rm", name)
    assert [event["Action"] for event in seen.naming(name)] == ["create", "destroy"]
    assert seen.gradings() >= {name}


@POSIX
def test_a_report_link_that_leaves_the_repository_is_reported_not_read(tmp_path: Path) -> None:
    repo = student_repo(tmp_path / "repo", report=False)
    (tmp_path / "host").mkdir()
    # A report that answers every part: were it read, step 8 would pass.
    (tmp_path / "host" / "rapport.md").write_text(REPORT, encoding="utf-8")
    (repo / "reports").mkdir()
    (repo / "reports" / "rapport.md").symlink_to(tmp_path / "host" / "rapport.md")
    ok, detail = student_report.check(repo, repo)
    assert not ok, detail
    assert (
        "reports/rapport.md: a link that leaves the repository" in detail and "not read" in detail
    )


@POSIX
def test_the_layout_reports_a_link_that_leaves_the_repository(tmp_path: Path) -> None:
    repo = student_repo(tmp_path / "repo")
    (tmp_path / "app.py").write_text("app = None\n", encoding="utf-8")
    (repo / "api" / "app.py").unlink()
    (repo / "api" / "app.py").symlink_to(tmp_path / "app.py")
    found = source.fetch(str(repo), tmp_path / "scratch")
    layout = judge.layout(found.root, found.copy)
    assert layout.outcome == verdict.FAILED, layout
    assert "api/app.py: a link that leaves the repository" in layout.detail, layout


@POSIX
def test_a_lower_case_dockerfile_is_judged_as_docker_reads_it(tmp_path: Path) -> None:
    """Where there is no Dockerfile, Docker's client reads `dockerfile` (and its
    .dockerignore): a link of that name that leaves the repository is refused, for the
    statement's `docker build` and for Compose's build alike."""
    repo = student_repo(tmp_path / "repo")
    (tmp_path / "secret").write_text(OUTSIDE, encoding="utf-8")
    (repo / "api" / "Dockerfile").unlink()
    (repo / "api" / "dockerfile").symlink_to(tmp_path / "secret")
    with pytest.raises(safety.Unsafe) as refused:
        safety.statement_build(repo, repo, "tp1-grade-00000000")
    assert refused.value.offences == [f"api/dockerfile: {LINK} (to {tmp_path / 'secret'})"]
    scope = allowlist.Scope(repo, {})
    said = allowlist.build({"context": str(repo / "api")}, scope, "service api: build")
    assert said == [
        f"service api: build.dockerfile: api/dockerfile: {LINK} (to {tmp_path / 'secret'})"
    ]
