"""A grading as GitHub Classroom's autograding reporter reads it
(classroom-resources/autograding-grading-reporter@v1, like its predecessor under
github-education-resources): a runner's `result` output is Base64-encoded JSON with
`version`, `status` (pass, fail or error), `max_score` and `tests` (`name`, `status`,
`score`, `message`). The reporter reads it from the variable `<RUNNER ID>_RESULTS` of
each runner named in its `runners` input, and shows "Points X/Y", X the sum of the
tests' scores, Y the sum of the runners' max_score.

A test is a statement step (its checks together): one point by default, or the weight
a teacher gives it (`--weights FILE`: JSON, {"5.3": 2, "8": 3}). A step that could not
be checked here is left out of max_score.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from kit.grading.messages import _
from kit.grading.verdict import DEVIATES, FAILED, PASSED, UNAVAILABLE
from kit.statement import title

VERSION = 1


def weights(path: Path | None) -> dict[str, float]:
    """The weights of a --weights file: {step: points}; ValueError when it is not one."""
    if path is None:
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        said = _("--weights {path}: not a JSON file ({error}).")
        raise ValueError(said.format(path=path, error=error)) from None
    if not isinstance(found, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in found.values()
    ):
        said = _('--weights {path}: write {{"STEP": POINTS, ...}}, e.g. {{"5.3": 2}}.')
        raise ValueError(said.format(path=path))
    return {str(step): number(points) for step, points in found.items()}


def number(points: float) -> float:
    """Points as JSON writes them best: 2, not 2.0."""
    return int(points) if float(points).is_integer() else points


def steps(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The checks of a grading's JSON by statement step, in order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for check in result.get("checks", []):
        found.setdefault(check["step"], []).append(check)
    return found


def outcome(checks: list[dict[str, Any]]) -> str:
    """A step's outcome: failed if a check failed or deviates, else not checkable if
    one could not be checked, else passed."""
    outcomes = {check["outcome"] for check in checks}
    if outcomes & {FAILED, DEVIATES}:
        return FAILED
    return UNAVAILABLE if UNAVAILABLE in outcomes else PASSED


def report(result: dict[str, Any], points: dict[str, float]) -> dict[str, Any]:
    """The reporter's JSON for a grading's JSON (an "error" key: not graded)."""
    if result.get("error"):
        message = "; ".join([result["error"], *result.get("unsafe", [])])
        test = {"name": _("TP1 graded"), "status": "error", "score": 0, "message": message}
        return {"version": VERSION, "status": "error", "max_score": 0, "tests": [test]}
    tests, max_score = [], 0.0
    for step, checks in steps(result).items():
        said = outcome(checks)
        weight = points.get(step, 1)
        if said != UNAVAILABLE:
            max_score += weight
        details = [c["detail"] for c in checks if c["outcome"] != PASSED] or [checks[0]["detail"]]
        tests.append(
            {
                "name": f"{step} {title(step)}",
                "status": {PASSED: "pass", FAILED: "fail"}.get(said, "error"),
                "score": weight if said == PASSED else 0,
                "message": ("" if said != UNAVAILABLE else _("not counted: "))
                + " | ".join(details),
                "test_code": "; ".join(c.get("command", "") for c in checks),
            }
        )
    failed = any(t["status"] == "fail" for t in tests)
    return {
        "version": VERSION,
        "status": "fail" if failed else "pass",
        "max_score": number(max_score),
        "tests": tests,
    }


def encoded(reporter_json: dict[str, Any]) -> str:
    """What the reporter reads: the JSON, Base64-encoded on one line."""
    text = json.dumps(reporter_json, ensure_ascii=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def write(result: dict[str, Any], path: Path, points: dict[str, float]) -> dict[str, Any]:
    made = report(result, points)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(encoded(made) + "\n", encoding="ascii")
    return made
