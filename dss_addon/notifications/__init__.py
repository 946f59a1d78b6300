"""Notifications to the homeowner (issue 11): a list in the tab and a dSS event."""
