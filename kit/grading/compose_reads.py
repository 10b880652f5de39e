"""The files `docker compose config` reads while it resolves a student's file, judged
before it runs: the file itself, the .env beside it, each include (and its env_file),
each extends file, each env_file and label_file. Compose opens them all: a named pipe
among them blocks it, a host file ends up in a container's environment or in an error
message. So each must be a regular file inside the repository, named by a path with no
variable in it (Compose would substitute it first), and each file read is judged the
same way, keys included.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from kit.grading import inside
from kit.grading.allowlist import BUILD, SERVICE, TOP
from kit.grading.messages import _
from kit.grading.refusals import at, by_hand, not_needed, said, service, top_level

# Keys Compose merges away while it resolves: only ever seen here.
MERGED_TOP = ("include",)
MERGED_SERVICE = ("extends",)


def load(path: Path, repo: Path) -> dict[str, Any]:
    """A Compose file as YAML; ValueError (the student's mistake) when it is not one."""
    try:
        text = inside.read_text(path, repo)
    except inside.Refused as refused:
        raise ValueError(said(path.name, str(refused))) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        said_yaml = _("{name} is not valid YAML: {error}").format(name=path.name, error=error)
        raise ValueError(said_yaml.splitlines()[0]) from None
    if not isinstance(data, dict):
        no_mapping = _("{name} is not a Compose file (no mapping at its top)")
        raise ValueError(no_mapping.format(name=path.name))
    return data


def path_problem(value: Any, bases: list[Path], repo: Path) -> str | None:
    """Why a path Compose is going to read is refused, else None."""
    if not isinstance(value, str):
        return said(repr(value), by_hand(_("not a path")))
    if "$" in value:
        return said(value, by_hand(_("a variable in a path")))
    if "://" in value or value.startswith(("git@", "oci:", "~")):
        return said(value, by_hand(_("not a path in the repository")))
    for base in bases:
        if why := inside.problem(os.path.join(base, value), repo):
            return said(value, why)
    return None


def listed(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def paths(value: Any) -> list[Any]:
    """A path, a list of paths, or of {path: ...} entries (env_file, include)."""
    return [item.get("path") if isinstance(item, dict) else item for item in listed(value)]


def refused(value: Any, bases: list[Path], repo: Path) -> list[str]:
    """Why each path of value (a path, or a list of them) is refused."""
    return [why for path in paths(value) if (why := path_problem(path, bases, repo))]


def judge(compose_file: Path, repo: Path) -> list[str]:
    """Every file Compose would read that is not a regular file inside repo, and every
    key of those files that is not allowed, before Compose runs; ValueError when a
    file is not YAML."""
    root = compose_file.parent
    if why := path_problem(compose_file.name, [root], repo):
        return [_("the Compose file {why}").format(why=why)]
    found = []
    if why := path_problem(".env", [root], repo):
        found.append(said(_("the .env beside it"), why))
    queue: list[tuple[Path, list[Path]]] = [(compose_file, [root])]
    seen = set()
    while queue and not found:
        path, bases = queue.pop()
        if inside.real(path) in seen:
            continue
        seen.add(inside.real(path))
        more, refusals = one_file(load(path, repo), bases, repo)
        if path != compose_file:
            refusals = [said(os.path.relpath(path, repo), why) for why in refusals]
        found += refusals
        for value, extra in more:
            # Compose reads the first that exists; each was judged from every base.
            there = [b / value for b in bases if (b / value).is_file()]
            for file in there[:1]:
                queue.append((file, list(dict.fromkeys([file.parent, root, *extra]))))
    return found


def one_file(
    data: dict[str, Any], bases: list[Path], repo: Path
) -> tuple[list[tuple[str, list[Path]]], list[str]]:
    """The Compose files one file makes Compose read next (each with the folders its
    paths may be relative to), and what is refused in it."""
    found: list[str] = []
    more: list[tuple[str, list[Path]]] = []
    for key in data:
        if key not in TOP and key not in MERGED_TOP and not str(key).startswith("x-"):
            found.append(said(at(top_level(), key), not_needed()))
    include_at = at(top_level(), "include")
    for include in listed(data.get("include")):
        entry = include if isinstance(include, dict) else {"path": include}
        wrong = []
        for key, value in entry.items():
            if key not in ("path", "env_file", "project_directory"):
                wrong.append(said(at(include_at, key), not_needed()))
            wrong += [said(at(include_at, key), why) for why in refused(value, bases, repo)]
        found += wrong
        if wrong:
            continue
        extra = [b / entry["project_directory"] for b in bases if "project_directory" in entry]
        for path in paths(entry.get("path")):
            more.append((path, extra))
            # An included project reads the .env of its own folder.
            beside = [os.path.join(os.path.dirname(path), ".env")] + [
                str(e / ".env") for e in extra
            ]
            found += [said(include_at, why) for why in refused(beside, bases, repo)]
    services = data.get("services") or {}
    for name, settings in services.items() if isinstance(services, dict) else []:
        for key, value in settings.items() if isinstance(settings, dict) else []:
            where = at(service(name), key)
            if key not in SERVICE and key not in MERGED_SERVICE and not str(key).startswith("x-"):
                found.append(said(where, not_needed()))
            elif key == "build" and isinstance(value, dict):
                # Compose cannot even print some (an ssh key's path): refused here.
                found += [said(at(where, k), not_needed()) for k in value if k not in BUILD]
            elif key == "env_file":
                found += [said(where, why) for why in refused(value, bases, repo)]
            elif key == "extends" and isinstance(value, dict) and "file" in value:
                if why := path_problem(value["file"], bases, repo):
                    found.append(said(at(where, "file"), why))
                else:
                    more.append((value["file"], []))
    return more, found
