"""`invoke build --check`: two clean builds of the last commit, compared.

Each build starts from a clone of the commit of its own, in a scratch folder (the
second dated a day later, as a clone made tomorrow would be), and builds as
`invoke build` does, with `--no-cache`: no layer of the build cache is reused, and
none of the user's cache is removed (uv's download cache mount stays: it holds
hash-checked wheels, not build results). The same image ID: reproducible to the byte.
Else the first layer and member that differ (kit/layers.py). On an engine that cannot
rewrite dates the check passes when only folders' dates differ, which is all such an
engine promises; on one that can, any difference fails it.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from invoke import Context, Exit

from kit import dates, layers, quiet, reproducible
from kit.settings import ROOT, Settings
from kit.shell import sh, succeed

DAY = 86400


def check(c: Context, settings: Settings, root: Path = ROOT) -> None:
    """Build the last commit twice and compare; an Exit when the engine's promise is broken."""
    commit = reproducible.head(root)
    if commit is None:
        raise Exit("invoke build --check needs a Git checkout: it builds the last commit.", 2)
    commit = reproducible.Commit(commit.sha, commit.epoch)  # a clone has no local changes
    way = reproducible.find_way()
    print(f"# Two builds of commit {commit.short}, each from a clean clone, with --no-cache.")
    print(f"# What this engine promises: {reproducible.guarantee(way, commit)}")
    name = settings.api_image.rpartition(":")[0] or settings.api_image
    tags = [f"{name}-check-{uuid.uuid4().hex[:8]}:{n}" for n in (1, 2)]
    try:
        with tempfile.TemporaryDirectory(prefix="tp1-build-check-") as tmp:
            for number, tag in enumerate(tags):
                clone = Path(tmp) / f"clone-{number + 1}"
                make_clone(root, commit.sha, clone, later=DAY * number)
                archive = str(Path(tmp) / f"image-{number + 1}.tar")
                context = str(clone / "api")
                made = reproducible.steps(
                    way, settings, commit, archive, context=context, tag=tag, no_cache=True
                )
                for step in made:
                    succeed(sh(c, *step.words, env=step.env), step.what)
            compare(way, tags, Path(tmp))
    finally:
        quiet.run(["docker", "image", "rm", *tags])


def make_clone(root: Path, sha: str, clone: Path, later: float) -> None:
    """A clone of root at sha, dated as `invoke build` dates api/; its files first dated
    `later` seconds from now, as a clone made then would date them."""
    for words in (
        ["git", "clone", "--quiet", "--no-checkout", "--no-hardlinks", str(root), str(clone)],
        ["git", "-C", str(clone), "checkout", "--quiet", sha],
    ):
        made = quiet.run(words)
        if made.returncode:
            raise Exit(f"`{' '.join(words)}` failed: {made.stderr.strip()}", 1)
    if later:
        when = time.time() + later
        for path in clone.rglob("*"):
            os.utime(path, (when, when), follow_symlinks=False)
    dates.date_as_committed(clone)


def compare(way: reproducible.Way, tags: list[str], scratch: Path) -> None:
    """Say whether the two images are the same, and if not, where they first differ."""
    ids = [reproducible.image_id(tag) for tag in tags]
    if ids[0] == ids[1]:
        print(f"The same image ID from both builds: {ids[0]}")
        print("Reproducible to the byte on this engine.")
        return
    print(f"The image IDs differ: {ids[0]} and {ids[1]}")
    one, other = (layers.diff_ids(tag) for tag in tags)
    only_folder_dates = len(one) == len(other)
    if one == other:
        print("Every layer is the same: the images' own records differ (their dates).")
    else:
        pairs = enumerate(zip(one, other, strict=False))
        first = next((i for i, (a, b) in pairs if a != b), min(len(one), len(other)))
        saved = [
            layers.saved_layers(tag, scratch / f"saved-{n}", first=first)
            for n, tag in enumerate(tags)
        ]
        shown = False
        for index, (a, b) in enumerate(zip(*saved, strict=False), start=first):
            if (found := layers.differences(a, b)) and not shown:
                print(
                    f"First difference: layer {index + 1} of {len(one)} ({one[index][:19]}... "
                    f"and {other[index][:19]}...), {len(found)} member(s) differ, the first: "
                    f"{found[0]}"
                )
                shown = True
            only_folder_dates = only_folder_dates and layers.only_folder_dates(a, b)
    if way.rewrite:
        raise Exit(
            "Not reproducible: this engine rewrites dates, yet two clean builds of one "
            "commit differ (see above).",
            1,
        )
    if not only_folder_dates:
        raise Exit(
            "The layers differ by more than folders' dates (see above): even the contents "
            "of the build are not reproducible.",
            1,
        )
    print(
        "As this engine promises: the same files in every layer, but for the dates of "
        f"folders; identical digests need what it lacks ({way.why_not})."
    )
