"""What a grading says: a `Check` per step (its outcome, detail and the command shown)
and the `Grade` of a repository, as printed and as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kit import statement

PASSED, FAILED, DEVIATES, UNAVAILABLE = "passed", "failed", "deviates", "unavailable"
MARKS = {PASSED: "✔", FAILED: "✗", DEVIATES: "≠", UNAVAILABLE: "?"}


def unchecked(result: dict[str, Any]) -> int:
    """How many checks of a grading's JSON could not be checked here (not counted)."""
    return len(result.get("checks", [])) - result.get("total", 0)


@dataclass
class Check:
    step: str
    title: str
    outcome: str
    detail: str
    command: str = ""

    @classmethod
    def of(cls, step: str, outcome: str, detail: str, command: str = "") -> Check:
        """A check of step, titled as the statement titles it."""
        return cls(step, statement.title(step), outcome, detail, command)

    @property
    def ok(self) -> bool:
        return self.outcome == PASSED

    def line(self) -> str:
        shown = f"  $ {self.command}\n" if self.command else ""
        return f"{MARKS[self.outcome]} {self.step} {self.title}\n{shown}    {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Grade:
    repo: str
    commit: str | None
    root: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(check.ok for check in self.checks)

    @property
    def total(self) -> int:
        """Checks that count: one that cannot be made here never counts against anyone."""
        return sum(check.outcome != UNAVAILABLE for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        checks = [check.as_json() for check in self.checks]
        return {
            "repo": self.repo,
            "commit": self.commit,
            "root": self.root,
            "checks": checks,
            "passed": self.passed,
            "total": self.total,
        }
