"""The dSS answer envelope: {"result":...,"ok":true}, {"ok":true} or {"ok":false,"message":...}."""

from __future__ import annotations

import json

from dss_addon.errors import DssRejected

NOT_LOGGED_IN = "not logged in"
MALFORMED = "malformed answer"


def unwrap(status: int, body: bytes) -> object:
    """The `result` of a successful answer (None when there is none); DssRejected otherwise.

    The dSS answers most failures with HTTP 200 and ok:false, so `ok` decides, not the status.
    """
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DssRejected(MALFORMED, status=status) from None
    if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
        raise DssRejected(MALFORMED, status=status)
    if answer["ok"]:
        return answer.get("result")
    message = answer.get("message")
    if not isinstance(message, str) or not message:
        message = "request failed"
    raise DssRejected(message, status=status)


def is_not_logged_in(status: int, body: bytes) -> bool:
    """True for the dSS's answer to an unknown or swept session (the only 403 it sends)."""
    if status != 403:
        return False
    try:
        unwrap(status, body)
    except DssRejected as err:
        return err.message == NOT_LOGGED_IN
    return False


def read_object(body: bytes, what: str) -> dict[str, object]:
    """A dSS answer as a JSON object, for an answer the proxy rewrites before forwarding: what
    cannot be read cannot be checked, so anything else raises DssRejected("unreadable <what>")."""
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise DssRejected(f"unreadable {what}") from err
    if not isinstance(answer, dict):
        raise DssRejected(f"unreadable {what}")
    return answer


def compact(answer: object) -> bytes:
    """Serialised as the dSS does: compact, ASCII only."""
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=True).encode("ascii")
