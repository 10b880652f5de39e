"""Student-like repositories for the grader's tests, written from the statement as a
student completes it: public base images named literally, the statement's ports and
credentials, a report in reports/. Each fault is one argument away."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

APP = """from fastapi import FastAPI

{name} = FastAPI()


@{name}.get("/health")
def health():
    return {{"status": "ok"}}
"""

DOCKERFILE = """FROM {base}

WORKDIR /app

COPY app.py .

RUN pip install {packages}

CMD ["uvicorn", "app:app", "--host", "{host}", "--port", "8000"]
"""

COMPOSE = """version: "3.9"

services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: {user}
      POSTGRES_PASSWORD: {user}
      POSTGRES_DB: {user}
    ports:
      - "5432:5432"
{db_extra}
  api:
    build: {api_build}
    ports:
      - "8000:8000"
    depends_on:
      - db
{api_extra}
{top_extra}"""

REPORT = """# Rapport TP1

## Exercice 1 : Installation de Docker
`docker ps -a` liste les conteneurs.

## Exercice 2 : Premiers pas
Une image est un modèle, un conteneur une instance.

## Exercice 3 : Construire une image
La construction s'est bien passée.

## Exercice 4 : Exécuter l'API
`-p 8000:8000` publie le port.

## Exercice 5 : Docker Compose
Les services db et api sont démarrés.

## Exercice 6 : PostgreSQL
`exec` lance psql dans le conteneur db.

## Exercice 7 : Débogage
Les logs montrent l'erreur.

## Exercice 8 : Questions de réflexion
Un notebook n'est pas reproductible.
"""


def git(repo: Path, *args: str, date: str = "") -> str:
    """git in repo as a student; date: the commit's date (ISO 8601), else now."""
    identity = ["-c", "user.name=Étudiante", "-c", "user.email=etudiante@example.org"]
    dated = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
    return subprocess.run(
        ["git", *identity, *args],
        cwd=repo,
        env={**os.environ, **dated},
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout.strip()


def write_lab(
    lab: Path,
    *,
    base: str = "python:3.11-slim",
    name: str = "app",
    host: str = "0.0.0.0",  # noqa: S104 - what the statement's CMD says
    user: str = "demo",
    report: bool = True,
    db_extra: str = "",
    api_extra: str = "",
    top_extra: str = "",
    api_build: str = "./api",
    packages: str = "fastapi uvicorn",
    dockerfile: str = "Dockerfile",
    report_text: str = REPORT,
    files: dict[str, str] | None = None,
) -> None:
    """The lab as a student writes it; each argument one fault away from the statement.
    files: more files, {path in the lab: text} (a .gitignore, a .env.example...)."""
    (lab / "api").mkdir(parents=True, exist_ok=True)
    (lab / "api" / "app.py").write_text(APP.format(name=name), encoding="utf-8")
    written = DOCKERFILE.format(base=base, host=host, packages=packages)
    (lab / "api" / dockerfile).write_text(written, encoding="utf-8")
    compose = COMPOSE.format(
        user=user, db_extra=db_extra, api_extra=api_extra, top_extra=top_extra, api_build=api_build
    )
    (lab / "docker-compose.yml").write_text(compose, encoding="utf-8")
    if report:
        (lab / "reports").mkdir(exist_ok=True)
        (lab / "reports" / "rapport.md").write_text(report_text, encoding="utf-8")
    for path, text in (files or {}).items():
        (lab / path).parent.mkdir(parents=True, exist_ok=True)
        (lab / path).write_text(text, encoding="utf-8")


def student_repo(repo: Path, subfolder: str = "", date: str = "", **fault: object) -> Path:
    """A Git repository with one commit of the lab (in subfolder, if given)."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_lab(repo / subfolder if subfolder else repo, **fault)  # type: ignore[arg-type]
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "TP1", date=date)
    return repo
