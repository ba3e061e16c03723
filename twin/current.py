"""One process-wide current value that a test or a rehearsal installs (the clock, the settings)."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Current(Generic[T]):
    """The value every reader sees until another is installed."""

    def __init__(self, value: T) -> None:
        self._value = value
        self._lock = threading.Lock()

    def install(self, value: T) -> T:
        with self._lock:
            self._value = value
        return value

    def get(self) -> T:
        return self._value
