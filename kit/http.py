"""A GET with Python's standard library, for the tasks that check the API answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

# The kit only ever asks its own API on 127.0.0.1: never through a proxy, even where
# one is configured for the system (as Windows and corporate networks often do).
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    """Status and body of GET url; raises OSError when nothing answers."""
    try:
        with DIRECT.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def pretty(body: str) -> str:
    """The body as indented JSON when it is JSON, else as it is."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body
