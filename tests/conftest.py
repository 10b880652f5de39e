"""Shared fixtures: the engine check (skip outside CI, fail in CI) and a throwaway PostgreSQL."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from helpers import Container, Kit, docker, engine_problem, free_port, unique_name

from kit.settings import DEFAULT_IMAGES
from kit.standins import stand_in_under

POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "postgres:16")

# KIT_NO_SKIP=1, set by .ci/run: a skip is a failure there.
pytest_plugins = ["no_skip"]


@pytest.fixture(scope="session")
def engine() -> None:
    """Skip tests that need Docker when no engine answers; in CI that is an error instead.

    KIT_ENGINE=none says the machine has no engine for Linux containers on purpose
    (the workflow's Windows and macOS runners): those tests skip there, CI or not."""
    if os.environ.get("KIT_ENGINE") == "none":
        pytest.skip("no engine for Linux containers on this runner (KIT_ENGINE=none)")
    problem = engine_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs a Docker engine and none answers: {problem}", pytrace=False)
    pytest.skip(f"no Docker engine: {problem}")


@pytest.fixture(scope="module")
def public_images(engine: None) -> Iterator[None]:
    """The public names students' files use (the grader's tests), standing in for the
    registry here."""
    made = stand_in_under(
        os.environ.get("PYTHON_IMAGE"),
        "python:3.11-slim",
        "python:3.10-slim",
        DEFAULT_IMAGES["PYTHON_IMAGE"],
    )
    made += stand_in_under(os.environ.get("POSTGRES_IMAGE"), "postgres:16")
    try:
        yield
    finally:
        if made:
            docker("image", "rm", *made, check=False)


@pytest.fixture
def postgres(engine: None) -> Iterator[Container]:
    """A PostgreSQL container of POSTGRES_IMAGE on a free 127.0.0.1 port, removed afterwards."""
    name = unique_name("tp1-test-pg")
    port = free_port()
    credentials = [
        "-e",
        "POSTGRES_USER=demo",
        "-e",
        "POSTGRES_PASSWORD=demo",
        "-e",
        "POSTGRES_DB=demo",
    ]
    docker(
        "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5432", *credentials, POSTGRES_IMAGE
    )
    container = Container(name=name, port=port)
    try:
        container.wait_accepting()
        yield container
    finally:
        subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True, check=False)


@pytest.fixture(scope="module")
def stack(engine: None) -> Iterator[Kit]:
    """A stack started with `invoke up` in a throwaway project, cleaned up after the module."""
    kit = Kit.fresh()
    try:
        kit.up_output = kit.ok("up")
        yield kit
    finally:
        kit.teardown()


@pytest.fixture
def kit(engine: None) -> Iterator[Kit]:
    """A throwaway project with nothing started, cleaned up after the test."""
    kit = Kit.fresh()
    try:
        yield kit
    finally:
        kit.teardown()
