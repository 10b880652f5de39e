"""Public images that cannot be pulled here, stood in for by local ones.

Students' files and the statement's commands name public images literally
(`FROM python:3.11-slim`, `image: postgres:16`, `docker run hello-world`). Where no
registry answers (the kit's own CI sandbox sets PYTHON_IMAGE and POSTGRES_IMAGE to
its stand-ins), a stand-in is tagged under the public name for the duration of a
run, then the tag is removed (../shared/docker-sandbox/README.md). Nowhere else:
with a registry, the real images are pulled.
"""

from __future__ import annotations

import subprocess

HELLO = 'FROM {local}\nCMD ["echo", "Hello from Docker!"]\n'


def image_id(name: str) -> str:
    result = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Id}}", name],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def stand_in_under(local: str | None, *public: str) -> list[str]:
    """Tag local under each public name that is absent; the names made (for `remove`)."""
    made = []
    for name in public:
        if local and name != local and not image_id(name):
            subprocess.run(["docker", "tag", local, name], capture_output=True, check=True)
            made.append(name)
    return made


def hello_world(local: str | None) -> list[str]:
    """`hello-world`, imitated by a one-line image on local when it is absent."""
    if not local or image_id("hello-world"):
        return []
    subprocess.run(
        ["docker", "build", "-q", "-t", "hello-world", "-"],
        input=HELLO.format(local=local).encode(),
        capture_output=True,
        check=True,
    )
    return ["hello-world"]


def remove(names: list[str]) -> None:
    """Remove the tags made (the stand-ins stay under their own names)."""
    if names:
        subprocess.run(["docker", "image", "rm", *names], capture_output=True, check=False)
