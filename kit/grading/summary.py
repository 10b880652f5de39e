"""A class's results as one Markdown page: a row per repository, then how many
students passed each step (what to explain again)."""

from __future__ import annotations

import re
from typing import Any

from kit.statement import title


def slug(origin: str) -> str:
    """A file name for a repository's result, from its path or URL."""
    tail = re.sub(r"\.git$", "", origin.rstrip("/\\"))
    tail = "-".join(re.split(r"[/\\:]+", tail)[-2:])
    return re.sub(r"[^\w.-]+", "-", tail).strip("-") or "repo"


def failed_steps(result: dict[str, Any]) -> list[str]:
    checks = result.get("checks", [])
    return list(dict.fromkeys(c["step"] for c in checks if c["outcome"] in ("failed", "deviates")))


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "# TP1: grades of the class",
        "",
        "Written by `invoke grade --class-list`: the lab statement's commands replayed "
        "on each repository. ✔ passed, ✗ failed, ≠ deviates from the statement, "
        "? cannot be checked here (not counted).",
        "",
        "| repository | commit | passed / total | steps not passed |",
        "|---|---|---|---|",
    ]
    for result in results:
        commit = (result.get("commit") or "")[:12] or "—"
        if result.get("error"):
            unsafe = "; ".join(result.get("unsafe", []))
            why = f"{result['error']}{': ' + unsafe if unsafe else ''}"
            lines.append(f"| {result['repo']} | {commit} | not graded | {cell(why)} |")
            continue
        score = f"{result['passed']}/{result['total']}"
        steps = ", ".join(failed_steps(result)) or "—"
        lines.append(f"| {result['repo']} | {commit} | {score} | {steps} |")
    lines += ["", "## Per step: how many passed", "", "| step | title | passed |", "|---|---|---|"]
    counts: dict[str, list[int]] = {}
    for result in results:
        seen: dict[str, bool] = {}
        for check in result.get("checks", []):
            if check["outcome"] != "unavailable":
                seen[check["step"]] = seen.get(check["step"], True) and check["ok"]
        for step, ok in seen.items():
            counts.setdefault(step, [0, 0])
            counts[step][0] += ok
            counts[step][1] += 1
    for step, (passed, graded) in sorted(counts.items(), key=lambda kv: step_key(kv[0])):
        lines.append(f"| {step} | {title(step)} | {passed}/{graded} |")
    return "\n".join(lines) + "\n"


def step_key(step: str) -> tuple[int, ...]:
    return tuple(int(part) for part in step.split("."))


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
