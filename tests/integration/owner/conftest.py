"""The owner's client on the whole stack (fixtures `stack` and `http`: ../conftest.py)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.owner import OwnerClient, owner_client
from tests.support.stack import Stack


@pytest.fixture
async def owner(stack: Stack, http: aiohttp.ClientSession) -> OwnerClient:
    return await owner_client(http, stack)
