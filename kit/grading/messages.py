"""The grader's words in the student's language: gettext catalogs, one per language
(kit/grading/locale/LANG/LC_MESSAGES/grader.po), compiled by Babel when loaded.

Messages are written in English in the code, marked `_("...")` with named
placeholders (`{image}`), and formatted after translation. To add or change one:
`uv run pybabel extract` then `uv run pybabel update` (configured in pyproject.toml),
translate the new entries of the French catalogue, and `python -m kit.grading.messages`
(one of `invoke lint`'s gates) checks that every message has its French translation
with the same placeholders.
"""

from __future__ import annotations

import gettext
import os
import string
import sys
from collections.abc import Mapping
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "grader"
LOCALES = Path(__file__).parent / "locale"
LANGUAGES = ("fr", "en")  # English is the messages' own language: no catalogue
_translations: list[gettext.NullTranslations] = [gettext.NullTranslations()]


def default_language(environ: Mapping[str, str] = os.environ) -> str:
    """The locale's language, as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG):
    French for a French locale, else English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(variable):
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def catalog(language: str) -> Catalog:
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of language (English: the messages as written)."""
    if language == "en":
        return gettext.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, catalog(language))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def use(language: str) -> None:
    """Speak language from now on; ValueError (said in the locale's language) when it is
    not one of LANGUAGES."""
    if language not in LANGUAGES:
        use(default_language())
        said = _("--lang {language}: choose one of {choices}.")
        raise ValueError(said.format(language=language, choices=", ".join(LANGUAGES)))
    _translations[0] = translations(language)


def _(message: str) -> str:
    """message in the language in use."""
    return _translations[0].gettext(message)


def N_(message: str) -> str:
    """message marked for the catalogue, translated where it is used: `_(message)`."""
    return message


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def used() -> set[str]:
    """The messages of kit/grading/'s code, as `pybabel extract` finds them."""
    source = Path(__file__).parent
    return {found[2] for found in extract_from_dir(source, [("**.py", "python")])}


def problems(language: str = "fr") -> list[str]:
    """Each message of the code with no translation in language, or whose translation
    lost or added a placeholder; each translation the code no longer uses."""
    in_code = used()
    known = {m.id: m for m in catalog(language) if m.id}
    found = [f"no translation: {mid!r}" for mid in sorted(in_code - known.keys())]
    for mid in sorted(in_code & known.keys()):
        entry = known[mid]
        if not entry.string or entry.fuzzy:
            found.append(f"no translation: {mid!r}")
        elif placeholders(str(entry.string)) != placeholders(str(mid)):
            found.append(f"placeholders differ: {mid!r} -> {entry.string!r}")
    found += [f"no longer used: {mid!r}" for mid in sorted(known.keys() - in_code)]
    with (LOCALES / f"{DOMAIN}.pot").open("rb") as pot:
        if {m.id for m in read_po(pot) if m.id} != in_code:
            found.append(f"{DOMAIN}.pot is not current: run `uv run pybabel extract`")
    return found


if __name__ == "__main__":
    if found := problems():
        print("\n".join(found))
        sys.exit(f"{len(found)} problem(s) in the French catalogue of kit/grading/.")
    print("kit/grading/'s messages: each has its French translation.")
