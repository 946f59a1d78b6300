"""A fake clock whose wall time can be set back (or to 1970), as an unsynchronised device's
can; its monotonic clock only ever moves forward."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.clock import FakeClock


class JumpingClock(FakeClock):
    def jump_wall(self, seconds: float = 0.0, *, hours: float = 0.0) -> None:
        """Moves the wall clock only (NTP correction, a user setting the time)."""
        self._now += timedelta(seconds=seconds + 3600 * hours)

    def set_wall(self, moment: datetime) -> None:
        self._now = moment
