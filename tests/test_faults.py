"""Breaking the running stack on purpose: database outage, a killed API, restarts, load."""

from __future__ import annotations

import asyncio
import json
import time

import httpx2
from helpers import Kit, docker, wait_until


def api_state(stack: Kit) -> dict:
    return json.loads(docker("inspect", f"{stack.project}-api-1").stdout)[0]["State"]


def test_database_outage_then_recovery_without_restarting_the_api(stack: Kit) -> None:
    started_at = api_state(stack)["StartedAt"]
    stack.compose("stop", "db")
    try:
        began = time.monotonic()
        status, body = stack.get("/ready")
        elapsed = time.monotonic() - began
        assert status == 503, body
        assert elapsed < 3, f"/ready took {elapsed:.1f} s with the database down"
        assert json.loads(body)["status"] == "unavailable"
        assert stack.get("/health") == (200, '{"status":"ok"}')
    finally:
        stack.compose("start", "db")
    wait_until(
        lambda: stack.get("/ready")[0] == 200,
        timeout=30,
        what="/ready to recover",
        on_timeout=stack.compose_logs,
    )
    assert api_state(stack)["StartedAt"] == started_at, "the API must not have restarted"


def test_api_killed_by_sigkill_comes_back_by_itself(stack: Kit) -> None:
    before = docker("inspect", "-f", "{{.RestartCount}}", f"{stack.project}-api-1").stdout
    # uvicorn is the only child of the container's init (PID 1); SIGKILL cannot be caught.
    stack.compose("exec", "-T", "api", "sh", "-c", "kill -KILL $(cat /proc/1/task/1/children)")
    wait_until(
        lambda: (
            docker("inspect", "-f", "{{.RestartCount}}", f"{stack.project}-api-1").stdout != before
        ),
        timeout=30,
        what="the restart policy to restart the API",
        on_timeout=stack.compose_logs,
    )

    wait_until(
        lambda: stack.get("/ready")[0] == 200,
        timeout=60,
        what="the API ready again",
        on_timeout=stack.compose_logs,
    )


def test_restarting_the_database_loses_no_committed_row(stack: Kit) -> None:
    stack.ok(
        "psql",
        "-c",
        "CREATE TABLE IF NOT EXISTS ledger (n int);"
        "INSERT INTO ledger SELECT generate_series(1, 1000);",
    )
    stack.ok("restart", "db")
    assert "\n  1000\n" in stack.ok("psql", "-c", "SELECT count(*) FROM ledger;")


async def hammer(url: str, total: int, concurrency: int) -> list[int | str]:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    statuses: list[int | str] = []
    async with httpx2.AsyncClient(limits=limits, timeout=10) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                try:
                    statuses.append((await client.get(url)).status_code)
                except httpx2.HTTPError as exc:
                    statuses.append(type(exc).__name__)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def test_5000_requests_at_50_concurrent_give_no_error(stack: Kit) -> None:
    for path in ("/health", "/ready"):
        statuses = asyncio.run(hammer(f"http://127.0.0.1:{stack.api_port}{path}", 5000, 50))
        assert len(statuses) == 5000
        errors = [s for s in statuses if s != 200]
        assert not errors, f"{path}: {len(errors)} errors, e.g. {errors[:5]}"
