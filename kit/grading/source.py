"""The repository to grade: a scratch copy of the state asked for, and where its lab is.

A working tree given as it is is copied (changes included). Anything else (a URL, a bare
repository, --ref, --before) is cloned without checking out the default branch, its
file contents fetched only when checked out (`--filter=blob:none`, a local repository
through file:// so the filter applies too): only the commit graded is ever written,
and later TPs' large files are never downloaded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit import quiet
from kit.docker import last_line
from kit.grading import inside
from kit.grading.messages import _
from kit.statement import LAYOUT

# Any of these is `docker compose`'s file when typed in the lab's root.
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
# Folders never copied nor searched: tools' caches, not the student's work.
IGNORED = (".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache")
URL = re.compile(r"^[\w+.-]+://|^[\w.-]+@[\w.-]+:")
# A local repository serves blobs on demand only when it allows filters: its own
# setting, which the grader never changes, so the serving program is told instead.
LOCAL_UPLOAD_PACK = "git -c uploadpack.allowFilter=true upload-pack"


class Unusable(Exception):
    """The path or URL cannot be graded (exit 2): what is wrong, in one line."""


@dataclass(frozen=True)
class Source:
    origin: str
    copy: Path  # the scratch working tree that is graded, never the original
    root: Path  # the lab's root in it: where docker-compose.yml and api/ are
    commit: str | None  # the commit graded, for a Git repository
    changes: bool = False  # a working tree graded with changes not committed
    fetched: dict[str, Any] | None = None  # for a clone: the commit, the bytes fetched

    @property
    def root_in_repo(self) -> str:
        return self.root.relative_to(self.copy).as_posix() or "."


def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return quiet.run(["git", *args], cwd=cwd)
    except FileNotFoundError:
        raise Unusable(_("git is not installed: install Git to grade a repository.")) from None


def cause(failed: subprocess.CompletedProcess[str]) -> str:
    """Git's own cause of a failure: its first `fatal:` or `error:` line (the last lines
    of a failed clone are advice, "and the repository exists."), else its last line."""
    lines = [line.strip() for line in (failed.stderr or failed.stdout).splitlines()]
    return next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), last_line(failed))


def fetch(
    origin: str,
    scratch: Path,
    ref: str | None = None,
    before: str | None = None,
    root: str | None = None,
) -> Source:
    """A scratch copy of origin (a working tree, a bare repository or a Git URL) at the
    state asked for: as it is (a working tree), --ref, or the last commit --before."""
    path = Path(origin).expanduser()
    if not URL.match(origin) and not path.is_dir():
        raise Unusable(_("{origin}: no such folder, and not a Git URL.").format(origin=origin))
    copy = scratch / "repo"
    bare = not URL.match(origin) and git("rev-parse", "--is-bare-repository", cwd=path)
    fetched = None
    if ref or before or URL.match(origin) or (bare and bare.stdout.strip() == "true"):
        fetched = clone(origin, copy, ref, before)
    else:
        try:
            shutil.copytree(path, copy, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
        except shutil.Error as error:  # a named pipe, a file that cannot be read...
            said = _("{origin}: cannot be copied ({why}).")
            raise Unusable(said.format(origin=origin, why=error.args[0][0][2])) from None
    commit, changes = None, False
    head = git("rev-parse", "HEAD", cwd=copy)
    if head.returncode == 0 and (copy / ".git").exists():
        commit = head.stdout.strip()
        changes = bool(git("status", "--porcelain", cwd=copy).stdout.strip())
    return Source(origin, copy, lab_root(copy, root), commit, changes, fetched)


def clone(origin: str, copy: Path, ref: str | None, before: str | None) -> dict[str, Any]:
    """Clone origin with no checkout and no file contents, then check out the one
    commit graded; what was fetched (the commit, the bytes of objects) for the JSON."""
    url = origin if URL.match(origin) else Path(origin).expanduser().resolve().as_uri()
    local = url.startswith("file://")  # served by a program run here
    served = [
        "--upload-pack",
        LOCAL_UPLOAD_PACK,
        "-c",
        f"remote.origin.uploadpack={LOCAL_UPLOAD_PACK}",
    ]
    words = ["clone", "--quiet", "--no-checkout", "--filter=blob:none", *(served if local else [])]
    result = git(*words, url, str(copy))
    if result.returncode != 0:
        said = _("git clone {origin} failed: {line}")
        raise Unusable(said.format(origin=origin, line=cause(result)))
    if before:
        found = git("rev-list", "-1", f"--before={before}", "HEAD", cwd=copy).stdout.strip()
        if not found:
            said = _("{origin} has no commit before {before} on its default branch.")
            raise Unusable(said.format(origin=origin, before=before))
        ref = found
    commit = None
    # A branch of the origin is a remote branch of the clone.
    for name in (ref, f"origin/{ref}") if ref else ("HEAD",):
        found = git("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", cwd=copy)
        if found.returncode == 0:
            commit = found.stdout.strip()
            break
    if commit is None and ref:
        said = _("{origin} has no commit, tag or branch {ref}.")
        raise Unusable(said.format(origin=origin, ref=repr(ref)))
    if commit is None:
        raise Unusable(_("{origin} has no commit on its default branch.").format(origin=origin))
    checkout = git("checkout", "--quiet", "--detach", commit, cwd=copy)
    if checkout.returncode != 0:
        said = _("{origin}: commit {commit} cannot be checked out: {line}")
        raise Unusable(said.format(origin=origin, commit=commit[:12], line=cause(checkout)))
    return {"commit": commit, "filter": "blob:none", "bytes": objects_size(copy)}


def objects_size(copy: Path) -> int:
    """The bytes of objects in a clone (packs and loose), as `git count-objects` says."""
    counted = git("count-objects", "-v", cwd=copy).stdout.splitlines()
    sizes = dict(line.split(": ", 1) for line in counted if ": " in line)
    return 1024 * sum(int(sizes.get(key, 0)) for key in ("size", "size-pack"))


def folders(parent: Path) -> list[Path]:
    """The folders in parent that may hold the lab: no link (never followed), no tool's."""
    return sorted(
        p
        for p in parent.iterdir()
        if p.is_dir()
        and not p.is_symlink()
        and not p.name.startswith(".")
        and p.name not in IGNORED
    )


def lab_root(copy: Path, given: str | None) -> Path:
    """Where the lab is: --root, or the folder (the repository's root, or a subfolder
    such as TP1/) that holds most of the statement's layout, the shallowest first."""
    if given:
        root = (copy / given).resolve()
        if inside.leaves(copy / given, copy) or not root.is_dir():
            said = _("--root {root}: no such folder in the repository.")
            raise Unusable(said.format(root=given))
        return root
    scored = []
    for folder in [copy, *folders(copy), *(f for top in folders(copy) for f in folders(top))]:
        found = [name for name in LAYOUT if (folder / name).is_file()]
        found += [name for name in COMPOSE_FILES[:3] if (folder / name).is_file()]
        if found:
            scored.append((-len(found), len(folder.relative_to(copy).parts), str(folder)))
    if not scored:
        raise Unusable(
            _(
                "no lab found: no docker-compose.yml nor api/Dockerfile in the repository or "
                "its subfolders; give its folder with --root."
            )
        )
    return Path(min(scored)[2])
