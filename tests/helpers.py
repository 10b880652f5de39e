"""Small tools for the tests: run docker, find a free port, poll with a bound, show logs."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient
from invoke import Exit

from kit import docker as kit_docker
from kit.docker import free_port
from kit.http import get as http_get
from kit.wait import poll

T = TypeVar("T")


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a docker command and capture its output; with check, fail showing its stderr."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}"
        )
    return result


# The event loop for the API on the host, as the students' guide runs it: on Windows,
# uvicorn and asyncio default to the Proactor loop, which psycopg's async connections
# refuse (/ready and /db would answer 503); a selector loop works on every platform.
HOST_LOOP = "asyncio:SelectorEventLoop"


def api_client(app: FastAPI) -> TestClient:
    """The API in-process on a selector event loop, as HOST_LOOP runs it on the host."""
    return TestClient(app, backend_options={"loop_factory": asyncio.SelectorEventLoop})


def engine_problem() -> str | None:
    """None when a Docker engine answers, else the kit's own one-line reason."""
    try:
        return kit_docker.engine_problem()
    except Exit as missing:  # no docker command at all
        return missing.message


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    on_timeout: Callable[[], str] = lambda: "",
    interval: float = 0.2,
) -> T:
    """Call probe until it returns something truthy; fail after timeout with on_timeout()'s text."""
    last: list[object] = [None]

    def remembered() -> T | None:
        try:
            last[0] = probe()
        except Exception as exc:  # a probe may fail while the thing starts
            last[0] = exc
            return None
        return last[0]

    if result := poll(remembered, timeout, interval):
        return result
    raise AssertionError(
        f"timed out after {timeout:g} s waiting for {what} (last: {last[0]!r})\n{on_timeout()}"
    )


@dataclass
class Container:
    """A throwaway PostgreSQL container with credentials demo/demo/demo."""

    name: str
    port: int

    def url(self, password: str = "demo") -> str:
        return f"postgresql://demo:{password}@127.0.0.1:{self.port}/demo"

    def logs(self) -> str:
        result = docker("logs", "--tail", "50", self.name, check=False)
        return f"--- docker logs {self.name} ---\n{result.stdout}{result.stderr}"

    def accepts(self) -> bool:
        with psycopg.connect(self.url(), connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def wait_accepting(self, timeout: float = 60) -> None:
        """Wait until a TCP client can log in (not just the init-time Unix socket)."""
        wait_until(
            self.accepts,
            timeout=timeout,
            what=f"{self.name} to accept TCP logins",
            on_timeout=self.logs,
        )


ROOT = Path(__file__).resolve().parent.parent
# The lab's command, kept by the image and given back by `invoke up` after `invoke dev`.
LAB_COMMAND = ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]  # noqa: S104


@dataclass
class Kit:
    """The kit as a user runs it, `invoke TASK`, in a throwaway Compose project of its own:
    unique project and image names, free ports, so it never meets a user's stack."""

    project: str
    api_port: int
    db_port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    up_output: str = ""

    @classmethod
    def fresh(cls) -> Kit:
        return cls(project=unique_name("tp1test"), api_port=free_port(), db_port=free_port())

    @property
    def image(self) -> str:
        return f"{self.project}-api"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "COMPOSE_PROJECT_NAME": self.project,
            "API_PORT": str(self.api_port),
            "DB_PORT": str(self.db_port),
            "API_IMAGE": self.image,
            # The lab's credentials, whatever a developer's own .env says.
            "POSTGRES_USER": "demo",
            "POSTGRES_PASSWORD": "demo",
            "POSTGRES_DB": "demo",
            **self.extra_env,
        }

    def invoke(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        """Run `invoke ARGS` from the top level, as a user types it; never raises on failure."""
        return invoke(*args, timeout=timeout, env={**self.env, **env})

    def ok(self, *args: str, **env: str) -> str:
        """Run `invoke ARGS`, assert it succeeded, and return its output."""
        result = self.invoke(*args, **env)
        assert result.returncode == 0, f"invoke {' '.join(args)} -> {result.returncode}\n" + (
            result.stdout + result.stderr
        )
        return result.stdout + result.stderr

    def get(self, path: str) -> tuple[int, str]:
        return http_get(f"http://127.0.0.1:{self.api_port}{path}")

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `docker compose ARGS` in this project; fail showing stderr if it fails."""
        result = subprocess.run(
            ["docker", "compose", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"docker compose {' '.join(args)}: {result.stderr}"
        return result

    def compose_logs(self) -> str:
        result = subprocess.run(
            ["docker", "compose", "logs", "--tail", "40"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return f"--- docker compose logs ({self.project}) ---\n{result.stdout}{result.stderr}"

    def teardown(self) -> None:
        """Remove all the project made, even after a failure: `invoke clean`, then make sure."""
        self.invoke("clean", "--volumes", "--yes")
        subprocess.run(
            ["docker", "compose", "down", "-v", "--remove-orphans"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            check=False,
        )
        docker("rm", "-f", self.image, check=False)
        docker("image", "rm", self.image, check=False)


def scratch_copy(destination: Path) -> Path:
    """The kit's files as a clone has them (tracked, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def invoke(
    *args: str, timeout: float = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `invoke ARGS` from the top level, as a user types it; never raises on failure."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
