"""The API image as built by `invoke build`: non-root, healthcheck, lean, stops cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from helpers import LAB_COMMAND, Kit, docker, free_port, http_get, unique_name, wait_until


@pytest.fixture(scope="module")
def image(engine: None) -> Iterator[str]:
    kit = Kit.fresh()
    try:
        kit.ok("build")
        yield kit.image
    finally:
        kit.teardown()


def config(image: str) -> dict:
    return json.loads(docker("image", "inspect", image).stdout)[0]["Config"]


def in_image(image: str, script: str) -> str:
    return docker("run", "--rm", "--entrypoint", "sh", image, "-c", script).stdout


def test_runs_as_a_numeric_non_root_user(image: str) -> None:
    assert config(image)["User"] == "10001:10001"
    assert in_image(image, "id -u; id -g").split() == ["10001", "10001"]


def test_has_a_bash_healthcheck_on_health(image: str) -> None:
    assert config(image)["Healthcheck"]["Test"] == ["CMD", "bash", "healthcheck.sh", "/health"]


def test_keeps_the_lab_command(image: str) -> None:
    assert config(image)["Cmd"] == LAB_COMMAND


def test_has_no_uv_no_cache_and_no_tests(image: str) -> None:
    assert in_image(image, "command -v uv uvx || echo none").split() == ["none"]
    assert in_image(image, "ls -d /root/.cache/uv 2>/dev/null || echo none").split() == ["none"]
    assert in_image(image, "ls -A /app").split() == ["app.py", "database.py", "healthcheck.sh"]


def test_app_code_is_not_writable_by_the_process(image: str) -> None:
    assert "denied" in in_image(image, "touch /app/app.py 2>&1; true")


def test_no_password_in_the_image_config_or_history(image: str) -> None:
    history = docker("history", "--no-trunc", image).stdout
    assert "PASSWORD" not in json.dumps(config(image)).upper()
    assert "PASSWORD" not in history.upper()


def test_docker_stop_exits_zero_not_by_sigkill(image: str) -> None:
    name, port = unique_name("tp1test-stop"), free_port()
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000", image)
    try:
        wait_until(
            lambda: http_get(f"http://127.0.0.1:{port}/health")[0] == 200,
            timeout=30,
            what="the API to answer",
            on_timeout=lambda: docker("logs", name).stderr,
        )
        docker("stop", name)
        state = json.loads(docker("inspect", name).stdout)[0]["State"]
        assert state["ExitCode"] == 0, f"exit code {state['ExitCode']} (137 means SIGKILL)"
    finally:
        docker("rm", "-f", name, check=False)
