"""What an image adds to its base, layer by layer: to print it after a build, and to
compare two builds member by member (tests/test_reproducible.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from invoke import Exit

from kit import docker


@dataclass(frozen=True)
class Member:
    """One entry of a layer's tar, as a comparison needs it."""

    kind: str
    mode: int
    owner: tuple[int, int]
    mtime: int
    target: str
    digest: str


def diff_ids(image: str) -> list[str]:
    """The image's layers (their uncompressed digests), base first."""
    result = docker.query("image", "inspect", "-f", "{{json .RootFS.Layers}}", image)
    if result.returncode != 0:
        raise Exit(f"No image {image}: {docker.last_line(result)}", 1)
    return json.loads(result.stdout)


def added(image: str, base: str) -> list[str]:
    """The layers image adds on top of base."""
    below = diff_ids(base)
    layers = diff_ids(image)
    if layers[: len(below)] != below:
        raise Exit(f"{image} is not built on {base}.", 1)
    return layers[len(below) :]


def summary(image: str, base: str) -> list[str]:
    """Lines that let two people compare their builds: the layers the image adds."""
    return [f"layers it adds to {base}:"] + [f"  {layer}" for layer in added(image, base)]


def saved_layers(image: str, folder: Path, first: int = 0) -> list[dict[str, Member]]:
    """`docker save` the image into folder; each layer's members by path, base first,
    from layer number `first` on (0: all)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "image.tar"
    result = docker.query("save", "-o", str(archive), image)
    if result.returncode != 0:
        raise Exit(f"docker save {image} failed: {docker.last_line(result)}", 1)
    with tarfile.open(archive) as saved:
        manifest = json.load(saved.extractfile("manifest.json"))
        return [members(saved.extractfile(name)) for name in manifest[0]["Layers"][first:]]


def members(layer) -> dict[str, Member]:
    found = {}
    with tarfile.open(fileobj=layer, mode="r|*") as tar:
        for info in tar:
            content = tar.extractfile(info) if info.isfile() else None
            digest = hashlib.sha256(content.read()).hexdigest() if content else ""
            kind = "dir" if info.isdir() else "file" if info.isfile() else "link"
            found[info.name.rstrip("/")] = Member(
                kind, info.mode, (info.uid, info.gid), int(info.mtime), info.linkname, digest
            )
    return found


def differences(one: dict[str, Member], other: dict[str, Member]) -> list[str]:
    """What differs between two layers' members, one line each, in path order."""
    lines = []
    for name in sorted(one.keys() | other.keys()):
        a, b = one.get(name), other.get(name)
        if a is None or b is None:
            lines.append(f"{name}: only in the {'second' if a is None else 'first'} build")
            continue
        for field in ("kind", "mode", "owner", "mtime", "target", "digest"):
            if getattr(a, field) != getattr(b, field):
                lines.append(f"{name}: {field} {getattr(a, field)} != {getattr(b, field)}")
    return lines


def only_folder_dates(one: dict[str, Member], other: dict[str, Member]) -> bool:
    """Whether two layers differ at most by the dates of folders they both have: what
    BuildKit's COPY leaves behind where nothing rewrites dates."""
    for name in one.keys() | other.keys():
        a, b = one.get(name), other.get(name)
        if a is None or b is None:
            return False
        same_but_date = a == dataclasses.replace(b, mtime=a.mtime)
        if a != b and not (a.kind == b.kind == "dir" and same_but_date):
            return False
    return True
