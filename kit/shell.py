"""Show and run: each command a task runs is printed first, quoted as the user would type it.

`invoke --dry TASK` prints the commands without running them; a command that fails
stops the task with one line, its own output being above.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from invoke import Context, Exit, Result

WINDOWS = os.name == "nt"
# Commands are shown and run as one line, quoted for the shell that runs them.
QUOTE = subprocess.list2cmdline if WINDOWS else shlex.join


class Interrupted(Exit):
    """A shown command was stopped by Ctrl-C (exit status 130): the task stops there too."""

    def __init__(self) -> None:
        super().__init__("Interrupted (Ctrl-C): stopped there.", 130)


def sh(
    c: Context,
    *words: str,
    pty: bool = False,
    stdin: bool = False,
    env: dict[str, str] | None = None,
) -> Result:
    """Show and run a command given as words, quoted for the shell exactly as shown; env
    adds to its environment (the caller says so: it is not shown).

    Only commands that read input (stdin=True) get ours: for the others, Invoke keeps
    their input open, so that a Ctrl-C passed on to them never meets a closed pipe."""
    if pty and WINDOWS:
        return on_console(c, list(words))
    in_stream = None if stdin else False
    result = c.run(QUOTE(words), echo=True, warn=True, pty=pty, in_stream=in_stream, env=env or {})
    if result.exited == Interrupted().code:
        raise Interrupted
    return result


def on_console(c: Context, words: list[str]) -> Result:
    """A command that needs the user's terminal, on Windows: Python has no pty module
    there, so Invoke cannot give it one. It runs on the console itself instead, shown
    first as Invoke shows commands; Ctrl-C stops it and the task, as elsewhere."""
    command = QUOTE(words)
    print(c.config.run.echo_format.format(command=command), flush=True)
    if dry(c):
        return Result(command=command)
    try:
        exited = subprocess.run(words, check=False).returncode
    except KeyboardInterrupt:
        raise Interrupted from None
    return Result(command=command, exited=exited)


def dry(c: Context) -> bool:
    """Under `invoke --dry`: show the commands, run nothing, ask the engine nothing."""
    return bool(c.config.run.dry)


def succeed(result: Result, what: str) -> None:
    """Stop with one line when a shown command failed (its own output is above)."""
    if result.failed:
        raise Exit(f"{what} failed (exit {result.exited}): see the output above.", result.exited)
