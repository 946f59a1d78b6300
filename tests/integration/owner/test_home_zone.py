"""Owner pages and the audit's spreadsheet show times in the zone of the dSS's clock, not the
add-on's default (issue 10, item 8)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from dss_sim.config import SimConfig

from tests.support.clock import FakeClock
from tests.support.owner import owner_client, share_of
from tests.support.stack import Stack, running_stack

START = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 10:30 in New York, 16:30 in Berlin


@pytest.fixture
async def new_york(tmp_path: Path) -> AsyncIterator[Stack]:
    config = SimConfig(timezone="America/New_York")
    async with running_stack(tmp_path, clock=FakeClock(START), sim_config=config) as stack:
        yield stack


async def test_the_audit_file_and_the_detail_page_use_the_dss_zone(new_york: Stack) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        owner = await owner_client(http, new_york)
        share_id = share_of(await owner.create(label="Elektro Müller", level="view"))["id"]
        csv_reply = await owner.get(f"/api/shares/{share_id}/audit?format=csv&lang=en")
        rows = list(csv.reader(io.StringIO(csv_reply.text.removeprefix("\ufeff"))))
        created = next(row for row in rows[1:] if row[1])
        assert created[1].startswith("2026-12-01 10:30:")  # New York, not Berlin's 16:30
        page = await owner.get(f"/shares/{share_id}?lang=de")
        assert "01.12.2026, 10:30" in page.text
        assert "16:30" not in page.text
