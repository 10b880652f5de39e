"""The user's word: asked on a terminal only, never from a pipe or CI."""

from __future__ import annotations

import sys

from invoke import Context, Exit

from kit.shell import dry


def interactive() -> bool:
    """Is a person at a terminal (input and output)?"""
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm(c: Context, risks: list[str], yes: bool) -> None:
    """Go on only with the user's word: --yes, or y on a terminal; else stop, nothing done."""
    if not risks or yes or dry(c):
        return
    what = " and ".join(risks)
    if not interactive():
        raise Exit(f"This would {what}: confirm with --yes.", 2)
    if input(f"This will {what}. Go on? [y/N] ").strip().lower() not in ("y", "yes"):
        raise Exit("Nothing removed.", 1)
