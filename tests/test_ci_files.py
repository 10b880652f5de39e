"""The README's commands are the ones CI, the GitHub workflow and the Makefile run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT


def readme_block_after(heading: str) -> str:
    """The first ```bash block after a line of the README containing heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    return re.search(r"```bash\n(.+?)\n```", after, re.DOTALL).group(1).strip()


TEST_COMMAND = readme_block_after("Test the kit")
RUN_COMMAND = readme_block_after("Run the kit")


def test_readme_commands() -> None:
    assert TEST_COMMAND == "uv run --locked pytest"
    assert RUN_COMMAND == "uv run invoke up"


def test_ci_run_calls_the_readme_test_command_exactly() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert TEST_COMMAND in lines


SKIPPING = """import pytest


def test_skipped_in_its_body() -> None:
    pytest.skip("nothing to run here")


@pytest.mark.skipif(True, reason="marked to skip")
def test_skipped_by_its_mark() -> None:
    pass


def test_that_runs() -> None:
    pass
"""


def test_ci_run_makes_every_skip_a_failure(tmp_path: Path) -> None:
    """.ci/run sets KIT_NO_SKIP=1; tests/no_skip.py then fails a skipped test, with its
    reason, whether it skips in its body or by a mark. Unset, a skip stays a skip."""
    assert re.search(r"^export CI=.* KIT_NO_SKIP=1$", (ROOT / ".ci/run").read_text(), re.M)
    (tmp_path / "test_skipping.py").write_text(SKIPPING, encoding="utf-8")

    def pytest_with(value: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-rfs",
                "-p",
                "no_skip",
                "-p",
                "no:cacheprovider",
            ],
            cwd=tmp_path,
            env={**os.environ, "KIT_NO_SKIP": value, "PYTHONPATH": str(ROOT / "tests")},
            capture_output=True,
            text=True,
            check=False,
        )

    free = pytest_with("")
    assert free.returncode == 0 and "1 passed, 2 skipped" in free.stdout, free.stdout
    must = pytest_with("1")
    # A skip in the body fails the test; a skip by its mark errs in its setup.
    assert must.returncode == 1 and "1 failed, 1 passed, 1 error" in must.stdout, must.stdout
    for reason in ("nothing to run here", "marked to skip"):
        assert f"KIT_NO_SKIP=1 says every test must run here: Skipped: {reason}" in must.stdout


def test_workflow_runs_lint_and_the_readme_test_command() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    runs = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
    assert TEST_COMMAND in runs
    assert "uv run --locked invoke lint" in runs
    uses = [step["uses"] for step in workflow["jobs"]["test"]["steps"] if "uses" in step]
    assert all(re.search(r"@v\d+\.\d+\.\d+$", action) for action in uses), uses


def test_windows_and_macos_jobs_run_the_kit_without_a_linux_engine() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    )
    job = workflow["jobs"]["desktop"]
    assert set(job["strategy"]["matrix"]["os"]) == {"windows-latest", "macos-latest"}
    assert job["env"]["KIT_ENGINE"] == "none"
    runs = [step.get("run", "") for step in job["steps"]]
    for command in ("uv sync --locked", "invoke --list", "invoke lint", TEST_COMMAND):
        assert any(command in run for run in runs), command
    dry = next(run for run in runs if "invoke --dry" in run)
    listed = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout.split()
    tasks = re.search(r"for task in (.+); do", dry).group(1)
    assert {word.strip('"') for word in tasks.split()} - {"api"} <= set(listed)


def test_docker_tests_skip_under_ci_only_where_the_runner_has_no_linux_engine() -> None:
    """Under CI a Docker test that skips is a failure, except with KIT_ENGINE=none."""
    test = "tests/test_db_volume.py"
    for kit_engine, outcome in (("none", 0), ("", None)):
        # As on the workflow's runners, which do not set KIT_NO_SKIP (.ci/run does).
        env = {**os.environ, "CI": "true", "KIT_ENGINE": kit_engine, "KIT_NO_SKIP": ""}
        env["DOCKER_HOST"] = "unix:///nope"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        if outcome == 0:
            assert result.returncode == 0 and "skipped" in result.stdout, result.stdout
        else:
            assert result.returncode == 1 and "CI needs a Docker engine" in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_help_lists_each_target_and_each_runs_its_invoke_task() -> None:
    listed = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    targets = ["up", "down", "test", "lint", "clean", "report", "bench"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    tasks = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for target in targets:
        assert f"make {target} " in listed
        assert re.search(rf"^{target}:.*\n\t\$\(INVOKE\) {target}$", makefile, re.MULTILINE)
        assert re.search(rf"^  {target}\s", tasks, re.MULTILINE), f"no invoke task {target}"


@pytest.mark.parametrize(
    "platform",
    [
        "x86_64-pc-windows-msvc",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "aarch64-unknown-linux-gnu",
        "x86_64-unknown-linux-gnu",
    ],
)
def test_the_locked_environment_installs_on_every_students_platform(platform: str) -> None:
    result = subprocess.run(
        ["uv", "sync", "--locked", "--dry-run", "--python-platform", platform],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_tool_without_a_build_for_the_platform_is_skipped_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kit import lint

    monkeypatch.setattr(lint.shutil, "which", lambda tool: None)
    assert "hadolint is not installed here" in lint.skipped(["hadolint", "api/Dockerfile"])
    assert lint.skipped(["ruff", "check", "."]) is None
    assert (ROOT / ".python-version").read_text(encoding="utf-8").strip() == "3.11"


def test_ci_ends_with_the_reproducibility_tests_on_the_containerd_store() -> None:
    """.ci/run's last step: the engine that can give identical digests, where it must."""
    steps = (ROOT / ".ci" / "run").read_text(encoding="utf-8").rstrip().splitlines()
    assert steps[-1] == "bash .ci/containerd-pass"
    second = (ROOT / ".ci" / "containerd-pass").read_text(encoding="utf-8")
    assert 'DOCKER_ENGINE=26 DOCKER_STORE=containerd "$SANDBOX/start-engine"' in second
    assert "trap '\"$SANDBOX/start-engine\" >/dev/null' EXIT" in second, "back to 20.10"
    assert "KIT_ENGINE=reproducible" in second
    assert "pytest tests/test_build_reproducible.py tests/test_reproducible.py" in second


def test_kit_engine_reproducible_makes_an_engine_that_cannot_a_failure(engine: None) -> None:
    """The identity test never skips: where the engine cannot rewrite dates it checks what
    the build promises there (the same files), unless CI says the engine must rewrite them."""
    test = ["tests/test_build_reproducible.py", "-k", "two_clones", "-p", "no:cacheprovider"]

    def pytest_with(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rs", *test],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )

    free = pytest_with(KIT_ENGINE="")
    assert free.returncode == 0 and "1 passed" in free.stdout, free.stdout[-800:]
    must = pytest_with(KIT_ENGINE="reproducible")
    if must.returncode != 0:  # an engine that cannot (Engine 20.10, the classic store)
        said = "KIT_ENGINE=reproducible, but this engine cannot"
        assert said in must.stdout, must.stdout[-800:]


def test_the_students_workflow_grades_in_french_and_runs_classroom_s_reporter() -> None:
    """What GitHub Classroom's reporter needs (its README and src/main.js, cited in
    docs/grading.md): the workflow named "Autograding Tests" with one job
    `run-autograding-tests`; `runners: ID`, and `<ID>_RESULTS` set from that step's
    `result` output, which the grading step writes from `--classroom`."""
    workflow = yaml.safe_load(
        (ROOT / "docs" / "grading" / "grade-tp1.yml").read_text(encoding="utf-8")
    )
    assert workflow["name"] == "Autograding Tests"
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    (grading,) = [s for s in steps if "invoke grade" in s.get("run", "")]
    words = grading["run"].split()
    assert "--lang" in words and words[words.index("--lang") + 1] == "fr"
    made = words[words.index("--classroom") + 1]
    assert f'echo "result=$(cat {made})" >> "$GITHUB_OUTPUT"' in grading["run"]
    (reporter,) = [s for s in steps if "autograding-grading-reporter" in s.get("uses", "")]
    runner = reporter["with"]["runners"]
    assert runner == grading["id"] and reporter.get("if") == "always()"
    assert reporter["env"] == {
        f"{runner.upper()}_RESULTS": f"${{{{ steps.{runner}.outputs.result }}}}"
    }
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
