"""Paths of a student's repository as they really are: after every symbolic link.

A path is inside the repository when its real path is; a link that leaves it is
reported, never followed. A file the grader (or Compose, for the grader) reads is a
regular file inside the repository, and is never larger than LIMIT.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kit.grading.messages import _

LIMIT = 1_000_000  # bytes: no file of a TP1 lab that anyone reads is larger (1 MB)
# Open without following a last link, and without waiting on a named pipe.
FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class Refused(Exception):
    """A path the grader does not follow or read; the message says why."""


def real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def leaves(path: Path | str, repo: Path) -> str | None:
    """Why path (absolute, or relative to repo) is not inside repo once every link is
    followed, else None."""
    found = real(os.path.join(repo, path))
    if found.is_relative_to(real(repo)):
        return None
    written = Path(os.path.normpath(os.path.join(os.path.abspath(repo), path)))
    if written.is_relative_to(os.path.abspath(repo)) or written.is_relative_to(real(repo)):
        return _("a link that leaves the repository (to {target})").format(target=found)
    if found != Path(path):
        return _("outside the repository ({path})").format(path=found)
    return _("outside the repository")


def shown(path: Path | str, repo: Path) -> str:
    """path as a student reads it: relative to the repository when written in it."""
    for base in dict.fromkeys((os.path.abspath(repo), str(real(repo)))):
        if Path(path).is_relative_to(base):
            return Path(path).relative_to(base).as_posix() or "."
    return str(path)


def problem(path: Path | str, repo: Path, limit: int = LIMIT) -> str | None:
    """Why a file that is going to be read is refused, else None (a file that does
    not exist is not a problem here: whoever reads it says it is missing)."""
    if why := leaves(path, repo):
        return why
    try:
        info = os.stat(real(os.path.join(repo, path)))
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return _("not a regular file")
    if info.st_size > limit:
        return too_large(limit)
    return None


def too_large(limit: int) -> str:
    return _("larger than {size} MB").format(size=limit // 1_000_000)


def read_text(path: Path, repo: Path, limit: int = LIMIT) -> str:
    """The text of a regular file inside repo, at most limit bytes; Refused otherwise."""
    if why := problem(path, repo, limit):
        raise Refused(why)
    try:
        descriptor = os.open(real(os.path.join(repo, path)), FLAGS)
    except OSError as error:
        raise Refused(_("cannot be read ({error})").format(error=error.strerror)) from None
    with os.fdopen(descriptor, "rb") as opened:
        info = os.fstat(opened.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused(_("not a regular file"))
        data = opened.read(limit + 1)
    if len(data) > limit:
        raise Refused(too_large(limit))
    return data.decode("utf-8", errors="replace")
