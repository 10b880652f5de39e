"""`invoke build` on the real engine, from clones of one commit, as a user types it.

Where the engine can rewrite the dates in a build (buildx, and the containerd image store
or a docker-container builder), two clones built with the kit give the same image ID,
`invoke build --check` finds it again from two clean builds, and `invoke up` runs
that very image. Where it cannot, the build says so in one line, with why, and the
check finds the same files but for folders' dates. What the engine can is read here
from facts the kit does not use (its image store, its builders), so that the kit's own
trying is checked, not repeated. KIT_ENGINE=reproducible says the engine must be able
to (.ci/run's second pass): there an engine that cannot fails the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import Kit, docker, scratch_copy, unique_name

from kit import layers

MUST = os.environ.get("KIT_ENGINE") == "reproducible"


@dataclass
class Origin:
    """A repository holding the kit's files as one commit, and clones of it."""

    folder: Path
    sha: str
    images: list[str]

    def clone(self, name: str, later: float = 0) -> Path:
        target = self.folder.parent / name
        subprocess.run(["git", "clone", "-q", str(self.folder), str(target)], check=True)
        if later:  # as a clone made that much later
            when = time.time() + later
            for path in target.rglob("*"):
                os.utime(path, (when, when), follow_symlinks=False)
        return target

    def invoke(self, folder: Path, *args: str, **env: str) -> str:
        """`invoke ARGS` in folder; asserts it succeeded and returns what it printed."""
        result = subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=folder,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            encoding="utf-8",
            stdin=subprocess.DEVNULL,
            timeout=900,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"invoke {' '.join(args)} -> {result.returncode}\n{output}"
        return output

    def build(self, folder: Path) -> tuple[str, str]:
        """`invoke build` in folder under a tag of its own: (its output, the image ID)."""
        tag = unique_name("tp1test-repro-build")
        self.images.append(tag)
        output = self.invoke(folder, "build", API_IMAGE=tag)
        return output, docker("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()


@pytest.fixture(scope="module")
def origin(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origin]:
    """The working tree's kit files committed once, so that the code under test is this one."""
    folder = scratch_copy(tmp_path_factory.mktemp("origin") / "kit")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    env = {**os.environ, "GIT_COMMITTER_DATE": "2026-11-27T10:00:00Z"}
    for words in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "kit"]):
        subprocess.run([*git, *words], cwd=folder, env=env, capture_output=True, check=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.strip()
    made = Origin(folder, sha, [])
    try:
        yield made
    finally:
        for tag in made.images:
            docker("image", "rm", tag, check=False)


@dataclass(frozen=True)
class Engine:
    """What the engine can, from facts the kit does not read."""

    buildx: bool
    containerd_store: bool
    container_builders: bool

    @property
    def can_rewrite(self) -> bool:
        return self.buildx and (self.containerd_store or self.container_builders)


@pytest.fixture(scope="module")
def facts(engine: None) -> Engine:
    buildx = docker("buildx", "version", check=False).returncode == 0
    store = docker("info", "--format", "{{json .DriverStatus}}", check=False).stdout
    listed = docker("buildx", "ls", "--format", "json", check=False).stdout if buildx else ""
    drivers = {json.loads(line).get("Driver") for line in listed.splitlines() if line.strip()}
    found = Engine(buildx, "io.containerd.snapshotter" in store, "docker-container" in drivers)
    if MUST:
        assert found.can_rewrite, f"KIT_ENGINE=reproducible, but this engine cannot: {found}"
    return found


@pytest.fixture(scope="module")
def first(origin: Origin) -> tuple[Path, str, str]:
    """A first clone, built with `invoke build`: (its folder, the output, the image ID)."""
    clone = origin.clone("one")
    output, image_id = origin.build(clone)
    return clone, output, image_id


def test_build_says_in_one_line_what_this_engine_guarantees(
    origin: Origin, facts: Engine, first: tuple[Path, str, str]
) -> None:
    _, output, image_id = first
    short = origin.sha[:12]
    lines = output.splitlines()
    said = [
        x
        for x in lines
        if x.startswith(("Reproducible:", "Same layer contents", "Not reproducible"))
    ]
    assert len(said) == 1, output
    if facts.can_rewrite:
        assert said[0].startswith(
            f"Reproducible: the same image ID as any clean build of commit {short}"
        )
        assert "docker buildx build" in output and "rewrite-timestamp=true" in output
    else:
        assert said[0].startswith(f"Same layer contents as any build of commit {short}")
        why = "it has no buildx" if not facts.buildx else "OCI exporter is not supported"
        assert why in said[0]
        assert "docker build -t" in output and "docker buildx" not in output
    assert f": {image_id}" in output, "the summary shows the image ID"
    assert any(x.startswith("compare with: ") for x in lines)


def test_two_clones_built_with_the_kit_give_what_the_engine_promises(
    origin: Origin, facts: Engine, first: tuple[Path, str, str], tmp_path: Path
) -> None:
    """The same image ID where the engine can rewrite the build's dates; elsewhere the
    same files in every layer, folders' dates aside (what the build says there)."""
    _, _, image_id = first
    _, second_id = origin.build(origin.clone("two", later=86400))
    if facts.can_rewrite:
        assert second_id == image_id
        return
    one, two = (
        layers.saved_layers(i, tmp_path / n) for n, i in (("1", image_id), ("2", second_id))
    )
    assert len(one) == len(two)
    differing = [
        n
        for n, pair in enumerate(zip(one, two, strict=True), 1)
        if not layers.only_folder_dates(*pair)
    ]
    assert not differing, f"layers {differing} differ beyond folders' dates"


def test_build_check_compares_two_clean_builds_of_the_commit(
    origin: Origin, facts: Engine, first: tuple[Path, str, str]
) -> None:
    clone, _, image_id = first
    output = origin.invoke(clone, "build", "--check", API_IMAGE=unique_name("tp1test-repro-check"))
    assert output.count("--no-cache") >= 2
    if facts.can_rewrite:
        # Two builds without the cache give the image a cached build gave.
        assert f"The same image ID from both builds: {image_id}" in output
    else:
        assert "The image IDs differ" in output
        assert "First difference: layer " in output
        assert ": mtime " in output
        assert "As this engine promises: the same files in every layer" in output
    assert "-check-" not in docker("image", "ls", "--format", "{{.Repository}}").stdout


def test_up_runs_the_image_the_build_made(
    origin: Origin, facts: Engine, first: tuple[Path, str, str]
) -> None:
    clone, _, image_id = first
    kit = Kit.fresh()
    origin.images.append(kit.image)
    env = {k: v for k, v in kit.env.items() if os.environ.get(k) != v}
    try:
        output = origin.invoke(clone, "up", **env)
        built = docker("image", "inspect", "-f", "{{.Id}}", kit.image).stdout.strip()
        running = docker("inspect", "-f", "{{.Image}}", f"{kit.project}-api-1").stdout.strip()
        assert running == built, output
        if facts.can_rewrite:
            assert built == image_id, "up builds the image any clean build of the commit gives"
        assert "docker compose up -d --no-build" in output
        assert kit.get("/ready")[0] == 200
    finally:
        origin.invoke(clone, "down", "--volumes", **env)
