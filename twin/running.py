"""``with`` for the twin's background servers: ``__enter__`` starts, ``__exit__`` stops."""

from __future__ import annotations

from typing import Self


class Running:
    """Base of a server that runs in the background between :meth:`start` and :meth:`stop`.

    ``with server:`` starts it and stops it on the way out (even on an exception), so a test or a
    rehearsal never leaves a thread or a socket behind.
    """

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
