"""Lab step 7.4's deliberate bug, made in a copy of the build context, never in the working tree."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from invoke import Context, Exit

from kit import statement
from kit.image import build_command
from kit.settings import ROOT, Settings
from kit.shell import sh, succeed

# The statement's edit of step 7.4: `app = FastAPI(...)` and `@app.get(...)` become
# `appi`, and uvicorn then finds no `app`.
STATEMENT_EDIT = next(c for c in statement.COMMANDS if c.kind == "edit")


def copy_build_context(destination: Path) -> Path:
    """Copy api/, the image's whole build context, to destination/api; return that copy."""
    return Path(
        shutil.copytree(
            ROOT / "api", destination / "api", ignore=shutil.ignore_patterns("__pycache__")
        )
    )


def broken_copy(destination: Path) -> str:
    """Copy the build context to destination/api with `app` renamed `appi` in app.py.

    Returns the renamed assignment line, to show the user what changed."""
    app_py = copy_build_context(destination) / "app.py"
    text = app_py.read_text(encoding="utf-8")
    broken = statement.edited(text, STATEMENT_EDIT)
    if broken == text:
        raise Exit("api/app.py has no module-level `app = ...` to rename: nothing to break.", 1)
    app_py.write_text(broken, encoding="utf-8")
    return next(line for line in broken.splitlines() if line.startswith("appi"))


def build_broken(c: Context, settings: Settings) -> None:
    """Build the API image from a temporary broken copy of api/, saying what changed."""
    with tempfile.TemporaryDirectory(prefix="tp1-break-app-") as tmp:
        line = broken_copy(Path(tmp))
        print(f"# In a copy of api/ ({tmp}/api), app.py now says: {line}")
        succeed(sh(c, *build_command(settings, f"{tmp}/api")), "docker build")
