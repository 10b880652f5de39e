"""Run a program quietly: its output captured as UTF-8 text, whatever its exit code.

For the questions the kit asks (to docker, git) besides the commands it shows."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run(
    words: list[str], cwd: Path | str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Raises FileNotFoundError when the program is not installed."""
    return subprocess.run(
        words,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
