"""The model answer (corrige/): the statement's app.py, Dockerfile and Compose file,
completed as it asks and in its order, as a student hands them in.

The report's captures of parts 3 to 7 are made from these files as they are. The
benchmarks use a scratch copy whose base images, ports and API image are variables
(`parametrised`), so that they start from the kit's base image and never meet
another stack; nothing else differs from the files the report shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from kit.settings import ROOT

CORRIGE = ROOT / "corrige"
# What a student's folder holds (part 5, step 1); the folder's README is for readers.
FILES = ("api/app.py", "api/Dockerfile", "docker-compose.yml")


def copy(destination: Path) -> Path:
    """The model answer's files, in the statement's layout, at destination."""
    for name in FILES:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORRIGE / name, target)
    return destination


def parametrised(destination: Path) -> Path:
    """A copy whose base images, ports (on 127.0.0.1) and API image are variables, with
    the statement's values as defaults: `PYTHON_IMAGE` (a build argument), `POSTGRES_IMAGE`,
    `API_PORT`, `DB_PORT`, `API_IMAGE`."""
    copy(destination)
    dockerfile = destination / "api" / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    base = next(line for line in text.splitlines() if line.startswith("FROM "))
    image = base.removeprefix("FROM ").strip()
    text = text.replace(base, f"ARG PYTHON_IMAGE={image}\nFROM ${{PYTHON_IMAGE}}")
    dockerfile.write_text(text, encoding="utf-8")
    compose_file = destination / "docker-compose.yml"
    compose = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    db, api = compose["services"]["db"], compose["services"]["api"]
    db["image"] = f"${{POSTGRES_IMAGE:-{db['image']}}}"
    db["ports"] = ["127.0.0.1:${DB_PORT:-5432}:5432"]
    api["build"] = {"context": api["build"], "args": ["PYTHON_IMAGE"]}
    api["image"] = "${API_IMAGE:-simple-api}"
    api["ports"] = ["127.0.0.1:${API_PORT:-8000}:8000"]
    compose_file.write_text(yaml.safe_dump(compose, sort_keys=False), encoding="utf-8")
    return destination
