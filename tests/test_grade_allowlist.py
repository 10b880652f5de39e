"""What the grader's allowlist accepts: the statement's Compose file, the kit's own, and
a student's file that uses every accepted setting, as Compose 2.40 resolves them and, when
this machine has it, Debian 13's Compose 2.26 (run as a standalone binary: `config` needs
no engine). And how the accepted file is confined: no name of the student's for an
engine object, the grader's image tags and limits. Paths are judged after every link."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from graded import COMPOSE_2_26, POSIX
from helpers import ROOT, wait_until
from markdown_it import MarkdownIt
from students import student_repo, write_lab

from kit import quiet
from kit.grading import allowlist, compose_reads, inside, safety
from kit.replay import Replay
from kit.statement import Command

COMPOSES = [safety.COMPOSE] + ([(str(COMPOSE_2_26),)] if COMPOSE_2_26.is_file() else [])
PROJECT = "tp1-grade-allowlist"

# Every setting the allowlist accepts, as a student of this lab may write it.
EVERYTHING = """version: "3.8"
name: my-tp1
include:
  - tools/compose.tools.yml
x-restart: &restart
  restart: unless-stopped
services:
  db:
    <<: *restart
    image: postgres:16
    container_name: tp1-db
    env_file: [db.env]
    environment:
      POSTGRES_USER: ${DB_USER}
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
      POSTGRES_DB: demo
      UNSET_ON_PURPOSE:
    secrets: [db_password]
    configs: [{source: greeting, target: /etc/greeting}]
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./initdb:/docker-entrypoint-initdb.d:ro
      - /var/lib/anonymous
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1000000}}
    ports: ["127.0.0.1:5432:5432"]
    expose: ["5432"]
    networks: {backend: {aliases: [database]}}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U demo"]
      interval: 5s
      timeout: 3s
      retries: 5
      start_period: 10s
    logging: {driver: json-file, options: {max-size: 10m, max-file: "3"}}
    shm_size: 128mb
    stop_grace_period: 10s
    stop_signal: SIGINT
    labels: {course: csc8613}
    hostname: db
    mem_limit: 1g
    cpus: 2
  api:
    extends: {service: base}
    build:
      context: ./api
      dockerfile: Dockerfile
      args: {PYTHON_VERSION: "3.11"}
      target: runtime
    image: simple-api:latest
    pull_policy: build
    command: ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]
    ports:
      - target: 8000
        published: 8000
        protocol: tcp
    depends_on:
      db: {condition: service_healthy}
    links: [db]
    networks: [backend, default]
    volumes: ["./api:/app"]
    working_dir: /app
    user: "1000"
    init: true
    read_only: true
    tmpfs: [/tmp]
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
    security_opt: ["no-new-privileges:true"]
    stdin_open: true
    tty: true
    platform: linux/amd64
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 256M, pids: 100}
        reservations: {memory: 64M}
      restart_policy: {condition: on-failure, max_attempts: 3}
  base:
    image: busybox
    environment: [FROM_BASE=1]
volumes:
  pgdata:
    name: someone-elses-volume
    labels: {course: csc8613}
networks:
  backend:
    driver: bridge
    internal: false
secrets:
  db_password:
    file: ./secrets/db_password.txt
configs:
  greeting:
    content: bonjour
"""


def everything(repo: Path) -> Path:
    """A lab whose Compose file uses every accepted setting."""
    write_lab(repo)
    (repo / "docker-compose.yml").write_text(EVERYTHING, encoding="utf-8")
    (repo / ".env").write_text("DB_USER=demo\n", encoding="utf-8")
    (repo / "db.env").write_text("TZ=Europe/Paris\n", encoding="utf-8")
    for folder in ("initdb", "secrets", "tools"):
        (repo / folder).mkdir()
    (repo / "secrets" / "db_password.txt").write_text("demo\n", encoding="utf-8")
    (repo / "initdb" / "01.sql").write_text("SELECT 1;\n", encoding="utf-8")
    tools = "services:\n  adminer:\n    image: adminer\n    ports: ['8080:8080']\n"
    (repo / "tools" / "compose.tools.yml").write_text(tools, encoding="utf-8")
    return repo


def judged(root: Path, compose: tuple[str, ...]) -> dict:
    """The file judged as the grader judges it, resolved by the given Compose."""
    env = safety.clean_environment(dict(os.environ), COMPOSE_PROJECT_NAME=PROJECT)
    file = root / "docker-compose.yml"
    assert compose_reads.judge(file, root) == []
    config = safety.resolved(root, file, env, compose)
    assert allowlist.offences(config, root) == []
    return config


@pytest.mark.parametrize("compose", COMPOSES, ids=lambda c: Path(c[-1]).name)
def test_the_statements_file_the_kits_and_every_accepted_setting_are_accepted(
    engine: None, tmp_path: Path, compose: tuple[str, ...]
) -> None:
    judged(student_repo(tmp_path / "statement"), compose)
    judged(ROOT, compose)
    config = judged(everything(tmp_path / "everything"), compose)
    assert {"db", "api", "base", "adminer"} <= set(config["services"])
    # What Compose's normalisation adds by itself is among what was judged.
    api = config["services"]["api"]
    assert api["ports"][0]["mode"] == "ingress" and "condition" in api["depends_on"]["db"]
    assert config["services"]["db"]["environment"]["TZ"] == "Europe/Paris"


def test_the_accepted_file_is_run_confined(engine: None, tmp_path: Path) -> None:
    config = judged(everything(tmp_path / "everything"), safety.COMPOSE)
    confined = safety.confine(config, PROJECT, iter(range(40000, 40100)).__next__).config
    assert "name" not in confined and not any(key.startswith("x-") for key in confined)
    for kind in ("volumes", "networks", "secrets", "configs"):
        assert all("name" not in item for item in confined[kind].values()), kind
    db, api = confined["services"]["db"], confined["services"]["api"]
    assert "container_name" not in db and "mem_limit" not in db and "cpus" not in db
    assert "UNSET_ON_PURPOSE" not in db["environment"]
    assert api["image"] == f"{PROJECT}-api" and api["pull_policy"] == "never"
    assert api["deploy"] == {
        "resources": {"limits": safety.LIMITS},
        "restart_policy": {"condition": "on-failure", "max_attempts": 3},
    }
    assert {p["host_ip"] for s in confined["services"].values() for p in s.get("ports", [])} == {
        "127.0.0.1"
    }


@POSIX
def test_paths_are_judged_after_every_link(tmp_path: Path) -> None:
    repo, host = tmp_path / "repo", tmp_path / "host"
    (repo / "sub").mkdir(parents=True)
    host.mkdir()
    (host / "file").write_text("host\n", encoding="utf-8")
    (repo / "file").write_text("repo\n", encoding="utf-8")
    (repo / "away").symlink_to(host / "file")
    (repo / "sub" / "up").symlink_to("../file")  # a link that stays inside
    (repo / "folder").symlink_to(host)
    assert inside.leaves(repo / "sub" / "up", repo) is None
    assert inside.read_text(repo / "sub" / "up", repo) == "repo\n"
    assert (
        inside.leaves(repo / "away", repo)
        == f"a link that leaves the repository (to {host / 'file'})"
    )
    assert "a link that leaves" in str(inside.leaves(repo / "folder" / "file", repo))
    assert inside.leaves("../host/file", repo).startswith("outside the repository")
    assert inside.leaves(repo / "dangling-nowhere", repo) is None  # not there: not read
    with pytest.raises(inside.Refused, match="a link that leaves"):
        inside.read_text(repo / "away", repo)


@POSIX
def test_a_file_read_is_a_regular_file_under_1_mb(tmp_path: Path) -> None:
    """A named pipe would block whoever reads it; a large file is no lab file."""
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "large.md").write_bytes(b"#" * (inside.LIMIT + 1))
    (tmp_path / "folder.md").mkdir()
    for name, why in (("pipe", "not a regular file"), ("large.md", "larger than 1 MB")):
        with pytest.raises(inside.Refused, match=why):
            inside.read_text(tmp_path / name, tmp_path)
    assert inside.problem(tmp_path / "folder.md", tmp_path) == "not a regular file"


@POSIX
def test_compose_is_never_run_on_a_file_that_names_a_pipe(tmp_path: Path) -> None:
    """`docker compose config` reads an env_file itself: a named pipe would block it."""
    repo = student_repo(tmp_path / "repo", api_extra="    env_file: api.env")
    os.mkfifo(repo / "api.env")
    assert compose_reads.judge(repo / "docker-compose.yml", repo) == [
        "service api: env_file: api.env: not a regular file"
    ]


def test_a_compose_file_that_is_not_yaml_is_the_students_mistake(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="is not valid YAML"):
        compose_reads.judge(tmp_path / "docker-compose.yml", tmp_path)


def replayed(words: list[str], timeout: float) -> None:
    """words typed as a step of the statement is, by the grader's replay."""
    command = Command("9.9", shlex.join(words))
    Replay(Path.cwd(), dict(os.environ), "tp1-test", timeout=timeout).run(command)


@POSIX
@pytest.mark.parametrize("runner", [quiet.run, replayed], ids=["question", "replayed-step"])
def test_a_command_that_hangs_is_ended_with_its_children(tmp_path: Path, runner: Any) -> None:
    """`docker compose config` and every replayed step are bounded: `docker` runs its
    plugin as a child, which a timeout ends too (else the grader would wait on the
    child's output forever, or leave it running)."""
    script = f"sleep 600 & echo $! > {tmp_path / 'child'}; wait"
    with pytest.raises(subprocess.TimeoutExpired):
        runner(["sh", "-c", script], timeout=1)
    child = int((tmp_path / "child").read_text(encoding="utf-8"))

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        stat = Path(f"/proc/{child}/stat")  # ended, and not yet reaped by its new parent
        return stat.exists() and stat.read_text(encoding="utf-8").split(") ")[1][:1] == "Z"

    wait_until(gone, timeout=10, what=f"the child {child} to be ended")


def first_column_keys(page: Path) -> list[set[str]]:
    """The keys named in the first column of each table of keys of a page (its first
    header is "key"), table by table."""
    tables: list[set[str]] = []
    cell, kind = 0, ""
    for token in MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8")):
        if token.type == "tr_open":
            cell = 0
        elif token.type in ("td_open", "th_open"):
            cell += 1
            kind = "header" if token.type == "th_open" and cell == 1 else kind
        elif token.type == "inline" and cell == 1 and kind == "header":
            kind = "keys" if token.content == "key" else "other"
            tables += [set()] if kind == "keys" else []
        elif token.type == "inline" and cell == 1 and kind == "keys":
            tables[-1] |= {c.content for c in token.children or [] if c.type == "code_inline"}
    return tables


def test_the_teachers_page_names_exactly_what_the_allowlist_accepts() -> None:
    """docs/grading.md's tables of a service's keys and of the top level's name each key
    allowlist.py accepts, and no other: a key added to one is added to the other."""
    service, top = first_column_keys(ROOT / "docs" / "grading.md")
    assert service == set(allowlist.SERVICE) | set(compose_reads.MERGED_SERVICE)
    assert top == set(allowlist.TOP) | set(compose_reads.MERGED_TOP) | {"x-*"}
