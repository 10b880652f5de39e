"""The words of a refusal (exit 3), in the language in use: where it is (a service or
the top level, then the key), the value refused when there is one, and why.

Keys, service names, values and paths stay as the student wrote them; only the words
around them are translated: `service db: volumes.source: /etc: outside the repository`
reads `service db : volumes.source : /etc : hors du dépôt` in French.
"""

from __future__ import annotations

from kit.grading.messages import _


def service(name: object) -> str:
    """Where a service's settings are: `service api:`."""
    return _("service {name}:").format(name=name)


def top_level() -> str:
    """Where the file's top-level keys are: `top level:`."""
    return _("top level:")


def at(where: str, key: object) -> str:
    """A key in where: `service api: build` after `service api:`, then `build.context`."""
    return f"{where} {key}" if where.endswith(":") else f"{where}.{key}"


def said(where: object, why: str) -> str:
    """`WHERE: why` (where: a place, a value or a path); nest it for `WHERE: VALUE: why`."""
    return _("{where}: {why}").format(where=where, why=why)


def by_hand(why: str) -> str:
    """A reason the grader does not judge further: the teacher grades it by hand."""
    return _("{why}; grade it by hand").format(why=why)


def not_needed() -> str:
    """Any setting not on the allowlist."""
    return by_hand(_("not a setting a TP1 stack needs"))
