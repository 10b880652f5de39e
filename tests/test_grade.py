"""`invoke grade` on the real engine, with student-like repositories written from the
statement (tests/students.py): a correct one, one per kind of fault, a lab in a TP1/
subfolder with later commits, an unsafe one; and the kit itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from engine_events import EngineEvents, left_by_gradings
from graded import assert_nothing_left, by_step, grade, graded, passed, reporter_reads
from helpers import ROOT, invoke
from students import git, student_repo, write_lab

from kit.grading import run, source


def test_a_correct_repository_passes_every_check(public_images: None, tmp_path: Path) -> None:
    """And GitHub Classroom's reporter reads every step's point from --classroom."""
    classroom = tmp_path / "classroom.b64"
    code, report, output = graded(
        student_repo(tmp_path / "alice"), tmp_path, "--classroom", str(classroom)
    )
    assert code == 0, output
    assert report["passed"] == report["total"] == len(report["checks"]) >= 10, output
    for step in ("3.3", "4.2", "5.3", "5.4", "6.1", "8"):
        assert passed(report, step), step
    assert report["commit"] and len(report["commit"]) == 40
    assert {"step", "title", "ok", "outcome", "detail"} <= set(report["checks"][0])
    results, points = reporter_reads(classroom)
    steps = len(by_step(report))
    assert results["status"] == "pass" and points == f"Points {steps}/{steps}", results
    assert [test["name"].split()[0] for test in results["tests"]] == list(by_step(report))
    assert f"GitHub Classroom: {steps}/{steps} points" in output


def test_another_python_base_passes_too(public_images: None, tmp_path: Path) -> None:
    repo = student_repo(tmp_path / "bob", base="python:3.10-slim")
    code, _report, output = graded(repo, tmp_path)
    assert code == 0, output


def test_an_app_object_renamed_fails_part_4_quoting_uvicorn(
    public_images: None, tmp_path: Path
) -> None:
    """And a failing grading's points: the steps passed, out of every step."""
    classroom = tmp_path / "classroom.b64"
    repo = student_repo(tmp_path / "carol", name="appi")
    code, report, output = graded(repo, tmp_path, "--classroom", str(classroom))
    assert code == 1
    assert passed(report, "3.3")
    part_4 = [c for c in report["checks"] if c["step"].startswith("4.") and not c["ok"]]
    assert part_4 and 'Attribute "app" not found' in part_4[0]["detail"], part_4
    assert "✗ 4.1" in output
    results, points = reporter_reads(classroom)
    steps = by_step(report).values()
    good = sum(all(c["ok"] for c in checks) for checks in steps)
    # A step counts unless it could not be checked (another engine user's image gone).
    counted = sum(any(c["outcome"] != "unavailable" for c in checks) for checks in steps)
    assert results["status"] == "fail" and points == f"Points {good}/{counted}", results
    (failed,) = [t for t in results["tests"] if t["name"].startswith("4.1 ")]
    assert failed["status"] == "fail" and 'Attribute "app" not found' in failed["message"]


def test_a_server_on_the_containers_loopback_is_told_to_listen_on_all(
    public_images: None, tmp_path: Path
) -> None:
    repo = student_repo(tmp_path / "dave", host="127.0.0.1")
    code, report, _output = graded(repo, tmp_path)
    assert code == 1
    part_4 = [c for c in report["checks"] if c["step"].startswith("4.") and not c["ok"]]
    assert part_4 and "--host 0.0.0.0" in part_4[0]["detail"], part_4


def test_other_database_credentials_fail_part_6_only(public_images: None, tmp_path: Path) -> None:
    code, report, output = graded(student_repo(tmp_path / "erin", user="student"), tmp_path)
    assert code == 1
    for step in ("3.3", "4.1", "4.2", "5.3", "5.4", "5.5"):
        assert passed(report, step), (step, output)
    (psql,) = by_step(report)["6.1"]
    assert psql["outcome"] == "deviates" and "'student'" in psql["detail"], psql
    assert [c["step"] for c in report["checks"] if not c["ok"]] == ["6.1"]


def test_no_report_fails_only_step_8(public_images: None, tmp_path: Path) -> None:
    code, report, _output = graded(student_repo(tmp_path / "frank", report=False), tmp_path)
    assert code == 1
    failed = [c for c in report["checks"] if not c["ok"]]
    assert [c["step"] for c in failed] == ["8"] and "no report" in failed[0]["detail"]


def test_a_base_image_that_cannot_be_pulled_is_not_counted(
    public_images: None, tmp_path: Path
) -> None:
    """`.invalid` never resolves (RFC 2606): no registry answers, on any machine. The
    image is named; no check failed, yet it is not a full pass (exit 4), and GitHub
    Classroom's max_score leaves out the steps that could not be checked."""
    classroom = tmp_path / "classroom.b64"
    repo = student_repo(tmp_path / "ivan", base="registry.invalid/python:3.11-slim")
    code, report, output = graded(repo, tmp_path, "--classroom", str(classroom))
    (build,) = by_step(report)["3.3"]
    assert build["outcome"] == "unavailable", build
    assert "the image registry.invalid/python:3.11-slim cannot be pulled here" in build["detail"]
    assert all(c["outcome"] == "unavailable" for c in by_step(report)["4.1"])
    assert code == 4 and report["passed"] == report["total"] < len(report["checks"]), output
    assert "could not be checked here" in output and "not a full pass" in output
    results, points = reporter_reads(classroom)
    unchecked = [t for t in results["tests"] if t["message"].startswith("not counted: ")]
    assert unchecked and all(t["score"] == 0 for t in unchecked), results
    counted = len(results["tests"]) - len(unchecked)
    assert results["status"] == "pass" and points == f"Points {counted}/{counted}", results


def test_an_unsafe_compose_file_is_refused_before_anything_runs(
    engine: None, tmp_path: Path
) -> None:
    extra = "    privileged: true\n    volumes:\n      - /etc:/host-etc\n"
    repo = student_repo(tmp_path / "mallory", db_extra=extra)
    with EngineEvents() as seen:
        result = grade(str(repo))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "refused: service db: privileged: not a setting a TP1 stack needs" in result.stdout
    assert seen.gradings() == set(), "the refused grading made something on the engine"


def test_a_lab_in_a_subfolder_is_graded_at_its_tp1_commit(
    public_images: None, tmp_path: Path
) -> None:
    """Later TPs in the same repository: --ref picks the TP1 state, the lab is found in TP1/."""
    repo = student_repo(tmp_path / "grace", subfolder="TP1")
    git(repo, "tag", "tp1")
    write_lab(repo / "TP1", name="model")  # TP2 breaks TP1's API: not what is graded
    (repo / "TP2").mkdir()
    (repo / "TP2" / "notes.md").write_text("# TP2\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "TP2")
    code, report, output = graded(repo, tmp_path, "--ref", "tp1")
    assert code == 0, output
    assert report["root"] == "TP1"
    assert report["commit"] == git(repo, "rev-parse", "tp1")


def later_tps(repo: Path, size: int = 3_000_000) -> bytes:
    """Commit what later TPs add after TP1: a large model file (incompressible)."""
    big = os.urandom(size)
    (repo / "TP6").mkdir()
    (repo / "TP6" / "model.pkl").write_bytes(big)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "TP6", date="2026-12-01T12:00:00")
    return big


def bare_copy_without(repo: Path, bare: Path, path: str) -> None:
    """A bare copy of repo whose object store lacks the file at path of its latest
    commit, as some mirrors and partial clones do."""
    git(repo, "init", "-q", "--bare", "-b", "main", str(bare))
    git(repo, "push", "-q", str(bare), "main", "--tags")  # few objects: stored loose
    blob = git(repo, "rev-parse", f"HEAD:{path}")
    (bare / "objects" / blob[:2] / blob[2:]).unlink()


def test_a_commit_is_graded_from_a_copy_whose_latest_files_cannot_be_checked_out(
    public_images: None, tmp_path: Path
) -> None:
    """Only the commit graded is checked out: a file of the default branch that is
    missing from the object store does not matter, nor is a later TP downloaded."""
    repo = student_repo(tmp_path / "olivia", date="2026-10-01T12:00:00")
    git(repo, "tag", "tp1")
    big = later_tps(repo)
    bare = tmp_path / "olivia.git"
    bare_copy_without(repo, bare, "TP6/model.pkl")
    plain = subprocess.run(["git", "clone", "-q", str(bare), str(tmp_path / "plain")], check=False)
    assert plain.returncode != 0, "the copy was meant to be impossible to check out whole"
    code, report, output = graded(bare, tmp_path, "--ref", "tp1")
    assert code == 0, output
    assert report["commit"] == report["fetched"]["commit"] == git(repo, "rev-parse", "tp1")
    assert report["fetched"]["bytes"] < len(big) / 10, report["fetched"]


def test_only_the_commit_graded_is_fetched(tmp_path: Path) -> None:
    """No engine needed: what is cloned and checked out for --ref, a branch of the
    origin (origin/BRANCH), --before, and a URL with no ref (its default branch)."""
    repo = student_repo(tmp_path / "paul", date="2026-10-01T12:00:00")
    tp1 = git(repo, "rev-parse", "HEAD")
    git(repo, "branch", "rendu-tp1")
    big = later_tps(repo)
    url = (tmp_path / "paul").as_uri()
    for n, (origin, ref, before) in enumerate(
        [
            (str(repo), "rendu-tp1", None),
            (str(repo), "origin/rendu-tp1", None),
            (url, None, "2026-10-08T23:59:59"),
            (url, None, None),
        ]
    ):
        found = source.fetch(origin, tmp_path / f"scratch-{n}", ref=ref, before=before)
        assert found.fetched is not None and found.fetched["commit"] == found.commit
        if ref or before:
            assert found.commit == tp1, (origin, ref, before)
            assert not (found.copy / "TP6").exists()
            assert found.fetched["bytes"] < len(big) / 10, found.fetched
        else:
            assert (found.copy / "TP6" / "model.pkl").read_bytes() == big


def test_before_a_deadline_picks_the_last_commit_made_before_it(tmp_path: Path) -> None:
    """No engine needed: which state of the repository is graded, and where its lab is."""
    repo = student_repo(tmp_path / "judy", subfolder="TP1", date="2026-10-01T12:00:00")
    tp1 = git(repo, "rev-parse", "HEAD")
    (repo / "TP1" / "api" / "app.py").write_text("late = True\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "after the deadline", date="2026-10-09T12:00:00")
    found = source.fetch(str(repo), tmp_path / "scratch", before="2026-10-08T23:59:59")
    assert found.commit == tp1 and found.root_in_repo == "TP1"
    assert "late" not in (found.root / "api" / "app.py").read_text(encoding="utf-8")
    assert (repo / "TP1" / "api" / "app.py").read_text(encoding="utf-8") == "late = True\n"


def test_a_class_is_graded_at_its_deadline_a_line_at_its_own_ref(
    engine: None, tmp_path: Path
) -> None:
    """`grade-class --before` grades each repository at its last commit before the
    deadline; a line's own ref (`URL REF`) wins. After the deadline each repository
    turns unsafe (refused if graded); before it, it has no Dockerfile yet, so the
    gradings build nothing: the test is about which commit each one reads."""
    unsafe = "    privileged: true\n"
    commits = {}
    for name in ("quentin", "rose"):
        repo = tmp_path / name
        (repo / "api").mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main")
        (repo / "api" / "app.py").write_text("# TP1\n", encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "TP1 started", date="2026-10-01T12:00:00")
        (repo / "api" / "app.py").write_text("# TP1, done\n", encoding="utf-8")
        git(repo, "commit", "-q", "-am", "TP1 done, late", date="2026-10-10T12:00:00")
        git(repo, "tag", "rendu")
        write_lab(repo, db_extra=unsafe)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "TP2", date="2026-10-20T12:00:00")
        commits[name] = (git(repo, "rev-parse", "HEAD~2"), git(repo, "rev-parse", "rendu"))
    class_list = tmp_path / "classe.txt"
    quentin = (tmp_path / "quentin").as_uri()  # a URL, as from a Git host
    class_list.write_text(f"{quentin}\nrose rendu\n", encoding="utf-8")
    json_dir, summary = tmp_path / "results", tmp_path / "grades.md"
    with EngineEvents() as seen:
        run = invoke(
            "grade-class", str(class_list), "--summary", str(summary),
            "--json-dir", str(json_dir), "--before", "2026-10-08T23:59:59",
        )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(json_dir.glob("*.json"))]
    assert [r.get("error") for r in results] == [None, None], results
    assert [r["commit"] for r in results] == [commits["quentin"][0], commits["rose"][1]]
    assert [r["repo"] for r in results] == [quentin, str(tmp_path / "rose")]
    assert "/quentin" in summary.read_text(encoding="utf-8")
    assert seen.gradings() == set() and left_by_gradings(seen) == []


def test_a_class_list_reads_folders_of_results_but_grades_repositories(tmp_path: Path) -> None:
    results = tmp_path / "artifacts"
    results.mkdir()
    for name in ("alice.json", "bob.json"):
        (results / name).write_text("{}", encoding="utf-8")
    repo = tmp_path / "carol"  # a lab in TP1/ and a JSON file at its root
    (repo / "TP1").mkdir(parents=True)
    (repo / "package.json").write_text("{}", encoding="utf-8")
    listed = tmp_path / "classe.txt"
    listed.write_text("# groupe B\nartifacts\n\ncarol\n", encoding="utf-8")
    assert run.entries(listed) == [str(results / "alice.json"), str(results / "bob.json"), "carol"]


def test_ctrl_c_removes_all_the_grading_made(public_images: None, tmp_path: Path) -> None:
    repo = student_repo(tmp_path / "kim")
    events = EngineEvents().__enter__()
    grading = subprocess.Popen(
        [sys.executable, "-m", "invoke", "grade", str(repo)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        start_new_session=True,
    )
    shown = []
    for line in grading.stdout:
        shown.append(line)
        if line.startswith("✔ 5.3"):  # the stack is up: Ctrl-C, as a terminal sends it
            os.killpg(grading.pid, signal.SIGINT)
            break
    rest = grading.communicate(timeout=120)[0]
    events.__exit__()
    assert any(line.startswith("✔ 5.3") for line in shown), "".join(shown) + rest
    assert grading.returncode != 0
    assert "Traceback" not in rest, rest
    assert len(events.gradings()) == 1, events.gradings()
    assert_nothing_left(events)


def test_unusable_paths_are_one_line_and_exit_2(engine: None, tmp_path: Path) -> None:
    """Git's own cause for a clone that fails, not its last line of advice."""
    for args, said in (
        ([str(tmp_path / "nowhere")], "no such folder, and not a Git URL."),
        ([str(tmp_path), "--ref", "v9"], "does not appear to be a git repository"),
    ):
        result = grade(*args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and said in result.stderr, result.stderr
    missing = invoke("grade-class", str(tmp_path / "no-such-list.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr, missing.stderr
    assert "Traceback" not in missing.stderr


def test_wrong_words_and_no_engine_are_one_line_and_exit_2(tmp_path: Path) -> None:
    """Before any grading, no engine needed: `--help` after the task (Invoke takes it
    for the repository), a --jobs that is not a number, and an engine that does not
    answer (exit 2, never 1: exit 1 says that a check failed)."""
    class_list = tmp_path / "classe.txt"
    class_list.write_text(f"{tmp_path}\n", encoding="utf-8")
    no_engine = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    for result, said in (
        (grade("--help"), "--help: not a repository; for this task's options: invoke --help grade"),
        (
            invoke("grade-class", str(class_list), "--jobs", "all", "--lang", "en"),
            "--jobs all: give",
        ),
        (invoke("grade", str(tmp_path), env=no_engine), "The Docker engine is not reachable"),
        (invoke("grade-class", str(class_list), env=no_engine), "Docker engine is not reachable"),
    ):
        assert result.returncode == 2, result.stdout + result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert said in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_kit_graded_by_itself_passes_every_check(public_images: None, tmp_path: Path) -> None:
    code, report, output = graded(ROOT, tmp_path)
    assert code == 0, output
    assert report["passed"] == report["total"] == len(report["checks"]), output


def test_a_class_list_gives_a_row_per_repository_and_the_counts_per_step(
    public_images: None, tmp_path: Path
) -> None:
    """One repository graded now, two read from the JSON their own workflow uploaded,
    one of which could not be checked whole: never shown as a full pass."""
    made, partial = tmp_path / "from-workflow.json", tmp_path / "partial.json"
    result = grade(str(student_repo(tmp_path / "heidi", report=False)), "--json", str(made))
    assert result.returncode == 1
    ivan = student_repo(tmp_path / "ivan", base="registry.invalid/python:3.11-slim")
    assert grade(str(ivan), "--json", str(partial)).returncode == 4
    class_list = tmp_path / "classe.txt"
    alice = student_repo(tmp_path / "alice")
    lines = f"# TP1, groupe A\n{alice}\n\n{made.name}\n{partial.name}\n"
    class_list.write_text(lines, encoding="utf-8")
    summary = tmp_path / "grades.md"
    with EngineEvents() as seen:
        run = invoke(
            "grade-class", str(class_list), "--summary", str(summary), "--jobs", "2",
            "--lang", "en",
        )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    table = summary.read_text(encoding="utf-8")
    rows = [ln for ln in table.splitlines() if any(n in ln for n in ("/alice", "/heidi", "/ivan"))]
    assert len(rows) == 3, table
    total = json.loads(made.read_text(encoding="utf-8"))["total"]
    assert f"| {total}/{total} | — | — |" in rows[0] and rows[1].endswith("| 8 |"), rows
    ivan_json = json.loads(partial.read_text(encoding="utf-8"))
    unchecked = len(ivan_json["checks"]) - ivan_json["total"]
    mark = f"| {ivan_json['passed']}/{ivan_json['total']}, {unchecked} not checkable | ? 3.3, "
    assert mark in rows[2], rows[2]
    assert "| 8 | Questions de réflexion et consignes pour le rendu | 2/3 |" in table
    chart = summary.with_suffix(".svg")
    assert "![How many passed each step](grades.svg)" in table and chart.is_file()
    assert ">2/3</text>" in chart.read_text(encoding="utf-8")
    assert "invoke grade-class" in table and "--class-list" not in table
    assert len(seen.gradings()) == 1, seen.gradings()  # alice's; the others were read
    assert_nothing_left(seen)
