"""The one exception handlers raise; mapped to the dSS envelope in app.py."""

from __future__ import annotations


class DssFail(Exception):
    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class DssCrash(Exception):
    """The real dSS would have crashed here (e.g. a NULL node dereference): the connection
    drops without an answer and the process restarts."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
