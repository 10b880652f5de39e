"""The grader's judges, without an engine: the table that finds a command's judge by the
statement's exact words, and verdicts made from facts alone (a stand-in sandbox that
returns what the engine would have said). The real engine is in tests/test_grade.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kit import statement
from kit.grading import judge
from kit.grading.sandbox import Started
from kit.grading.verdict import FAILED, PASSED
from kit.replay import Outcome


def test_every_key_of_the_table_is_a_command_the_statement_types() -> None:
    typed = {command.command for command in statement.commands(3, 7)}
    assert set(judge.JUDGES) <= typed
    assert set(judge.GATES) <= typed


def test_the_fallback_judges_only_commands_that_print_what_is_expected() -> None:
    replayed = [c for c in statement.commands(3, 7) if c.step not in ("7.4", "7.5")]
    fallback = {c.command for c in replayed if c.command not in judge.JUDGES}
    assert fallback == {
        "docker compose logs -f api",
        "docker compose exec api sh",
        "docker compose restart api",
    }


@dataclass
class Facts:
    """What a sandbox returns, given: no engine is asked."""

    started: Started
    logs_said: str = ""
    server: str = "0123456789ab"
    asked: list[str] = field(default_factory=list)

    def start_server(self, command: statement.Command) -> Started:
        return self.started

    def logs(self, container: str) -> str:
        self.asked.append(container)
        return self.logs_said


def test_a_server_that_exited_is_judged_from_its_logs() -> None:
    command = next(c for c in statement.COMMANDS if c.command == statement.RUN_IMAGE)
    outcome = Outcome(command, "docker run -d ...", 0, "0123456789ab\n")
    crash = 'ERROR:    Error loading ASGI app. Attribute "app" not found in module "app".'
    box = Facts(Started(outcome, "exited", False), logs_said=crash)
    check = judge.server(command, box)  # type: ignore[arg-type]
    assert check.outcome == FAILED and box.asked == [box.server]
    assert check.detail.startswith("the container exited (ERROR:") and "fix:" in check.detail
    running = judge.server(command, Facts(Started(outcome, "running", True)))  # type: ignore[arg-type]
    assert running.outcome == PASSED and running.detail == "0123456789ab running"


def test_the_layout_judges_the_files_of_the_lab(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "app.py").write_text("", encoding="utf-8")
    (tmp_path / "compose.yaml").write_text("", encoding="utf-8")
    check = judge.layout(tmp_path, tmp_path)
    assert check.outcome == FAILED and check.detail.startswith("missing: api/Dockerfile")
    (tmp_path / "api" / "Dockerfile").write_text("", encoding="utf-8")
    assert judge.layout(tmp_path, tmp_path).detail == "compose.yaml instead of docker-compose.yml"
