"""What the terminal showed, on the report's page: blocks copied from the captures by the tooling.

In reports/rapport.md, the line

    <!-- sortie : 2-2-docker-ps-a -->

is followed by a ```console block that holds the screen of that capture (the file
`NN-2-2-docker-ps-a.txt`, whatever its number NN) without the line the tooling adds
at its end (`[exit 0, 0.1 s]`). `#2` after the name takes the second capture of that
name; `| REGEX` keeps only the command typed (the first line) and the lines where
REGEX matches. A marker indented (inside a list item) has its fences and the block's
lines indented alike. `invoke report` rewrites every block after its run (`refresh`), and
tests/test_report.py checks that none differs from its capture (`stale`): no output
in the report is typed by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

MARKER = re.compile(
    r"^(?P<indent> *)<!-- sortie : (?P<name>[\w.-]+)(?: #(?P<nth>\d+))?"
    r"(?: \| (?P<regex>.+?))? -->\n"
    r"(?P=indent)```console\n(?P<block>.*?)^(?P=indent)```$",
    re.MULTILINE | re.DOTALL,
)
# The line a capture's text ends with: its exit status and time, or the moment it was taken.
STATUS = re.compile(r"\[(exit -?\d+|pendant la commande), [^\]]*\]")


class MissingCapture(Exception):
    """A block names a capture that the folder does not hold."""


def capture(folder: Path, name: str, nth: int = 1) -> str:
    """The text of the nth capture called NN-name.txt in folder."""
    found = sorted(folder.glob(f"[0-9][0-9]-{name}.txt"))
    if len(found) < nth:
        raise MissingCapture(f"no capture {name} #{nth} in {folder} ({len(found)} found)")
    return found[nth - 1].read_text(encoding="utf-8")


def excerpt(text: str, regex: str | None = None) -> str:
    """The screen of a capture's text, or its command and the lines where regex matches."""
    lines = text.rstrip("\n").splitlines()
    if lines and STATUS.fullmatch(lines[-1]):
        lines.pop()
    if regex:
        pattern = re.compile(regex)
        lines = [lines[0], *(line for line in lines[1:] if pattern.search(line))]
    return "\n".join(lines) + "\n"


def indented(text: str, indent: str) -> str:
    """text with each line that is not empty indented (a block inside a list item)."""
    return "".join(indent + line if line.strip() else line for line in text.splitlines(True))


def blocks(report: str, folder: Path) -> list[tuple[re.Match[str], str]]:
    """Each block of the report, with what its capture in folder says it must hold."""
    found = []
    for match in MARKER.finditer(report):
        text = capture(folder, match["name"], int(match["nth"] or 1))
        found.append((match, indented(excerpt(text, match["regex"]), match["indent"])))
    return found


def stale(report: str, folder: Path) -> list[str]:
    """The blocks whose text is not their capture's (by their marker's name)."""
    return [match["name"] for match, wanted in blocks(report, folder) if match["block"] != wanted]


def refresh(report_path: Path, folder: Path) -> int:
    """Rewrite the report's blocks from the captures in folder; how many changed."""
    report = report_path.read_text(encoding="utf-8")
    changed, parts, end = 0, [], 0
    for match, wanted in blocks(report, folder):
        parts += [report[end : match.start("block")], wanted]
        end = match.end("block")
        changed += match["block"] != wanted
    report_path.write_text("".join(parts) + report[end:], encoding="utf-8")
    return changed
