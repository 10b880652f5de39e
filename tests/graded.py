"""Small tools for the grader's tests: `invoke grade` as a user types it, its JSON, and
what GitHub Classroom's reporter reads of its --classroom file; the grader's messages in
a language; Debian 13's Compose where this machine has it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from engine_events import EngineEvents, left_by_gradings
from helpers import invoke

from kit.grading import messages
from kit.grading.classroom import steps as by_step  # the checks of a grading by step

# Debian 13's docker-compose, where the sandbox's engine 26 was fetched on this machine
# (`config` runs with no engine).
COMPOSE_2_26 = Path(
    "/opt/docker-sandbox/engine-26/root/usr/libexec/docker/cli-plugins/docker-compose"
)
POSIX = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")


def grade(*args: str) -> subprocess.CompletedProcess[str]:
    """`invoke grade ARGS`, in English unless ARGS choose (the locale may be French)."""
    return invoke("grade", *args, *([] if "--lang" in args else ["--lang", "en"]))


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """The grader's messages in language within the block (in this process), English after."""
    messages.use(language)
    try:
        yield
    finally:
        messages.use("en")


def graded(repo: Path, tmp_path: Path, *args: str) -> tuple[int, dict, str]:
    """Grade repo; its exit code, its JSON and its output. Asserts it left nothing."""
    with EngineEvents() as seen:
        result = grade(str(repo), "--json", str(tmp_path / "grade.json"), *args)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert_nothing_left(seen)
    report = json.loads((tmp_path / "grade.json").read_text(encoding="utf-8"))
    return result.returncode, report, output


def assert_nothing_left(seen: EngineEvents) -> None:
    """Nothing of the gradings seen is left: containers, images, networks, volumes
    (anonymous ones included). The engine is shared: only theirs are judged."""
    left = left_by_gradings(seen)
    assert not left, f"the grader left: {left}"


def passed(report: dict, step: str) -> bool:
    return all(check["ok"] for check in by_step(report)[step])


def first_fails(report: dict, steps: tuple[str, ...], *words: str) -> None:
    """The first check of each step failed, its detail saying each of words."""
    for step in steps:
        first = by_step(report)[step][0]
        assert first["outcome"] == "failed", first
        assert all(said in first["detail"] for said in words), (words, first)


def reporter_reads(path: Path, runner: str = "tp1") -> tuple[dict[str, Any], str]:
    """What autograding-grading-reporter@v1 does with the file's text set as the
    variable `<RUNNER>_RESULTS` (its src/main.js): Base64-decoded, parsed as JSON; then
    its shape checked, and the "Points X/Y" it writes (src/notify-classroom.js: X the
    sum of the tests' scores, Y the max_score)."""
    environment = {f"{runner.upper()}_RESULTS": path.read_text(encoding="ascii").strip()}
    results = json.loads(base64.b64decode(environment[f"{runner.upper()}_RESULTS"]))
    assert results["version"] == 1 and results["status"] in ("pass", "fail", "error")
    assert isinstance(results["max_score"], int | float) and isinstance(results["tests"], list)
    for test in results["tests"]:
        assert {"name", "status", "score", "message"} <= set(test), test
        assert test["status"] in ("pass", "fail", "error") and isinstance(
            test["score"], int | float
        )
    points = sum(test["score"] for test in results["tests"])
    return results, f"Points {points}/{results['max_score']}"
