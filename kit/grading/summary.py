"""A class's results as one Markdown page: a row per repository (a grading with steps
that could not be checked is marked so, never as a full pass), then how many students
passed each step (what to explain again), as a table and as a chart beside it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kit.chart import share_chart
from kit.grading.classroom import outcome, steps
from kit.grading.messages import _
from kit.grading.refusals import said
from kit.grading.verdict import FAILED, PASSED, UNAVAILABLE, unchecked
from kit.statement import title


def slug(origin: str) -> str:
    """A file name for a repository's result, from its path or URL."""
    tail = re.sub(r"\.git$", "", origin.rstrip("/\\"))
    tail = "-".join(re.split(r"[/\\:]+", tail)[-2:])
    return re.sub(r"[^\w.-]+", "-", tail).strip("-") or "repo"


def failed_steps(result: dict[str, Any]) -> list[str]:
    return [step for step, checks in steps(result).items() if outcome(checks) == FAILED]


def unchecked_steps(result: dict[str, Any]) -> list[str]:
    return [step for step, checks in steps(result).items() if outcome(checks) == UNAVAILABLE]


def score(result: dict[str, Any]) -> str:
    """passed/total, and how many checks could not be checked when some could not."""
    said = f"{result.get('passed', 0)}/{result.get('total', 0)}"
    if count := unchecked(result):
        said += _(", {count} not checkable").format(count=count)
    return said


def per_step(results: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """{step: (students who passed it, students for whom it was checked)}, in order."""
    counts: dict[str, list[int]] = {}
    for result in results:
        for step, checks in steps(result).items():
            said = outcome(checks)
            if said != UNAVAILABLE:
                counts.setdefault(step, [0, 0])
                counts[step][0] += said == PASSED
                counts[step][1] += 1
    ordered = sorted(counts.items(), key=lambda kv: step_key(kv[0]))
    return {step: (passed, graded) for step, (passed, graded) in ordered}


def markdown(results: list[dict[str, Any]], chart: str = "") -> str:
    lines = [
        _("# TP1: grades of the class"),
        "",
        _(
            "Written by `invoke grade-class`: the lab statement's commands replayed on each "
            "repository. ✔ passed, ✗ failed, ≠ deviates from the statement, ? could not be "
            "checked here (not counted: grade those steps by hand)."
        ),
        "",
        _("| repository | commit | passed / total | could not be checked | steps not passed |"),
        "|---|---|---|---|---|",
    ]
    for result in results:
        commit = (result.get("commit") or "")[:12] or "—"
        if result.get("error"):
            unsafe = "; ".join(result.get("unsafe", []))
            why = said(result["error"], unsafe) if unsafe else result["error"]
            lines.append(f"| {result['repo']} | {commit} | {_('not graded')} | — | {cell(why)} |")
            continue
        unchecked = ", ".join(f"? {step}" for step in unchecked_steps(result)) or "—"
        failed = ", ".join(failed_steps(result)) or "—"
        lines.append(f"| {result['repo']} | {commit} | {score(result)} | {unchecked} | {failed} |")
    lines += ["", _("## Per step: how many passed"), ""]
    if chart:
        lines += [f"![{_('How many passed each step')}]({chart})", ""]
    lines += [_("| step | title | passed |"), "|---|---|---|"]
    for step, (passed, graded) in per_step(results).items():
        lines.append(f"| {step} | {title(step)} | {passed}/{graded} |")
    return "\n".join(lines) + "\n"


def write(results: list[dict[str, Any]], path: Path) -> None:
    """grades.md, and its chart beside it (grades.svg)."""
    chart = path.with_suffix(".svg")
    shares = {f"{step} {title(step)}"[:40]: counts for step, counts in per_step(results).items()}
    share_chart(shares, _("How many passed each step"), chart)
    path.write_text(markdown(results, chart.name), encoding="utf-8")


def step_key(step: str) -> tuple[int, ...]:
    return tuple(int(part) for part in step.split("."))


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
