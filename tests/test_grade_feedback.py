"""What a student reads of `invoke grade`, on the real engine: the same failing
repository in French and in English (a cause and its fix in each, the container's own
line quoted as it is), and the three misreadings graded students' repositories showed:
an API that cannot start is not "cannot be pulled", a Dockerfile named in another
case is named with its fix (`api/dockerfile`, which Docker reads too, deviates), a
`.env` kept out of Git is replaced by its committed example. A refusal (exit 3) and a
repository that cannot be graded (exit 2) in French too. A report titled in plain text
passes, with a note. No engine for the last tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from engine_events import EngineEvents
from graded import by_step, first_fails, grade, graded, reporter_reads, speaking
from helpers import ROOT, invoke
from students import REPORT, git, student_repo

from kit.grading import classroom, messages, source, student_report

UVICORN = 'Attribute "app" not found in module "app".'


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            (
                "✗ 4.1 Lancer le conteneur",
                "— correction : uvicorn cherche l'objet que sa commande nomme",
                "non lancée : l'étape 4.1 (Lancer le conteneur) n'a pas réussi",
                "voyez les ✗ ci-dessus, chacun avec sa cause et sa correction",
            ),
        ),
        (
            "en",
            (
                "✗ 4.1 Lancer le conteneur",
                "— fix: uvicorn looks for the object its command names",
                "not run: step 4.1 (Lancer le conteneur) did not pass",
                "see ✗ above for the cause and the fix of each",
            ),
        ),
    ],
)
def test_a_failing_repository_in_french_and_in_english(
    public_images: None, tmp_path: Path, lang: str, words: tuple[str, ...]
) -> None:
    """`invoke grade <repo with the app renamed> --lang fr`: the cause and its fix in
    the language asked, uvicorn's own line quoted as it printed it."""
    repo = student_repo(tmp_path / f"carol-{lang}", name="appi")
    code, report, output = graded(repo, tmp_path, "--lang", lang)
    assert code == 1, output
    for said in (*words, UVICORN):
        assert said in output, (said, output)
    (run,) = by_step(report)["4.1"]
    assert UVICORN in run["detail"] and ("correction" in run["detail"]) == (lang == "fr")


def test_an_api_that_cannot_start_fails_its_compose_steps_with_that_cause(
    public_images: None, tmp_path: Path
) -> None:
    """fastapi installed, not uvicorn: the container cannot start. Compose builds the
    api's image without trying to pull it first (pull_policy: never), so no pull
    warning is taken for the cause: every stack step says why it fails."""
    repo = student_repo(tmp_path / "nadia", packages="fastapi")
    code, report, output = graded(repo, tmp_path)
    assert code == 1, output
    assert not [c for c in report["checks"] if c["outcome"] == "unavailable"], output
    assert "cannot be pulled" not in output
    cause = 'exec: "uvicorn": executable file not found'
    first_fails(report, ("4.1", "5.3", "6.0", "7.0"), cause, "uvicorn too, not only fastapi")


def test_a_dockerfile_named_in_another_case_is_named_with_its_fix(
    public_images: None, tmp_path: Path
) -> None:
    """api/DockerFile works where file names ignore case (Windows, macOS), not on Linux.
    The report is titled in plain text here: it passes, with a note."""
    plain = REPORT.replace("## Exercice", "Exercice").replace("# Rapport", "Rapport")
    repo = student_repo(tmp_path / "oscar", dockerfile="DockerFile", report_text=plain)
    code, report, output = graded(repo, tmp_path)
    assert code == 1, output
    cause = "api/DockerFile is not api/Dockerfile: on Linux"
    first_fails(report, ("3.3", "5.1", "5.3"), cause, "git mv api/DockerFile api/Dockerfile")
    (step_8,) = by_step(report)["8"]
    assert step_8["ok"] and "titled in plain text" in step_8["detail"], step_8


def test_a_lower_case_dockerfile_deviates_and_works(public_images: None, tmp_path: Path) -> None:
    """api/dockerfile: Docker reads it where there is no Dockerfile (measured on Linux),
    so the statement's commands work; the layout deviates from the statement's name."""
    repo = student_repo(tmp_path / "olga", dockerfile="dockerfile")
    code, report, output = graded(repo, tmp_path)
    (layout,) = by_step(report)["5.1"]
    assert layout["outcome"] == "deviates", layout
    assert "git mv api/dockerfile api/Dockerfile" in layout["detail"], layout
    assert code == 1 and [c["step"] for c in report["checks"] if not c["ok"]] == ["5.1"], output


def test_an_env_file_kept_out_of_git_is_replaced_by_its_example(
    public_images: None, tmp_path: Path
) -> None:
    """`env_file: .env`, .env in .gitignore, .env.example committed: step 5.2 deviates
    and says so, and the stack runs with the example's values (graded at a commit: a
    teacher's clone has no .env)."""
    example = "POSTGRES_USER=demo\nPOSTGRES_PASSWORD=demo\nPOSTGRES_DB=demo\n"
    repo = student_repo(
        tmp_path / "paula",
        db_extra="    env_file: .env\n",
        files={".gitignore": ".env\n", ".env.example": example},
    )
    (repo / ".env").write_text(example, encoding="utf-8")  # the student's, never committed
    assert ".env" not in git(repo, "ls-files").splitlines()
    code, report, output = graded(repo, tmp_path, "--ref", "HEAD")
    (config,) = by_step(report)["5.2"]
    assert config["outcome"] == "deviates", config
    assert "graded with the committed .env.example in its place" in config["detail"], config
    assert "commit the values the lab needs" in config["detail"], config
    for step in ("5.3", "5.4", "6.1"):
        assert all(c["ok"] for c in by_step(report)[step]), (step, output)
    assert code == 1 and [c["step"] for c in report["checks"] if not c["ok"]] == ["5.2"]


def test_a_refusal_in_french_names_each_setting_as_written(engine: None, tmp_path: Path) -> None:
    """`invoke grade REPO --lang fr` on a file that reaches the host: refused (exit 3),
    each setting named as the student wrote it, why in French; nothing is created. The
    teachers' page shows these lines, and the English ones, as they are printed."""
    repo = student_repo(
        tmp_path / "mallory",
        db_extra="    volumes:\n      - /etc:/host-etc\n      - hostroot:/host\n",
        api_extra="    cap_add: [SYS_ADMIN]\n",
        top_extra="volumes:\n  hostroot:\n    driver_opts: {type: none, o: bind, device: /}\n",
    )
    with EngineEvents() as seen:
        result = grade(str(repo), "--lang", "fr", "--json", str(tmp_path / "grade.json"))
        english = grade(str(repo), "--lang", "en")
    assert (result.returncode, english.returncode) == (3, 3), result.stdout + result.stderr
    said = [
        "refusé : niveau supérieur : volumes.hostroot.driver_opts : un réglage dont une stack "
        "du TP1 n'a pas besoin ; à noter à la main",
        "refusé : service api : cap_add : SYS_ADMIN : au-delà des capabilities que Docker "
        "donne par défaut ; à noter à la main",
        "refusé : service db : volumes.source : /etc : hors du dépôt",
    ]
    assert result.stdout.startswith(f"Correction de {repo} au commit "), result.stdout
    assert result.stdout.splitlines()[1:] == said, result.stdout
    assert (
        result.stderr.strip()
        == f"{repo} : refusé comme dangereux, rien n'a été construit ni lancé."
    )
    report = json.loads((tmp_path / "grade.json").read_text(encoding="utf-8"))
    assert [f"refusé : {why}" for why in report["unsafe"]] == said, report
    assert seen.gradings() == set(), "the refused grading made something on the engine"
    page = (ROOT / "docs" / "grading.md").read_text(encoding="utf-8").splitlines()
    for line in said + english.stdout.splitlines()[1:]:
        assert line in page, line


def test_a_repository_that_cannot_be_graded_is_one_french_line(
    engine: None, tmp_path: Path
) -> None:
    """Exit 2, one line in French, the path and the option as typed."""
    nowhere, empty = tmp_path / "nowhere", tmp_path / "empty"
    empty.mkdir()
    for args, line in (
        ([str(nowhere)], f"{nowhere} : ce dossier n'existe pas, et ce n'est pas une URL Git."),
        (
            [str(empty)],
            "aucun TP trouvé : ni docker-compose.yml ni api/Dockerfile dans le dépôt ou ses "
            "sous-dossiers ; indiquez son dossier avec --root.",
        ),
        ([str(empty), "--root", "TP1"], "--root TP1 : ce dossier n'existe pas dans le dépôt."),
    ):
        result = grade(*args, "--lang", "fr")
        assert (result.returncode, result.stderr.strip()) == (2, line), result.stderr


def test_what_cannot_be_graded_is_said_in_both_languages(tmp_path: Path) -> None:
    """Each reason source.py gives for a clone, in English as before and in French."""
    repo = student_repo(tmp_path / "dated", date="2026-10-01T12:00:00")
    not_git = tmp_path / "not-git"
    not_git.mkdir()
    cases = [(repo, {"before": "2020-01-01"}), (repo, {"ref": "nope"}), (not_git, {"ref": "v9"})]
    said = {}
    for language in ("en", "fr"):
        with speaking(language):
            for n, (origin, state) in enumerate(cases):
                with pytest.raises(source.Unusable) as error:
                    source.fetch(str(origin), tmp_path / f"{language}-{n}", **state)
                said[language, n] = str(error.value)
    assert said["en", 0] == f"{repo} has no commit before 2020-01-01 on its default branch."
    assert said["fr", 0] == f"{repo} n'a aucun commit avant 2020-01-01 sur sa branche par défaut."
    assert said["en", 1] == f"{repo} has no commit, tag or branch 'nope'."
    assert said["fr", 1] == f"{repo} n'a ni commit, ni tag, ni branche 'nope'."
    assert said["en", 2].startswith(f"git clone {not_git} failed: "), said
    assert said["fr", 2].startswith(f"git clone {not_git} a échoué : "), said


def test_the_language_follows_the_locale_and_a_wrong_one_is_one_line() -> None:
    assert messages.default_language({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert messages.default_language({"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}) == "en"
    assert messages.default_language({}) == "en"
    wrong = grade(".", "--lang", "de")
    assert wrong.returncode == 2 and wrong.stderr.strip() == "--lang de: choose one of fr, en."
    locale = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    french = invoke("grade", ".", "--lang", "de", env=locale | {"LANG": "fr_FR.UTF-8"})
    assert (french.returncode, french.stderr.strip()) == (2, "--lang de : choisissez parmi fr, en.")


def test_the_french_catalogue_has_every_message_and_its_placeholders() -> None:
    """The catalogue check (one of `invoke lint`'s gates) passes, and would fail on a
    lost placeholder or a missing translation. It checks the refusals' words and the
    reasons a repository cannot be graded too."""
    assert messages.problems() == []
    assert {
        "{where}: {why}",
        "{why}; grade it by hand",
        "not a setting a TP1 stack needs",
        "outside the repository",
        "a link that leaves the repository (to {target})",
        "{origin}: no such folder, and not a Git URL.",
        "git clone {origin} failed: {line}",
        "--lang {language}: choose one of {choices}.",
    } <= messages.used()
    assert messages.placeholders("{image} cannot be pulled ({line})") == {"image", "line"}
    messages.use("fr")
    try:
        said = messages._("the image {image} cannot be pulled here ({line})")
        assert said.format(image="x", line="y") == "l'image x ne peut pas être téléchargée ici (y)"
    finally:
        messages.use("en")


@pytest.mark.parametrize(
    "title",
    ["Exercice 3", "**Partie III**", "3. Construire une première image", "Exercice 3 : Build"],
)
def test_a_part_titled_in_plain_text_counts_with_a_note(tmp_path: Path, title: str) -> None:
    text = REPORT.replace("## Exercice 3 : Construire une image", title)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "rapport.md").write_text(text, encoding="utf-8")
    ok, detail = student_report.check(tmp_path, tmp_path)
    assert ok and "parts 3 titled in plain text" in detail, detail


def test_a_report_without_a_part_still_fails_naming_it(tmp_path: Path) -> None:
    """No title for part 3, and numbered answers that are not titles ("3. Une image")."""
    text = REPORT.replace("## Exercice 3 : Construire une image", "3. Une image est un modèle.")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "rapport.md").write_text(text, encoding="utf-8")
    ok, detail = student_report.check(tmp_path, tmp_path)
    assert not ok and "has no section for part(s) 3:" in detail, detail


def test_weights_give_a_step_its_points_and_unchecked_steps_are_left_out(tmp_path: Path) -> None:
    """--weights FILE: {"STEP": POINTS}; a step not named is worth one point."""
    checks = [
        {"step": "3.3", "outcome": "passed", "detail": "built", "command": "docker build"},
        {"step": "5.3", "outcome": "passed", "detail": "up", "command": "up"},
        {"step": "5.3", "outcome": "failed", "detail": "ps: no api", "command": "ps"},
        {"step": "6.1", "outcome": "unavailable", "detail": "no image", "command": "psql"},
    ]
    weights = tmp_path / "points.json"
    weights.write_text('{"5.3": 2, "3.3": 0.5}', encoding="utf-8")
    made = classroom.write({"checks": checks}, tmp_path / "c.b64", classroom.weights(weights))
    results, points = reporter_reads(tmp_path / "c.b64")
    assert made == results and points == "Points 0.5/2.5" and results["status"] == "fail"
    assert [t["status"] for t in results["tests"]] == ["pass", "fail", "error"]
    assert results["tests"][1]["message"] == "ps: no api"
    weights.write_text('{"5.3": "two"}', encoding="utf-8")
    for lang, said in (("en", 'write {"STEP": POINTS, ...}'), ("fr", 'écrivez {"ÉTAPE": POINTS')):
        args = ("--classroom", str(tmp_path / "c.b64"), "--weights", str(weights), "--lang", lang)
        wrong = grade(".", *args)
        assert wrong.returncode == 2 and said in wrong.stderr, wrong.stderr
        assert len(wrong.stderr.strip().splitlines()) == 1, wrong.stderr
