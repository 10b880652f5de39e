"""The API in-process with FastAPI's TestClient, lifespan included, without any database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app import app
from fastapi.testclient import TestClient
from helpers import api_client


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with api_client(app) as client:
        yield client


def test_health_is_the_lab_json(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/ready", "/db"])
def test_without_database_url_answers_503_saying_so(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "DATABASE_URL is not set"}


def test_openapi_docs_stay_at_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/ready", "/db"} <= set(paths)


def test_unreachable_host_is_a_503_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    monkeypatch.setenv("DATABASE_URL", "postgresql://demo:demo@127.0.0.1:1/demo")
    with api_client(app) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert "Connection refused" in response.json()["database"]
    assert "demo:demo" not in response.text


@pytest.mark.parametrize(
    "url",
    ["garbage", "postgresql://demo:s3cret@db:notaport/demo", "postgresql://x:s3cret@db/d?foo=1"],
)
def test_a_malformed_database_url_is_a_503_that_hides_it(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with api_client(app) as client:
        assert client.get("/health").status_code == 200
        for path in ("/ready", "/db"):
            response = client.get(path)
            assert response.status_code == 503
            assert response.json()["database"] == "DATABASE_URL is not a valid libpq URL"
            assert "s3cret" not in response.text
