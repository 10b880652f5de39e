"""kit/reproducible.py without an engine: how the engine is tried, the exact commands of
each way to build (Invoke's MockContext), and the line that says what was guaranteed."""

from __future__ import annotations

import io
import json
import shlex
import subprocess
import tarfile
from contextlib import nullcontext
from pathlib import Path

import pytest
from invoke import MockContext, Result

from kit import layers, reproducible, settings, shell
from kit.reproducible import Commit, Way

EPOCH = 1795984999
CLEAN = Commit("4b74df4e5621" + "0" * 28, EPOCH)
BASES = "--build-arg PYTHON_IMAGE=python:3.12-slim --build-arg UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9"
# The refusal of Engine 26.1's own builder on Docker's classic image store, as it prints it.
CLASSIC_STORE_REFUSAL = (
    "ERROR: OCI exporter is not supported for the docker driver.\n"
    "Switch to a different driver, or turn on the containerd image store, and try again.\n"
    "Learn more at https://docs.docker.com/go/build-exporters/\n"
)


@pytest.fixture(autouse=True)
def lab_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings.load, "__defaults__", (tmp_path / ".env",))
    monkeypatch.delenv("API_IMAGE", raising=False)
    monkeypatch.setenv("PYTHON_IMAGE", "python:3.12-slim")
    monkeypatch.setenv("UV_IMAGE", "ghcr.io/astral-sh/uv:0.13.9")


def built(
    monkeypatch: pytest.MonkeyPatch, way: Way, commit: Commit | None
) -> tuple[list[str], list[dict], list[str]]:
    """Run reproducible.build on a MockContext with this engine and checkout: the commands
    it ran (the scratch folder shown as TMP), their extra environments, what it printed."""
    asked: list[str] = []
    monkeypatch.setattr(reproducible, "head", lambda root: commit)
    monkeypatch.setattr(reproducible, "find_way", lambda: asked.append("engine") or way)
    monkeypatch.setattr(reproducible.image, "date_as_committed", lambda c: None)
    monkeypatch.setattr(reproducible, "summary", lambda *args: ["(summary)"])
    # The scratch folder of the OCI archive, named TMP, whatever the platform.
    scratch = lambda prefix: nullcontext("TMP")  # noqa: E731
    monkeypatch.setattr(reproducible.tempfile, "TemporaryDirectory", scratch)
    c = MockContext(run=Result(), repeat=True)
    printed: list[str] = []
    monkeypatch.setattr("builtins.print", lambda *a, **k: printed.append(" ".join(map(str, a))))
    reproducible.build(c, settings.load())
    commands = [call.args[0] for call in c.run.call_args_list]
    envs = [call.kwargs["env"] for call in c.run.call_args_list]
    return commands, envs, ["asked the engine"] * len(asked) + printed


def shown(command: str) -> str:
    """A command written for POSIX shells, as it is shown on this platform; TMP/image.tar
    is the archive in the scratch folder, written with this platform's separator."""
    archive = str(Path("TMP", "image.tar"))
    return shell.QUOTE(shlex.split(command)).replace("TMP/image.tar", archive)


def test_the_engines_own_builder_on_the_containerd_store_exports_then_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commands, envs, printed = built(monkeypatch, Way(True, driver="docker"), CLEAN)
    assert commands == [
        shown(
            f"docker buildx build --provenance=false --build-arg SOURCE_DATE_EPOCH={EPOCH} "
            f"{BASES} --output type=oci,dest=TMP/image.tar,name=simple-api,"
            "rewrite-timestamp=true ."
        ),
        shown("docker load -i TMP/image.tar"),
    ]
    assert envs == [{"SOURCE_DATE_EPOCH": str(EPOCH)}, {}]
    assert printed[0] == "asked the engine"
    assert (
        f"# in the environment too: SOURCE_DATE_EPOCH={EPOCH} (the last commit's time)" in printed
    )
    assert (
        "Reproducible: the same image ID as any clean build of commit 4b74df4e5621 "
        "(2026-11-29 20:43 UTC) from the same base images."
    ) in printed


def test_a_docker_container_builder_the_user_has_builds_and_buildx_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    way = Way(True, driver="docker-container", builder="their-builder")
    commands, envs, _ = built(monkeypatch, way, CLEAN)
    assert commands == [
        shown(
            "docker buildx build --builder their-builder --provenance=false --build-arg "
            f"SOURCE_DATE_EPOCH={EPOCH} {BASES} --output type=docker,name=simple-api,"
            "rewrite-timestamp=true ."
        )
    ]
    assert envs == [{"SOURCE_DATE_EPOCH": str(EPOCH)}]


def test_an_edit_not_committed_builds_the_plain_way_without_asking_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No other build can match an edit: the fast build, no export (the edit-rebuild loop)."""
    edited = Commit(CLEAN.sha, EPOCH, ("api/app.py",))
    commands, _, printed = built(monkeypatch, Way(True, driver="docker"), edited)
    assert commands == [shown(f"docker build -t simple-api {BASES} .")]
    assert "asked the engine" not in printed
    assert (
        "Not reproducible: api/ differs from commit 4b74df4e5621 (api/app.py), so no other "
        "build can match this one; commit, then `invoke build` for the image of that commit."
    ) in printed


def test_an_engine_that_cannot_rewrite_builds_the_plain_way_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commands, envs, printed = built(monkeypatch, Way(False, why_not=reproducible.NO_BUILDX), CLEAN)
    assert commands == [shown(f"docker build -t simple-api {BASES} .")]
    assert envs == [{}]
    line = next(x for x in printed if x.startswith("Same layer contents"))
    assert line == (
        "Same layer contents as any build of commit 4b74df4e5621, but for the dates of the "
        "folders COPY makes; image digests differ on this engine: it has no buildx, the only "
        "way to rewrite the dates in a build. For identical digests: Docker Engine 26 or later "
        "with buildx and the containerd image store (Docker Desktop: Settings > General > 'Use "
        "containerd for pulling and storing images'), or a docker-container builder; see "
        "docs/reproducible-builds.md."
    )


def test_outside_git_there_is_no_commit_to_match(monkeypatch: pytest.MonkeyPatch) -> None:
    commands, _, printed = built(monkeypatch, Way(True, driver="docker"), None)
    assert commands == [shown(f"docker build -t simple-api {BASES} .")]
    assert "asked the engine" not in printed
    assert any(x.startswith("Not reproducible: this folder is not a Git checkout") for x in printed)


def test_the_checks_builds_are_clean_and_tagged_apart() -> None:
    steps = reproducible.steps(
        Way(True, driver="docker"),
        settings.load(),
        CLEAN,
        "/s/1.tar",
        context="/s/clone-1/api",
        tag="simple-api-check-x:1",
        no_cache=True,
    )
    assert [s.words[:4] for s in steps] == [
        ["docker", "buildx", "build", "--no-cache"],
        ["docker", "load", "-i", "/s/1.tar"],
    ]
    assert (
        "type=oci,dest=/s/1.tar,name=simple-api-check-x:1,rewrite-timestamp=true" in steps[0].words
    )
    plain = reproducible.steps(
        Way(False), settings.load(), CLEAN, "", context="/c/api", tag="t:1", no_cache=True
    )
    assert plain[0].words == [
        "docker",
        "build",
        "--no-cache",
        "-t",
        "t:1",
        *BASES.split(),
        "/c/api",
    ]


# ---- how the engine is tried --------------------------------------------------------------
def fake_docker(monkeypatch: pytest.MonkeyPatch, answers: dict[str, tuple[int, str, str]]) -> list:
    """docker as an engine would answer: the first words of each question -> (rc, out, err);
    a probe that succeeds writes an OCI archive whose file is dated 0."""
    asked: list[list[str]] = []

    def ask(*args: str) -> subprocess.CompletedProcess[str]:
        asked.append(list(args))
        key = " ".join(args[:2]) + (f" {args[3]}" if args[2:3] == ("--builder",) else "")
        code, out, err = answers.get(key, (1, "", "unknown"))
        if key.startswith("buildx build") and code == 0:
            dest = next(w for w in args if w.startswith("type=oci,dest="))
            write_probe(Path(dest.split("=")[2].split(",")[0]), mtime=0)
        return subprocess.CompletedProcess(["docker", *args], code, out, err)

    monkeypatch.setattr(reproducible.docker, "query", ask)
    return asked


def write_probe(archive: Path, mtime: int) -> None:
    """An OCI archive of one manifest whose one layer holds `stamp`, dated mtime."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        info = tarfile.TarInfo("stamp")
        info.size, info.mtime = 3, mtime
        tar.addfile(info, io.BytesIO(b"hi\n"))
    blobs = {"layer": layer.getvalue()}
    blobs["manifest"] = json.dumps({"layers": [{"digest": "sha256:layer"}]}).encode()
    index = json.dumps({"manifests": [{"digest": "sha256:manifest"}]}).encode()
    with tarfile.open(archive, "w") as oci:
        for name, data in [("index.json", index)] + [
            (f"blobs/sha256/{k}", v) for k, v in blobs.items()
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            oci.addfile(info, io.BytesIO(data))


def test_no_buildx_is_engine_20_10s_case(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_docker(
        monkeypatch, {"buildx inspect": (1, "", "docker: 'buildx' is not a docker command.")}
    )
    assert reproducible.find_way() == Way(False, why_not=reproducible.NO_BUILDX)


def test_the_containerd_store_is_found_by_a_probe_that_comes_out_dated_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = fake_docker(
        monkeypatch,
        {
            "buildx inspect": (0, "Name:   default\nDriver: docker\n", ""),
            "buildx build": (0, "", ""),
        },
    )
    assert reproducible.find_way() == Way(True, driver="docker")
    probe = asked[1]
    assert probe[:2] == ["buildx", "build"] and "SOURCE_DATE_EPOCH=0" in probe
    assert any(w.startswith("type=oci,") and w.endswith(",rewrite-timestamp=true") for w in probe)


def test_the_classic_store_refuses_and_an_existing_container_builder_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = "\n".join(
        json.dumps({"Name": name, "Driver": driver})
        for name, driver in [("default", "docker"), ("theirs", "docker-container")]
    )
    asked = fake_docker(
        monkeypatch,
        {
            "buildx inspect": (0, "Driver: docker\n", ""),
            "buildx build": (1, "", CLASSIC_STORE_REFUSAL),
            "buildx ls": (0, listed, ""),
            "buildx build theirs": (0, "", ""),
        },
    )
    assert reproducible.find_way() == Way(True, driver="docker-container", builder="theirs")
    assert not any(a[:2] == ["buildx", "create"] for a in asked), "never creates a builder"


def test_the_classic_store_without_another_builder_says_what_the_builder_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_docker(
        monkeypatch,
        {
            "buildx inspect": (0, "Driver: docker\n", ""),
            "buildx build": (1, "", CLASSIC_STORE_REFUSAL),
            "buildx ls": (0, json.dumps({"Name": "default", "Driver": "docker"}), ""),
        },
    )
    assert reproducible.find_way() == Way(
        False,
        why_not="its builder (docker driver) cannot rewrite the dates in a build: "
        "OCI exporter is not supported for the docker driver.",
    )


def test_a_probe_whose_file_keeps_its_date_does_not_count(tmp_path: Path) -> None:
    """An exporter that takes rewrite-timestamp without doing it (older BuildKit ignores
    options it does not know) is no way to identical digests."""
    write_probe(tmp_path / "kept.tar", mtime=1795984999)
    write_probe(tmp_path / "rewritten.tar", mtime=0)
    assert reproducible.stamp_date(tmp_path / "kept.tar") == 1795984999
    assert reproducible.stamp_date(tmp_path / "rewritten.tar") == 0
    (tmp_path / "broken.tar").write_bytes(b"not a tar")
    assert reproducible.stamp_date(tmp_path / "broken.tar") is None


def test_changed_paths_of_git_status_include_both_names_of_a_rename() -> None:
    status = " M api/app.py\0R  api/new.py\0api/old.py\0?? api/notes.txt\0"
    assert reproducible.changed_paths(status) == (
        "api/app.py",
        "api/new.py",
        "api/notes.txt",
        "api/old.py",
    )
    assert reproducible.changed_paths("") == ()


def member(kind: str, mtime: int, digest: str = "") -> layers.Member:
    return layers.Member(kind, 0o755, (0, 0), mtime, "", digest)


def test_only_folder_dates_accepts_nothing_else() -> None:
    one = {"opt": member("dir", 1), "opt/a": member("file", 0, "x")}
    assert layers.only_folder_dates(one, {**one, "opt": member("dir", 2)})
    assert not layers.only_folder_dates(one, {**one, "opt/a": member("file", 5, "x")})
    assert not layers.only_folder_dates(one, {**one, "opt/a": member("file", 0, "y")})
    assert not layers.only_folder_dates(one, {"opt": member("dir", 1)})
