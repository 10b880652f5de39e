"""Container healthcheck with Python's standard library (slim images have no curl).

Usage: ``python healthcheck.py [PATH]`` (default ``/health``). Prints the answer's
body, so that ``docker inspect`` shows why a check failed, and exits 0 on HTTP 200.

Compose checks every second (Engine 20.10 has no faster start-up interval), which
would bury the requests a person makes in the access log; so checks carry a
marker in their query string, and the app leaves the successful ones out of it.
"""

from __future__ import annotations

import logging
import sys
import urllib.error
import urllib.request

MARKER = "probe=healthcheck"


class QuietHealthchecks(logging.Filter):
    """Drops uvicorn access-log lines of successful healthchecks; failed ones stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            path, status = args[2], args[4]
            return not (isinstance(path, str) and path.endswith(MARKER) and status == 200)
        return True


def main(path: str = "/health") -> int:
    url = f"http://127.0.0.1:8000{path}?{MARKER}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{exc.code} {exc.read().decode()}")
    except OSError as exc:
        print(f"{url}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
