"""The API in-process against a real PostgreSQL in a throwaway container: up, outage, recovery."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from app import app
from fastapi.testclient import TestClient
from helpers import HOST_LOOP, ROOT, Container, api_client, docker, wait_until

from kit.docker import free_port
from kit.http import get as http_get


@pytest.fixture
def client(postgres: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", postgres.url())
    with api_client(app) as client:
        yield client


def ready_status(client: TestClient) -> int:
    return client.get("/ready").status_code


def test_ready_when_the_database_answers(client: TestClient, postgres: Container) -> None:
    wait_until(
        lambda: ready_status(client) == 200, timeout=10, what="/ready 200", on_timeout=postgres.logs
    )
    assert client.get("/ready").json() == {"status": "ok", "database": "ok"}


def test_db_describes_the_connection_without_the_password(
    client: TestClient, postgres: Container
) -> None:
    response = client.get("/db")
    body = response.json()
    assert response.status_code == 200, body
    assert (body["database"], body["user"]) == ("demo", "demo")
    assert body["server_version"].startswith("PostgreSQL ")
    assert (body["host"], body["port"]) == ("127.0.0.1", postgres.port)
    assert "demo:demo" not in response.text and "password" not in response.text


def test_outage_gives_503_fast_and_recovery_needs_no_restart(
    client: TestClient, postgres: Container
) -> None:
    assert ready_status(client) == 200
    docker("stop", postgres.name)

    started = time.monotonic()
    response = client.get("/ready")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert elapsed < 3, f"/ready took {elapsed:.1f} s while the database was down"
    assert client.get("/db").status_code == 503
    assert client.get("/health").json() == {"status": "ok"}

    docker("start", postgres.name)
    wait_until(
        lambda: ready_status(client) == 200,
        timeout=30,
        what="/ready to recover without restarting the API",
        on_timeout=postgres.logs,
    )
    assert client.get("/db").json()["database"] == "demo"


def test_wrong_password_is_a_503_with_the_reason(
    postgres: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres.url(password="not-the-password"))
    with api_client(app) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert "password authentication failed" in response.json()["database"]
    assert "not-the-password" not in response.text


def test_the_api_run_on_the_host_reaches_the_database(postgres: Container) -> None:
    """The students' guide's run on the host, with the selector loop every platform accepts (Windows
    defaults to Proactor, which psycopg refuses): /ready answers 200 over real HTTP."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "app:app", "--loop", HOST_LOOP]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=ROOT / "api",
        env={**os.environ, "DATABASE_URL": postgres.url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: http_get(f"http://127.0.0.1:{port}/ready", timeout=2)[0] == 200,
            timeout=30,
            what="/ready from the API on the host",
            on_timeout=lambda: stopped(server),
        )
    finally:
        stopped(server)
    guide = (ROOT / "docs" / "guide-etudiant.md").read_text(encoding="utf-8")
    assert f"uvicorn app:app --port 8000 --loop {HOST_LOOP}" in guide


def stopped(server: subprocess.Popen[bytes]) -> str:
    """Stop the server; what it printed."""
    server.terminate()
    return server.communicate(timeout=10)[0].decode("utf-8", "replace")
