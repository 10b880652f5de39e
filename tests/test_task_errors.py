"""Bad input and bad states: one clear line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from helpers import Kit

NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent.sock"}
# Every task, with the arguments it needs (`health` needs no engine, only an API).
ALL_TASKS = [
    ["doctor"],
    ["build"],
    ["run"],
    ["health"],
    ["stop"],
    ["up"],
    ["dev"],
    ["ps"],
    ["down"],
    ["psql"],
    ["logs", "api"],
    ["shell", "api"],
    ["restart", "api"],
    ["break-app"],
    ["fix-app"],
    ["clean"],
]


def fails_with(result, *fragments: str) -> str:
    """Assert the task failed with exactly one line on stderr containing every fragment."""
    err = result.stderr.strip()
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(err.splitlines()) == 1, f"expected one line, got:\n{err}"
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.fixture
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 held by a listening socket, as another program would."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("task", [t for t in ALL_TASKS if t != ["health"]], ids=lambda t: t[0])
def test_no_engine(task: list[str]) -> None:
    result = Kit.fresh().invoke(*task, **NO_ENGINE)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    if shutil.which("docker") is None:  # a machine without Docker at all (macOS runners)
        assert "docker command is not installed" in result.stdout + result.stderr
    elif task == ["doctor"]:  # doctor lists every check, with the fix for each
        assert "[!!] Docker engine not reachable" in result.stdout
        assert "fix: start Docker" in result.stdout
    else:
        fails_with(result, "The Docker engine is not reachable", "invoke doctor")


@pytest.mark.parametrize(
    "task", [["psql"], ["logs", "api"], ["shell", "api"], ["restart", "db"]], ids=lambda t: t[0]
)
def test_stack_not_running(kit: Kit, task: list[str]) -> None:
    fails_with(kit.invoke(*task), "The stack is not running", "invoke up")


@pytest.mark.parametrize("task", ["logs", "shell", "restart"])
def test_unknown_service_lists_the_valid_ones(kit: Kit, task: str) -> None:
    err = fails_with(kit.invoke(task, "nope"), "Unknown service 'nope'")
    assert "api" in err and "db" in err


def test_port_taken_names_the_port_and_its_variable(kit: Kit, listening: int) -> None:
    fails_with(
        kit.invoke("up", API_PORT=str(listening)),
        f"Port {listening}",
        f"`API_PORT={listening + 1} invoke up`",
        f"`$env:API_PORT={listening + 1}; invoke up`",  # the PowerShell form beside it
    )
    fails_with(kit.invoke("up", DB_PORT=str(listening)), f"Port {listening}", "DB_PORT")
    result = kit.invoke("doctor", API_PORT=str(listening))
    assert result.returncode != 0
    assert f"[!!] port {listening} (API_PORT)" in result.stdout


def test_run_port_taken(kit: Kit, listening: int) -> None:
    kit.ok("build")
    fails_with(kit.invoke("run", "--port", str(listening)), f"Port {listening}")


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1"])
def test_invalid_port_values(value: str) -> None:
    kit = Kit.fresh()
    fails_with(kit.invoke("up", API_PORT=value), "API_PORT must be a TCP port number", repr(value))
    fails_with(kit.invoke("run", "--port", value), "--port must be a TCP port number")
    fails_with(kit.invoke("health", "--port", value), "--port must be a TCP port number")


def test_health_with_nothing_listening(kit: Kit) -> None:
    fails_with(kit.invoke("health"), f"Nothing answers on 127.0.0.1:{kit.api_port}", "invoke up")


def test_stop_without_a_run_container(kit: Kit) -> None:
    fails_with(kit.invoke("stop"), f"No container named {kit.image}", "invoke run")


def test_run_without_the_image(kit: Kit) -> None:
    fails_with(kit.invoke("run"), f"No image {kit.image}", "invoke build")


@pytest.mark.parametrize("flag", ["--all", "--volumes"])
def test_clean_asks_for_confirmation_and_removes_nothing_without_it(kit: Kit, flag: str) -> None:
    result = kit.invoke("clean", flag)
    assert result.returncode == 2
    fails_with(result, "confirm with --yes")
    assert "docker" not in result.stdout  # no command ran


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda task: task[0])
def test_every_task_rejects_a_non_numeric_port_setting(task: list[str]) -> None:
    fails_with(Kit.fresh().invoke(*task, DB_PORT="5432x"), "DB_PORT must be a TCP port number")


@pytest.mark.parametrize("task", ["dev", "break-app", "fix-app"])
def test_port_taken_for_the_other_stack_tasks(kit: Kit, listening: int, task: str) -> None:
    fails_with(kit.invoke(task, API_PORT=str(listening)), f"Port {listening}", "API_PORT")


def test_failed_commands_lose_nothing(stack: Kit) -> None:
    stack.ok("psql", "-c", "CREATE TABLE keep (v text); INSERT INTO keep VALUES ('safe');")
    attempts = [
        (("down", "--volumes"), {"API_PORT": "abc"}),
        (("clean",), {"DB_PORT": "0"}),
        (("restart", "nope"), {}),
        (("psql", "-c", "DROP TABLE no_such_table;"), {}),
        (("clean", "--all"), {}),  # no --yes, no terminal: refused
    ]
    for args, env in attempts:
        assert stack.invoke(*args, **env).returncode != 0, args
    assert "safe" in stack.ok("psql", "-c", "SELECT v FROM keep;")
    assert stack.get("/ready")[0] == 200


def test_schemathesis_finds_no_server_error(stack: Kit) -> None:
    """Property-based requests generated from the API's OpenAPI schema, every check on."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            "--checks",
            "all",
            f"http://127.0.0.1:{stack.api_port}/openapi.json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout


def test_a_port_held_by_a_container_names_it(stack: Kit) -> None:
    """Another project's container holds the port: the message says which one to stop."""
    other = Kit.fresh()
    other.api_port = stack.api_port  # the stack's API holds this port now
    try:
        other.ok("build")
        err = fails_with(other.invoke("up"), f"Port {stack.api_port}", "API_PORT")
        assert f"by container {stack.project}-api-1" in err
    finally:
        other.teardown()
