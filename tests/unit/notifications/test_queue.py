"""The events waiting for a share's next dSS session (notifications/service.py `queued`)."""

from __future__ import annotations

from dss_addon.notifications.model import Kind
from dss_addon.notifications.service import PENDING_PER_SHARE, queued


def test_repeated_extension_requests_collapse_into_the_newest() -> None:
    waiting = queued([], (Kind.FIRST_USE, "Elektro", ""))
    waiting = queued(waiting, (Kind.EXTENSION_REQUEST, "Elektro", "30"))
    waiting = queued(waiting, (Kind.EXTENSION_REQUEST, "Elektro", "60"))
    assert waiting == [(Kind.FIRST_USE, "Elektro", ""), (Kind.EXTENSION_REQUEST, "Elektro", "60")]


def test_other_kinds_keep_their_order_and_the_oldest_go_first() -> None:
    kinds = [Kind.FIRST_USE, Kind.LOCKED, Kind.DONE, Kind.ENDING_SOON]
    waiting: list[tuple[Kind, str, str]] = []
    for n in range(PENDING_PER_SHARE + 2):
        waiting = queued(waiting, (kinds[n % len(kinds)], "Elektro", str(n)))
    assert len(waiting) == PENDING_PER_SHARE
    assert [e[2] for e in waiting] == [str(n) for n in range(2, PENDING_PER_SHARE + 2)]
