"""The exact docker command each task runs, checked with Invoke's MockContext (no engine)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from unittest.mock import Mock

import pytest
from helpers import Kit
from invoke import Config, Exit, MockContext, Result

import tasks
from kit import docker, settings, shell, stack


@pytest.fixture(autouse=True)
def lab_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The lab's defaults, whatever the environment or a developer's own .env say."""
    monkeypatch.setattr(settings.load, "__defaults__", (tmp_path / ".env",))
    for name in ("API_PORT", "DB_PORT", "API_IMAGE", "POSTGRES_USER", "POSTGRES_DB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_IMAGE", "python:3.12-slim")
    monkeypatch.setenv("UV_IMAGE", "ghcr.io/astral-sh/uv:0.13.9")


def shown(command: str) -> str:
    """A command written for POSIX shells, as the tasks show it on this platform
    (quoted for cmd.exe on Windows)."""
    return shell.QUOTE(shlex.split(command))


def dry_context(*commands: str) -> MockContext:
    """A context that accepts exactly these commands; --dry, so no engine is asked anything."""
    config = Config(overrides={"run": {"dry": True}})
    return MockContext(config=config, run={shown(command): Result() for command in commands})


def runs(task, *commands: str, **kwargs: object) -> None:
    c = dry_context(*commands)
    task(c, **kwargs)
    assert [call.args[0] for call in c.run.call_args_list] == [
        shown(command) for command in commands
    ]


def test_build_runs_the_statements_command_in_api() -> None:
    command = (
        "docker build -t simple-api --build-arg PYTHON_IMAGE=python:3.12-slim "
        "--build-arg UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9 ."
    )
    c = dry_context(command)
    inner, cwds = c.run, []
    c.run = lambda command, **kwargs: cwds.append(c.cwd) or inner(command, **kwargs)
    tasks.build(c)
    assert [call.args[0] for call in inner.call_args_list] == [shown(command)]
    assert cwds == ["api"]


def test_run_publishes_on_loopback_only() -> None:
    runs(
        tasks.run, "docker run -d --name simple-api -p 127.0.0.1:8123:8000 simple-api", port="8123"
    )


def test_stop_stops_then_removes() -> None:
    runs(tasks.stop, "docker stop simple-api", "docker rm simple-api")


# The kit's build under --dry: the lab's own command (the engine is not asked what it can do).
BUILD = (
    "docker build -t simple-api --build-arg PYTHON_IMAGE=python:3.12-slim "
    "--build-arg UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9 ."
)


def test_up_builds_once_then_starts_that_image_without_compose_building_another() -> None:
    runs(tasks.up, BUILD, "docker compose up -d --no-build")


def test_fix_app_builds_once_then_recreates_the_api_from_that_image() -> None:
    runs(tasks.fix_app, BUILD, "docker compose up -d --no-build api")


@pytest.mark.parametrize("windows", [False, True])
def test_the_dev_loop_polls_for_changes_on_windows_only(
    monkeypatch: pytest.MonkeyPatch, windows: bool
) -> None:
    """Docker Desktop passes no file events from a Windows folder into a container."""
    monkeypatch.setattr(shell, "WINDOWS", windows)
    monkeypatch.setattr(shell, "on_console", lambda c, words: Result())
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "")  # so that teardown removes it
    monkeypatch.delenv("WATCHFILES_FORCE_POLLING")
    files = "-f docker-compose.yml -f docker-compose.dev.yml"
    runs(
        tasks.dev,
        BUILD,
        f"docker compose {files} up -d --no-build",
        *([] if windows else [f"docker compose {files} logs -f --tail 5 api"]),
        "docker compose stop api",
    )
    assert os.environ.get("WATCHFILES_FORCE_POLLING") == ("true" if windows else None)
    dev_file = (settings.ROOT / "docker-compose.dev.yml").read_text(encoding="utf-8")
    assert "WATCHFILES_FORCE_POLLING: ${WATCHFILES_FORCE_POLLING:-}" in dev_file


@pytest.mark.parametrize(
    ("volumes", "command"), [(False, "docker compose down"), (True, "docker compose down -v")]
)
def test_down(volumes: bool, command: str) -> None:
    runs(tasks.down, command, volumes=volumes)


def test_psql_with_a_command_quotes_it_for_the_shell() -> None:
    runs(
        tasks.psql,
        "docker compose exec -T db psql -U demo -d demo -v ON_ERROR_STOP=1 -c 'SELECT version();'",
        command="SELECT version();",
    )


def test_logs_follow() -> None:
    runs(tasks.logs, "docker compose logs -f api", service="api", follow=True)


def test_shell_with_a_command() -> None:
    runs(
        tasks.shell,
        "docker compose exec -T api sh -c 'python --version'",
        service="api",
        command="python --version",
    )


def test_restart() -> None:
    runs(tasks.restart, "docker compose restart db", service="db")


def test_clean_keeps_the_volume_unless_asked() -> None:
    kit_only = [
        "docker rm -f simple-api",
        "docker image rm simple-api",
        "docker image prune -f --filter label=tp1-lab-kit.image=api",
    ]
    runs(tasks.clean, "docker compose down --remove-orphans", *kit_only)
    runs(tasks.clean, "docker compose down -v --remove-orphans", *kit_only, volumes=True, yes=True)


def test_clean_all_yes_runs_the_lab_prunes_last() -> None:
    runs(
        tasks.clean,
        "docker compose down --remove-orphans",
        "docker rm -f simple-api",
        "docker image rm simple-api",
        "docker image prune -f --filter label=tp1-lab-kit.image=api",
        "docker container prune -f",
        "docker image prune -f",
        all=True,
        yes=True,
    )


def test_dry_flag_shows_commands_without_an_engine() -> None:
    result = Kit.fresh().invoke("--dry", "up", DOCKER_HOST="unix:///nonexistent.sock")
    assert result.returncode == 0, result.stderr
    assert "docker compose up -d --no-build" in result.stdout
    assert "docker build -t" in result.stdout


def test_ports_held_by_the_projects_own_restarting_api_are_not_a_conflict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After break-app the API restarts in a loop: its port is still its own (fix-app, up)."""
    rows = {"api": {"State": "restarting"}, "db": {"State": "running"}}
    monkeypatch.setattr(docker, "containers", lambda: rows)
    checked: list[str] = []
    monkeypatch.setattr(docker, "require_port", lambda port, var, task: checked.append(var))
    stack.free_stack_ports(settings.load(), "fix-app")
    assert checked == []
    rows["api"]["State"] = "exited"
    stack.free_stack_ports(settings.load(), "fix-app")
    assert checked == ["API_PORT"]


@pytest.mark.parametrize("windows", [False, True])
def test_a_terminal_is_asked_for_only_where_there_are_pseudo_terminals(
    monkeypatch: pytest.MonkeyPatch, windows: bool
) -> None:
    """psql, shell and the dev loop's logs want the user's terminal: Invoke's pty on POSIX;
    on Windows (no pty module) the command runs on the console, never through Invoke."""
    monkeypatch.setattr(shell, "WINDOWS", windows)
    ran: list[list[str]] = []
    monkeypatch.setattr(
        shell.subprocess,
        "run",
        lambda words, check: ran.append(words) or subprocess.CompletedProcess(words, 0),
    )
    c = MockContext(run={"docker compose exec db psql": Result()}, repeat=True)
    c.run = Mock(wraps=c.run)
    shell.sh(c, "docker", "compose", "exec", "db", "psql", pty=True)
    if windows:
        assert ran == [["docker", "compose", "exec", "db", "psql"]]
        assert not c.run.called
    else:
        assert ran == []
        assert c.run.call_args.kwargs["pty"] is True


def test_doctor_notices_docker_desktop_in_windows_containers_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = {"version": "27.3.1 windows", "compose": "2.29.7"}
    monkeypatch.setattr(
        docker,
        "query",
        lambda *args: subprocess.CompletedProcess(args, 0, answers[args[0]], ""),
    )
    monkeypatch.setattr(docker, "containers", dict)
    monkeypatch.setattr(docker, "port_in_use", lambda port: False)
    with pytest.raises(Exit) as raised:
        tasks.doctor(MockContext())
    out = capsys.readouterr().out
    assert raised.value.message.startswith("1 problem(s)")
    assert "[!!] the engine runs Linux containers (windows)" in out
    assert "Switch to Linux containers" in out
