"""Public images that cannot be pulled here, stood in for by local ones.

Students' files and the statement's commands name public images literally
(`FROM python:3.12-slim`, `image: postgres:16`, `docker run hello-world`, `docker run
alpine ...`). Where no registry answers, the kit's own CI sandbox names a local
stand-in for each in the environment (../shared/docker-sandbox/README.md: PYTHON_IMAGE,
POSTGRES_IMAGE, ALPINE_STANDIN, HELLO_WORLD_STANDIN); a stand-in is tagged under the
public name for the duration of a run, then the tag is removed. Nowhere else: with a
registry and none of these variables, the real images are pulled.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

from kit.docker import image_id
from kit.settings import DEFAULT_IMAGES

# The public images the statement and its model answer (corrige/) name, and the
# variable that names a local stand-in for each.
STAND_INS = {
    DEFAULT_IMAGES["PYTHON_IMAGE"]: "PYTHON_IMAGE",
    DEFAULT_IMAGES["POSTGRES_IMAGE"]: "POSTGRES_IMAGE",
    "alpine": "ALPINE_STANDIN",
    "hello-world": "HELLO_WORLD_STANDIN",
}


def stand_in_under(local: str | None, *public: str) -> list[str]:
    """Tag local under each public name that is absent; the names made (for `remove`)."""
    made = []
    for name in public:
        if local and name != local and not image_id(name):
            subprocess.run(["docker", "tag", local, name], capture_output=True, check=True)
            made.append(name)
    return made


def statement_images(env: Mapping[str, str], *public: str) -> dict[str, str]:
    """The public images named (all of STAND_INS by default) that env stands in for and
    that are absent, tagged on their stand-ins: {public name: stand-in}, for `remove`."""
    made = {}
    for name in public or tuple(STAND_INS):
        local = env.get(STAND_INS[name])
        if stand_in_under(local, name):
            made[name] = local
    return made


def remove(names: list[str] | Mapping[str, str]) -> None:
    """Remove the tags made (the stand-ins stay under their own names)."""
    if names:
        subprocess.run(["docker", "image", "rm", *names], capture_output=True, check=False)


def stood_in(env: Mapping[str, str]) -> dict[str, str]:
    """The public images that are, right now, the stand-ins env names (whoever tagged
    them): {public name: stand-in}, for a run's notice."""
    found = {}
    for name, variable in STAND_INS.items():
        local = env.get(variable)
        if local and local != name and (public := image_id(name)) and public == image_id(local):
            found[name] = local
    return found
