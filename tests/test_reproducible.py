"""Same inputs, same bytes: two clean builds of the API image from two clones of the kit
give the same layers on top of the base, member by member (content, mode, owner, dates).

The clones differ in what a clone made later would: every file's date. Both builds
date the context as `invoke build` does (kit/dates.py) and use its build command with
`--no-cache`, so nothing is shared but the base image and uv's download cache. The
one difference accepted is a date: of the folders the runtime stage's COPY
instructions write into, which BuildKit stamps with the build time. Neither Engine
20.10 nor Engine 26.1 with Docker's classic image store can rewrite it (buildx's
`rewrite-timestamp` only changes the image's creation date there). Where the engine can
(the containerd image store), `invoke build` gives identical image IDs:
tests/test_build_reproducible.py.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ROOT, docker, unique_name

from kit import dates, image, layers
from kit.settings import load

# The folders the runtime stage's COPY instructions write into (api/Dockerfile).
COPY_FOLDERS = {"opt", "opt/venv", "app"}
VENV = "opt/venv/"


@dataclasses.dataclass
class Build:
    tag: str
    added: list[str]
    # The members of each layer the kit adds, in order.
    layers: list[dict[str, layers.Member]]


def build(copy: Path, tag: str) -> None:
    settings = dataclasses.replace(load(), api_image=tag)
    words = image.build_command(settings)
    words[2:2] = ["--no-cache", "--quiet"]
    result = subprocess.run(words, cwd=copy / "api", capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(words)}:\n{result.stderr}"


@pytest.fixture(scope="module")
def builds(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Build]]:
    base = load().python_image
    done: list[Build] = []
    try:
        for number in range(2):
            folder = tmp_path_factory.mktemp(f"repro{number}")
            copy = folder / "kit"
            clone = ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(copy)]
            subprocess.run(clone, capture_output=True, check=True)
            if number:  # as a clone made a day later
                later = time.time() + 86400
                for path in copy.rglob("*"):
                    os.utime(path, (later, later), follow_symlinks=False)
            assert "api/app.py" in dates.date_as_committed(copy)
            tag = unique_name("tp1test-repro")
            done.append(Build(tag, [], []))
            build(copy, tag)
            done[-1].added = layers.added(tag, base)
            done[-1].layers = layers.saved_layers(tag, folder)[-len(done[-1].added) :]
        yield done
    finally:
        for made in done:
            docker("image", "rm", made.tag, check=False)


def test_two_clean_builds_add_the_same_layers(builds: list[Build]) -> None:
    first, second = builds
    assert len(first.added) == len(second.added) >= 2
    for index, (a, b) in enumerate(zip(first.layers, second.layers, strict=True)):
        unexplained = [
            line
            for line in layers.differences(a, b)
            if not (line.split(":")[0] in COPY_FOLDERS and ": mtime " in line)
        ]
        assert not unexplained, f"the kit's layer {index + 1} differs first at: {unexplained[0]}"


def test_where_nothing_differs_the_layer_digests_are_the_same(builds: list[Build]) -> None:
    first, second = builds
    for a_id, b_id, a, b in zip(
        first.added, second.added, first.layers, second.layers, strict=True
    ):
        if not layers.differences(a, b):
            assert a_id == b_id


def test_the_venv_is_the_same_file_by_file_and_byte_compiled(builds: list[Build]) -> None:
    venvs = [
        {
            name: m
            for layer in made.layers
            for name, m in layer.items()
            if name.startswith("opt/venv/")
        }
        for made in builds
    ]
    assert len(venvs[0]) > 1000, "the venv is not where the test looks"
    found = layers.differences(*venvs)
    assert not found, f"the venv differs first at: {found[0]}"
    assert sum(name.endswith(".pyc") for name in venvs[0]) > 500, "the venv is not byte-compiled"
    assert {m.mtime for m in venvs[0].values()} == {0}, "venv files keep their build-time dates"
