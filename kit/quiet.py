"""Run a program quietly: its output captured as UTF-8 text, whatever its exit code.

For the questions the kit asks (to docker, git) besides the commands it shows."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


def run(
    words: list[str],
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Raises FileNotFoundError when the program is not installed, and TimeoutExpired
    after timeout seconds, once the program and its children are ended (`docker
    compose` runs its plugin as a child: ending `docker` alone would leave it, so a
    program with a timeout runs in a process group of its own, and is ended the same way
    on Ctrl-C, which the terminal no longer sends it)."""
    posix = os.name != "nt"
    with subprocess.Popen(
        words,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=posix and timeout is not None,
    ) as process:
        out, err = communicate(process, timeout=timeout)
    return subprocess.CompletedProcess(words, process.returncode, out, err)


def communicate(
    process: subprocess.Popen, typed: bytes | str | None = None, timeout: float | None = None
) -> tuple:
    """process.communicate(typed); on a timeout or Ctrl-C, the process and its children
    are ended first (a program started in a session of its own no longer gets the
    terminal's Ctrl-C), then the exception goes on."""
    try:
        return process.communicate(typed, timeout=timeout)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        stop(process, signal.SIGKILL if os.name != "nt" else signal.SIGTERM)
        process.communicate()
        raise


def stop(process: subprocess.Popen[str], sig: int) -> None:
    """Signal the process and its children (its group, on POSIX), as Ctrl-C does."""
    with contextlib.suppress(ProcessLookupError):
        if os.name != "nt":
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
