"""Lab step 7.4's deliberate bug, made in a copy of the build context, never in the working tree."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from invoke import Exit

from kit.settings import ROOT

# The files the image is built from (see .dockerignore).
CONTEXT_FILES = ["pyproject.toml", "uv.lock", ".dockerignore", "api/Dockerfile"]
# `app = FastAPI(...)` and `@app.get(...)` become `appi`: uvicorn then finds no `app`.
APP_NAME = re.compile(r"^(@?)app\b", re.MULTILINE)


def copy_build_context(destination: Path) -> None:
    """Copy what the API image is built from to destination, to change it there."""
    for name in CONTEXT_FILES:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination / name)
    for source in (ROOT / "api").glob("*.py"):
        shutil.copy2(source, destination / "api" / source.name)


def broken_copy(destination: Path) -> str:
    """Copy the build context to destination with `app` renamed `appi` in api/app.py.

    Returns the renamed assignment line, to show the user what changed."""
    copy_build_context(destination)
    app_py = destination / "api" / "app.py"
    broken, count = APP_NAME.subn(r"\1appi", app_py.read_text())
    if count == 0:
        raise Exit("api/app.py has no module-level `app = ...` to rename: nothing to break.", 1)
    app_py.write_text(broken)
    return next(line for line in broken.splitlines() if line.startswith("appi"))
