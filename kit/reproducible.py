"""The API image as `invoke build` makes it: from a clean checkout, the same to the byte
as any clean build of its commit, wherever the engine can do it.

What makes two builds of one commit differ is dates: the folders each `COPY` writes
into and the image's own record carry the build's time. BuildKit rewrites them all
to SOURCE_DATE_EPOCH (`rewrite-timestamp=true`), but only through exporters that
Docker's classic image store refuses. So the engine is tried, never judged by its
version (Debian's engine reports its BuildKit as v0.0.0+unknown): buildx must answer,
and a one-file image whose file is dated today must come out of the OCI exporter
dated SOURCE_DATE_EPOCH. That works with the containerd image store (Docker Desktop's
default on new installs), and with a docker-container builder the user already has
(the kit never creates one). There the image is exported dated by the last commit
and loaded under its tag; elsewhere, and whenever api/ differs from the commit (an
edit being tried: no other build could match it), the build is the lab's own
`docker build`, which rebuilds an edit in a fraction of a second.
docs/reproducible-builds.md says what is identical on which engine, as measured.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from invoke import Context

from kit import dates, docker, image, layers
from kit.settings import DEFAULT_IMAGES, ROOT, Settings
from kit.shell import dry, sh, succeed

DOC = "docs/reproducible-builds.md"
# The probe: its one layer tells whether the exporter rewrote its file's date.
PROBE_DOCKERFILE = "FROM scratch\nCOPY stamp /stamp\n"
NO_BUILDX = "it has no buildx, the only way to rewrite the dates in a build"
# How to get identical digests, for the line that says they differ.
HOW = (
    "For identical digests: Docker Engine 26 or later with buildx and the containerd image "
    "store (Docker Desktop: Settings > General > 'Use containerd for pulling and storing "
    f"images'), or a docker-container builder; see {DOC}."
)


@dataclass(frozen=True)
class Way:
    """How the image is built: with its dates rewritten (reproducible to the byte) by the
    current builder or a docker-container one named here, or with the plain `docker
    build`, and why."""

    rewrite: bool
    # The builder's driver: "docker" is the engine's own builder (on the containerd image
    # store); any other builds apart from the engine and loads its result into it.
    driver: str = ""
    # A builder other than the current one ("": the current one).
    builder: str = ""
    # Without rewrite: why the digests differ on this engine.
    why_not: str = ""


# Under --dry, or when api/ differs from its commit, the engine is not asked.
NOT_ASKED = Way(False, why_not="the engine was not asked")


@dataclass(frozen=True)
class Commit:
    """The commit the build context comes from: what a reproducible build is a build of."""

    sha: str
    epoch: int
    # Files of api/ that differ from it (changed, or not committed).
    changed: tuple[str, ...] = ()

    @property
    def short(self) -> str:
        return self.sha[:12]

    @property
    def when(self) -> str:
        return f"{dt.datetime.fromtimestamp(self.epoch, dt.UTC):%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Step:
    """A command to show and run, with what it adds to the environment."""

    words: list[str]
    what: str
    env: dict[str, str] = field(default_factory=dict)


def build(c: Context, settings: Settings) -> None:
    """`invoke build` (and `up`, `fix-app`, `dev` before they start the stack): api/ dated
    by Git, built the best way this engine allows, then one line saying what is
    guaranteed, the image ID and what to compare it with."""
    image.date_as_committed(c)
    way, commit = plan(ROOT, ask_engine=not dry(c))
    if dry(c):
        print("# --dry: the engine is not asked whether it can rewrite dates: the plain build")
    with tempfile.TemporaryDirectory(prefix="tp1-build-") as tmp, c.cd("api"):
        for step in steps(way, settings, commit, str(Path(tmp) / "image.tar")):
            if step.env:
                shown = " ".join(f"{k}={v}" for k, v in step.env.items())
                print(f"# in the environment too: {shown} (the last commit's time)")
            succeed(sh(c, *step.words, env=step.env), step.what)
    if not dry(c):
        print(guarantee(way, commit))
        print("\n".join(summary(way, commit, settings)))


def plan(root: Path, ask_engine: bool = True) -> tuple[Way, Commit | None]:
    """How to build root/api, and the commit it is a build of: the engine is tried only
    when api/ is as committed (and asked at all)."""
    commit = head(root)
    clean = commit is not None and not commit.changed
    return (find_way() if clean and ask_engine else NOT_ASKED), commit


def head(root: Path, folder: str = "api") -> Commit | None:
    """The checked-out commit and what differs from it under folder; None outside Git."""
    sha = (dates.git(root, "rev-parse", "--verify", "-q", "HEAD") or "").strip()
    epoch = (dates.git(root, "log", "-1", "--format=%ct", "HEAD") or "").strip()
    status = dates.git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", folder)
    if not sha or not epoch.isdigit() or status is None:
        return None
    return Commit(sha, int(epoch), changed_paths(status))


def changed_paths(status: str) -> tuple[str, ...]:
    """The paths of `git status --porcelain -z`: entries are "XY path", and a rename or
    copy (X is R or C) is followed by its old path as an entry of its own."""
    entries = iter(status.split("\0"))
    paths = set()
    for entry in entries:
        if len(entry) > 3:
            paths.add(entry[3:])
            if entry[0] in "RC":
                paths.add(next(entries, ""))
    return tuple(sorted(paths - {""}))


def find_way() -> Way:
    """Try the engine: the current builder first, then the docker-container builders it has."""
    current = docker.query("buildx", "inspect")
    if current.returncode != 0:
        return Way(False, why_not=NO_BUILDX)
    lines = current.stdout.splitlines()
    driver = next((x.partition(":")[2].strip() for x in lines if x.startswith("Driver:")), "")
    refused = try_rewrite()
    if refused is None:
        return Way(True, driver=driver or "docker")
    for name in container_builders():
        if try_rewrite(name) is None:
            return Way(True, driver="docker-container", builder=name)
    return Way(
        False,
        why_not=f"its builder ({driver} driver) cannot rewrite the dates in a build: {refused}",
    )


def container_builders() -> list[str]:
    """The docker-container builders buildx knows, by name (none where it cannot list them:
    `buildx ls --format` came with buildx 0.13)."""
    listed = docker.query("buildx", "ls", "--format", "json")
    names = []
    for line in listed.stdout.splitlines() if listed.returncode == 0 else []:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("Driver") == "docker-container" and entry.get("Name"):
            names.append(entry["Name"])
    return names


def try_rewrite(builder: str = "") -> str | None:
    """Build the probe with SOURCE_DATE_EPOCH=0 through the OCI exporter: None when its file
    comes out dated 1970-01-01, else why not (the builder's own words)."""
    with tempfile.TemporaryDirectory(prefix="tp1-probe-") as tmp:
        folder = Path(tmp)
        (folder / "Dockerfile").write_text(PROBE_DOCKERFILE, encoding="utf-8")
        (folder / "stamp").write_text("dated today\n", encoding="utf-8")
        archive = folder / "probe.tar"
        result = docker.query(
            "buildx",
            "build",
            *(["--builder", builder] if builder else []),
            "--quiet",
            "--provenance=false",
            "--build-arg",
            "SOURCE_DATE_EPOCH=0",
            "--output",
            f"type=oci,dest={archive},rewrite-timestamp=true",
            str(folder),
        )
        if result.returncode != 0:
            return refusal(result.stderr or result.stdout)
        return None if stamp_date(archive) == 0 else "the probe's file kept its date"


def refusal(output: str) -> str:
    """buildx ends a refusal with lines of advice: the line that says what failed."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no reason given"])[0]


def stamp_date(archive: Path) -> int | None:
    """The date of the probe's file in its OCI archive (one manifest, one layer), or None."""
    try:
        with tarfile.open(archive) as oci:

            def blob(digest: str) -> bytes:
                return oci.extractfile(f"blobs/sha256/{digest.partition(':')[2]}").read()

            index = json.loads(oci.extractfile("index.json").read())
            manifest = json.loads(blob(index["manifests"][0]["digest"]))
            layer = blob(manifest["layers"][0]["digest"])
        with tarfile.open(fileobj=io.BytesIO(layer), mode="r:*") as tar:
            return next((int(m.mtime) for m in tar if m.name.lstrip("./") == "stamp"), None)
    except (OSError, KeyError, IndexError, ValueError, AttributeError, tarfile.TarError):
        return None


def steps(
    way: Way,
    settings: Settings,
    commit: Commit | None,
    archive: str,
    *,
    context: str = ".",
    tag: str = "",
    no_cache: bool = False,
) -> list[Step]:
    """The commands that build context into tag (default: the API image's name); archive
    is a file for the OCI export, where the engine's own builder needs one."""
    tag = tag or settings.api_image
    cache = ["--no-cache"] if no_cache else []
    if not (way.rewrite and commit):
        return [Step(image.build_command(settings, context, tag, cache), "docker build")]
    epoch = str(commit.epoch)
    words = [
        "docker",
        "buildx",
        "build",
        *(["--builder", way.builder] if way.builder else []),
        *cache,
        # Attestations record how and where the build ran, not what it made: left out.
        "--provenance=false",
        "--build-arg",
        f"SOURCE_DATE_EPOCH={epoch}",
        *settings.build_arg_words,
    ]
    env = {"SOURCE_DATE_EPOCH": epoch}
    if way.driver == "docker":
        # The engine's own builder refuses to rewrite dates in an image it stores
        # ("conflicts with unpack"): it exports an OCI archive, which is then loaded.
        output = f"type=oci,dest={archive},name={tag},rewrite-timestamp=true"
        return [
            Step([*words, "--output", output, context], "docker buildx build", env),
            Step(["docker", "load", "-i", archive], "docker load"),
        ]
    # A builder of its own: buildx loads what it exports into the engine.
    output = f"type=docker,name={tag},rewrite-timestamp=true"
    return [Step([*words, "--output", output, context], "docker buildx build", env)]


def guarantee(way: Way, commit: Commit | None) -> str:
    """The one line that says what this build guarantees, and why not more."""
    if commit is None:
        return (
            "Not reproducible: this folder is not a Git checkout, so there is no commit to "
            "date the build by; this image ID is this build's only."
        )
    if commit.changed:
        shown = ", ".join(commit.changed[:3]) + (", ..." if len(commit.changed) > 3 else "")
        return (
            f"Not reproducible: api/ differs from commit {commit.short} ({shown}), so no other "
            "build can match this one; commit, then `invoke build` for the image of that commit."
        )
    if way.rewrite:
        return (
            f"Reproducible: the same image ID as any clean build of commit {commit.short} "
            f"({commit.when}) from the same base images."
        )
    return (
        f"Same layer contents as any build of commit {commit.short}, but for the dates of "
        f"the folders COPY makes; image digests differ on this engine: {way.why_not}. {HOW}"
    )


def summary(way: Way, commit: Commit | None, settings: Settings) -> list[str]:
    """The image ID, what it can be compared with, and the layers it adds to its base."""
    tag = settings.api_image
    lines = [f"image {tag}: {image_id(tag)}"]
    if way.rewrite and commit and not commit.changed:
        bases = ", ".join(f"{base} ({image_id(base)[:19]}...)" for base in base_images(settings))
        lines.append(
            f"compare with: the image ID of any clean build of commit {commit.short} on "
            f"{bases}; `invoke build --check` makes two from clean clones"
        )
    else:
        lines.append(
            "compare with: the layers below, member by member, with `invoke build --check` "
            "(two clean builds of the last commit); this image ID is this build's only"
        )
    return lines + layers.summary(tag, settings.python_image)


def base_images(settings: Settings) -> list[str]:
    return [settings.build_args.get(k, DEFAULT_IMAGES[k]) for k in ("PYTHON_IMAGE", "UV_IMAGE")]


def image_id(name: str) -> str:
    return docker.image_id(name) or "(none)"
