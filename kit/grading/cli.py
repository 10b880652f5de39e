"""What `invoke grade` and `invoke grade-class` print and exit with, from their options.

Every line is in the language chosen (`--lang fr|en`, default: the locale's), as the
checks themselves are. Exit codes are run.py's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from invoke import Exit

from kit import docker
from kit.grading import classroom, messages, run, verdict
from kit.grading.messages import _


def language(lang: str | None) -> None:
    """Speak --lang, else the locale's language; one line and exit 2 for another."""
    try:
        messages.use(lang or messages.default_language())
    except ValueError as error:
        raise Exit(str(error), run.UNUSABLE) from None


def named(argument: str, task: str) -> None:
    """A repository or a class list, not an option: Invoke takes `invoke grade --help`'s
    --help for the repository (one line and exit 2, saying where the help is)."""
    if argument.startswith("-"):
        said = _("{argument}: not a repository; for this task's options: invoke --help {task}")
        raise Exit(said.format(argument=argument, task=task), run.UNUSABLE)


def engine() -> None:
    """The Docker engine answers; else its line and exit 2, as for anything that cannot
    be graded here (exit 1 says that a check failed)."""
    try:
        docker.require_engine()
    except Exit as error:
        raise Exit(error.message, run.UNUSABLE) from None


def jobs(value: str) -> int:
    """--jobs as a number of repositories graded at once; one line and exit 2 otherwise."""
    if not value.isdigit() or int(value) < 1:
        said = _("--jobs {value}: give a whole number of repositories, 1 or more.")
        raise Exit(said.format(value=value), run.UNUSABLE)
    return int(value)


def grade(
    repo: str,
    lang: str | None,
    *,
    json: str | None,
    classroom_file: str | None,
    weights: str | None,
    **state: str | None,
) -> None:
    """Grade one repository at state (ref, before, root), print its checklist and its
    score, write json and classroom_file (the latter with weights); Exit with its code."""
    language(lang)
    named(repo, "grade")
    try:
        points = classroom.weights(Path(weights) if weights else None)
    except ValueError as error:
        raise Exit(str(error), run.UNUSABLE) from None
    engine()
    code, result = run.one(repo, **state)
    if json:
        run.write(result, Path(json))
    if classroom_file:
        made = classroom.write(result, Path(classroom_file), points)
        score = sum(test["score"] for test in made["tests"])
        print(
            _("GitHub Classroom: {score}/{max} points").format(score=score, max=made["max_score"])
        )
    if code == run.UNSAFE:
        for offence in result["unsafe"]:
            print(_("refused: {offence}").format(offence=offence))
        raise Exit(
            _("{repo}: refused as unsafe, nothing was built or run.").format(repo=repo), code
        )
    if code == run.UNUSABLE:
        raise Exit(result["error"], code)
    score = _("{passed}/{total} checks passed").format(**result)
    if count := verdict.unchecked(result):
        score += _(" ({count} could not be checked here, not counted: grade them by hand)").format(
            count=count
        )
    if code == run.FAILED:
        raise Exit(
            _("{score}: see ✗ above for the cause and the fix of each.").format(score=score), code
        )
    if code == run.UNCHECKED:
        raise Exit(_("{score}: not a full pass.").format(score=score), code)
    print(f"{score}.")


def grade_class(
    class_list: str, lang: str | None, summary: str, json_dir: str, at_once: str, **state: Any
) -> None:
    """Grade a class list into one table (and its chart beside it), at_once repositories
    at a time (--jobs), each at state (ref or before)."""
    language(lang)
    named(class_list, "grade-class")
    count = jobs(at_once)
    if not Path(class_list).is_file():
        said = _("{path}: no such file (one repository, URL or JSON per line).")
        raise Exit(said.format(path=class_list), run.UNUSABLE)
    engine()
    folder = Path(json_dir) if json_dir else None
    results = run.klass(Path(class_list), Path(summary), folder, jobs=count, **state)
    said = _("{count} repositories graded: {summary} (chart: {chart})")
    print(said.format(count=len(results), summary=summary, chart=Path(summary).with_suffix(".svg")))
