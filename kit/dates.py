"""The build context's files, dated by Git rather than by the checkout.

`COPY` keeps each file's modification time, and a clone dates every file at the
moment it was made: two clones of the same commit would copy the same code with
other dates, so the layers (and their digests) would differ. `invoke build` first
gives each file of api/ that is as committed the date of the last commit that
changed it, as `git restore-mtime` does. A file with changes not committed keeps
its own date (its content differs anyway), and outside a Git checkout nothing is
touched.
"""

from __future__ import annotations

import os
from pathlib import Path

from kit import quiet


def git(root: Path, *args: str) -> str | None:
    try:
        result = quiet.run(["git", *args], cwd=root)
    except FileNotFoundError:
        return None
    return result.stdout if result.returncode == 0 else None


def date_as_committed(root: Path, folder: str = "api") -> list[str]:
    """Date each committed, unchanged file under root/folder at its last commit; the
    files dated (relative to root)."""
    tracked = git(root, "ls-files", "-z", "--", folder)
    changed = git(root, "diff", "--name-only", "-z", "HEAD", "--", folder)
    if tracked is None or changed is None:
        return []
    dated = []
    for name in sorted(set(tracked.split("\0")) - set(changed.split("\0")) - {""}):
        when = (git(root, "log", "-1", "--format=%ct", "--", name) or "").strip()
        if when.isdigit() and (root / name).is_file():
            os.utime(root / name, (int(when), int(when)))
            dated.append(name)
    return dated
