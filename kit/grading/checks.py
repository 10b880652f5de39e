"""Grade one lab: kit/statement.py's commands of parts 3 to 7, replayed in the student's
folder by the sandbox (sandbox.py) and each judged from what it returns (judge.py),
then the report of part 8. Step 7.4 (the deliberate break) and 7.5 (prunes of the
whole engine) are not replayed: they would grade the engine, not the student.
"""

from __future__ import annotations

from collections.abc import Callable

from kit import statement
from kit.grading import judge, safety, student_report
from kit.grading.sandbox import Sandbox
from kit.grading.source import Source
from kit.grading.verdict import Check, Grade

NOT_REPLAYED = ("7.4", "7.5")


def grade(source: Source, say: Callable[[str], None] = print) -> Grade:
    """Grade the lab of source, saying each check as it is made; everything the
    grading made is removed, on failure and Ctrl-C too."""
    made = Grade(source.origin, source.commit, source.root_in_repo)

    def record(check: Check) -> Check:
        made.checks.append(check)
        say(check.line())
        return check

    with Sandbox(source) as box:
        # All the grader reads of the repository is read before any of it runs.
        safety.statement_build(source.root, source.copy, box.project)
        compose = box.read_compose()
        if judge.runnable(compose):
            box.confine(compose.config or {})
        report = student_report.check(source.root, source.copy)
        gates: dict[str, Check] = {}
        for command in statement.commands(3, 7):
            if command.step in NOT_REPLAYED:
                continue
            if command.step.startswith("5.") and "layout" not in gates:
                gates["layout"] = record(judge.layout(source.root, source.copy))
                gates["compose"] = record(judge.compose_file(compose, box))
            if gate := judge.gate_for(command, gates):
                record(judge.blocked(command, gate))
                continue
            check = record(judge.JUDGES.get(command.command, judge.expected)(command, box))
            if command.command in judge.GATES:
                gates[judge.GATES[command.command]] = check
        record(judge.report(report))
    return made
