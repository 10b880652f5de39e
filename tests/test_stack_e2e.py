"""The lab's steps 4 to 7, one test each, driven through `invoke TASK` on the real engine.

The tests share one stack, started by `invoke up` (steps run in file order, as in the lab)."""

from __future__ import annotations

import json
import os
import subprocess

from helpers import ROOT, Kit, docker, free_port, http_get, unique_name, wait_until


def test_up_returns_with_health_and_ready_already_200(stack: Kit) -> None:
    assert "Stack usable in" in stack.up_output
    assert stack.get("/health") == (200, '{"status":"ok"}')
    assert stack.get("/ready") == (200, '{"status":"ok","database":"ok"}')


def test_health_task_prints_both_answers(stack: Kit) -> None:
    out = stack.ok("health")
    assert f"GET http://127.0.0.1:{stack.api_port}/ready" in out
    assert '"database": "ok"' in out


def test_ps_shows_db_and_api_healthy_within_40_s(stack: Kit) -> None:
    """Nobody waits on the healthchecks (every 30 s), but they do report, and soon."""

    def both_healthy() -> str | None:
        out = stack.ok("ps")
        rows = [x for x in out.splitlines() if x.startswith(f"{stack.project}-")]
        return out if len(rows) == 2 and all("(healthy)" in row for row in rows) else None

    out = wait_until(both_healthy, timeout=40, what="ps to show both services healthy")
    assert "docker compose ps" in out
    assert f"127.0.0.1:{stack.api_port}->8000/tcp" in out


def test_psql_shows_the_demo_database(stack: Kit) -> None:
    out = stack.ok("psql", "--command", "SELECT current_database();")
    assert "docker compose exec -T db psql -U demo -d demo" in out
    assert " demo\n" in out
    assert "PostgreSQL" in stack.ok("psql", "--command", "SELECT version();")


def test_psql_sql_error_exits_non_zero_without_traceback(stack: Kit) -> None:
    result = stack.invoke("psql", "--command", "SELECT * FROM no_such_table;")
    assert result.returncode != 0
    assert 'relation "no_such_table" does not exist' in result.stderr
    assert result.stderr.strip().endswith("psql failed: its error is above (exit 1).")
    assert "Traceback" not in result.stderr


def test_db_endpoint_answers_step_six_live(stack: Kit) -> None:
    status, body = stack.get("/db")
    info = json.loads(body)
    assert status == 200
    assert (info["database"], info["user"], info["host"], info["port"]) == (
        "demo",
        "demo",
        "db",
        5432,
    )


def test_logs_api_shows_the_health_request(stack: Kit) -> None:
    stack.get("/health")
    wait_until(
        lambda: '"GET /health HTTP/1.1" 200' in stack.ok("logs", "api"),
        timeout=10,
        what="the /health request in `invoke logs api`",
        on_timeout=stack.compose_logs,
    )
    out = stack.ok("logs", "api")
    assert "Application startup complete." in out
    assert "probe=healthcheck" not in out, "successful healthchecks should stay out of the log"


def test_shell_api_runs_python_version(stack: Kit) -> None:
    out = stack.ok("shell", "api", "--command", "ls; python --version; id -u")
    assert "docker compose exec -T api sh -c" in out
    assert "app.py" in out
    assert "Python 3." in out
    assert "\n10001\n" in out


def test_restart_api_comes_back_usable(stack: Kit) -> None:
    before = docker("inspect", "-f", "{{.State.StartedAt}}", f"{stack.project}-api-1").stdout
    out = stack.ok("restart", "api")
    assert "api is usable again." in out
    after = docker("inspect", "-f", "{{.State.StartedAt}}", f"{stack.project}-api-1").stdout
    assert after != before
    assert stack.get("/health")[0] == 200
    assert stack.get("/ready")[0] == 200


def test_data_survives_down_and_up_but_not_down_volumes(stack: Kit) -> None:
    stack.ok("psql", "-c", "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept');")
    stack.ok("down")
    stack.ok("up")
    assert "kept" in stack.ok("psql", "-c", "SELECT body FROM notes;")

    out = stack.ok("down", "--volumes")
    assert "docker compose down -v" in out
    stack.ok("up")
    result = stack.invoke("psql", "-c", "SELECT body FROM notes;")
    assert result.returncode != 0
    assert 'relation "notes" does not exist' in result.stderr


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_break_app_reproduces_the_crash_and_fix_app_recovers(stack: Kit) -> None:
    status_before = git_status()
    out = stack.ok("break-app")
    assert git_status() == status_before, "break-app must not modify the working tree"
    assert "appi = FastAPI(" in out
    assert 'Attribute "app" not found in module "app"' in out
    assert "exit code: 3" in out or "exit code: 1" in out
    assert "docker compose logs api" in out

    # A service that never becomes usable: the task stops once the container has
    # given up (restart: on-failure:5), with its diagnosis, not at a time-out.
    failed = stack.invoke("restart", "api", timeout=90)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "api after its restart: api not usable" in failed.stderr
    assert 'Attribute "app" not found' in failed.stdout
    assert "Traceback (most recent call last)" not in failed.stderr

    out = stack.ok("fix-app")
    assert "The API is usable again." in out
    assert stack.get("/ready")[0] == 200


def test_run_and_stop_the_image_alone(stack: Kit) -> None:
    port = free_port()
    out = stack.ok("run", "--port", str(port))
    assert f"docker run -d --name {stack.image} -p 127.0.0.1:{port}:8000 {stack.image}" in out
    try:
        assert stack.get("/health")[0] == 200  # the stack's API, untouched
        assert http_get(f"http://127.0.0.1:{port}/health") == (200, '{"status":"ok"}')
        running = docker("ps", "--filter", f"name=^{stack.image}$", "--format", "{{.Ports}}")
        assert f"127.0.0.1:{port}->8000/tcp" in running.stdout
    finally:
        out = stack.ok("stop")
    assert f"docker stop {stack.image}" in out
    assert docker("ps", "-a", "-q", "--filter", f"name=^{stack.image}$").stdout.strip() == ""


def test_clean_keeps_the_data_and_clean_volumes_erases_it_sparing_others(stack: Kit) -> None:
    foreign = unique_name("tp1test-foreign")
    docker("volume", "create", foreign)
    image = os.environ.get("POSTGRES_IMAGE", "postgres:16")
    docker("create", "--name", foreign, "-v", f"{foreign}:/data", image)
    volume = f"{stack.project}_db-data"
    ours = f"label=com.docker.compose.project={stack.project}"
    try:
        stack.ok("psql", "-c", "CREATE TABLE cleaned (b text); INSERT INTO cleaned VALUES ('x');")
        out = stack.ok("clean")
        assert "docker compose down --remove-orphans" in out
        assert "The database volume is kept" in out
        assert docker("volume", "inspect", volume, check=False).returncode == 0
        assert docker("image", "inspect", stack.image, check=False).returncode != 0
        assert docker("ps", "-a", "-q", "--filter", ours).stdout == ""
        stack.ok("up")
        assert " x\n" in stack.ok("psql", "-c", "SELECT b FROM cleaned;")

        out = stack.ok("clean", "--volumes", "--yes")
        assert "docker compose down -v --remove-orphans" in out
        assert docker("volume", "inspect", volume, check=False).returncode != 0
        assert docker("volume", "inspect", foreign, check=False).returncode == 0
        assert docker("container", "inspect", foreign, check=False).returncode == 0
        assert docker("ps", "-a", "-q", "--filter", ours).stdout == ""
    finally:
        docker("rm", "-f", "-v", foreign, check=False)
        docker("volume", "rm", foreign, check=False)
