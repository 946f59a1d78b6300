"""The one exception handlers raise; mapped to the dSS envelope in app.py."""

from __future__ import annotations


class DssFail(Exception):
    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
