"""The owner app's notifier in a running stack, and what it told the dSS about a share."""

from __future__ import annotations

from dss_addon.notifications.service import DSS_EVENT, Notifier
from tests.support.stack import Stack


def notifier_of(stack: Stack) -> Notifier:
    """The owner app's notifier: it observes the share service."""
    for observer in stack.runtime.shares.observers:
        owner = getattr(observer, "__self__", None)
        if isinstance(owner, Notifier):
            return owner
    raise AssertionError("no notifier observes the share service")


def told(stack: Stack, share_id: str) -> list[str]:
    """The kinds of the notification events the dSS received for the share, in order."""
    return [
        str(e.properties["kind"])
        for e in stack.sim.event_history
        if e.name == DSS_EVENT and e.properties.get("share") == share_id
    ]
