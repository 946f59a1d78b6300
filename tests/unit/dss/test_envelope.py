"""The dSS envelope, table-driven."""

from __future__ import annotations

import pytest

from dss_addon.dss.envelope import is_not_logged_in, unwrap
from dss_addon.errors import DssRejected


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, b'{"result":{"token":"ab"},"ok":true}', {"token": "ab"}),
        (200, b'{"result":[1,2],"ok":true}', [1, 2]),
        (200, b'{"ok":true}', None),
        (200, b'{"ok":true,"message":"Password changed, have a nice day!"}', None),
        (200, b'{"result":{},"ok":true}', {}),
        (500, b'{"result":{"x":1},"ok":true}', {"x": 1}),  # `ok` decides, not the status
    ],
)
def test_success_answers_give_their_result(status: int, body: bytes, expected: object) -> None:
    assert unwrap(status, body) == expected


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b'{"ok":false,"message":"Authentication failed"}', "Authentication failed"),
        (403, b'{"ok":false,"message":"not logged in"}', "not logged in"),
        (404, b'{"ok":false,"message":"Call to unknown function"}', "Call to unknown function"),
        (500, b'{"ok":false,"message":"Unhandled function"}', "Unhandled function"),
        (200, b'{"ok":false}', "request failed"),
        (200, b'{"ok":false,"message":""}', "request failed"),
        (200, b'{"ok":false,"message":42}', "request failed"),
    ],
)
def test_failure_answers_raise_rejected_with_message_and_status(
    status: int, body: bytes, message: str
) -> None:
    with pytest.raises(DssRejected) as info:
        unwrap(status, body)
    assert info.value.message == message
    assert info.value.status == status


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'cb({"ok":true})',
        b"[1,2]",
        b'"ok"',
        b"{}",
        b'{"ok":"true"}',
        b'{"result":{}}',
        b"\xff\xfe",
        b"<html>502 Bad Gateway</html>",
    ],
)
def test_malformed_answers_raise_rejected(body: bytes) -> None:
    with pytest.raises(DssRejected) as info:
        unwrap(502, body)
    assert info.value.message == "malformed answer"
    assert info.value.status == 502


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (403, b'{"ok":false,"message":"not logged in"}', True),
        (200, b'{"ok":false,"message":"not logged in"}', False),
        (403, b'{"ok":false,"message":"Forbidden"}', False),
        (403, b"garbage", False),
        (403, b'{"ok":true}', False),
    ],
)
def test_not_logged_in_is_recognised_only_as_the_dss_sends_it(
    status: int, body: bytes, expected: bool
) -> None:
    assert is_not_logged_in(status, body) is expected
