"""The API image as the lab builds it: `docker build -t simple-api .` in api/."""

from __future__ import annotations

from invoke import Context

from kit import dates
from kit.settings import ROOT, Settings
from kit.shell import dry

# The label api/Dockerfile puts on the kit's images.
KIT_LABEL = "tp1-lab-kit.image=api"


def build_command(
    settings: Settings, context: str = ".", tag: str = "", options: list[str] | None = None
) -> list[str]:
    """The lab's `docker build -t simple-api .`, with the base images' build args when set
    (and options, such as --no-cache, before -t)."""
    tag = tag or settings.api_image
    return ["docker", "build", *(options or []), "-t", tag, *settings.build_arg_words, context]


def date_as_committed(c: Context) -> None:
    """Files of api/ dated by their last commit, not by the checkout, so that two clones
    build the same layers (kit/dates.py)."""
    if not dry(c) and (dated := dates.date_as_committed(ROOT)):
        print(f"# {len(dated)} files of api/ dated at their last commit (reproducible layers)")
