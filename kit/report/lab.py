"""The folders the run types in, and their environment: the model answer copied into a
folder named `tp1-report` (so Compose names the project after it, as for a student's),
the kit's own files beside it for « Pour aller plus loin », and the shell's environment
without what would change the statement's files."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kit import corrige
from kit.breakage import copy_build_context
from kit.settings import ROOT

# The model answer's folder, and so its Compose project (Compose's default: the folder's name).
PROJECT = "tp1-report"
KIT_PROJECT = "tp1-report-kit"  # the kit's own files, in « Pour aller plus loin »
API_CONTAINER = f"{PROJECT}-api-1"  # Compose's name for the model answer's API container


@contextmanager
def scratch() -> Iterator[tuple[Path, Path]]:
    """The model answer as a student's folder holds it, and the kit's own files, to edit freely."""
    with tempfile.TemporaryDirectory(prefix="tp1-report-") as folder:
        lab = corrige.copy(Path(folder) / PROJECT)  # the folder's name is the project's
        kit_lab = Path(folder) / "kit"
        copy_build_context(kit_lab)
        shutil.copy(ROOT / "docker-compose.yml", kit_lab / "docker-compose.yml")
        yield lab, kit_lab


def environment() -> dict[str, str]:
    """The shell's environment without what would change the statement's files: their
    values, not a .env's or the shell's, and the Compose project named after the folder."""
    env = dict(os.environ)
    for name in ("API_IMAGE", "API_PORT", "DB_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD",
                 "POSTGRES_DB", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME",
                 "DOCKER_DEFAULT_PLATFORM"):  # fmt: skip
        env.pop(name, None)
    return env
