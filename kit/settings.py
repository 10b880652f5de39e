"""The kit's settings, read as Compose reads them: environment, then .env, then defaults."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from invoke import Exit

ROOT = Path(__file__).resolve().parent.parent


def default_images() -> dict[str, str]:
    """The public base images, read where they are written: the ARG lines of
    api/Dockerfile and the ${POSTGRES_IMAGE:-...} default of docker-compose.yml."""
    dockerfile = (ROOT / "api" / "Dockerfile").read_text(encoding="utf-8")
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    images = dict(re.findall(r"^ARG (\w+_IMAGE)=(\S+)$", dockerfile, re.MULTILINE))
    images |= re.findall(r"\$\{(POSTGRES_IMAGE):-([^}]+)\}", compose)[:1]
    return images


DEFAULT_IMAGES = default_images()


def with_setting(name: str, value: object, task: str) -> str:
    """How to run one task with a setting changed, in the POSIX shells' form and in
    PowerShell's (most of a class is on Windows), or once and for all in .env."""
    return (
        f"`{name}={value} invoke {task}` (PowerShell: `$env:{name}={value}; invoke {task}`), "
        f"or {name}={value} in .env"
    )


def port_number(raw: str | int, name: str) -> int:
    """A TCP port from a setting or an option, or one line saying what is wrong."""
    raw = str(raw).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        where = "" if name.startswith("--") else " (set in the environment or in .env)"
        raise Exit(f"{name} must be a TCP port number (1-65535), not {raw!r}{where}.", code=2)
    return int(raw)


@dataclass(frozen=True)
class Settings:
    api_port: int
    db_port: int
    api_image: str
    postgres_user: str
    postgres_password: str
    postgres_db: str
    build_args: dict[str, str]

    @property
    def python_image(self) -> str:
        """The base image of the API (the Dockerfile's default unless PYTHON_IMAGE is set)."""
        return self.build_args.get("PYTHON_IMAGE", DEFAULT_IMAGES["PYTHON_IMAGE"])

    @property
    def build_arg_words(self) -> list[str]:
        """`--build-arg NAME=VALUE` for each base image set; the Dockerfile has the defaults."""
        return [w for k, v in self.build_args.items() for w in ("--build-arg", f"{k}={v}")]

    @property
    def run_container(self) -> str:
        """`invoke run` names its container after the image: `docker run --name simple-api`."""
        name = self.api_image.removesuffix(":latest")
        return name.replace(":", "-").replace("/", "-")


def load(env_file: Path = ROOT / ".env") -> Settings:
    """The settings from the environment, then from env_file (as Compose reads .env)."""
    try:
        from_file = dotenv_values(env_file, encoding="utf-8")
    except UnicodeDecodeError:
        raise Exit(
            f"{env_file.name} is not UTF-8 text (PowerShell 5.1's `echo ... > .env` writes "
            "UTF-16): save it as UTF-8, or write it with `Set-Content -Encoding utf8 .env`.",
            code=2,
        ) from None
    values: dict[str, str | None] = {**from_file, **os.environ}
    return Settings(
        api_port=port_number(values.get("API_PORT") or 8000, "API_PORT"),
        db_port=port_number(values.get("DB_PORT") or 5432, "DB_PORT"),
        api_image=values.get("API_IMAGE") or "simple-api",
        postgres_user=values.get("POSTGRES_USER") or "demo",
        postgres_password=values.get("POSTGRES_PASSWORD") or "demo",
        postgres_db=values.get("POSTGRES_DB") or "demo",
        build_args={k: v for k in ("PYTHON_IMAGE", "UV_IMAGE") if (v := values.get(k))},
    )
