"""The one polling loop of the kit: bounded in time, never a bare sleep as synchronisation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(probe: Callable[[], T], timeout: float, interval: float) -> T | None:
    """Call probe until it returns something truthy and return that; None after timeout.

    An OSError from the probe (a connection refused while a server starts) counts as
    "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := probe():
                return result
        except OSError:
            pass
        time.sleep(interval)
    return None
