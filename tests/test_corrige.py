"""The model answer (corrige/) is the statement's files, completed as it asks and in its order."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from kit import corrige, statement
from kit.settings import DEFAULT_IMAGES


def instructions(dockerfile: str) -> list[str]:
    return [line for line in dockerfile.splitlines() if line and not line.startswith("#")]


def test_the_files_are_in_the_statements_layout() -> None:
    assert corrige.FILES == statement.LAYOUT
    for name in corrige.FILES:
        assert (corrige.CORRIGE / name).is_file(), name


def test_the_dockerfile_is_the_statements_in_its_order() -> None:
    text = (corrige.CORRIGE / "api" / "Dockerfile").read_text(encoding="utf-8")
    assert instructions(text) == [
        # The kit's default base image: the same Python for both.
        f"FROM {DEFAULT_IMAGES['PYTHON_IMAGE']}",
        "WORKDIR /app",
        "COPY app.py .",
        "RUN pip install fastapi uvicorn",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
    ]


def test_the_app_answers_health_with_the_statements_names() -> None:
    source = (corrige.CORRIGE / "api" / "app.py").read_text(encoding="utf-8")
    code = [line for line in source.splitlines() if line and not line.startswith("#")]
    assert code == [
        "from fastapi import FastAPI",
        "app = FastAPI()",
        '@app.get("/health")',
        "def health():",
        '    return {"status": "ok"}',
    ]


def test_the_compose_file_is_the_statements_skeleton_completed() -> None:
    compose = yaml.safe_load((corrige.CORRIGE / "docker-compose.yml").read_text(encoding="utf-8"))
    demo = statement.DB_USER
    assert compose == {
        "services": {
            "db": {
                "image": DEFAULT_IMAGES["POSTGRES_IMAGE"],
                "environment": {
                    "POSTGRES_USER": demo,
                    "POSTGRES_PASSWORD": demo,
                    "POSTGRES_DB": demo,
                },
                "ports": [f"{statement.DB_PORT}:5432"],
            },
            # No `image:`, as in the skeleton: Compose names the image <project>-api.
            "api": {
                "build": "./api",
                "ports": [f"{statement.API_PORT}:8000"],
                "depends_on": ["db"],
            },
        }
    }


def test_the_benchmarks_copy_differs_only_in_variables(tmp_path: Path) -> None:
    copy = corrige.parametrised(tmp_path)
    dockerfile = (copy / "api" / "Dockerfile").read_text(encoding="utf-8")
    original = (corrige.CORRIGE / "api" / "Dockerfile").read_text(encoding="utf-8")
    assert re.sub(r"ARG PYTHON_IMAGE=(\S+)\nFROM \$\{PYTHON_IMAGE\}", r"FROM \1", dockerfile) == (
        original
    )
    assert (copy / "api" / "app.py").read_bytes() == (
        corrige.CORRIGE / "api" / "app.py"
    ).read_bytes()
    services = yaml.safe_load((copy / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    assert services["db"]["image"] == "${POSTGRES_IMAGE:-postgres:16}"
    assert services["db"]["ports"] == ["127.0.0.1:${DB_PORT:-5432}:5432"]
    assert services["api"]["ports"] == ["127.0.0.1:${API_PORT:-8000}:8000"]
    assert services["api"]["image"] == "${API_IMAGE:-simple-api}"
    assert services["api"]["build"] == {"context": "./api", "args": ["PYTHON_IMAGE"]}
