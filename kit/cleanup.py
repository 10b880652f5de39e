"""What `invoke clean` removes: only what the kit made, unless asked for more."""

from __future__ import annotations

from collections.abc import Iterator

from kit import docker
from kit.image import KIT_LABEL
from kit.settings import Settings


def risks(volumes: bool, everything: bool) -> list[str]:
    """What the user must agree to first: losing data, or touching what is not the kit's."""
    return [
        *(["delete the database volume and its data"] if volumes else []),
        *(
            ["prune every stopped container and dangling image on this engine"]
            if everything
            else []
        ),
    ]


def commands(
    settings: Settings, volumes: bool, everything: bool, dry: bool
) -> Iterator[tuple[str, list[str]]]:
    """Each command to run, with what it is, in order. Asked for one at a time, so that
    each question to the engine comes after the commands before it (under --dry: none)."""
    down = ["docker", "compose", "down", *(["-v"] if volumes else []), "--remove-orphans"]
    yield "docker compose down", down
    if dry or docker.inspect(settings.run_container):
        yield "docker rm", ["docker", "rm", "-f", settings.run_container]
    if dry or docker.image_exists(settings.api_image):
        yield "docker image rm", ["docker", "image", "rm", settings.api_image]
    # Earlier builds of the API image, untagged by later ones (break-app, fix-app, edits).
    prune_ours = ["docker", "image", "prune", "-f", "--filter", f"label={KIT_LABEL}"]
    yield "docker image prune", prune_ours
    if everything:
        yield "docker container prune", ["docker", "container", "prune", "-f"]
        yield "docker image prune", ["docker", "image", "prune", "-f"]
