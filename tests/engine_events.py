"""What the engine did while a block ran, from its own event stream, and what of a
grading is left on it. Several engineers and CI jobs share one engine: a test judges
only the objects its gradings made (found by the grader's names in the events), never
the engine's whole state."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import threading
from typing import Any

from helpers import docker, unique_name, wait_until

# Every name a grading gives (project, image tags, networks, volumes) starts so.
GRADING = re.compile(r"tp1-grade-[0-9a-f]{8}")


class EngineEvents:
    """`with EngineEvents() as seen:` every event of the engine while the block runs.

    Streamed, not asked for afterwards (the engine keeps only its last few hundred):
    a network made and removed under a unique name marks the start and the end, and
    the stream delivers in order, so all that happened in between has arrived."""

    def __enter__(self) -> EngineEvents:
        self.events: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            ["docker", "events", "--format", "{{json .}}"],
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        try:
            self.mark()
        except BaseException:
            self.process.kill()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.mark()
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with contextlib.suppress(ValueError):
                self.events.append(json.loads(line))

    def mark(self) -> None:
        name = unique_name("tp1-events-mark")
        docker("network", "create", name)
        docker("network", "rm", name)
        wait_until(
            lambda: any(
                e.get("Action") == "destroy" and name in json.dumps(e) for e in self.events[:]
            ),
            timeout=30,
            what="the engine's events to arrive",
        )

    def naming(self, word: str) -> list[dict[str, Any]]:
        """The container, image, volume and network events that name word."""
        kinds = ("container", "image", "volume", "network")
        return [e for e in self.events[:] if e.get("Type") in kinds and word in json.dumps(e)]

    def gradings(self) -> set[str]:
        """The projects of the gradings that made anything while the block ran."""
        return {name for event in self.events[:] for name in GRADING.findall(json.dumps(event))}


def left_by_gradings(seen: EngineEvents) -> list[str]:
    """What the gradings seen made and left on the engine: containers, images,
    networks, volumes (anonymous ones included: those its containers mounted)."""
    left = []
    for project in seen.gradings():
        made = {e["Actor"]["ID"] for e in seen.naming(project) if e["Type"] == "container"}
        mounted = {
            e["Actor"]["ID"]
            for e in seen.events[:]
            if e.get("Type") == "volume" and e["Actor"]["Attributes"].get("container") in made
        }
        existing = set(docker("ps", "-aq", "--no-trunc").stdout.split())
        left += [f"container {c[:12]} of {project}" for c in made & existing]
        for kind, listing in (
            ("image", ["images", "--format", "{{.Repository}}:{{.Tag}}"]),
            ("network", ["network", "ls", "--format", "{{.Name}}"]),
            ("volume", ["volume", "ls", "--format", "{{.Name}}"]),
        ):
            names = docker(*listing).stdout.split()
            left += [
                f"{kind} {n}" for n in names if project in n or (kind == "volume" and n in mounted)
            ]
    return left
