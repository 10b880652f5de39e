"""The options of `invoke grade` and `invoke grade-class`, as their `--help` explains them.

Kept apart from the tasks so that tasks.py stays the lab's table of contents, and
light: tasks.py imports it at start-up, before any grading module is needed.
"""

LANG = "the language of the feedback: fr or en (default: the locale's, LANG/LC_ALL)"

GRADE = {
    "repo": "the repository: a folder (copied, never changed), a bare repository or a Git URL",
    "ref": "grade this commit, tag or branch",
    "before": "grade the last commit before this date (a deadline, e.g. 2026-10-01T23:59)",
    "root": "the lab's folder in the repository (default: found, e.g. TP1/)",
    "json": "also write the checks as JSON to this file",
    "lang": LANG,
    "classroom": "also write the result for GitHub Classroom's autograding reporter "
    "(Base64-encoded JSON: a step's `result` output) to this file",
    "weights": 'a JSON file of points per step for --classroom, e.g. {"5.3": 2} '
    "(default: one point per step)",
}

GRADE_CLASS = {
    "class_list": "a file with one repository (path, URL, or JSON result) per line; "
    "a repository may be followed by its own ref (URL REF)",
    "ref": "grade every repository at this commit, tag or branch",
    "before": "grade every repository at its last commit before this date (the deadline)",
    "summary": "the Markdown table to write, its chart beside it (default: grades.md)",
    "json_dir": "a folder for each repository's JSON result",
    "jobs": "how many repositories to grade at once (default 1)",
    "lang": LANG,
}
